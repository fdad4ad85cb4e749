#!/usr/bin/env python3
"""End-to-end tests for build/webraft-chat against the webraft test server.

Run from anywhere (the repo root is found from this file's path) after `make cli`:

    python3 tests/cli/test_cli.py [NAME_SUBSTRING ...]

Starts target/release/webraft-test-server (override with WEBRAFT_TEST_SERVER_BIN; the CLI
with WEBRAFT_CHAT_BIN), runs every case, prints one line per case and finally exactly one
line `N passed, N failed`. Exit status 0 only when nothing failed.
"""

import json
import os
import selectors
import socket
import subprocess
import sys
import tempfile
import time
import traceback

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLI = os.environ.get("WEBRAFT_CHAT_BIN") or os.path.join(ROOT, "build", "webraft-chat")
SERVER = os.environ.get("WEBRAFT_TEST_SERVER_BIN") or os.path.join(
    ROOT, "target", "release", "webraft-test-server")

KEY = "test-key"
BASES = ("v1", "v2", "freeapi")
RUN_TIMEOUT = 20.0  # seconds, per CLI invocation
# Environment variables that would change which key or route the CLI uses.
SCRUBBED_ENV = ("WEBRAFT_API_KEY", "OPENAI_API_KEY", "http_proxy", "https_proxy", "all_proxy",
                "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")

SERVER_URL = None  # http://127.0.0.1:PORT, set by start_server()
TMP = None         # temporary directory for image and request files


class Failure(Exception):
    pass


# ----------------------------------------------------------------------------- helpers


def check(condition, message):
    if not condition:
        raise Failure(message)


def eq(actual, expected, what):
    if actual != expected:
        raise Failure(f"{what}: expected {expected!r}, got {actual!r}")


def contains(haystack, needle, what):
    if needle not in haystack:
        raise Failure(f"{what}: expected to contain {needle!r}, got {haystack!r}")


class Run:
    """The outcome of one CLI invocation."""

    def __init__(self, args, code, out, err, seconds):
        self.args, self.code, self.out, self.err, self.seconds = args, code, out, err, seconds

    def describe(self):
        return (f"\n    args:   {self.args!r}\n    exit:   {self.code}"
                f"\n    stdout: {self.out!r}\n    stderr: {self.err!r}")

    def expect(self, code):
        if self.code != code:
            raise Failure(f"expected exit {code}, got {self.code}{self.describe()}")
        return self

    def out_is(self, text):
        if self.out != text:
            raise Failure(f"stdout: expected {text!r}{self.describe()}")
        return self

    def out_has(self, text):
        if text not in self.out:
            raise Failure(f"stdout should contain {text!r}{self.describe()}")
        return self

    def err_has(self, *texts):
        for text in texts:
            if text not in self.err:
                raise Failure(f"stderr should contain {text!r}{self.describe()}")
        return self

    def json(self):
        try:
            return json.loads(self.out)
        except ValueError as e:
            raise Failure(f"stdout is not one JSON document ({e}){self.describe()}")

    def json_lines(self):
        lines = self.out.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        else:
            raise Failure(f"stdout does not end with a newline{self.describe()}")
        docs = []
        for i, line in enumerate(lines):
            try:
                docs.append(json.loads(line))
            except ValueError as e:
                raise Failure(f"stdout line {i} is not JSON ({e}): {line!r}{self.describe()}")
        return docs


def base_env():
    env = {k: v for k, v in os.environ.items() if k not in SCRUBBED_ENV}
    return env


def run(*args, stdin=None, env=None, timeout=RUN_TIMEOUT):
    """Run the CLI with exactly these arguments."""
    args = [str(a) for a in args]
    started = time.monotonic()
    try:
        proc = subprocess.run([CLI] + args, input=stdin.encode() if isinstance(stdin, str) else stdin,
                              stdin=None if stdin is not None else subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              env=env if env is not None else base_env(), timeout=timeout)
    except subprocess.TimeoutExpired as e:
        raise Failure(f"webraft-chat did not finish within {timeout}s: {args!r}; "
                      f"stdout so far {e.stdout!r}, stderr so far {e.stderr!r}")
    seconds = time.monotonic() - started
    return Run(args, proc.returncode, proc.stdout.decode("utf-8", "replace"),
               proc.stderr.decode("utf-8", "replace"), seconds)


def url(base):
    return f"{SERVER_URL}/{base}"


def chat(base, *args, key=KEY, **kw):
    """Run the CLI against `base` of the test server, with the test key unless key=None."""
    prefix = ["--base-url", url(base)]
    if key is not None:
        prefix += ["--api-key", key]
    return run(*prefix, *args, **kw)


def reply(prompt, images=()):
    """The normal reply text for `prompt` (the server's documented rule)."""
    return f"Hello! You said: {prompt}" + "".join(
        f" [image {i}: {desc}]" for i, desc in enumerate(images, 1))


def server_tokens(text):
    """The server's tokenisation: split after every space."""
    tokens, current = [], ""
    for ch in text:
        current += ch
        if ch == " ":
            tokens.append(current)
            current = ""
    if current:
        tokens.append(current)
    return tokens


def write_file(name, data):
    path = os.path.join(TMP, name)
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())
    return path


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_file(name="pixel.png", extra=59):
    data = PNG_SIGNATURE + bytes((i * 7) & 0xFF for i in range(extra))
    return write_file(name, data), len(data)


def closed_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def request_body(prompt, model="gpt-4o", **extra):
    body = {"model": model, "messages": [{"role": "user", "content": prompt}]}
    body.update(extra)
    return json.dumps(body)


def chunk_deltas(chunks):
    text = ""
    for c in chunks:
        check(isinstance(c, dict), f"chunk is not an object: {c!r}")
        for choice in c.get("choices", []):
            content = choice.get("delta", {}).get("content")
            if content:
                text += content
    return text


# ----------------------------------------------------------------------------- registry

TESTS = []


def test(name):
    def register(fn):
        TESTS.append((name, fn))
        return fn
    return register


def per_base(name):
    """Register fn(base) once for every base."""
    def register(fn):
        for base in BASES:
            TESTS.append((f"{name} [{base}]", (lambda b: lambda: fn(b))(base)))
        return fn
    return register


# ----------------------------------------------------------------------------- per-base tests


@per_base("plain prompt")
def _(base):
    chat(base, "hi").expect(0).out_is(reply("hi") + "\n")


