"""The official `openai` Python package as a baseline (its sync client).

Same scenarios and JSON output as the other benchmark clients:

    openai_baseline.py stream <base_url> <chunks>
    openai_baseline.py latency <base_url>
    openai_baseline.py plain <base_url> 1 <seconds>
    openai_baseline.py footprint <base_url>

Only concurrency 1 is measured for plain requests: the sync client is what
most Python programs use, one request at a time per thread.
"""

import json
import math
import sys
import time

WARM_UP_SECONDS = 0.3
MESSAGES = [{"role": "user", "content": "hi"}]


def fail(message):
    sys.exit(f"openai_baseline: {message}")


def rss_kib():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def percentile(sorted_samples, p):
    """Nearest-rank percentile."""
    if not sorted_samples:
        return 0.0
    rank = math.ceil(p / 100 * len(sorted_samples))
    return sorted_samples[min(max(rank, 1), len(sorted_samples)) - 1]


def client_for(base_url):
    from openai import OpenAI

    return OpenAI(base_url=base_url, api_key="bench-key", max_retries=0)


def stream(base_url, expected):
    client = client_for(base_url)
    cpu_before = time.process_time()
    started = time.perf_counter()
    events = 0
    for _chunk in client.chat.completions.create(model="bench-model", messages=MESSAGES, stream=True):
        events += 1
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu_before
    if events != expected:
        fail(f"got {events} events, expected {expected}")
    print(json.dumps({"events": events, "seconds": seconds, "cpu_seconds": cpu}))


def latency(base_url):
    client = client_for(base_url)
    delays_us = []
    for chunk in client.chat.completions.create(model="bench-model", messages=MESSAGES, stream=True):
        now = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
        delays_us.append((now - chunk.bench_sent_ns) / 1e3)
    delays_us.sort()
    print(json.dumps({"samples": len(delays_us), "p50_us": percentile(delays_us, 50),
                      "p99_us": percentile(delays_us, 99), "max_us": delays_us[-1]}))


def plain(base_url, concurrency, seconds):
    if concurrency != 1:
        fail("only concurrency 1 is measured for the sync client")
    client = client_for(base_url)
    measure_from = time.perf_counter() + WARM_UP_SECONDS
    measure_until = measure_from + seconds
    latencies_us = []
    cpu_before = None
    while True:
        started = time.perf_counter()
        if started >= measure_until:
            break
        if cpu_before is None and started >= measure_from:
            cpu_before = time.process_time()
        reply = client.chat.completions.create(model="bench-model", messages=MESSAGES)
        if not reply.choices[0].message.content:
            fail("empty reply")
        if started >= measure_from:
            latencies_us.append((time.perf_counter() - started) * 1e6)
    cpu = time.process_time() - cpu_before
    latencies_us.sort()
    print(json.dumps({"requests": len(latencies_us), "seconds": seconds, "p50_us": percentile(latencies_us, 50),
                      "p99_us": percentile(latencies_us, 99), "cpu_seconds": cpu}))


def footprint(base_url):
    rss_start = rss_kib()
    imported = time.perf_counter()
    import openai  # noqa: F401  (timed: a Python program pays it before its first client)

    import_us = (time.perf_counter() - imported) * 1e6
    rss_imported = rss_kib()
    created = time.perf_counter()
    client = client_for(base_url)
    create_first_us = (time.perf_counter() - created) * 1e6
    rss_client = rss_kib()
    client.chat.completions.create(model="bench-model", messages=MESSAGES)
    time.sleep(0.2)
    rss_idle = rss_kib()
    create_us = []
    for _ in range(20):
        created = time.perf_counter()
        client_for(base_url)
        create_us.append((time.perf_counter() - created) * 1e6)
    create_us.sort()
    print(json.dumps({"create_first_us": create_first_us, "create_us": percentile(create_us, 50),
                      "import_us": import_us, "rss_start_kib": rss_start, "rss_imported_kib": rss_imported,
                      "rss_client_kib": rss_client, "rss_idle_kib": rss_idle}))


def main(args):
    if len(args) < 2:
        fail(__doc__)
    scenario, base_url = args[0], args[1]
    if scenario == "stream":
        stream(base_url, int(args[2]))
    elif scenario == "latency":
        latency(base_url)
    elif scenario == "plain":
        plain(base_url, int(args[2]), float(args[3]))
    elif scenario == "footprint":
        footprint(base_url)
    else:
        fail(f"unknown scenario {scenario!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
