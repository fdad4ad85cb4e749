#!/usr/bin/env python3
"""Renders bench/results/results.json as Markdown into BENCHMARKS.md.

Usage: report.py RESULTS_JSON MARKDOWN_FILE

Only the block between `<!-- bench:begin -->` and `<!-- bench:end -->` is
written; every other section of the file is kept as it is. Without the
markers, the block is appended at the end (the file is created if missing).
The hand-written explanation of missed targets, bench/analysis.md, is copied
into the block.
"""

import json
import sys
from pathlib import Path

BEGIN = "<!-- bench:begin -->"
END = "<!-- bench:end -->"
ANALYSIS = Path(__file__).resolve().parent / "analysis.md"


def number(value, digits=0):
    if value is None:
        return "—"
    if digits == 0:
        return f"{value:,.0f}"
    return f"{value:,.{digits}f}"


def ratio(value):
    return "—" if value is None else f"{value:.2f}×"


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def ratio_to(scenario, subject, baseline, key):
    return scenario.get("ratios", {}).get(subject, {}).get(baseline, {}).get(key)


def rounds_of(client):
    return len(client["runs"])


def stream_section(results):
    stream = results["scenarios"]["stream"]
    out = [f"### 1. Stream throughput: {stream['chunks']:,} chunks of 200 bytes through the C ABI callback",
           "",
           "`webraft_chat_stream` with a C callback that counts each chunk, against each baseline consuming the "
           "same body. MB/s counts the HTTP body bytes. CPU µs/chunk is the client process's user+system CPU "
           "time over the stream (for curl, over the whole process). The last two columns are webraft ÷ that "
           f"client. The openai client streams {stream['python_chunks']:,} chunks (it manages about 3,000 a "
           "second); events/s is a rate, so it still compares.",
           ""]
    for fmt, title in (("sse", "Server-sent events (`text/event-stream`)"),
                       ("jsonl", "JSON lines (`application/x-ndjson`)")):
        data = stream["formats"][fmt]
        out += [f"**{title}**, body {data['body_bytes'] / 1e6:.1f} MB:", "", throughput_table(data, "chunk"), ""]
    out += ["Baselines: `curl -N` to /dev/null (raw bytes, no parsing); Go net/http + `bufio.Scanner` + "
            "`encoding/json` into typed structs, as go-openai does; `reqwest+typed`: reqwest and tokio "
            "directly, the library's versions and features, splitting events and parsing each chunk into small "
            "borrowed serde structs (id, model, created, per choice role, content and finish reason) and "
            "joining the content, as a hand-written client of this stack would (the floor the targets use); "
            "`reqwest+serde_json`: the same, parsing each chunk into a `serde_json::Value`; `reqwest-lines`: "
            "the same without JSON parsing (the floor of the stack itself); `openai-python`: the official "
            "package's sync client.", ""]
    return out


def throughput_table(data, unit):
    """Events/s, MB/s and CPU per event of each client, and webraft's ratios to each."""
    rows = []
    for name, client in data["clients"].items():
        m = client["median"]
        rows.append([f"**{name}**" if name == "webraft" else name, number(m["events_per_s"]),
                     number(m["mb_per_s"], 1), number(m["cpu_us_per_chunk"], 2),
                     number(m["server_cpu_percent"], 1), rounds_of(client),
                     ratio(ratio_to(data, "webraft", name, "events_per_s")),
                     ratio(ratio_to(data, "webraft", name, "cpu_us_per_chunk"))])
    return table(["client", "events/s", "MB/s", f"CPU µs/{unit}", "load server CPU %", "rounds",
                  "webraft ÷ this, events/s (>1: webraft faster)",
                  f"webraft ÷ this, CPU/{unit} (<1: webraft cheaper)"], rows)


def responses_section(results):
    data = results["scenarios"]["responses"]
    return [f"### 1b. Responses API stream: {data['deltas']:,} `response.output_text.delta` events of 200 bytes",
            "",
            "`webraft_responses_stream` with a C event callback that counts, against reqwest with each event "
            "parsed into a small borrowed struct (type, indexes, delta) and the deltas joined. The stream also "
            "has `response.created`, `response.output_item.added` and `response.completed`, counted as events. "
            f"Body {data['body_bytes'] / 1e6:.1f} MB.",
            "",
            throughput_table(data, "event"),
            ""]


