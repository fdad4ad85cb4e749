//! The raw reqwest + tokio baseline: the floor for webraft's own stack.
//! Same scenarios and output as the other clients (see bench/README section
//! in BENCHMARKS.md): one JSON object on stdout.
//!
//! ```text
//! webraft-reqwest-baseline stream <base_url> <chunks> json|typed|lines|responses
//! webraft-reqwest-baseline latency <base_url>
//! webraft-reqwest-baseline plain <base_url> <concurrency> <seconds>
//! webraft-reqwest-baseline open <base_url> <streams> <plain_base_url>
//! webraft-reqwest-baseline footprint <base_url>
//! ```
//!
//! `json` parses every chunk into a serde_json `Value`; `typed` into small
//! borrowed structs of the fields a client reads (id, model, created, per
//! choice the delta's role and content and the finish reason), joining the
//! content, as a hand-written client of this stack would; `lines` only splits
//! the body into events, the floor of the stack itself. `responses` reads a
//! Responses API stream (`<base_url>/responses`) into typed events, joining
//! the text deltas.

use serde::Deserialize;
use serde_json::Value;
use std::borrow::Cow;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const STREAM_BODY: &str = r#"{"model":"bench-model","stream":true,"messages":[{"role":"user","content":"hi"}]}"#;
const PLAIN_BODY: &str = r#"{"model":"bench-model","messages":[{"role":"user","content":"hi"}]}"#;
/// How long plain-request workers run before the measured window opens.
const WARM_UP: Duration = Duration::from_millis(300);
/// Longest wait for every held stream to deliver its first chunk.
const OPEN_DEADLINE: Duration = Duration::from_secs(180);
/// Pause before RSS is read, so allocations in flight settle.
const SETTLE: Duration = Duration::from_millis(500);

fn fail(message: String) -> ! {
    eprintln!("webraft-reqwest-baseline: {message}");
    std::process::exit(1);
}

fn monotonic_ns() -> u64 {
    let mut now = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `now` is a valid timespec to write to.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut now) };
    now.tv_sec as u64 * 1_000_000_000 + now.tv_nsec as u64
}

fn cpu_seconds() -> f64 {
    // SAFETY: getrusage writes into the zeroed struct it is given.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Nearest-rank percentile of sorted samples.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Splits a streamed body into chunk payloads: SSE `data:` values or bare JSON lines.
#[derive(Default)]
struct Events {
    pending: Vec<u8>,
    done: bool,
}

impl Events {
    /// Calls `on_payload` for each complete event in `bytes`; stops at `[DONE]`.
    fn feed(&mut self, bytes: &[u8], on_payload: &mut impl FnMut(&[u8])) {
        let mut rest = bytes;
        while !self.done {
            let Some(end) = rest.iter().position(|&b| b == b'\n') else {
                self.pending.extend_from_slice(rest);
                return;
            };
            if self.pending.is_empty() {
                self.line(&rest[..end], on_payload);
            } else {
                self.pending.extend_from_slice(&rest[..end]);
                let line = std::mem::take(&mut self.pending);
                self.line(&line, on_payload);
            }
            rest = &rest[end + 1..];
        }
    }

    fn line(&mut self, line: &[u8], on_payload: &mut impl FnMut(&[u8])) {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() || line[0] == b':' || line.starts_with(b"event:") {
            return;
        }
        let payload = line.strip_prefix(b"data: ").unwrap_or(line);
        if payload == b"[DONE]" {
            self.done = true;
        } else {
            on_payload(payload);
        }
    }
}

fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .use_rustls_tls()
        .tcp_nodelay(true)
        .build()
        .unwrap_or_else(|e| fail(format!("cannot build the client: {e}")))
}

async fn post(client: &reqwest::Client, base_url: &str, body: &'static str) -> reqwest::Response {
    post_to(client, &format!("{base_url}/chat/completions"), body).await
}

async fn post_to(client: &reqwest::Client, url: &str, body: &'static str) -> reqwest::Response {
    let response = client
        .post(url)
        .header("content-type", "application/json")
        .bearer_auth("bench-key")
        .body(body)
        .send()
        .await
        .unwrap_or_else(|e| fail(format!("request failed: {e}")));
    if !response.status().is_success() {
        fail(format!("HTTP {}", response.status()));
    }
    response
}

/// Reads a whole stream, handing each payload to `on_payload`.
async fn consume(mut response: reqwest::Response, on_payload: &mut impl FnMut(&[u8])) {
    let mut events = Events::default();
    while let Some(bytes) = response.chunk().await.unwrap_or_else(|e| fail(format!("stream broke: {e}"))) {
        events.feed(&bytes, on_payload);
        if events.done {
            return;
        }
    }
    if !events.pending.is_empty() {
        let line = std::mem::take(&mut events.pending);
        events.line(&line, on_payload);
    }
}

/// A chat chunk as a typed client reads it.
#[derive(Deserialize)]
struct Chunk<'a> {
    #[serde(borrow)]
    id: Cow<'a, str>,
    #[serde(borrow)]
    model: Cow<'a, str>,
    created: u64,
    #[serde(borrow)]
    choices: Vec<ChunkChoice<'a>>,
}

