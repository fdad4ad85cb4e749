//! Decoder + accumulator on arbitrary bytes split arbitrarily.
//!
//! Input layout:
//! - byte 0: bits 0-2 pick the Content-Type, bits 3-4 pick `max_event_bytes`;
//! - byte 1: low nibble `n`, the number of piece lengths that follow;
//! - `n` bytes: piece lengths (0 = an empty feed), used in turn and repeated;
//! - the rest: the response body.
//!
//! The body is decoded whole, byte by byte and in the planned pieces. The
//! three runs must give the same events, error, format, accumulated chunks and
//! completion; each run must also keep the decoder's documented invariants.

#![no_main]

// The library's stream core and error type, compiled from its own sources:
// they need only serde, serde_json and thiserror, so the instrumented build skips the
// HTTP stack (tokio, reqwest, rustls, ring), which alone takes minutes to build.
// Running rustfmt on this file would follow these modules and reformat src/.
#[allow(dead_code)]
#[path = "../../src/error.rs"]
mod error;
#[allow(dead_code)]
#[path = "../../src/stream/mod.rs"]
mod stream;

use error::Error;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use stream::{parse_chunk, Accumulator, Decoder, Format, StreamEvent};

const CONTENT_TYPES: [Option<&str>; 8] = [
    None,
    Some("text/event-stream"),
    Some("application/x-ndjson"),
    Some("application/json"),
    Some("text/plain"),
    Some("Text/Event-Stream; charset=utf-8"),
    Some("application/json; charset=utf-8"),
    Some("application/octet-stream"),
];

/// Small bounds reach the oversize paths; the large one lets real chunks through.
const MAX_EVENT_BYTES: [usize; 4] = [1 << 20, 8, 64, 512];

/// Everything observable about one run.
#[derive(Debug, PartialEq)]
struct Run {
    events: Vec<StreamEvent>,
    /// Debug form of the decoder's error: kind and message.
    error: Option<String>,
    format: Option<Format>,
    done: bool,
    /// Per Data event: the parse or push failure, if any.
    chunk_results: Vec<Option<String>>,
    chunks: usize,
    text: String,
    completion: Value,
}

fn run(content_type: Option<&str>, max: usize, pieces: &[&[u8]]) -> Run {
    let mut decoder = Decoder::new(content_type, max);
    let mut events = Vec::new();
    let mut error: Option<Error> = None;
    for piece in pieces {
        if let Err(e) = decoder.feed(piece, &mut events) {
            error = Some(e);
            break;
        }
    }
    if error.is_none() {
        if let Err(e) = decoder.finish(&mut events) {
            error = Some(e);
        }
    }
    check_decoder_invariants(&mut decoder, &events, error.as_ref(), max);

    // Every payload that parses is merged (also past a failing one), so the
    // accumulator sees as many chunks as the input holds.
    // Also merged from the text (`push_text`, the library's own path), which must agree.
    let mut accumulator = Accumulator::new();
    let mut from_text = Accumulator::new();
    let mut chunk_results = Vec::new();
    let mut merged = 0;
    for event in &events {
        if let StreamEvent::Data(payload) | StreamEvent::Named { data: payload, .. } = event {
            let result = parse_chunk(payload).and_then(|chunk| {
                accumulator.push(&chunk)?;
                // Chunks that are not objects are ignored, not counted.
                merged += usize::from(chunk.is_object());
                Ok(())
            });
            let result = result.err().map(|e| format!("{e:?}"));
            let text_result = from_text.push_text(payload).err().map(|e| format!("{e:?}"));
            assert_eq!(text_result, result, "push_text and push disagree on {payload:?}");
            chunk_results.push(result);
        }
    }
    assert_eq!(accumulator.chunk_count(), merged);
    let completion = accumulator.completion();
    assert_eq!(
        serde_json::to_string(&from_text.completion()).unwrap(),
        serde_json::to_string(&completion).unwrap(),
        "push_text and push build different completions"
    );
    check_completion(&completion, accumulator.text());

    Run {
        format: decoder.format(),
        done: decoder.is_done(),
        error: error.map(|e| format!("{e:?}")),
        events,
        chunk_results,
        chunks: accumulator.chunk_count(),
        text: accumulator.text().to_owned(),
        completion,
    }
}

fn check_decoder_invariants(
    decoder: &mut Decoder,
    events: &[StreamEvent],
    error: Option<&Error>,
    max: usize,
) {
    let done_at = events.iter().position(|e| *e == StreamEvent::Done);
    if let Some(at) = done_at {
        assert_eq!(at, events.len() - 1, "events after Done: {events:?}");
        assert!(error.is_none(), "Done and an error: {error:?}");
    }
    assert_eq!(decoder.is_done(), done_at.is_some());
    for event in events {
        if let StreamEvent::Data(payload)
        | StreamEvent::Named { data: payload, .. }
        | StreamEvent::Error(payload) = event
        {
            assert!(payload.len() <= max, "payload over max_event_bytes {max}");
        }
    }
    if let Some(error) = error {
        assert!(
            matches!(error, Error::StreamProtocol(_) | Error::ResponseTooLarge(_)),
            "unexpected error kind {error:?}"
        );
    }
    // After finish or an error, input is ignored or the same error repeats.
    let mut later = Vec::new();
    let again = decoder.feed(b"data: {}\n\n{}\n", &mut later);
    assert!(later.is_empty(), "events after the end: {later:?}");
    assert_eq!(
        again.err().map(|e| format!("{e:?}")),
        error.map(|e| format!("{e:?}")),
        "a later feed must replay the first error"
    );
}

fn check_completion(completion: &Value, text: &str) {
    assert_eq!(completion["object"], "chat.completion");
    let choices = completion["choices"]
        .as_array()
        .expect("choices is an array");
    let indexes: Vec<u64> = choices
        .iter()
        .map(|c| c["index"].as_u64().expect("choice index"))
        .collect();
    assert!(
        indexes.windows(2).all(|w| w[0] < w[1]),
        "choices not sorted by unique index: {indexes:?}"
    );
    let first_content = choices
        .first()
        .filter(|c| c["index"] == 0)
        .and_then(|c| c["message"]["content"].as_str())
        .unwrap_or("");
    assert_eq!(text, first_content);
}

/// The body cut into the planned piece lengths, repeated until it is used up.
fn planned_pieces<'a>(lengths: &[u8], mut body: &'a [u8]) -> Vec<&'a [u8]> {
    if lengths.iter().all(|&l| l == 0) {
        return vec![&[], body, &[]];
    }
    let mut pieces = Vec::new();
    for &len in lengths.iter().cycle() {
        if body.is_empty() {
            break;
        }
        let len = usize::from(len).min(body.len());
        pieces.push(&body[..len]);
        body = &body[len..];
    }
    pieces
}

fuzz_target!(|data: &[u8]| {
    let [config, plan, rest @ ..] = data else {
        return;
    };
    let n = usize::from(plan & 0x0f);
    if rest.len() < n {
        return;
    }
    let (lengths, body) = rest.split_at(n);
    let content_type = CONTENT_TYPES[usize::from(config & 0x07)];
    let max = MAX_EVENT_BYTES[usize::from((config >> 3) & 0x03)];

    let whole = run(content_type, max, &[body]);
    let bytes: Vec<&[u8]> = body.chunks(1).collect();
    assert_eq!(
        run(content_type, max, &bytes),
        whole,
        "byte by byte differs from whole"
    );
    let planned = planned_pieces(lengths, body);
    assert_eq!(
        run(content_type, max, &planned),
        whole,
        "planned split differs from whole"
    );
});