@per_base("multi-word prompt from several args")
def _(base):
    r = chat(base, "what", "is", "two plus", "two?").expect(0)
    r.out_is(reply("what is two plus two?") + "\n")
    eq(r.err, "", "stderr")


@per_base("prompt needing JSON escaping and UTF-8")
def _(base):
    prompt = 'quote " backslash \\ newline\ntab\tbell\x07 ü 日本 😀'
    chat(base, prompt).expect(0).out_is(reply(prompt) + "\n")


@per_base("--stream prints the text")
def _(base):
    chat(base, "--stream", "stream", "me").expect(0).out_is(reply("stream me") + "\n")


@per_base("--stream --events prints chunk JSON lines")
def _(base):
    r = chat(base, "--stream", "--events", "event", "me").expect(0)
    chunks = r.json_lines()
    check(len(chunks) >= 3, f"expected several chunks, got {len(chunks)}{r.describe()}")
    for c in chunks:
        eq(c.get("object"), "chat.completion.chunk", "chunk object")
    eq(chunk_deltas(chunks), reply("event me"), "joined deltas")
    eq(chunks[0]["choices"][0]["delta"].get("role"), "assistant", "first delta role")
    eq(chunks[-1]["choices"][0]["finish_reason"], "stop", "last chunk finish_reason")
    contents = [c["choices"][0]["delta"].get("content") for c in chunks
                if c["choices"] and c["choices"][0]["delta"].get("content")]
    eq(contents, server_tokens(reply("event me")), "one chunk per server token")


@per_base("--json prints the completion")
def _(base):
    r = chat(base, "--json", "json", "me").expect(0)
    check(r.out.endswith("\n") and r.out.count("\n") == 1,
          f"expected one line of JSON{r.describe()}")
    doc = r.json()
    eq(doc.get("object"), "chat.completion", "object")
    eq(doc["choices"][0]["message"]["content"], reply("json me"), "content")
    eq(doc["choices"][0]["message"]["role"], "assistant", "role")
    eq(doc["choices"][0]["finish_reason"], "stop", "finish_reason")
    check(str(doc.get("id", "")).startswith("chatcmpl-test-"), f"id: {doc.get('id')!r}")


@per_base("--stream --json prints the accumulated completion")
def _(base):
    r = chat(base, "--stream", "--json", "accumulate", "me").expect(0)
    check(r.out.count("\n") == 1, f"expected exactly one line{r.describe()}")
    doc = r.json()
    eq(doc.get("object"), "chat.completion", "object")
    eq(doc["choices"][0]["message"]["content"], reply("accumulate me"), "content")
    eq(doc["choices"][0]["finish_reason"], "stop", "finish_reason")


@per_base("--image local PNG file")
def _(base):
    path, size = png_file(f"one-{base}.png")
    chat(base, "--image", path, "look").expect(0).out_is(
        reply("look", [f"image/png {size} bytes"]) + "\n")


@per_base("--image https URL")
def _(base):
    img = "https://example.com/cat.png?x=1&y=2"
    r = chat(base, "--image", img, "what", "is", "this").expect(0)
    r.out_has(f"[image 1: url {img}]")
    r.out_is(reply("what is this", [f"url {img}"]) + "\n")


@per_base("two images, in order")
def _(base):
    path, size = png_file(f"two-{base}.png", extra=100)
    img = "https://example.com/dog.jpg"
    r = chat(base, "--image", img, "--image", path, "compare").expect(0)
    r.out_is(reply("compare", [f"url {img}", f"image/png {size} bytes"]) + "\n")


@per_base("--image with --stream")
def _(base):
    path, size = png_file(f"stream-{base}.png", extra=10)
    chat(base, "--stream", "--image", path, "see").expect(0).out_is(
        reply("see", [f"image/png {size} bytes"]) + "\n")


@per_base("--request FILE")
def _(base):
    path = write_file(f"req-{base}.json", request_body("from a file"))
    chat(base, "--request", path).expect(0).out_is(reply("from a file") + "\n")


@per_base("--request - reads stdin")
def _(base):
    chat(base, "--request", "-", stdin=request_body("from stdin")).expect(0).out_is(
        reply("from stdin") + "\n")


@per_base("--request FILE with --stream")
def _(base):
    path = write_file(f"req-stream-{base}.json", request_body("streamed file"))
    chat(base, "--stream", "--request", path).expect(0).out_is(reply("streamed file") + "\n")


@per_base("--request - with --json")
def _(base):
    doc = chat(base, "--json", "--request", "-",
               stdin=request_body("json stdin", n=2)).expect(0).json()
    eq([c["message"]["content"] for c in doc["choices"]],
       [reply("json stdin"), "[1] " + reply("json stdin")], "choices")


@per_base("--system")
def _(base):
    chat(base, "--system", "You are terse.", "hello").expect(0).out_is(reply("hello") + "\n")
    doc = chat(base, "--json", "--system", "You are terse.", "hello").expect(0).json()
    # prompt_tokens counts the words of every message: 3 (system) + 1 (user).
    eq(doc["usage"]["prompt_tokens"], 4, "prompt_tokens with the system message")


@per_base("--max-tokens 2 truncates")
def _(base):
    full = reply("one two three")
    want = "".join(server_tokens(full)[:2])
    eq(want, "Hello! You ", "server rule sanity")
    chat(base, "--max-tokens", "2", "one two three").expect(0).out_is(want + "\n")
    chat(base, "--stream", "--max-tokens", "2", "one two three").expect(0).out_is(want + "\n")
    doc = chat(base, "--json", "--max-tokens", "2", "one two three").expect(0).json()
    eq(doc["choices"][0]["message"]["content"], want, "content")
    eq(doc["choices"][0]["finish_reason"], "length", "finish_reason")


@per_base("wrong key")
def _(base):
    r = chat(base, "hi", key="wrong-key").expect(1)
    r.err_has("Wrong Api key", "HTTP_STATUS", "req_")
    eq(r.out, "", "stdout")


@per_base("wrong key with --stream")
def _(base):
    r = chat(base, "--stream", "hi", key="wrong-key").expect(1)
    r.err_has("Wrong Api key", "HTTP_STATUS")
    eq(r.out, "", "stdout")


@per_base("error-500 with --max-retries 0")
def _(base):
    r = chat(base, "--model", "error-500", "--max-retries", "0", "hi").expect(1)
    r.err_has("The server had an error while processing your request", "HTTP_STATUS")
    eq(r.out, "", "stdout")


@per_base("error-500 with --stream")
def _(base):
    r = chat(base, "--stream", "--model", "error-500", "--max-retries", "0", "hi").expect(1)
    r.err_has("The server had an error while processing your request")
    eq(r.out, "", "stdout")