#[derive(Deserialize)]
struct ChunkChoice<'a> {
    index: u32,
    #[serde(borrow)]
    delta: Delta<'a>,
    #[serde(borrow)]
    finish_reason: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct Delta<'a> {
    #[serde(borrow)]
    role: Option<Cow<'a, str>>,
    #[serde(borrow)]
    content: Option<Cow<'a, str>>,
}

/// A Responses API stream event as a typed client reads it.
#[derive(Deserialize)]
struct ResponsesEvent<'a> {
    #[serde(borrow, rename = "type")]
    kind: Cow<'a, str>,
    output_index: Option<u32>,
    content_index: Option<u32>,
    #[serde(borrow)]
    delta: Option<Cow<'a, str>>,
}

/// How a stream's payloads are read.
#[derive(Clone, Copy, PartialEq)]
enum Parse {
    Lines,
    Json,
    Typed,
    Responses,
}

fn bad(e: serde_json::Error) -> ! {
    fail(format!("bad chunk: {e}"))
}

async fn stream(base_url: &str, expected: usize, parse: Parse) {
    let client = http_client();
    let cpu_before = cpu_seconds();
    let started = Instant::now();
    let mut events = 0usize;
    let mut text = String::new();
    let response = match parse {
        Parse::Responses => post_to(&client, &format!("{base_url}/responses"), STREAM_BODY).await,
        _ => post(&client, base_url, STREAM_BODY).await,
    };
    consume(response, &mut |payload| {
        match parse {
            Parse::Lines => {}
            Parse::Json => {
                let chunk: Value = serde_json::from_slice(payload).unwrap_or_else(|e| bad(e));
                std::hint::black_box(&chunk);
            }
            Parse::Typed => {
                let chunk: Chunk = serde_json::from_slice(payload).unwrap_or_else(|e| bad(e));
                std::hint::black_box((&chunk.id, &chunk.model, chunk.created));
                for choice in &chunk.choices {
                    std::hint::black_box((choice.index, &choice.delta.role, &choice.finish_reason));
                    text.push_str(choice.delta.content.as_deref().unwrap_or(""));
                }
            }
            Parse::Responses => {
                let event: ResponsesEvent = serde_json::from_slice(payload).unwrap_or_else(|e| bad(e));
                std::hint::black_box((event.output_index, event.content_index));
                if event.kind == "response.output_text.delta" {
                    text.push_str(event.delta.as_deref().unwrap_or(""));
                }
            }
        }
        events += 1;
    })
    .await;
    let seconds = started.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu_before;
    // A Responses stream also has its created, item-added and completed events.
    let expected = expected + if parse == Parse::Responses { 3 } else { 0 };
    if events != expected {
        fail(format!("got {events} events, expected {expected}"));
    }
    std::hint::black_box(&text);
    println!(r#"{{"events":{events},"seconds":{seconds:.6},"cpu_seconds":{cpu:.6}}}"#);
}

async fn latency(base_url: &str) {
    let client = http_client();
    let mut delays_us = Vec::new();
    let response = post(&client, base_url, STREAM_BODY).await;
    consume(response, &mut |payload| {
        let chunk: Value = serde_json::from_slice(payload).unwrap_or_else(|e| fail(format!("bad chunk: {e}")));
        let now = monotonic_ns();
        let sent = chunk["bench_sent_ns"].as_u64().unwrap_or_else(|| fail("chunk without bench_sent_ns".into()));
        delays_us.push(now.saturating_sub(sent) as f64 / 1e3);
    })
    .await;
    delays_us.sort_by(f64::total_cmp);
    println!(
        r#"{{"samples":{},"p50_us":{:.2},"p99_us":{:.2},"max_us":{:.2}}}"#,
        delays_us.len(),
        percentile(&delays_us, 50.0),
        percentile(&delays_us, 99.0),
        delays_us.last().copied().unwrap_or(0.0)
    );
}

async fn plain(base_url: &str, concurrency: usize, seconds: f64) {
    let client = http_client();
    let measure_from = Instant::now() + WARM_UP;
    let measure_until = measure_from + Duration::from_secs_f64(seconds);
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let client = client.clone();
        let base_url = base_url.to_string();
        workers.push(tokio::spawn(async move {
            let mut latencies_us = Vec::new();
            loop {
                let started = Instant::now();
                if started >= measure_until {
                    return latencies_us;
                }
                let body = post(&client, &base_url, PLAIN_BODY)
                    .await
                    .bytes()
                    .await
                    .unwrap_or_else(|e| fail(format!("body failed: {e}")));
                let completion: Value = serde_json::from_slice(&body).unwrap_or_else(|e| fail(format!("bad body: {e}")));
                std::hint::black_box(&completion);
                if started >= measure_from {
                    latencies_us.push(started.elapsed().as_secs_f64() * 1e6);
                }
            }
        }));
    }
    tokio::time::sleep_until(measure_from.into()).await;
    let cpu_before = cpu_seconds();
    tokio::time::sleep_until(measure_until.into()).await;
    let cpu = cpu_seconds() - cpu_before;
    let mut latencies_us = Vec::new();
    for worker in workers {
        latencies_us.extend(worker.await.unwrap_or_else(|e| fail(format!("worker failed: {e}"))));
    }
    latencies_us.sort_by(f64::total_cmp);
    println!(
        r#"{{"requests":{},"seconds":{seconds:.6},"p50_us":{:.2},"p99_us":{:.2},"cpu_seconds":{cpu:.6}}}"#,
        latencies_us.len(),
        percentile(&latencies_us, 50.0),
        percentile(&latencies_us, 99.0)
    );
}

