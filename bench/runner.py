#!/usr/bin/env python3
"""Runs every benchmark scenario against the load server and writes results.json.

Called by bench/run.sh after it has built everything; standard library only.

Each scenario runs in rounds: one run of every client per round, clients one
after another, so slow drifts in the machine's load hit all of them alike.
Figures are medians over the rounds; a ratio is the median of the per-round
ratios webraft / baseline, so it compares runs made seconds apart.
"""

import argparse
import json
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import time
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
BUILD = BENCH / "build"
RUST_BIN = BENCH / "target" / "release"
STREAM_BODY = '{"model":"bench-model","stream":true,"messages":[{"role":"user","content":"hi"}]}'

# Scenario sizes. The Python client decodes ~4,000 chunks/s, so it streams a
# shorter body and fewer rounds; events/s is a rate, so it still compares.
FULL = {
    "stream_chunks": 100_000, "python_stream_chunks": 20_000, "stream_rounds": 7, "python_rounds": 3,
    "latency_chunks": 2000, "latency_gap_us": 1000, "latency_rounds": 7,
    "plain_seconds": 1.5, "plain_rounds": 7, "concurrencies": [1, 16, 256],
    "open_streams": 10_000, "open_rounds": 3, "hold_seconds": 120,
    "footprint_rounds": 5, "responses_rounds": 7, "http2_streams": [50, 1000], "http2_rounds": 3,
    "cpp_calls": [2_000_000, 200_000, 5], "run_binding_benches": True,
}
QUICK = {
    "stream_chunks": 20_000, "python_stream_chunks": 5_000, "stream_rounds": 2, "python_rounds": 1,
    "latency_chunks": 300, "latency_gap_us": 1000, "latency_rounds": 2,
    "plain_seconds": 0.5, "plain_rounds": 2, "concurrencies": [1, 16, 256],
    "open_streams": 1000, "open_rounds": 1, "hold_seconds": 60,
    "footprint_rounds": 1, "responses_rounds": 2, "http2_streams": [50, 1000], "http2_rounds": 1,
    "cpp_calls": [200_000, 20_000, 3], "run_binding_benches": False,
}


def log(message):
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def load_average():
    return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]


# The HTTP/2 listener's certificate: the test server's fixtures (SAN localhost and 127.0.0.1).
CERTS = ROOT / "tests" / "server" / "certs"


