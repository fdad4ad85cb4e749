//! Stream decoding throughput: `cargo run --release --example bench_decode`.
//!
//! Decodes a 100,000-event chat-completions stream of ~200-byte chunks shaped
//! like the OpenAI-style capture tests/vectors/aimock-s.raw, as SSE and as
//! JSON lines, fed in 16 KiB reads and in 64-byte reads, on one thread: once
//! decoding alone, once decoding + `Accumulator::push_text` (parse and merge) +
//! `completion()`. Each case runs 5 times. Reported: the median as MB/s
//! (10^6 body bytes per second) and events/s, the fastest run's MB/s (less
//! disturbed by other load on a shared machine), and heap allocations per
//! event (allocs + reallocs in one run / events, from a counting global
//! allocator). The last line is the same figures as one JSON object.
//! Arguments, if any, select cases: a whole case name such as
//! `jsonl-16384-decode`, or one of its dash-separated parts (`jsonl`, `64`,
//! `decode+parse+acc`).

use serde_json::{json, Value};
use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use webraft::stream::{Accumulator, Decoder, StreamEvent};

const EVENTS: usize = 100_000;
const RUNS: usize = 5;
const MAX_EVENT_BYTES: usize = 8 << 20;
/// The target for decoding alone.
const TARGET_MB_S: f64 = 200.0;

/// Counts every allocation and reallocation made through the global allocator.
struct CountingAlloc;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        System.alloc_zeroed(layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static GLOBAL: CountingAlloc = CountingAlloc;

#[derive(Clone, Copy, PartialEq)]
enum Wire {
    Sse,
    JsonLines,
}

impl Wire {
    fn name(self) -> &'static str {
        match self {
            Wire::Sse => "sse",
            Wire::JsonLines => "jsonl",
        }
    }
    fn content_type(self) -> &'static str {
        match self {
            Wire::Sse => "text/event-stream",
            Wire::JsonLines => "application/x-ndjson",
        }
    }
}

/// Delta texts cycled through the stream: words, punctuation, escapes and
/// multi-byte characters, as model output has.
const PIECES: [&str; 12] = [
    "Hello",
    " there",
    "! Here",
    " is",
    " a \"quoted\"",
    " word",
    ",\n",
    " café",
    " 衣装",
    " —",
    " 42",
    " tokens.",
];

/// The stream body and the content it should accumulate to.
struct Stream {
    body: Vec<u8>,
    content: String,
    chunks: usize,
}

fn build_stream(wire: Wire) -> Stream {
    let id = "chatcmpl-N59fkk3ZdFXeWRQI";
    let mut body = Vec::new();
    let mut content = String::new();
    let mut push = |chunk: &Value| {
        let text = chunk.to_string();
        match wire {
            Wire::Sse => {
                body.extend_from_slice(b"data: ");
                body.extend_from_slice(text.as_bytes());
                body.extend_from_slice(b"\n\n");
            }
            Wire::JsonLines => {
                body.extend_from_slice(text.as_bytes());
                body.push(b'\n');
            }
        }
    };
    for i in 0..EVENTS {
        let mut delta = json!({"content": PIECES[i % PIECES.len()]});
        if i == 0 {
            delta["role"] = json!("assistant");
        }
        let last = i == EVENTS - 1;
        content.push_str(PIECES[i % PIECES.len()]);
        let mut chunk = json!({
            "id": id,
            "object": "chat.completion.chunk",
            "created": 1795637003,
            "model": "gpt-4o-mini",
            "choices": [{"index": 0, "delta": delta, "logprobs": null,
                         "finish_reason": if last { json!("stop") } else { Value::Null }}],
        });
        if last {
            chunk["usage"] = json!({"prompt_tokens": 12, "completion_tokens": EVENTS, "total_tokens": EVENTS + 12});
        }
        push(&chunk);
    }
    if wire == Wire::Sse {
        body.extend_from_slice(b"data: [DONE]\n\n");
    }
    Stream {
        body,
        content,
        chunks: EVENTS,
    }
}

