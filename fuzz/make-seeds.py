# Regenerates the seeds in fuzz/corpus/stream_decode: header (config, plan, piece lengths) + body.
# Run from the repository root: python3 fuzz/make-seeds.py
import pathlib
vec = pathlib.Path("tests/vectors")
out = pathlib.Path("fuzz/corpus/stream_decode")
out.mkdir(parents=True, exist_ok=True)
SSE, NDJSON, JSON, PLAIN, NONE = 1, 2, 3, 4, 0
SMALL_MAX = 2 << 3  # max_event_bytes 64

def seed(name, config, lengths, body):
    (out / name).write_bytes(bytes([config, len(lengths)]) + bytes(lengths) + body)

for f in sorted(vec.glob("*.raw")):
    body = f.read_bytes()
    seed(f.stem + "-sse", SSE, [7, 1, 200, 0, 3], body)
    seed(f.stem + "-sniffed", NONE, [], body)
    # The same chunks as JSON lines, as the /v2 base sends them (text/plain like /freeapi for the usage captures).
    lines = [l[6:] for l in body.split(b"\n") if l.startswith(b"data: ") and l != b"data: [DONE]"]
    seed(f.stem + "-jsonl", PLAIN if "su" in f.stem else NDJSON, [13, 2], b"\n".join(lines) + b"\n")
for f in sorted(vec.glob("*.body")):
    seed(f.stem + "-json", JSON, [5, 64], f.read_bytes())

tool_stream = b"".join(
    b"data: " + c + b"\r\n\r\n" for c in [
        b'{"id":"c1","model":"m","created":1,"choices":[{"index":0,"delta":{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":""}}]}}]}',
        b'{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\\"city\\""}}]}}]}',
        b'{"choices":[{"index":0,"delta":{"tool_calls":[{"function":{"arguments":":\\"Paris\\"}"}}]},"finish_reason":"tool_calls"}]}',
        b'{"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":3,"total_tokens":6}}',
        b"[DONE]",
    ])
seed("tools-crlf-sse", SSE, [1, 9], "\ufeff".encode() + tool_stream)
seed("error-event-sse", SSE, [4],
     b": ping\r\nid: 1\rretry: 10\nevent: error\ndata: {\"error\":{\"message\":\"boom\",\"type\":\"server_error\",\"code\":500}}\n\n")
seed("error-field-llama", NONE, [2],
     b'data: {"choices":[{"index":1,"delta":{"content":"h\xc3\xa9"}}]}\n\nerror: {"code":500,"message":"slot unavailable","type":"server_error"}\n\n')
seed("error-chunk-jsonl", NDJSON, [],
     b'{"choices":[{"delta":{"content":"a","reasoning_content":"r"},"logprobs":{"content":[{"token":"a"}]}}]}\n\n{"error":"model not loaded"}\n')
seed("multiline-json-small-max", JSON | SMALL_MAX, [3],
     b'{\n  "choices": [\n    {"message": {"content": "x"}}\n  ]\n}\n')
seed("done-unterminated-sse", SSE, [], b"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}}]}\n\ndata: [DONE]")