class LoadServer:
    def __init__(self, threads):
        self.threads = threads
        self.process = subprocess.Popen(
            [str(RUST_BIN / "webraft-load-server"), "--threads", str(threads), "--exit-on-stdin-eof",
             "--tls-cert", str(CERTS / "server.pem"), "--tls-key", str(CERTS / "server.key")],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self.process.stdout.readline()
        if not line.startswith("LISTENING "):
            raise SystemExit(f"load server did not start: {line!r}")
        self.origin = f"http://127.0.0.1:{int(line.split()[1])}"
        line = self.process.stdout.readline()
        if not line.startswith("LISTENING_H2 "):
            raise SystemExit(f"load server's HTTP/2 listener did not start: {line!r}")
        self.h2_origin = f"https://localhost:{int(line.split()[1])}"

    def h2_stats(self):
        """TCP connections and TLS handshakes the HTTP/2 listener has seen so far."""
        with urllib.request.urlopen(self.origin + "/h2-stats", timeout=10) as reply:
            return json.loads(reply.read())

    def url(self, path):
        return self.origin + path

    def cpu_seconds(self):
        """The server's CPU time, all threads, at microsecond resolution (its /cpu route)."""
        with urllib.request.urlopen(self.origin + "/cpu", timeout=10) as reply:
            return json.loads(reply.read())["cpu_us"] / 1e6

    def stop(self):
        self.process.stdin.close()
        self.process.wait(timeout=10)


def children_cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(command, timeout=600):
    """Runs a client; returns (its stdout, wall seconds, its CPU seconds)."""
    cpu_before = children_cpu_seconds()  # only this child is reaped until it ends
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        raise RuntimeError(f"{command[0]} timed out after {timeout} s: {err.strip()[-500:]}")
    wall = time.perf_counter() - started
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({process.returncode}): {err.strip()[-800:]}")
    return out, wall, children_cpu_seconds() - cpu_before


def last_json_line(text):
    for line in reversed(text.strip().splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    raise RuntimeError(f"no JSON in output: {text[-300:]!r}")


class Clients:
    """How to run each client for each scenario."""

    def __init__(self):
        self.webraft = str(BUILD / "webraft_bench")
        self.go = str(BUILD / "go-baseline")
        self.reqwest = str(RUST_BIN / "webraft-reqwest-baseline")
        self.python = [str(BENCH / ".venv" / "bin" / "python"), str(BENCH / "python" / "openai_baseline.py")]


def measure(server, command, window_seconds=None, timeout=600):
    """Runs one client and adds the server's CPU over the run and the process figures."""
    server_before = server.cpu_seconds()
    out, wall, process_cpu = run(command, timeout=timeout)
    server_cpu = server.cpu_seconds() - server_before
    figures = last_json_line(out)
    figures["process_wall_seconds"] = round(wall, 6)
    figures["process_cpu_seconds"] = round(process_cpu, 6)
    figures["server_cpu_seconds"] = round(server_cpu, 3)
    figures["window_seconds"] = window_seconds or figures.get("seconds") or wall
    return figures


def median_of(runs, key):
    values = [r[key] for r in runs if r.get(key) is not None]
    return statistics.median(values) if values else None


def server_share(runs):
    """Load server CPU over the clients' measured windows, in % of one core (an upper bound)."""
    window = sum(r["window_seconds"] for r in runs)
    return round(100 * sum(r["server_cpu_seconds"] for r in runs) / window, 1) if window else None


def paired_ratio(runs_a, runs_b, key):
    """Median over rounds of a[key] / b[key], pairing runs of the same round."""
    pairs = [(a[key], b[key]) for a, b in zip(runs_a, runs_b) if a.get(key) and b.get(key)]
    return round(statistics.median(a / b for a, b in pairs), 3) if pairs else None


def summarize(runs, keys):
    summary = {key: median_of(runs, key) for key in keys}
    summary["server_cpu_percent"] = server_share(runs)
    return {"median": summary, "runs": runs}


def ratios(clients, subjects, baselines, keys):
    """{subject: {baseline: {key: ratio}}} for every pair present."""
    table = {}
    for subject in subjects:
        if subject not in clients:
            continue
        for baseline in baselines:
            if baseline in clients and baseline != subject:
                table.setdefault(subject, {})[baseline] = {
                    key: paired_ratio(clients[subject]["runs"], clients[baseline]["runs"], key) for key in keys}
    return table


def rounds(count, clients, run_one):
    """Runs `run_one(name, round)` for every client, round after round; returns {name: [figures]}."""
    results = {name: [] for name, _ in clients}
    for index in range(count):
        for name, client_rounds in clients:
            if index < client_rounds:
                results[name].append(run_one(name, index))
    return results


# ---------------------------------------------------------------- scenarios

def add_rates(figures, events, body_bytes):
    """Adds events/s, MB/s and CPU µs per event to a stream run's figures."""
    seconds = figures["seconds"]
    figures["events_per_s"] = round(events / seconds, 1)
    figures["mb_per_s"] = round(body_bytes / seconds / 1e6, 2)
    figures["cpu_us_per_chunk"] = round(figures["cpu_seconds"] / events * 1e6, 3)
    return figures


def scenario_stream(server, clients, sizes):
    n, n_py = sizes["stream_chunks"], sizes["python_stream_chunks"]
    out = {"chunks": n, "python_chunks": n_py, "formats": {}}
    for fmt in ("sse", "jsonl"):
        base = server.url(f"/{fmt}/{n}")
        base_py = server.url(f"/{fmt}/{n_py}")
        # Render both bodies once, and learn their size.
        sizes_out = {}
        for chunks, url in ((n, base), (n_py, base_py)):
            text, _, _ = run(["curl", "-sS", "-o", "/dev/null", "-w", "%{size_download}", "-X", "POST",
                              "-H", "Content-Type: application/json", "-d", STREAM_BODY, url + "/chat/completions"])
            sizes_out[chunks] = int(text)
        commands = {
            "webraft": lambda: [clients.webraft, "stream", base, str(n)],
            "curl": lambda: ["curl", "-sS", "-N", "-o", "/dev/null", "-w", '{"seconds":%{time_total},"bytes":%{size_download}}',
                             "-X", "POST", "-H", "Content-Type: application/json", "-d", STREAM_BODY,
                             base + "/chat/completions"],
            "go": lambda: [clients.go, "stream", base, str(n)],
            "reqwest+typed": lambda: [clients.reqwest, "stream", base, str(n), "typed"],
            "reqwest+serde_json": lambda: [clients.reqwest, "stream", base, str(n), "json"],
            "reqwest-lines": lambda: [clients.reqwest, "stream", base, str(n), "lines"],
        }
        lineup = [(name, sizes["stream_rounds"]) for name in commands]
        if fmt == "sse":
            commands["openai-python"] = lambda: clients.python + ["stream", base_py, str(n_py)]
            lineup.append(("openai-python", sizes["python_rounds"]))

        def one(name, index):
            figures = measure(server, commands[name]())
            chunks = n_py if name == "openai-python" else n
            if name == "curl":
                figures["events"] = chunks
                figures["cpu_seconds"] = figures["process_cpu_seconds"]
            add_rates(figures, chunks, sizes_out[chunks])
            log(f"stream {fmt} {name} round {index + 1}: {figures['events_per_s']:.0f} events/s, "
                f"{figures['mb_per_s']} MB/s, {figures['cpu_us_per_chunk']} CPU µs/chunk")
            return figures

        runs = rounds(max(c for _, c in lineup), lineup, one)
        keys = ["events_per_s", "mb_per_s", "cpu_us_per_chunk", "seconds"]
        per_client = {name: summarize(r, keys) for name, r in runs.items()}
        out["formats"][fmt] = {
            "body_bytes": sizes_out[n], "python_body_bytes": sizes_out[n_py], "clients": per_client,
            "ratios": ratios(per_client, ["webraft"], list(commands), ["events_per_s", "cpu_us_per_chunk"]),
        }
    return out


def scenario_responses(server, clients, sizes):
    """A Responses API stream: webraft_responses_stream against reqwest with typed events."""
    n = sizes["stream_chunks"]
    base = server.url(f"/sse/{n}")
    text, _, _ = run(["curl", "-sS", "-o", "/dev/null", "-w", "%{size_download}", "-X", "POST",
                      "-H", "Content-Type: application/json", "-d", STREAM_BODY, base + "/responses"])
    body_bytes = int(text)
    commands = {
        "webraft": [clients.webraft, "responses", base, str(n)],
        "reqwest+typed": [clients.reqwest, "stream", base, str(n), "responses"],
    }
    lineup = [(name, sizes["responses_rounds"]) for name in commands]

    def one(name, index):
        figures = add_rates(measure(server, commands[name]), n + 3, body_bytes)
        log(f"responses {name} round {index + 1}: {figures['events_per_s']:.0f} events/s, "
            f"{figures['cpu_us_per_chunk']} CPU µs/event")
        return figures

    runs = rounds(sizes["responses_rounds"], lineup, one)
    keys = ["events_per_s", "mb_per_s", "cpu_us_per_chunk", "seconds"]
    per_client = {name: summarize(r, keys) for name, r in runs.items()}
    return {"deltas": n, "body_bytes": body_bytes, "clients": per_client,
            "ratios": ratios(per_client, ["webraft"], list(commands), ["events_per_s", "cpu_us_per_chunk"])}


def scenario_http2(server, clients, sizes):
    """N streams at once to one HTTP/2-over-TLS origin: the connections and handshakes they cost."""
    out = {"streams": {}}
    ca = str(CERTS / "ca.pem")
    for n in sizes["http2_streams"]:
        runs = []
        for index in range(sizes["http2_rounds"]):
            before = server.h2_stats()
            out_text, wall, cpu = run([clients.webraft, "h2", f"{server.h2_origin}/gather/{n}", str(n), ca])
            after = server.h2_stats()
            figures = last_json_line(out_text)
            figures["connections"] = after["connections"] - before["connections"]
            figures["handshakes"] = after["handshakes"] - before["handshakes"]
            log(f"http2 {n} streams round {index + 1}: {figures['connections']} connections, "
                f"{figures['handshakes']} handshakes, {figures['seconds']:.3f} s")
            runs.append(figures)
        out["streams"][str(n)] = {"clients": {"webraft": {
            "median": {key: median_of(runs, key) for key in ("connections", "handshakes", "seconds")},
            "max": {key: max(r[key] for r in runs) for key in ("connections", "handshakes")},
            "runs": runs}}}
    return out


def scenario_latency(server, clients, sizes):
    n, gap = sizes["latency_chunks"], sizes["latency_gap_us"]
    url = server.url(f"/sse-timed/{n}/{gap}")
    commands = {
        "webraft": [clients.webraft, "latency", url],
        "go": [clients.go, "latency", url],
        "reqwest+serde_json": [clients.reqwest, "latency", url],
        "openai-python": clients.python + ["latency", url],
    }
    lineup = [(name, sizes["python_rounds"] if name == "openai-python" else sizes["latency_rounds"])
              for name in commands]

    def one(name, index):
        figures = measure(server, commands[name], window_seconds=n * gap / 1e6)
        if figures["samples"] != n:
            raise RuntimeError(f"latency {name}: {figures['samples']} samples, expected {n}")
        log(f"latency {name} round {index + 1}: p50 {figures['p50_us']:.0f} µs, p99 {figures['p99_us']:.0f} µs")
        return figures

    runs = rounds(sizes["latency_rounds"], lineup, one)
    keys = ["p50_us", "p99_us", "max_us"]
    per_client = {name: summarize(r, keys) for name, r in runs.items()}
    return {"chunks": n, "gap_us": gap, "clients": per_client,
            "ratios": ratios(per_client, ["webraft"], list(commands), ["p50_us", "p99_us"])}


def scenario_plain(server, clients, sizes):
    url = server.url("/plain")
    seconds = sizes["plain_seconds"]
    out = {"seconds_per_run": seconds, "warm_up_seconds": 0.3, "concurrency": {}}
    for concurrency in sizes["concurrencies"]:
        c = str(concurrency)
        commands = {
            "webraft-async": [clients.webraft, "plain", url, c, str(seconds), "async"],
            "webraft-threads": [clients.webraft, "plain", url, c, str(seconds), "threads"],
            "go": [clients.go, "plain", url, c, str(seconds)],
            "reqwest+serde_json": [clients.reqwest, "plain", url, c, str(seconds)],
        }
        if concurrency == 1:
            commands["openai-python"] = clients.python + ["plain", url, c, str(seconds)]
        lineup = [(name, sizes["python_rounds"] if name == "openai-python" else sizes["plain_rounds"])
                  for name in commands]

        def one(name, index):
            figures = measure(server, commands[name], window_seconds=seconds + 0.3)
            figures["requests_per_s"] = round(figures["requests"] / figures["seconds"], 1)
            figures["cpu_us_per_request"] = round(figures["cpu_seconds"] / max(figures["requests"], 1) * 1e6, 2)
            log(f"plain c={c} {name} round {index + 1}: {figures['requests_per_s']:.0f} req/s, "
                f"p50 {figures['p50_us']:.0f} µs, p99 {figures['p99_us']:.0f} µs")
            return figures

        runs = rounds(sizes["plain_rounds"], lineup, one)
        keys = ["requests_per_s", "p50_us", "p99_us", "cpu_us_per_request"]
        per_client = {name: summarize(r, keys) for name, r in runs.items()}
        out["concurrency"][c] = {
            "clients": per_client,
            "ratios": ratios(per_client, ["webraft-async", "webraft-threads"], list(commands),
                             ["requests_per_s", "p50_us", "p99_us", "cpu_us_per_request"]),
        }
    return out


def scenario_open(server, clients, sizes):
    n = sizes["open_streams"]
    url = server.url(f"/sse-hold/{sizes['hold_seconds']}")
    warm = server.url("/plain")
    commands = {
        "webraft": [clients.webraft, "open", url, str(n), warm],
        "go": [clients.go, "open", url, str(n), warm],
        "reqwest+serde_json": [clients.reqwest, "open", url, str(n), warm],
    }
    lineup = [(name, sizes["open_rounds"]) for name in commands]

    def one(name, index):
        figures = measure(server, commands[name], timeout=400)
        figures["window_seconds"] = figures["process_wall_seconds"]
        figures["total_kib"] = figures["rss_open_kib"] - figures["rss_before_kib"]
        figures["kib_per_stream"] = round(figures["total_kib"] / n, 2)
        log(f"open {n} streams {name} round {index + 1}: {figures['kib_per_stream']} KiB/stream, "
            f"total {figures['total_kib'] / 1024:.1f} MiB, opened in {figures['open_seconds']} s")
        # Held connections close on the server only when it sees the client leave.
        wait_for_server_to_settle(server)
        return figures

    runs = rounds(sizes["open_rounds"], lineup, one)
    keys = ["kib_per_stream", "total_kib", "rss_open_kib", "open_seconds", "close_seconds"]
    per_client = {name: summarize(r, keys) for name, r in runs.items()}
    return {"streams": n, "clients": per_client,
            "ratios": ratios(per_client, ["webraft"], list(commands), ["kib_per_stream", "open_seconds"])}


def wait_for_server_to_settle(server, limit_seconds=30):
    """Waits until the server holds few sockets, so the next run starts clean."""
    deadline = time.time() + limit_seconds
    while time.time() < deadline:
        try:
            if len(os.listdir(f"/proc/{server.process.pid}/fd")) < 64:
                return
        except OSError:
            return
        time.sleep(0.2)


def stripped_size(path):
    target = BUILD / ("stripped-" + Path(path).name)
    subprocess.run(["strip", "--strip-all", "-o", str(target), str(path)], check=True)
    return target.stat().st_size


def python_package_bytes():
    """Installed size of the openai package and everything it pulled in (pip itself excluded)."""
    site = next((BENCH / ".venv" / "lib").glob("python3*/site-packages"))
    skip = ("pip", "setuptools", "_distutils_hack", "distutils-precedence.pth")
    total = 0
    for entry in site.iterdir():
        if entry.name.startswith(skip):
            continue
        files = [entry] if entry.is_file() else [p for p in entry.rglob("*") if p.is_file()]
        total += sum(p.stat().st_size for p in files)
    return total


def scenario_footprint(server, clients, sizes):
    url = server.url("/plain")
    commands = {
        "webraft": [clients.webraft, "footprint", url],
        "go": [clients.go, "footprint", url],
        "reqwest+serde_json": [clients.reqwest, "footprint", url],
        "openai-python": clients.python + ["footprint", url],
    }
    lineup = [(name, sizes["footprint_rounds"]) for name in commands]

    def one(name, index):
        figures = measure(server, commands[name])
        figures["idle_delta_kib"] = figures["rss_idle_kib"] - figures["rss_start_kib"]
        log(f"footprint {name} round {index + 1}: first client {figures['create_first_us']:.0f} µs, "
            f"idle RSS {figures['rss_idle_kib']} KiB (+{figures['idle_delta_kib']})")
        return figures

    runs = rounds(sizes["footprint_rounds"], lineup, one)
    keys = ["create_first_us", "create_us", "rss_idle_kib", "idle_delta_kib"]
    per_client = {name: summarize(r, keys) for name, r in runs.items()}
    library = ROOT / "target" / "release" / "libwebraft.so"
    sizes_bytes = {
        "webraft": {"what": "libwebraft.so, stripped", "bytes": stripped_size(library),
                    "unstripped_bytes": library.stat().st_size,
                    "static_archive_bytes": (ROOT / "target" / "release" / "libwebraft.a").stat().st_size},
        "reqwest+serde_json": {"what": "baseline program (reqwest, tokio, rustls, serde_json), stripped",
                               "bytes": stripped_size(clients.reqwest)},
        "go": {"what": "baseline program (net/http, encoding/json), built with -ldflags='-s -w'",
               "bytes": Path(clients.go).stat().st_size},
        "openai-python": {"what": "openai package and its dependencies in site-packages (interpreter not counted)",
                          "bytes": python_package_bytes()},
    }
    for name, entry in sizes_bytes.items():
        per_client[name]["median"]["size_bytes"] = entry["bytes"]
        for run_figures in per_client[name]["runs"]:
            run_figures["size_bytes"] = entry["bytes"]
    return {"sizes": sizes_bytes, "clients": per_client,
            "ratios": ratios(per_client, ["webraft"], list(commands),
                             ["size_bytes", "create_first_us", "create_us", "rss_idle_kib", "idle_delta_kib"])}


# ------------------------------------------------------- binding overhead

def cpp_overhead(sizes):
    calls, text_calls, runs = sizes["cpp_calls"]
    out, _, _ = run([str(BUILD / "chunk_overhead"), str(calls), str(text_calls), str(runs)])
    ns = json.loads(out)
    return {
        "source": "bench/cpp/chunk_overhead.cpp (the C++ binding's issue has no benchmark; measured here)",
        "command": f"bench/build/chunk_overhead {calls} {text_calls} {runs}",
        "measured_in_this_run": True,
        "ns_per_chunk": ns,
        "extra_ns_per_chunk": {
            "chat_stream lambda (count)": round(ns["cpp-stream-count"] - ns["c-count"], 2),
            "start std::function (count)": round(ns["cpp-start-count"] - ns["c-count"], 2),
            "chat_stream lambda reading chunk.text()": round(ns["cpp-stream-text"] - ns["c-text"], 2),
        },
    }


def go_overhead(run_it):
    doc = "bindings/go/BENCHMARKS.md"
    if not run_it:
        return {"source": doc, "measured_in_this_run": False}
    command = ["go", "test", "-tags", "webraft_bench", "-run", "^$", "-bench", "GoLayerPerChunk/gap=0s",
               "-count", "3", "-benchtime", "100000x", "."]
    env = dict(os.environ, GOTOOLCHAIN="local")
    process = subprocess.run(command, cwd=ROOT / "bindings" / "go", capture_output=True, text=True, env=env,
                             timeout=600)
    shown = "cd bindings/go && " + " ".join(f"'{word}'" if "^" in word else word for word in command)
    if process.returncode != 0:
        return {"source": doc, "command": shown, "measured_in_this_run": False,
                "error": process.stderr.strip()[-500:]}
    per_variant = {}
    for match in re.finditer(r"GoLayerPerChunk/gap=0s/(\S+?)-\d+\s+\d+\s+[\d.]+ ns/op\s+([\d.]+) cpu-ns/chunk",
                             process.stdout):
        per_variant.setdefault(match[1], []).append(float(match[2]))
    ns = {variant: statistics.median(values) for variant, values in per_variant.items()}
    extra = {}
    if "c-callback" in ns:
        for variant in ("go-func", "go-stream"):
            if variant in ns:
                extra[variant] = round(ns[variant] - ns["c-callback"], 1)
    return {"source": doc, "command": shown, "measured_in_this_run": True, "cpu_ns_per_chunk": ns,
            "extra_ns_per_chunk": extra}


def csharp_overhead(run_it):
    script = ROOT / "bindings" / "csharp" / "bench" / "run-bench.sh"
    source = "bindings/csharp/bench/run-bench.sh (the C# binding's benchmark)"
    if not run_it or not script.exists():
        return {"source": source, "measured_in_this_run": False}
    process = subprocess.run([str(script), "500000", "50000", "3"], cwd=ROOT, capture_output=True, text=True,
                             timeout=900)
    if process.returncode != 0:
        return {"source": source, "measured_in_this_run": False, "error": process.stderr.strip()[-500:]}
    loop = process.stdout.split("1. callback loop", 1)[-1].split("2. end to end", 1)[0]
    cpu = {m[1]: float(m[2]) for m in re.finditer(r"^(\S+)\s+[\d.]+\s+([\d.]+)\s", loop, re.M)}
    extra = {}
    for variant, base in (("pinvoke-count", "c-count"), ("binding-count", "c-count"), ("binding-text", "c-text")):
        if variant in cpu and base in cpu:
            extra[variant] = round(cpu[variant] - cpu[base], 1)
    return {"source": source, "command": "bindings/csharp/bench/run-bench.sh 500000 50000 3",
            "measured_in_this_run": True, "cpu_ns_per_chunk": cpu, "extra_ns_per_chunk": extra}


# ------------------------------------------------------------- targets

def check_targets(results):
    """The issue's goals (#16), each met or missed in this run."""
    s = results["scenarios"]
    targets = []

    def add(name, goal, value, met, detail):
        targets.append({"target": name, "goal": goal, "value": round(value, 2), "met": met, "detail": detail})

    paired = "events/s ratio, median of paired rounds"
    for fmt, label in (("sse", "SSE"), ("jsonl", "JSON lines")):
        stream = s["stream"]["formats"][fmt]["ratios"].get("webraft", {})
        for baseline, goal in (("reqwest+typed", 0.7), ("go", 3.0), ("openai-python", 100.0)):
            ratio = stream.get(baseline, {}).get("events_per_s")
            if ratio is not None:
                add(f"stream through the C callback vs {baseline} ({label})", f"≥ {goal:g}×", ratio, ratio >= goal,
                    paired)
    ratio = s["responses"]["ratios"].get("webraft", {}).get("reqwest+typed", {}).get("events_per_s")
    if ratio is not None:
        add("Responses API stream vs reqwest+typed", "≥ 0.7×", ratio, ratio >= 0.7, paired)
    for c, entry in s["plain"]["concurrency"].items():
        for mode, what in (("webraft-threads", f"blocking `webraft_chat` from {c} threads"),
                           ("webraft-async", f"non-blocking `webraft_chat_start`, {c} chains")):
            ratio = entry["ratios"].get(mode, {}).get("go", {}).get("requests_per_s")
            if ratio is not None:
                add(f"plain requests/s vs go, {what}", "≥ 1.0×", ratio, ratio >= 1.0,
                    "requests/s ratio, median of paired rounds")
    per_stream = s["open_streams"]["clients"]["webraft"]["median"]["kib_per_stream"]
    add(f"RSS per open stream ({s['open_streams']['streams']:,} streams)", "≤ 30 KiB", per_stream,
        per_stream <= 30, "KiB, median of rounds")
    for n, entry in s["http2"]["streams"].items():
        bound = -(-int(n) // 100) + 1
        worst = entry["clients"]["webraft"]["max"]
        for key, what in (("connections", "TCP connections"), ("handshakes", "TLS handshakes")):
            add(f"{what} for {int(n):,} concurrent streams to one TLS HTTP/2 origin", f"≤ {bound}", worst[key],
                worst[key] <= bound, "the most in any round")
    p99 = s["latency"]["clients"]["webraft"]["median"]["p99_us"]
    add("p99 server write → callback", "≤ 200 µs", p99, p99 <= 200, "µs, median of per-round p99")
    footprint = s["footprint"]["clients"]["webraft"]["median"]
    add("creating a client (not the process's first)", "≤ 1 ms", footprint["create_us"] / 1000,
        footprint["create_us"] <= 1000, "ms, median of 20 per round, median of rounds")
    add("creating the process's first client", "≤ 1 ms", footprint["create_first_us"] / 1000,
        footprint["create_first_us"] <= 1000, "ms, median of rounds")
    return targets


# ----------------------------------------------------------------- main

def tool_version(command):
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=60).stdout.strip().splitlines()[0]
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes and fewer rounds (a smoke run)")
    parser.add_argument("--out", default=str(BENCH / "results" / "results.json"))
    parser.add_argument("--server-threads", type=int, default=2)
    args = parser.parse_args()
    sizes = QUICK if args.quick else FULL
    started = time.time()
    cpu_model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                      if line.startswith("model name")), platform.processor())
    results = {
        "schema": 1,
        "mode": "quick" if args.quick else "full",
        "started_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cpu": cpu_model, "cores": os.cpu_count(), "kernel": platform.release(),
                    "memory_kib": int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text())[1]),
                    "open_files_limit": resource.getrlimit(resource.RLIMIT_NOFILE)[0]},
        "versions": {
            "webraft": tool_version([str(BUILD / "webraft_bench"), "version"]),
            "rustc": tool_version(["rustc", "--version"]),
            "go": tool_version(["go", "version"]),
            "python": tool_version([str(BENCH / ".venv" / "bin" / "python"), "--version"]),
            "openai": tool_version([str(BENCH / ".venv" / "bin" / "python"), "-c",
                                    "import openai; print(openai.__version__)"]),
            "curl": tool_version(["curl", "--version"]),
        },
        "sizes": sizes,
        "load_average": {"start": load_average()},
        "scenarios": {},
    }
    clients = Clients()
    server = LoadServer(args.server_threads)
    results["load_server"] = {"threads": args.server_threads,
                              "cpu_share": "server CPU time (getrusage, all threads) over each client's measured "
                                           "window, % of one core; an upper bound (warm-up and connection "
                                           "set-up count too)"}
    try:
        steps = [("stream", scenario_stream), ("responses", scenario_responses), ("latency", scenario_latency),
                 ("plain", scenario_plain), ("open_streams", scenario_open), ("http2", scenario_http2),
                 ("footprint", scenario_footprint)]
        for name, step in steps:
            results["load_average"][f"before_{name}"] = load_average()
            log(f"scenario {name} (load average {results['load_average'][f'before_{name}']})")
            step_started = time.time()
            results["scenarios"][name] = step(server, clients, sizes)
            results["scenarios"][name]["elapsed_seconds"] = round(time.time() - step_started, 1)
    finally:
        server.stop()
    results["load_average"]["before_binding_overhead"] = load_average()
    log("scenario binding_overhead")
    results["scenarios"]["binding_overhead"] = {
        "cpp": cpp_overhead(sizes),
        "go": go_overhead(sizes["run_binding_benches"]),
        "csharp": csharp_overhead(sizes["run_binding_benches"]),
    }
    results["load_average"]["end"] = load_average()
    results["targets"] = check_targets(results)
    results["elapsed_seconds"] = round(time.time() - started, 1)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
    met = sum(t["met"] for t in results["targets"])
    log(f"wrote {args.out} in {results['elapsed_seconds']} s; targets met: {met} of {len(results['targets'])}")


if __name__ == "__main__":
    sys.exit(main())