/// One timed pass; returns the elapsed time and the allocations made.
fn run_once(stream: &Stream, wire: Wire, read_size: usize, accumulate: bool) -> (Duration, u64) {
    let mut events = Vec::with_capacity(read_size);
    let allocations_before = ALLOCATIONS.load(Ordering::Relaxed);
    let start = Instant::now();
    let mut decoder = Decoder::new(Some(wire.content_type()), MAX_EVENT_BYTES);
    let mut accumulator = Accumulator::new();
    let mut data_events = 0usize;
    let mut payload_bytes = 0usize;
    let mut handle = |events: &mut Vec<StreamEvent>| {
        for event in events.drain(..) {
            if let StreamEvent::Data(payload) = event {
                data_events += 1;
                payload_bytes += payload.len();
                if accumulate {
                    accumulator.push_text(&payload).expect("a valid chunk, no error");
                }
                black_box(payload);
            }
        }
    };
    for read in stream.body.chunks(read_size) {
        decoder.feed(black_box(read), &mut events).expect("decodes");
        handle(&mut events);
    }
    decoder.finish(&mut events).expect("finishes");
    handle(&mut events);
    let completion = accumulate.then(|| accumulator.completion());
    let elapsed = start.elapsed();
    let allocations = ALLOCATIONS.load(Ordering::Relaxed) - allocations_before;

    assert_eq!(data_events, stream.chunks, "every chunk decoded");
    black_box(payload_bytes);
    if let Some(completion) = completion {
        assert_eq!(accumulator.chunk_count(), stream.chunks);
        assert_eq!(
            completion["choices"][0]["message"]["content"],
            stream.content.as_str()
        );
        assert_eq!(completion["choices"][0]["finish_reason"], "stop");
    }
    (elapsed, allocations)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// The CPU model as /proc/cpuinfo names it, for the record.
fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|line| line.starts_with("model name"))
                .and_then(|line| line.split_once(':'))
                .map(|(_, model)| model.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".to_owned())
}

fn main() {
    let filters: Vec<String> = std::env::args().skip(1).collect();
    let mut results = Vec::new();
    println!(
        "{:<6} {:>6} {:<18} {:>10} {:>12} {:>10} {:>12}",
        "format", "read", "work", "MB/s", "events/s", "best MB/s", "allocs/event"
    );
    for wire in [Wire::Sse, Wire::JsonLines] {
        // Built on first use, so a filtered run skips the other format.
        let mut built = None;
        for read_size in [16 * 1024, 64] {
            for accumulate in [false, true] {
                let work = if accumulate {
                    "decode+parse+acc"
                } else {
                    "decode"
                };
                let name = format!("{}-{read_size}-{work}", wire.name());
                let selected = filters
                    .iter()
                    .any(|f| *f == name || name.split('-').any(|part| part == f));
                if !filters.is_empty() && !selected {
                    continue;
                }
                let stream = built.get_or_insert_with(|| build_stream(wire));
                let mb = stream.body.len() as f64 / 1e6;
                // One untimed pass warms caches and the allocator.
                run_once(stream, wire, read_size, accumulate);
                let mut seconds = Vec::new();
                let mut allocations = Vec::new();
                for _ in 0..RUNS {
                    let (elapsed, allocs) = run_once(stream, wire, read_size, accumulate);
                    seconds.push(elapsed.as_secs_f64());
                    allocations.push(allocs as f64);
                }
                let best = seconds.iter().copied().fold(f64::INFINITY, f64::min);
                let secs = median(seconds);
                let allocs_per_event = median(allocations) / EVENTS as f64;
                println!(
                    "{:<6} {:>6} {:<18} {:>10.1} {:>12.0} {:>10.1} {:>12.4}",
                    wire.name(),
                    read_size,
                    work,
                    mb / secs,
                    EVENTS as f64 / secs,
                    mb / best,
                    allocs_per_event
                );
                results.push(json!({
                    "case": name,
                    "format": wire.name(),
                    "read_bytes": read_size,
                    "work": work,
                    "mb_per_s": (mb / secs * 10.0).round() / 10.0,
                    "events_per_s": (EVENTS as f64 / secs).round(),
                    "best_mb_per_s": (mb / best * 10.0).round() / 10.0,
                    "allocs_per_event": (allocs_per_event * 10000.0).round() / 10000.0,
                    "median_ms": (secs * 1e5).round() / 100.0,
                }));
            }
        }
        if let Some(stream) = built {
            println!(
                "{} body: {} bytes, {} events, {:.1} bytes/event",
                wire.name(),
                stream.body.len(),
                EVENTS,
                stream.body.len() as f64 / EVENTS as f64
            );
        }
    }
    println!(
        "{}",
        json!({"bench": "stream_decode", "cpu": cpu_model(), "events": EVENTS, "runs": RUNS,
               "target_mb_per_s": TARGET_MB_S, "results": results})
    );
}
