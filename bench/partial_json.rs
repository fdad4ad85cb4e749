//! What live structured output costs per chunk: `cargo run --release --example bench_partial_json`.
//!
//! A ~200 KB JSON document (an array of NPC records: strings with escapes and multi-byte
//! characters, numbers, booleans, nested arrays and objects) arrives as the content of a chat
//! stream in 200-byte deltas. Cases, each run 7 times (median and fastest reported, in
//! nanoseconds per chunk):
//! * `push`: `PartialJson::push` of each delta (the snapshot kept up to date);
//! * `push+snapshot`: the same, plus building the snapshot string after every chunk, as a caller
//!   reading it on every chunk does (its cost grows with the document, as it is a copy of it);
//! * `chunk`: `parse_chunk` + `Accumulator::push` of each chunk's JSON, what every chat stream
//!   already paid before snapshots existed;
//! * `chunk+live`: the same plus `LiveSnapshots::update`, what every chat stream now pays;
//! * `update`: the time spent in `LiveSnapshots::update` alone within `chunk+live` (timed around
//!   each call, so it includes about 30 ns of clock reading).
//!
//! The target: about 2 µs per chunk for a 200-byte delta. The last line repeats the
//! figures as one JSON object.

use serde_json::{json, Value};
use std::hint::black_box;
use std::time::{Duration, Instant};
use webraft::stream::{parse_chunk, Accumulator, LiveSnapshots, PartialJson};

const DELTA_BYTES: usize = 200;
const RUNS: usize = 7;
const TARGET_NS: f64 = 2000.0;

/// The document: `records` NPC records, compact JSON.
fn document(records: usize) -> String {
    let items: Vec<Value> = (0..records)
        .map(|i| {
            let mood = ["calm", "wary", "angry"][i % 3];
            json!({
                "id": i,
                "name": format!("Guard \"{i}\" of Léonie's keep"),
                "mood": mood,
                "hp": 100.0 - (i % 37) as f64 * 1.25,
                "hostile": i % 5 == 0,
                "line": format!("Halt! 🛡 Who goes there?\nState your business, traveller #{i}."),
                "inventory": [{"item": "spear", "count": 1}, {"item": "bread", "count": i % 4}],
                "notes": null
            })
        })
        .collect();
    serde_json::to_string(&items).expect("serializes")
}

/// The document cut into deltas of about `DELTA_BYTES`, at character boundaries.
fn deltas(text: &str) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut start = 0;
    while start < text.len() {
        let mut end = (start + DELTA_BYTES).min(text.len());
        while !text.is_char_boundary(end) {
            end += 1;
        }
        pieces.push(&text[start..end]);
        start = end;
    }
    pieces
}

/// One chat chunk carrying `delta` as its content.
fn chunk_json(delta: &str) -> String {
    json!({"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": "m",
           "choices": [{"index": 0, "delta": {"content": delta}, "finish_reason": null}]})
    .to_string()
}

fn run_push(deltas: &[&str], snapshot_each: bool) {
    let mut parser = PartialJson::new();
    for delta in deltas {
        black_box(parser.push(delta));
        if snapshot_each {
            black_box(parser.snapshot());
        }
    }
    assert!(parser.snapshot().is_some());
}

/// Accumulates every chunk, with the live snapshots kept when `live`; returns the time spent
/// in `LiveSnapshots::update` alone.
fn run_chunks(chunks: &[String], live: bool) -> Duration {
    let mut accumulator = Accumulator::new();
    let mut snapshots = LiveSnapshots::new();
    let mut updating = Duration::ZERO;
    for chunk in chunks {
        accumulator.push(&parse_chunk(chunk).expect("JSON")).expect("no error");
        if live {
            let started = Instant::now();
            snapshots.update(&accumulator);
            updating += started.elapsed();
        }
    }
    black_box((accumulator.text().len(), snapshots.content().map(|s| s.len())));
    updating
}

/// As `measure`, for the time `run` itself reports.
fn measure_inside(chunks: usize, mut run: impl FnMut() -> Duration) -> (f64, f64) {
    run();
    let mut per_chunk: Vec<f64> = (0..RUNS).map(|_| run().as_nanos() as f64 / chunks as f64).collect();
    per_chunk.sort_by(f64::total_cmp);
    (per_chunk[RUNS / 2], per_chunk[0])
}

/// Nanoseconds per chunk: median and fastest of `RUNS` runs after a warm-up.
fn measure(chunks: usize, mut run: impl FnMut()) -> (f64, f64) {
    run();
    let mut per_chunk: Vec<f64> = (0..RUNS)
        .map(|_| {
            let started = Instant::now();
            run();
            started.elapsed().as_nanos() as f64 / chunks as f64
        })
        .collect();
    per_chunk.sort_by(f64::total_cmp);
    (per_chunk[RUNS / 2], per_chunk[0])
}

fn main() {
    let text = document(800);
    let deltas = deltas(&text);
    let chunks: Vec<String> = deltas.iter().map(|d| chunk_json(d)).collect();
    println!(
        "document: {} bytes in {} deltas of {} bytes (last shorter)",
        text.len(),
        deltas.len(),
        DELTA_BYTES
    );
    let n = deltas.len();
    let cases: [(&str, (f64, f64)); 5] = [
        ("push", measure(n, || run_push(&deltas, false))),
        ("push+snapshot", measure(n, || run_push(&deltas, true))),
        ("chunk", measure(n, || drop(run_chunks(&chunks, false)))),
        ("chunk+live", measure(n, || drop(run_chunks(&chunks, true)))),
        ("update", measure_inside(n, || run_chunks(&chunks, true))),
    ];
    println!("{:<16} {:>12} {:>12}", "case", "median ns", "fastest ns");
    for (name, (median, fastest)) in &cases {
        println!("{name:<16} {median:>12.0} {fastest:>12.0}");
    }
    println!(
        "per 200-byte delta: push {:.0} ns, LiveSnapshots::update inside a chat stream {:.0} ns (target {TARGET_NS:.0} ns)",
        cases[0].1 .0, cases[4].1 .0
    );
    let figures: serde_json::Map<String, Value> =
        cases.iter().map(|(name, (median, _))| (name.to_string(), json!(median.round()))).collect();
    println!("{}", Value::Object(figures));
}
