//! Live snapshots (`PartialJson`) of arbitrary text fed in arbitrary pieces.
//!
//! Input layout: byte 0 is the piece length (0 = one byte at a time), the rest is the text
//! (inputs that are not UTF-8, or with more than 120 brackets, are skipped). Checked after every piece: the snapshot, when
//! there is one, is valid JSON and extends the one before (strings only grow, containers only
//! gain members, nothing else changes); once there is a snapshot there always is one. At the
//! end, when the whole text is one JSON document, the last snapshot equals its parse.

#![no_main]

// Compiled from the library's own sources, as stream_decode does (see its top).
#[allow(dead_code)]
#[path = "../../src/error.rs"]
mod error;
#[allow(dead_code)]
#[path = "../../src/stream/mod.rs"]
mod stream;

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use stream::PartialJson;

/// Whether `new` grows `old`.
fn extends(old: &Value, new: &Value) -> bool {
    match (old, new) {
        (Value::String(a), Value::String(b)) => b.starts_with(a.as_str()),
        (Value::Array(a), Value::Array(b)) => a.len() <= b.len() && a.iter().zip(b).all(|(x, y)| extends(x, y)),
        (Value::Object(a), Value::Object(b)) => a.iter().all(|(k, v)| b.get(k).is_some_and(|w| extends(v, w))),
        (a, b) => a == b,
    }
}

/// The pieces of `text`, about `size` bytes each, cut at character boundaries.
fn pieces(text: &str, size: usize) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < text.len() {
        let mut end = (start + size.max(1)).min(text.len());
        while !text.is_char_boundary(end) {
            end += 1;
        }
        out.push(&text[start..end]);
        start = end;
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let Some((&size, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    // serde_json, the judge here, refuses nesting deeper than 128; such text proves nothing.
    if text.bytes().filter(|b| matches!(b, b'[' | b'{')).count() > 120 {
        return;
    }
    let mut parser = PartialJson::new();
    let mut previous: Option<Value> = None;
    for piece in pieces(text, size as usize) {
        parser.push(piece);
        let snapshot = parser.snapshot();
        assert!(previous.is_none() || snapshot.is_some(), "a snapshot vanished");
        if let Some(snapshot) = snapshot {
            let value: Value = serde_json::from_str(&snapshot).unwrap_or_else(|e| panic!("{snapshot:?}: {e}"));
            if let Some(previous) = &previous {
                assert!(extends(previous, &value), "{previous} -> {value}");
            }
            previous = Some(value);
        }
    }
    parser.finish();
    if let Ok(whole) = serde_json::from_str::<Value>(text) {
        let last = parser.snapshot().expect("a whole document has a snapshot");
        assert_eq!(serde_json::from_str::<Value>(&last).unwrap(), whole, "final snapshot of {text:?}");
    }
});