@per_base("--stream on disconnect")
def _(base):
    r = chat(base, "--stream", "--model", "disconnect", "hi").expect(1)
    r.out_is("Hello there\n")
    r.err_has("TRANSPORT")


@per_base("--stream --events on disconnect")
def _(base):
    r = chat(base, "--stream", "--events", "--model", "disconnect", "hi").expect(1)
    eq(chunk_deltas(r.json_lines()), "Hello there", "joined deltas")
    r.err_has("TRANSPORT")


@per_base("non-stream disconnect")
def _(base):
    r = chat(base, "--model", "disconnect", "--max-retries", "0", "hi").expect(1)
    eq(r.out, "", "stdout")
    check(r.err.startswith("webraft-chat: "), f"stderr should carry the failure{r.describe()}")


@per_base("--stream on error-chunk")
def _(base):
    r = chat(base, "--stream", "--model", "error-chunk", "hi").expect(1)
    r.out_is("partial\n")
    r.err_has("upstream overloaded")


@per_base("--stream --events on error-chunk")
def _(base):
    r = chat(base, "--stream", "--events", "--model", "error-chunk", "hi").expect(1)
    eq(chunk_deltas(r.json_lines()), "partial", "joined deltas")
    r.err_has("upstream overloaded")


@per_base("--stream on error-event")
def _(base):
    r = chat(base, "--stream", "--model", "error-event", "hi").expect(1)
    r.out_is("partial\n")
    r.err_has("event stream failure")


@per_base("--stream on bad-json-chunk")
def _(base):
    r = chat(base, "--stream", "--model", "bad-json-chunk", "hi").expect(1)
    r.out_is("ok\n")
    r.err_has("{not json")


@per_base("rate-limit with --max-retries 0")
def _(base):
    chat(base, "--model", "rate-limit", "--max-retries", "0", "hi").expect(1).err_has(
        "HTTP_STATUS", "HTTP 429")


@per_base("tools model with --json")
def _(base):
    doc = chat(base, "--model", "tools", "--json", "weather?").expect(3).json()
    choice = doc["choices"][0]
    calls = choice["message"].get("tool_calls")
    check(isinstance(calls, list) and len(calls) == 1, f"tool_calls: {calls!r}")
    eq(calls[0]["function"]["name"], "get_weather", "function name")
    eq(json.loads(calls[0]["function"]["arguments"]), {"city": "Paris"}, "arguments")
    eq(choice["finish_reason"], "tool_calls", "finish_reason")


@per_base("tools model with --stream --json")
def _(base):
    doc = chat(base, "--model", "tools", "--stream", "--json", "weather?").expect(3).json()
    choice = doc["choices"][0]
    calls = choice["message"].get("tool_calls")
    check(isinstance(calls, list) and len(calls) == 1, f"tool_calls: {calls!r}")
    eq(calls[0]["id"], "call_1", "call id")
    eq(calls[0]["function"]["arguments"], '{"city":"Paris"}', "accumulated arguments")
    eq(choice["finish_reason"], "tool_calls", "finish_reason")


# ----------------------------------------------------------------------------- single-base tests


@test("the request the CLI builds (echo-request)")
def _():
    path, size = png_file("echo.png", extra=3)
    doc = chat("v1", "--json", "--model", "echo-request", "--system", "sys text",
               "--max-tokens", "500", "--image", path, "user", "text").expect(0).json()
    echoed = json.loads(doc["choices"][0]["message"]["content"])
    eq(echoed["method"], "POST", "method")
    eq(echoed["path"], "/v1/chat/completions", "path")
    eq(echoed["headers"].get("authorization"), "Bearer test-key", "authorization header")
    body = echoed["body"]
    eq(body["model"], "echo-request", "model")
    eq(body["max_tokens"], 500, "max_tokens")
    eq(body["messages"][0], {"role": "system", "content": "sys text"}, "system message")
    user = body["messages"][1]
    eq(user["role"], "user", "user role")
    eq(user["content"][0], {"type": "text", "text": "user text"}, "text part")
    eq(user["content"][1]["type"], "image_url", "image part type")
    check(user["content"][1]["image_url"]["url"].startswith("data:image/png;base64,"),
          f"image data URL: {user['content'][1]!r}")