async fn open(base_url: &str, streams: usize, warm_url: &str) {
    let client = http_client();
    // One request first, so the runtime and client are warm before the baseline RSS.
    let warm_up = post(&client, warm_url, PLAIN_BODY).await.bytes().await;
    warm_up.unwrap_or_else(|e| fail(format!("body failed: {e}")));
    let rss_before = rss_kib();
    let opened = Arc::new(AtomicUsize::new(0));
    let all_open = Arc::new(tokio::sync::Notify::new());
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(streams);
    for _ in 0..streams {
        let client = client.clone();
        let base_url = base_url.to_string();
        let opened = Arc::clone(&opened);
        let all_open = Arc::clone(&all_open);
        tasks.push(tokio::spawn(async move {
            let response = post(&client, &base_url, STREAM_BODY).await;
            let mut first = true;
            consume(response, &mut |_| {
                if std::mem::take(&mut first) && opened.fetch_add(1, Ordering::SeqCst) + 1 == streams {
                    all_open.notify_one();
                }
            })
            .await;
        }));
    }
    if tokio::time::timeout(OPEN_DEADLINE, all_open.notified()).await.is_err() {
        fail(format!("only {} of {streams} streams opened", opened.load(Ordering::SeqCst)));
    }
    let open_seconds = started.elapsed().as_secs_f64();
    tokio::time::sleep(SETTLE).await;
    let rss_open = rss_kib();
    let closing = Instant::now();
    for task in &tasks {
        task.abort();
    }
    for task in tasks {
        let _ = task.await;
    }
    let close_seconds = closing.elapsed().as_secs_f64();
    println!(
        r#"{{"streams":{streams},"rss_before_kib":{rss_before},"rss_open_kib":{rss_open},"open_seconds":{open_seconds:.3},"close_seconds":{close_seconds:.3}}}"#
    );
}

fn footprint(base_url: &str) {
    let rss_start = rss_kib();
    let runtime_started = Instant::now();
    let runtime = tokio::runtime::Runtime::new().unwrap_or_else(|e| fail(format!("no runtime: {e}")));
    let runtime_us = runtime_started.elapsed().as_secs_f64() * 1e6;
    let created = Instant::now();
    let client = http_client();
    let create_first_us = created.elapsed().as_secs_f64() * 1e6;
    let rss_client = rss_kib();
    runtime.block_on(async {
        let body = post(&client, base_url, PLAIN_BODY).await.bytes().await;
        body.unwrap_or_else(|e| fail(format!("body failed: {e}")));
    });
    std::thread::sleep(Duration::from_millis(200));
    let rss_idle = rss_kib();
    let mut create_us: Vec<f64> = (0..20)
        .map(|_| {
            let created = Instant::now();
            drop(std::hint::black_box(http_client()));
            created.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    create_us.sort_by(f64::total_cmp);
    println!(
        r#"{{"create_first_us":{create_first_us:.1},"create_us":{:.1},"runtime_start_us":{runtime_us:.1},"rss_start_kib":{rss_start},"rss_client_kib":{rss_client},"rss_idle_kib":{rss_idle}}}"#,
        percentile(&create_us, 50.0)
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize| args.get(i).cloned().unwrap_or_else(|| fail(format!("missing argument {i}")));
    let number = |i: usize| arg(i).parse::<f64>().unwrap_or_else(|e| fail(format!("argument {i}: {e}")));
    let scenario = arg(0);
    if scenario == "footprint" {
        return footprint(&arg(1));
    }
    let runtime = tokio::runtime::Runtime::new().unwrap_or_else(|e| fail(format!("no runtime: {e}")));
    runtime.block_on(async {
        match scenario.as_str() {
            "stream" => {
                let parse = match arg(3).as_str() {
                    "lines" => Parse::Lines,
                    "json" => Parse::Json,
                    "typed" => Parse::Typed,
                    "responses" => Parse::Responses,
                    other => fail(format!("unknown parse mode {other:?}")),
                };
                stream(&arg(1), number(2) as usize, parse).await
            }
            "latency" => latency(&arg(1)).await,
            "plain" => plain(&arg(1), number(2) as usize, number(3)).await,
            "open" => open(&arg(1), number(2) as usize, &arg(3)).await,
            other => fail(format!("unknown scenario {other:?}")),
        }
    });
}