def http2_section(results):
    data = results["scenarios"]["http2"]
    rows = []
    for n, entry in data["streams"].items():
        client = entry["clients"]["webraft"]
        m, worst = client["median"], client["max"]
        rows.append([f"{int(n):,}", number(m["connections"]), number(worst["connections"]), number(m["handshakes"]),
                     number(worst["handshakes"]), -(-int(n) // 100) + 1, number(m["seconds"], 3), rounds_of(client)])
    return ["### 7. HTTP/2 over TLS: N concurrent streams to one origin",
            "",
            "One client starts N streams at once (`webraft_chat_start`) to the load server's HTTP/2 listener "
            "(TLS with ALPN, 100 concurrent streams per connection allowed), which holds every reply until all "
            "N requests have arrived, so the N streams are open together. The listener counts the TCP "
            "connections it accepts and the TLS handshakes it completes.",
            "",
            table(["streams", "TCP connections (median)", "(most)", "TLS handshakes (median)", "(most)",
                   "goal: at most", "seconds until all ended", "rounds"], rows),
            ""]


def latency_section(results):
    data = results["scenarios"]["latency"]
    rows = []
    for name, client in data["clients"].items():
        m = client["median"]
        rows.append([f"**{name}**" if name == "webraft" else name, number(m["p50_us"], 1), number(m["p99_us"], 1),
                     number(m["max_us"]), rounds_of(client),
                     ratio(ratio_to(data, "webraft", name, "p50_us")), ratio(ratio_to(data, "webraft", name, "p99_us"))])
    return [f"### 2. Latency: server write to callback start ({data['chunks']:,} chunks, one every "
            f"{data['gap_us']} µs)",
            "",
            "The load server reads CLOCK_MONOTONIC just before it writes each chunk and puts the value in the "
            "chunk; the client reads the same clock when the chunk reaches user code: on entry to the C "
            "callback for webraft, after decoding for the baselines. Figures are medians over rounds of each "
            "round's percentile.",
            "",
            table(["client", "p50 µs", "p99 µs", "max µs", "rounds", "webraft ÷ this, p50 (<1: webraft faster)",
                   "webraft ÷ this, p99"], rows),
            ""]


def plain_section(results):
    data = results["scenarios"]["plain"]
    out = [f"### 3. Plain requests: 1 KB completion, {data['seconds_per_run']} s per run after a "
           f"{data['warm_up_seconds']} s warm-up, one client",
           "",
           "`webraft-async`: that many chains of `webraft_chat_start`, each done callback starting the next "
           "request (no threads of ours). `webraft-threads`: that many threads, each calling the blocking "
           "`webraft_chat`. Go: goroutines sharing one `http.Client` whose idle pool holds that many "
           "connections; reqwest: tokio tasks sharing one client; openai: its sync client, concurrency 1 "
           "only. Every client parses the reply JSON. Latency is per request, start to parsed reply.",
           ""]
    for c, entry in data["concurrency"].items():
        rows = []
        for name, client in entry["clients"].items():
            m = client["median"]
            bold = name.startswith("webraft")
            rows.append([f"**{name}**" if bold else name, number(m["requests_per_s"]), number(m["p50_us"]),
                         number(m["p99_us"]), number(m["cpu_us_per_request"], 1), number(m["server_cpu_percent"], 1),
                         rounds_of(client),
                         ratio(ratio_to(entry, "webraft-async", name, "requests_per_s")),
                         ratio(ratio_to(entry, "webraft-threads", name, "requests_per_s")),
                         ratio(ratio_to(entry, "webraft-async", name, "p99_us"))])
        out += [f"**Concurrency {c}:**", "",
                table(["client", "requests/s", "p50 µs", "p99 µs", "CPU µs/request", "load server CPU %", "rounds",
                       "async ÷ this, req/s (>1: webraft faster)", "threads ÷ this, req/s",
                       "async ÷ this, p99 (<1: webraft faster)"], rows), ""]
    return out


def open_section(results):
    data = results["scenarios"]["open_streams"]
    rows = []
    for name, client in data["clients"].items():
        m = client["median"]
        rows.append([f"**{name}**" if name == "webraft" else name, number(m["kib_per_stream"], 1),
                     number(m["total_kib"] / 1024, 1), number(m["rss_open_kib"] / 1024, 1),
                     number(m["open_seconds"], 2), number(m["close_seconds"], 2), rounds_of(client),
                     ratio(ratio_to(data, "webraft", name, "kib_per_stream")),
                     ratio(ratio_to(data, "webraft", name, "open_seconds"))])
    return [f"### 4. Open streams: {data['streams']:,} concurrent streams on one client",
            "",
            "The server sends each stream one chunk at once, then one every 5 s. Once every stream has "
            "delivered its first chunk (and 0.5 s more), the client's RSS is read; per stream = (RSS then − "
            "RSS before the first stream) ÷ streams. webraft: `webraft_chat_start` with chunk and done "
            "callbacks, then `webraft_client_free` cancels them all (close = until every done callback ran). "
            "Go: one goroutine per stream; reqwest: one task per stream.",
            "",
            table(["client", "KiB per stream", "total MiB", "process RSS MiB", "open s", "close s", "rounds",
                   "webraft ÷ this, per stream (<1: webraft smaller)", "webraft ÷ this, open time"], rows),
            ""]


def binding_section(results):
    data = results["scenarios"]["binding_overhead"]
    rows = []
    cpp = data["cpp"]
    extra = cpp.get("extra_ns_per_chunk", {})
    ns = cpp.get("ns_per_chunk", {})
    rows.append(["C++ (`webraft.hpp`)", "`chat_stream` lambda (counts)",
                 number(extra.get("chat_stream lambda (count)"), 1) + " ns", "—", "yes [a]"])
    rows.append(["C++", "`Client::start` `std::function` (counts)",
                 number(extra.get("start std::function (count)"), 1) + " ns", "—", "yes [a]"])
    rows.append(["C++", f"lambda reading `chunk.text()` (`webraft_chunk_text` itself: {number(ns.get('c-text'))} ns)",
                 number(extra.get("chat_stream lambda reading chunk.text()"), 1) + " ns", "—",
                 "yes [a]; within the noise of the text call"])
    notes = [f"[a] `{cpp.get('command', 'bench/build/chunk_overhead')}`, {cpp['source']}."]
    go = data["go"]
    if go.get("measured_in_this_run"):
        for variant, label in (("go-func", "`ChatStreamFunc`: C→Go call and copies"),
                               ("go-stream", "`ChatStream`: the same plus the channel hand-off")):
            rows.append(["Go", label, number(go["extra_ns_per_chunk"].get(variant), 0) + " ns", "≤ 2 µs", "yes [b]"])
        notes.append(f"[b] `{go['command']}`: the binding's own benchmark, chunks fed back to back (gap 0); "
                     f"its full table, also with a 20 µs gap between chunks, is in `{go['source']}`.")
    else:
        rows.append(["Go", "see the binding's own table", "—", "≤ 2 µs", "no [b]"])
        notes.append(f"[b] Not rerun in this run{': ' + go['error'] if go.get('error') else ''}; "
                     f"the binding's figures are in `{go['source']}`.")
    cs = data["csharp"]
    if cs.get("measured_in_this_run"):
        for variant, label in (("pinvoke-count", "Mono's native→managed transition alone"),
                               ("binding-count", "`StreamAsync` handler that counts"),
                               ("binding-text", "`StreamAsync` handler reading `chunk.Text`")):
            rows.append(["C# (Mono)", label, number(cs["extra_ns_per_chunk"].get(variant), 0) + " ns", "≤ 3 µs",
                         "yes [c]"])
        notes.append(f"[c] `{cs['command']}`: {cs['source']}, callback-loop part, with fewer calls and runs "
                     "than its defaults.")
    else:
        rows.append(["C# (Mono)", "see the binding's own benchmark", "—", "≤ 3 µs", "no [c]"])
        notes.append(f"[c] Not rerun in this run{': ' + cs['error'] if cs.get('error') else ''}; "
                     f"see {cs['source']}.")
    return ["### 5. Binding overhead: extra CPU per chunk over the raw C callback",
            "",
            "Each binding's benchmark calls a chunk callback in a loop on a native thread, as the library's "
            "worker does, with a real chunk and no network; the figure is the binding's CPU per call minus the "
            "C callback's. The C++ binding's issue has no benchmark, so `bench/cpp/chunk_overhead.cpp` measures "
            "its two trampolines the same way. The Go and C# figures come from those bindings' own "
            "benchmarks, rerun here.",
            "",
            table(["binding", "what", "extra per chunk", "binding's target", "measured in this run"], rows),
            "",
            " ".join(notes),
            ""]


def footprint_section(results):
    data = results["scenarios"]["footprint"]
    rows = []
    for name, client in data["clients"].items():
        m = client["median"]
        rows.append([f"**{name}**" if name == "webraft" else name, f"{m['size_bytes'] / 2**20:.2f}",
                     number(m["create_first_us"]), number(m["create_us"], 1), number(m["rss_idle_kib"] / 1024, 1),
                     number(m["idle_delta_kib"] / 1024, 2),
                     ratio(ratio_to(data, "webraft", name, "size_bytes")),
                     ratio(ratio_to(data, "webraft", name, "create_us")),
                     ratio(ratio_to(data, "webraft", name, "rss_idle_kib"))])
    sizes = data["sizes"]
    what = "; ".join(f"{name}: {entry['what']}" for name, entry in sizes.items())
    web = sizes["webraft"]
    return ["### 6. Footprint",
            "",
            f"Size — {what}. The unstripped `libwebraft.so` is {web['unstripped_bytes'] / 2**20:.2f} MiB and "
            f"`libwebraft.a` {web['static_archive_bytes'] / 2**20:.1f} MiB. Client creation: the first client "
            "in a fresh process, then the median of 20 more. Idle RSS: the whole process after one plain "
            "request and 0.2 s of quiet; \"client's share\" is that minus the process's RSS before the first "
            "client (for Python, before `import openai`).",
            "",
            table(["client", "size MiB", "first client µs", "next client µs", "idle process RSS MiB",
                   "client's share MiB", "webraft ÷ this, size", "webraft ÷ this, next client",
                   "webraft ÷ this, idle RSS"], rows),
            ""]


def server_section(results):
    rows = []
    s = results["scenarios"]
    for fmt, data in s["stream"]["formats"].items():
        for name, client in data["clients"].items():
            rows.append([f"stream {fmt}", name, number(client["median"]["server_cpu_percent"], 1)])
    for c, entry in s["plain"]["concurrency"].items():
        for name, client in entry["clients"].items():
            rows.append([f"plain c={c}", name, number(client["median"]["server_cpu_percent"], 1)])
    highest = max(rows, key=lambda row: float(row[2].replace(",", "")) if row[2] != "—" else 0)
    return ["### Load server CPU share",
            "",
            f"The load server ({results['load_server']['threads']} tokio worker threads, pre-rendered replies) "
            "used at most "
            f"**{highest[2]} % of one core** (during {highest[0]} with {highest[1]}): its user+system CPU "
            "time (getrusage over all its threads, the figure /proc/<pid>/stat gives in 10 ms ticks) over each "
            "client's measured window, an upper bound since warm-up and connection set-up count too. Each client's own CPU per chunk or request is in the tables above. "
            "Per scenario and client: " + ", ".join(f"{r[0]} {r[1]} {r[2]} %" for r in rows) + ".",
            ""]


def targets_section(results):
    rows = [[t["target"], t["goal"], f"{t['value']} ({t['detail']})", "met" if t["met"] else "**missed**"]
            for t in results["targets"]]
    return ["### Targets (the goals of issue #16; goals, not assertions)", "",
            table(["target", "goal", "this run", ""], rows), ""]


def header(results):
    m = results["machine"]
    la = results["load_average"]
    v = results["versions"]
    scenario_loads = ", ".join(f"{k.removeprefix('before_')} {val[0]:.2f}" for k, val in la.items()
                               if k.startswith("before_"))
    return [BEGIN,
            "## Side by side: webraft against curl, Go net/http, the openai Python package and raw reqwest",
            "",
            "<!-- Generated by bench/report.py from bench/results/results.json; edit those, not this block. -->",
            "",
            f"One `make bench` run ({results['mode']} mode, {results['started_at']}, "
            f"{results['elapsed_seconds'] / 60:.1f} min): {m['cpu']}, {m['cores']} cores, Linux {m['kernel']}; "
            f"webraft {v['webraft']}, {v['rustc']}, {v['go']}, {v['python']} with openai {v['openai']}, "
            f"{(v['curl'] or '').split(' (')[0]}. Everything runs on loopback against one load server "
            "(`bench/load-server`).",
            "",
            f"**The machine was shared and busy:** load average {la['start'][0]:.2f} at the start, "
            f"{la['end'][0]:.2f} at the end (1-minute; before each scenario: {scenario_loads}). Absolute figures "
            "move by tens of percent between runs; the ratios, taken between runs made seconds apart, are "
            "the figures to read.",
            "",
            "**How to read:** each client ran once per round, all clients one after another, for several "
            "rounds; every figure is the median over rounds. A ratio \"webraft ÷ this\" is the median of the "
            "per-round ratios. All raw runs are in `bench/results/results.json`.",
            ""]


def render(results):
    lines = header(results) + targets_section(results) + stream_section(results) + responses_section(results)
    lines += latency_section(results) + plain_section(results) + open_section(results) + binding_section(results)
    lines += footprint_section(results) + http2_section(results) + server_section(results)
    if ANALYSIS.exists():
        lines += [ANALYSIS.read_text().strip(), ""]
    lines.append(END)
    return "\n".join(lines) + "\n"


def splice(existing, block):
    """Replaces the marked block in `existing`, or appends it; keeps everything else."""
    start, end = existing.find(BEGIN), existing.find(END)
    if start != -1 and end > start:
        return existing[:start] + block.rstrip("\n") + existing[end + len(END):]
    if existing and not existing.endswith("\n"):
        existing += "\n"
    return existing + ("\n" if existing else "") + block


def main(args):
    if len(args) != 2:
        sys.exit(__doc__)
    results = json.loads(Path(args[0]).read_text())
    target = Path(args[1])
    existing = target.read_text() if target.exists() else ""
    if not existing:
        existing = "# Benchmarks\n"
    updated = splice(existing, render(results))
    temporary = target.with_name(target.name + ".tmp")
    temporary.write_text(updated)
    temporary.replace(target)
    print(f"report: wrote the benchmark block of {target}")


if __name__ == "__main__":
    main(sys.argv[1:])