TOOLS = json.dumps([{"type": "function", "function": {
    "name": "get_weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}])
TOOL_CALL_LINE = {"id": "call_1", "name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}
TOOL_FINAL_ANSWER = "The tool call_1 said: 22 C"


def read_json(path):
    with open(path, "rb") as f:
        return json.loads(f.read())


@test("--conversation: a missing file starts one, each run appends what was sent and the reply")
def _():
    path = os.path.join(TMP, "dialogue.json")
    if os.path.exists(path):
        os.unlink(path)
    chat("v1", "--conversation", path, "--system", "be kind", "hi").expect(0).out_is(reply("hi") + "\n")
    eq(read_json(path), [{"role": "system", "content": "be kind"}, {"role": "user", "content": "hi"},
                         {"role": "assistant", "content": reply("hi")}], "after one run")
    chat("v1", "--conversation", path, "--system", "other", "--stream", "again").expect(0)
    saved = read_json(path)
    eq(len(saved), 5, "messages after two runs")
    eq(saved[0]["content"], "be kind", "--system is not added when FILE has a system message")
    eq(saved[3:], [{"role": "user", "content": "again"}, {"role": "assistant", "content": reply("again")}],
       "second exchange")


@test("--conversation: an empty file is an empty conversation; --system goes first")
def _():
    path = write_file("empty.json", "")
    chat("v1", "--conversation", path, "--system", "s", "hi").expect(0)
    eq([m["role"] for m in read_json(path)], ["system", "user", "assistant"], "roles")


@test("tool round trip: exit 3 with tool-call lines, then --tool-result gets the answer")
def _():
    path = os.path.join(TMP, "tools-dialogue.json")
    if os.path.exists(path):
        os.unlink(path)
    tools = write_file("tools.json", TOOLS)
    first = chat("v1", "--conversation", path, "--tools", tools, "--model", "tools", "weather?").expect(3)
    eq(first.json_lines(), [TOOL_CALL_LINE], "tool-call lines")
    saved = read_json(path)
    eq(saved[-1]["role"], "assistant", "assistant turn saved")
    eq(saved[-1]["content"], "", "null content of a tool-call-only turn is stored as empty")
    eq(saved[-1]["tool_calls"][0]["id"], "call_1", "tool call saved")
    second = chat("v1", "--conversation", path, "--tools", tools, "--model", "tools",
                  "--tool-result", "call_1=22 C").expect(0)
    second.out_is(TOOL_FINAL_ANSWER + "\n")
    saved = read_json(path)
    eq(saved[-2], {"role": "tool", "tool_call_id": "call_1", "content": "22 C"}, "tool result saved")
    eq(saved[-1], {"role": "assistant", "content": TOOL_FINAL_ANSWER}, "final answer saved")


@test("tool calls exit 3 in every output mode; --json still prints the completion")
def _():
    eq(chat("v1", "--stream", "--model", "tools", "weather?").expect(3).json_lines(), [TOOL_CALL_LINE],
       "--stream tool lines")
    doc = chat("v1", "--json", "--model", "tools", "weather?").expect(3).json()
    eq(doc["choices"][0]["finish_reason"], "tool_calls", "--json completion")
    chat("v1", "--stream", "--json", "--model", "tools", "weather?").expect(3)
    chat("v1", "--request", write_file("tool-request.json", request_body("w", model="tools"))).expect(3)


@test("conversation bad usage exits 2, sends nothing and leaves FILE as it was")
def _():
    for name, content in (("object.json", '{"role":"user"}'), ("broken.json", "[{"), ("roleless.json", '[{"content":"x"}]')):
        path = write_file(name, content)
        chat("v1", "--conversation", path, "hi").expect(2).err_has("--conversation")
        with open(path) as f:
            eq(f.read(), content, f"{name} untouched")
    chat("v1", "--tools", write_file("tools-object.json", "{}"), "hi").expect(2).err_has("--tools")
    chat("v1", "--tool-result", "no-equals-sign", "hi").expect(2).err_has("--tool-result")
    chat("v1", "--request", write_file("r.json", request_body("x")), "--conversation", "c.json").expect(2)


@test("a failed call leaves the conversation file byte-for-byte unchanged")
def _():
    original = '[{"role":"user","content":"earlier"}]\n'
    path = write_file("kept.json", original)
    chat("v1", "--conversation", path, "--model", "error-500", "hi", key=KEY).expect(1)
    chat("v1", "--conversation", path, "hi", key="wrong-key").expect(1)
    with open(path) as f:
        eq(f.read(), original, "file after failures")


@test("--api responses: plain, --json, --stream and --events")
def _():
    chat("v1", "--api", "responses", "hi").expect(0).out_is(reply("hi") + "\n")
    doc = chat("v1", "--api", "responses", "--json", "hi").expect(0).json()
    eq(doc["object"], "response", "--json prints the response object")
    eq(doc["status"], "completed", "status")
    chat("v1", "--api", "responses", "--stream", "hi").expect(0).out_is(reply("hi") + "\n")
    chat("v2", "--api", "responses", "--stream", "hi").expect(0).out_is(reply("hi") + "\n")
    events = chat("v1", "--api", "responses", "--stream", "--events", "hi").expect(0).json_lines()
    names = [e["event"] for e in events]
    eq(names[0], "response.created", "first event")
    eq(names[-1], "response.completed", "last event")
    check(all(e["data"]["type"] == e["event"] for e in events), f"data type matches event name: {events!r}")


@test("--api responses builds the request the issue describes")
def _():
    doc = chat("v1", "--api", "responses", "--json", "--model", "echo-request", "--system", "be brief",
               "--max-tokens", "40", "--stream", "hi").expect(0).json()
    text = "".join(part["text"] for item in doc["output"] if item.get("type") == "message"
                   for part in item["content"] if part.get("type") == "output_text")
    echoed = json.loads(text)
    eq(echoed["path"], "/v1/responses", "path")
    body = echoed["body"]
    eq(body["input"], "hi", "input is PROMPT as a string")
    eq(body["instructions"], "be brief", "--system becomes instructions")
    eq(body["max_output_tokens"], 40, "--max-tokens becomes max_output_tokens")
    eq(body["stream"], True, "stream with --stream")


@test("--api responses: failed and error events exit 1 with the server's message; text stays")
def _():
    r = chat("v1", "--api", "responses", "--stream", "--model", "responses-failed", "hi").expect(1)
    r.err_has("webraft-chat: STREAM_ERROR: The model failed mid-response")
    check(r.out != "", f"the text that arrived stays on stdout{r.describe()}")
    chat("v1", "--api", "responses", "--stream", "--model", "responses-error", "hi").expect(1).err_has(
        "webraft-chat: STREAM_ERROR: Too many tokens mid-stream")
    chat("v1", "--api", "responses", "--model", "responses-failed", "hi").expect(1).err_has(
        "The model failed mid-response")


@test("--api responses: incomplete exits 0 and names the reason; tool calls exit 3")
def _():
    chat("v1", "--api", "responses", "--stream", "--model", "responses-incomplete", "hi").expect(0).err_has(
        "max_output_tokens")
    eq(chat("v1", "--api", "responses", "--model", "tools", "weather?").expect(3).json_lines(), [TOOL_CALL_LINE],
       "tool lines")
    eq(chat("v1", "--api", "responses", "--stream", "--model", "tools", "weather?").expect(3).json_lines(),
       [TOOL_CALL_LINE], "streamed tool lines")


@test("--api responses with --conversation and --tool-result")
def _():
    path = os.path.join(TMP, "responses-dialogue.json")
    if os.path.exists(path):
        os.unlink(path)
    chat("v1", "--api", "responses", "--conversation", path, "--model", "tools", "weather?").expect(3)
    chat("v1", "--api", "responses", "--conversation", path, "--model", "tools",
         "--tool-result", "call_1=22 C").expect(0).out_is(TOOL_FINAL_ANSWER + "\n")
    eq(read_json(path)[-1], {"role": "assistant", "content": TOOL_FINAL_ANSWER}, "saved answer")


@test("--path: any endpoint, plain body unchanged, streamed events as lines")
def _():
    models = chat("v1", "--path", "/models").expect(0)
    check(json.loads(models.out)["object"] == "list", f"/models body{models.describe()}")
    events = chat("v1", "--path", "/events", "--stream").expect(0).json_lines()
    eq(events, [{"event": "greeting", "data": "hello"}, {"event": None, "data": {"n": 1}},
                {"event": "tick", "data": {"n": 2}}], "SSE events")
    events = chat("v2", "--path", "/events", "--method", "POST", "--stream").expect(0).json_lines()
    eq(events, [{"event": None, "data": {"n": 1}}, {"event": None, "data": {"n": 2}}], "JSON lines events")
    body = write_file("raw.json", request_body("hi"))
    doc = json.loads(chat("v1", "--path", "/chat/completions", "--request", body).expect(0).out)
    eq(doc["choices"][0]["message"]["content"], reply("hi"), "POST with --request")
    chat("v1", "--path", "/models", key="wrong-key").expect(1).err_has("HTTP_STATUS", "HTTP 401")
    chat("v1", "--path", "models").expect(2)
    chat("v1", "--path", "/models", "hi").expect(2)
    chat("v1", "--method", "GET", "hi").expect(2)
    chat("v1", "--api", "completions", "hi").expect(2)


@test("--headers-out: written as soon as headers arrive, also when the call fails later")
def _():
    out = os.path.join(TMP, "headers.json")
    for args in (("--model", "rate-limit-headers", "hi"), ("--stream", "--model", "rate-limit-headers", "hi"),
                 ("--api", "responses", "--stream", "--model", "rate-limit-headers", "hi")):
        if os.path.exists(out):
            os.unlink(out)
        chat("v1", "--headers-out", out, *args).expect(0)
        headers = read_json(out)
        eq(headers["x-ratelimit-limit-requests"], "60", f"rate limit header for {args}")
        eq(headers["x-webraft-repeat"], "a, b", "repeated headers joined")
        check(all(name == name.lower() for name in headers), f"lower-case names: {headers!r}")
    os.unlink(out)
    chat("v1", "--headers-out", out, "--stream", "--timeout-ms", "300", "--model", "stall-body", "hi").expect(1)
    check("content-type" in read_json(out), "headers written before the stream stalled")
    os.unlink(out)
    chat("v1", "--headers-out", out, "hi", key="wrong-key").expect(1)
    check("content-type" in read_json(out), "headers of a failed reply")


@test("default model is gpt-4o")
def _():
    eq(chat("v1", "--json", "hi").expect(0).json()["model"], "gpt-4o", "model")


@test("--plan free with --base-url override")
def _():
    chat("freeapi", "--plan", "free", "free", "plan").expect(0).out_is(reply("free plan") + "\n")
    chat("freeapi", "--plan", "free", "--stream", "free").expect(0).out_is(reply("free") + "\n")


@test("--plan paid with --base-url override")
def _():
    chat("v2", "--plan", "paid", "paid", "plan").expect(0).out_is(reply("paid plan") + "\n")


@test("WEBRAFT_API_KEY instead of --api-key")
def _():
    env = base_env()
    env["WEBRAFT_API_KEY"] = KEY
    chat("v1", "from", "env", key=None, env=env).expect(0).out_is(reply("from env") + "\n")
    chat("v2", "--stream", "env", key=None, env=env).expect(0).out_is(reply("env") + "\n")


@test("--api-key beats WEBRAFT_API_KEY")
def _():
    env = base_env()
    env["WEBRAFT_API_KEY"] = "wrong-env-key"
    chat("v1", "hi", env=env).expect(0).out_is(reply("hi") + "\n")
    chat("v1", "hi", key=None, env=env).expect(1).err_has("Wrong Api key")


@test("no key at all")
def _():
    chat("v1", "hi", key=None).expect(1).err_has("Wrong Api key", "HTTP_STATUS")


@test("--max-retries is honoured (flaky model)")
def _():
    tag = f"cli{os.getpid()}"
    chat("v1", "--model", f"flaky-1-{tag}a", "--max-retries", "0", "hi").expect(1).err_has(
        "HTTP_STATUS")
    chat("v1", "--model", f"flaky-1-{tag}b", "--max-retries", "1", "hi").expect(0).out_is(
        reply("hi") + "\n")


@test("missing image file")
def _():
    path = os.path.join(TMP, "does-not-exist.png")
    r = chat("v1", "--image", path, "hi").expect(1)
    r.err_has(path)
    eq(r.out, "", "stdout")


@test("image file that is not an image")
def _():
    path = write_file("notes.txt", "just text\n")
    chat("v1", "--image", path, "hi").expect(1).err_has(path)


@test("image type sniffed without extension")
def _():
    path, size = png_file("noext", extra=20)
    chat("v1", "--image", path, "hi").expect(0).out_is(
        reply("hi", [f"image/png {size} bytes"]) + "\n")


@test("--image data: URL passed through")
def _():
    chat("v1", "--image", "data:image/gif;base64,R0lGODlh", "hi").expect(0).out_is(
        reply("hi", ["image/gif 6 bytes"]) + "\n")


@test("--request FILE that does not exist")
def _():
    path = os.path.join(TMP, "missing-request.json")
    chat("v1", "--request", path).expect(1).err_has(path)


@test("--request - with invalid JSON")
def _():
    r = chat("v1", "--request", "-", stdin="{not json").expect(1)
    check(r.err.startswith("webraft-chat: "), f"stderr should explain{r.describe()}")


@test("--request body rejected by the server")
def _():
    r = chat("v1", "--request", "-", stdin='{"model":"gpt-4o","messages":[]}').expect(1)
    r.err_has("HTTP_STATUS", "HTTP 400")


@test("--stream --events --json prints chunks then the completion")
def _():
    docs = chat("v1", "--stream", "--events", "--json", "both").expect(0).json_lines()
    check(len(docs) >= 2, f"lines: {docs!r}")
    eq(chunk_deltas(docs[:-1]), reply("both"), "joined deltas")
    eq(docs[-1].get("object"), "chat.completion", "last line object")
    eq(docs[-1]["choices"][0]["message"]["content"], reply("both"), "last line content")


@test("-- ends options")
def _():
    chat("v1", "--", "--model", "x", "--stream").expect(0).out_is(
        reply("--model x --stream") + "\n")


@test("single-dash word is part of the prompt")
def _():
    chat("v1", "-1", "is", "negative").expect(0).out_is(reply("-1 is negative") + "\n")


USAGE_ERRORS = [
    ("no prompt", []),
    ("empty prompt", [""]),
    ("unknown option", ["--bogus", "hi"]),
    ("--events without --stream", ["--events", "hi"]),
    ("--plan gold", ["--plan", "gold", "hi"]),
    ("--max-tokens abc", ["--max-tokens", "abc", "hi"]),
    ("--max-tokens -1", ["--max-tokens", "-1", "hi"]),
    ("--max-tokens empty", ["--max-tokens", "", "hi"]),
    ("--timeout-ms 1.5", ["--timeout-ms", "1.5", "hi"]),
    ("--max-retries x", ["--max-retries", "x", "hi"]),
    ("--request with PROMPT", ["--request", "-", "hi"]),
    ("--request with --model", ["--request", "-", "--model", "m"]),
    ("--request with --system", ["--request", "-", "--system", "s"]),
    ("--request with --image", ["--request", "-", "--image", "https://e.x/a.png"]),
    ("--request with --max-tokens", ["--request", "-", "--max-tokens", "3"]),
    ("missing option value", ["hi", "--model"]),
    ("missing --image value", ["hi", "--image"]),
    ("--hedge-ms without --fallback", ["--hedge-ms", "100", "hi"]),
    ("--partial-json without --stream", ["--partial-json", "hi"]),
    ("--hedge-ms abc", ["--fallback", "http://127.0.0.1:9/v1", "--hedge-ms", "abc", "hi"]),
    ("missing --fallback value", ["hi", "--fallback"]),
]

for _name, _args in USAGE_ERRORS:
    def _usage_case(args=_args):
        r = chat("v1", *args, stdin=request_body("should not be sent")).expect(2)
        eq(r.out, "", "stdout")
        r.err_has("usage: webraft-chat")
    TESTS.append((f"usage error: {_name}", _usage_case))


# ----------------------------------------------------------------------------- never stuck (#18)


@test("--fallback: a down endpoint, then the next answers and stderr names it")
def _():
    fallback = url("v1")
    r = run("--base-url", url("role/down/v1"), "--api-key", KEY, "--fallback", fallback, "hi").expect(0)
    r.out_is(reply("hi") + "\n")
    eq(r.err, f"webraft-chat: answered by {fallback}\n", "stderr")


@test("--fallback: repeatable, tried in order; nothing said when the first answers")
def _():
    first, second = url("role/failing/v1"), url("v1")
    r = run("--base-url", f"http://127.0.0.1:{closed_port()}/v1", "--api-key", KEY, "--max-retries", "0",
            "--fallback", first, "--fallback", second, "hi").expect(0)
    r.out_is(reply("hi") + "\n")
    eq(r.err, f"webraft-chat: answered by {second}\n", "stderr")
    r = run("--base-url", url("v1"), "--api-key", KEY, "--fallback", url("role/failing/v1"), "hi").expect(0)
    eq(r.err, "", "stderr when the first endpoint answers")


@test("--fallback: a stream from an endpoint out of credits moves on")
def _():
    fallback = url("v1")
    r = run("--base-url", url("role/no-credits/v1"), "--api-key", KEY, "--stream", "--fallback", fallback,
            "hi").expect(0)
    r.out_is(reply("hi") + "\n")
    r.err_has(f"answered by {fallback}")


@test("--fallback: every endpoint failing fails the call")
def _():
    r = run("--base-url", url("role/failing/v1"), "--api-key", KEY, "--max-retries", "0",
            "--fallback", url("role/no-credits/v1"), "hi").expect(1)
    eq(r.out, "", "stdout")
    r.err_has("HTTP_STATUS", "Insufficient Credits")
    check("answered by" not in r.err, f"no endpoint answered{r.describe()}")


@test("--hedge-ms: a slow first chunk is hedged by the next endpoint")
def _():
    fallback = url("v1")
    r = run("--base-url", url("role/first-chunk-5000/v1"), "--api-key", KEY, "--stream",
            "--fallback", fallback, "--hedge-ms", "200", "hi").expect(0)
    r.out_is(reply("hi") + "\n")
    eq(r.err, f"webraft-chat: answered by {fallback}\n", "stderr")
    check(r.seconds < 4, f"the hedge should answer long before the slow endpoint ({r.seconds:.1f}s)")


@test("--partial-json: one valid JSON line per chunk that changes the snapshot")
def _():
    r = chat("v1", "--stream", "--partial-json", "--model", "json-content", "hi").expect(0)
    lines = r.json_lines()
    check(len(lines) >= 5, f"several snapshots{r.describe()}")
    eq(lines[-1], {"name": "Ada", "tags": ["x", "y"], "age": 36, "ok": True}, "last snapshot")
    eq(lines[0], {}, "the first snapshot: an object without members yet")
    raw = r.out.split("\n")[:-1]
    eq(len(raw), len(set(raw)), "no line repeats (only changes are printed)")
    for before, after in zip(raw, raw[1:]):
        check(len(after) >= len(before) - 2, f"snapshots grow: {before!r} then {after!r}")


@test("--partial-json: content that is not JSON prints nothing")
def _():
    chat("v1", "--stream", "--partial-json", "hi").expect(0).out_is("")


@test("--help and -h")
def _():
    for flag in ("--help", "-h"):
        r = run(flag).expect(0)
        check(r.out.startswith("usage: webraft-chat"), f"usage on stdout{r.describe()}")
        for option in ("--base-url", "--stream", "--events", "--request", "--max-retries"):
            r.out_has(option)
    # --help wins even next to otherwise bad usage.
    run("--plan", "gold", "--help").expect(0)


@test("connection refused")
def _():
    port = closed_port()
    r = run("--base-url", f"http://127.0.0.1:{port}/v1", "--api-key", KEY,
            "--max-retries", "0", "hi").expect(1)
    r.err_has("CONNECT")
    eq(r.out, "", "stdout")


@test("--timeout-ms 100 on slow")
def _():
    r = chat("v1", "--model", "slow", "--timeout-ms", "100", "--max-retries", "0", "hi").expect(1)
    r.err_has("TIMEOUT")
    check(r.seconds < 5, f"took {r.seconds:.1f}s")


@test("--timeout-ms on stall-body (non-stream)")
def _():
    r = chat("v2", "--model", "stall-body", "--timeout-ms", "300", "--max-retries", "0",
             "hi").expect(1)
    r.err_has("TIMEOUT")
    check(r.seconds < 5, f"took {r.seconds:.1f}s")


@test("slow model succeeds without a timeout")
def _():
    chat("v1", "--model", "slow", "--stream", "slowly").expect(0).out_is(reply("slowly") + "\n")


@test("bad --base-url")
def _():
    chat("v1", "hi", "--base-url", "ftp://example.com/v1").expect(1).err_has("base_url")


# Numbers the CLI's own check accepts must reach the library as valid JSON numbers.
@test("--max-tokens with a leading zero (02) works like 2")
def _():
    r = chat("v1", "--max-tokens", "02", "one two three")
    if r.code != 2:  # rejecting it as bad usage would also be acceptable
        r.expect(0).out_is("Hello! You \n")


@test("--timeout-ms with a leading zero (05000) works like 5000")
def _():
    r = chat("v1", "--timeout-ms", "05000", "hi")
    if r.code != 2:
        r.expect(0).out_is(reply("hi") + "\n")


@test("--max-retries 00 works like 0")
def _():
    r = chat("v1", "--max-retries", "00", "hi")
    if r.code != 2:
        r.expect(0).out_is(reply("hi") + "\n")


@test("--max-retries out of range is a usage error")
def _():
    r = chat("v1", "--max-retries", "99999999999999999999", "hi")
    r.expect(2)


# ----------------------------------------------------------------------------- audio, images, embeddings


class Recorder:
    """A loopback server that records each request (path, lower-case headers, body) and answers
    every one with `reply` (status, content type, body bytes): to see exactly what is sent."""

    def __init__(self, reply):
        import http.server
        import threading
        recorder = self
        self.requests = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                headers = {name.lower(): value for name, value in self.headers.items()}
                recorder.requests.append((self.path, headers, body))
                status, content_type, payload = reply
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def run(self, *args):
        try:
            return run("--base-url", self.url, "--api-key", KEY, *args)
        finally:
            self.server.shutdown()
            self.server.server_close()

    def json_body(self):
        eq(len(self.requests), 1, "requests sent")
        return json.loads(self.requests[0][2])


def fnv1a64(data):
    h = 0xcbf29ce484222325
    for b in data:
        h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h


def transcript(data, filename, content_type, verb="heard"):
    return f"{verb} {len(data)} bytes of {filename} ({content_type}) fnv1a64 {fnv1a64(data):016x}"


def wav_file(name="line.wav", size=40000):
    data = b"RIFF\0\0\0\0WAVE" + bytes((i * 13) & 0xFF for i in range(size))
    return write_file(name, data), data


def speech_bytes(n):
    return bytes(i % 251 for i in range(n))


def fresh_dir(name):
    path = os.path.join(TMP, name)
    os.makedirs(path, exist_ok=True)
    return path


@test("--transcribe FILE prints the transcript of the whole file")
def _():
    path, data = wav_file()
    chat("v1", "--transcribe", path).expect(0).out_is(transcript(data, "line.wav", "audio/wav") + "\n")


@test("--transcribe sends multipart with file and model (default whisper-1, or --model)")
def _():
    path, data = wav_file("take.wav", 100)
    for model_args, model in (((), "whisper-1"), (("--model", "whisper-large"), "whisper-large")):
        rec = Recorder((200, "application/json", b'{"text":"ok"}'))
        rec.run("--transcribe", path, *model_args).expect(0).out_is("ok\n")
        eq(len(rec.requests), 1, "requests")
        route, headers, body = rec.requests[0]
        eq(route, "/v1/audio/transcriptions", "path")
        content_type = headers.get("content-type", "")
        check(content_type.startswith("multipart/form-data; boundary="), f"content type {content_type!r}")
        boundary = content_type.split("boundary=", 1)[1].encode()
        contains(body, b'Content-Disposition: form-data; name="model"\r\n\r\n' + model.encode() + b"\r\n", "model part")
        contains(body, b'name="file"; filename="take.wav"\r\nContent-Type: audio/wav\r\n\r\n' + data + b"\r\n--" + boundary,
                 "file part")
        check(b'name="stream"' not in body, "no stream field without --stream")


@test("--transcribe --stream sends stream=true and prints the text as it arrives")
def _():
    path, data = wav_file("stream.wav", 10)
    chat("v1", "--transcribe", path, "--stream").expect(0).out_is(transcript(data, "stream.wav", "audio/wav") + "\n")
    rec = Recorder((200, "application/json", b'{"text":"x"}'))
    rec.run("--transcribe", path, "--stream")
    contains(rec.requests[0][2], b'name="stream"\r\n\r\ntrue\r\n', "stream field")


@test("--transcribe with a missing FILE, a directory or no FILE is bad usage: exit 2, nothing sent")
def _():
    for args in ((os.path.join(TMP, "no-such.wav"),), (TMP,), ()):
        rec = Recorder((200, "application/json", b'{"text":"x"}'))
        r = rec.run("--transcribe", *args).expect(2)
        if args:
            r.err_has(args[0])
        eq(rec.requests, [], "requests sent")


@test("--transcribe: an error reply is reported like a chat error (exit 1)")
def _():
    path, _ = wav_file("denied.wav", 10)
    chat("v1", "--transcribe", path, key="wrong-key").expect(1).err_has("HTTP_STATUS", "Wrong Api key")


@test("--speech-out FILE writes the speech bytes and prints nothing")
def _():
    out = os.path.join(fresh_dir("speech"), "npc.mp3")
    chat("v1", "--speech-out", out, "Hello", "there").expect(0).out_is("")
    with open(out, "rb") as f:
        eq(f.read(), speech_bytes(1024 * len("Hello there")), "speech file")


@test("--speech-out sends model (default tts-1), input and voice (default alloy)")
def _():
    for extra, model, voice in (((), "tts-1", "alloy"), (("--model", "tts-1-hd", "--voice", "nova"), "tts-1-hd", "nova")):
        out = os.path.join(fresh_dir("speech-body"), "a.mp3")
        rec = Recorder((200, "audio/mpeg", b"\0\1\2"))
        rec.run("--speech-out", out, *extra, 'Say "hi"').expect(0)
        eq(rec.requests[0][0], "/v1/audio/speech", "path")
        eq(rec.json_body(), {"model": model, "input": 'Say "hi"', "voice": voice}, "body")
        eq(list(rec.json_body()), ["model", "input", "voice"], "member order")
        with open(out, "rb") as f:
            eq(f.read(), b"\0\1\2", "file")


@test("--speech-out leaves FILE untouched and no temporary file when the call fails")
def _():
    folder = fresh_dir("speech-fail")
    out = write_file("speech-fail/keep.mp3", b"previous take")
    chat("v1", "--speech-out", out, "--model", "tts-cut", "Hello there").expect(1).err_has("TRANSPORT")
    chat("v1", "--speech-out", out, "Hello", key="wrong-key").expect(1).err_has("HTTP_STATUS")
    missing = os.path.join(folder, "never.mp3")
    chat("v1", "--speech-out", missing, "--model", "tts-cut", "Hello there").expect(1)
    with open(out, "rb") as f:
        eq(f.read(), b"previous take", "file after failures")
    eq(sorted(os.listdir(folder)), ["keep.mp3"], "files in the folder")


@test("--image-out FILE writes the first image's decoded bytes")
def _():
    out = os.path.join(fresh_dir("image"), "fox.png")
    chat("v1", "--image-out", out, "a", "red", "fox").expect(0).out_is("")
    with open(out, "rb") as f:
        eq(f.read(), PNG_SIGNATURE + b"a red fox#0", "image file")


@test("--image-out sends model (default gpt-image-1), prompt and response_format b64_json")
def _():
    out = os.path.join(fresh_dir("image-body"), "x.png")
    rec = Recorder((200, "application/json", b'{"data":[{"b64_json":"AAEC"}]}'))
    rec.run("--image-out", out, "--model", "dall-e-3", "a cat").expect(0)
    eq(rec.requests[0][0], "/v1/images/generations", "path")
    eq(rec.json_body(), {"model": "dall-e-3", "prompt": "a cat", "response_format": "b64_json"}, "body")
    eq(list(rec.json_body()), ["model", "prompt", "response_format"], "member order")
    rec = Recorder((200, "application/json", b'{"data":[{"b64_json":"AAEC"}]}'))
    rec.run("--image-out", out, "a cat").expect(0)
    eq(rec.json_body()["model"], "gpt-image-1", "default model")


@test("--image-out prints the URL when the reply holds one, and writes no file")
def _():
    out = os.path.join(fresh_dir("image-url"), "x.png")
    rec = Recorder((200, "application/json", b'{"created":1,"data":[{"url":"https://cdn.example/x.png"}]}'))
    rec.run("--image-out", out, "a cat").expect(0).out_is("https://cdn.example/x.png\n")
    check(not os.path.exists(out), "no file for a URL reply")


@test("--embed prints the vector as one JSON array, decoded from base64")
def _():
    import struct
    r = chat("v1", "--embed", "hello", "world").expect(0)
    check(r.out.endswith("\n") and r.out.count("\n") == 1, f"one line: {r.out!r}")
    vector = r.json()
    body = json.dumps({"model": "m", "input": "hello world"}).encode()
    conn = socket.create_connection(("127.0.0.1", int(SERVER_URL.rsplit(":", 1)[1])))
    conn.sendall(b"POST /v1/embeddings HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer test-key\r\n"
                 b"Connection: close\r\nContent-Type: application/json\r\nContent-Length: "
                 + str(len(body)).encode() + b"\r\n\r\n" + body)
    reply = b""
    while True:
        piece = conn.recv(65536)
        if not piece:
            break
        reply += piece
    conn.close()
    floats = json.loads(reply.split(b"\r\n\r\n", 1)[1])["data"][0]["embedding"]
    as_f32 = lambda v: struct.unpack("<f", struct.pack("<f", v))[0]
    eq([as_f32(v) for v in vector], [as_f32(v) for v in floats], "vector")


@test("--embed sends model (default text-embedding-3-small), input and encoding_format base64")
def _():
    import base64
    import struct
    packed = base64.b64encode(struct.pack("<3f", 0.5, -1.25, 3.0)).decode()
    rec = Recorder((200, "application/json", json.dumps({"data": [{"embedding": packed}]}).encode()))
    rec.run("--embed", "hi").expect(0).out_is("[0.5,-1.25,3]\n")
    eq(rec.requests[0][0], "/v1/embeddings", "path")
    eq(rec.json_body(), {"model": "text-embedding-3-small", "input": "hi", "encoding_format": "base64"}, "body")


@test("media flags: a missing PROMPT or a wrong combination is bad usage (exit 2)")
def _():
    out = os.path.join(TMP, "x.mp3")
    path, _ = wav_file("usage.wav", 1)
    for args in (("--embed",), ("--speech-out", out), ("--image-out", out), ("--voice", "nova", "hi"),
                 ("--embed", "--speech-out", out, "hi"), ("--speech-out", out, "--stream", "hi"),
                 ("--transcribe", path, "hi"), ("--embed", "--json", "hi"), ("--speech-out",)):
        chat("v1", *args).expect(2)
    check(not os.path.exists(out), "nothing written")


# ----------------------------------------------------------------------------- server + runner


def start_server():
    global SERVER_URL
    proc = subprocess.Popen([SERVER, "--port", "0", "--exit-on-stdin-eof"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    line = b""
    deadline = time.monotonic() + 15
    while not line.endswith(b"\n"):
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not sel.select(remaining):
            stop_server(proc)
            raise RuntimeError("test server did not print LISTENING within 15s")
        byte = os.read(proc.stdout.fileno(), 1)
        if not byte:
            stop_server(proc)
            raise RuntimeError(f"test server exited early: {line!r}")
        line += byte
    sel.close()
    text = line.decode().strip()
    if not text.startswith("LISTENING "):
        stop_server(proc)
        raise RuntimeError(f"unexpected first line from test server: {text!r}")
    SERVER_URL = f"http://127.0.0.1:{int(text.split()[1])}"
    return proc


def stop_server(proc):
    try:
        proc.stdin.close()  # --exit-on-stdin-eof
    except OSError:
        pass
    try:
        proc.wait(timeout=3)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)
    if proc.stdout:
        proc.stdout.close()


def main(argv):
    global TMP
    filters = argv[1:]
    selected = [(n, f) for n, f in TESTS if not filters or any(s in n for s in filters)]
    for path, what in ((CLI, "webraft-chat (run `make cli`)"), (SERVER, "test server")):
        if not os.access(path, os.X_OK):
            print(f"missing {what}: {path}", file=sys.stderr)
            print(f"0 passed, {len(selected)} failed")
            return 1
    passed = failed = 0
    failures = []
    started = time.monotonic()
    server = start_server()
    try:
        with tempfile.TemporaryDirectory(prefix="webraft-cli-test-") as tmp:
            TMP = tmp
            for name, fn in selected:
                t0 = time.monotonic()
                try:
                    fn()
                except Failure as e:
                    failed += 1
                    failures.append(name)
                    print(f"FAIL {name}: {e}")
                except Exception:
                    failed += 1
                    failures.append(name)
                    print(f"FAIL {name}: unexpected error\n{traceback.format_exc()}")
                else:
                    passed += 1
                    print(f"ok   {name} ({time.monotonic() - t0:.2f}s)")
                sys.stdout.flush()
    finally:
        stop_server(server)
    if failures:
        print(f"failed ({time.monotonic() - started:.1f}s): " + "; ".join(failures))
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
