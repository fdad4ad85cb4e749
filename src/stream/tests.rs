//! Vector tests for the decoder and the accumulator. Every vector is decoded
//! whole, byte by byte, split in two at every point, and split at
//! pseudo-random points; all runs must agree with the expected result.

use super::*;
use crate::error::ApiError;
use serde_json::json;
use StreamEvent::Done;

const MAX: usize = 1 << 16;
const SSE: Option<&str> = Some("text/event-stream");
const NDJSON: Option<&str> = Some("application/x-ndjson");

fn d(payload: &str) -> StreamEvent {
    StreamEvent::Data(payload.to_owned())
}

fn e(payload: &str) -> StreamEvent {
    StreamEvent::Error(payload.to_owned())
}

// ---------------------------------------------------------------- harness

/// Everything observable about one decoding run.
#[derive(Debug, Clone, PartialEq)]
struct Outcome {
    events: Vec<StreamEvent>,
    /// The error message (StreamProtocol or ResponseTooLarge), if decoding failed.
    error: Option<String>,
    format: Option<Format>,
    done: bool,
}

fn failure_message(err: Error) -> String {
    match err {
        Error::StreamProtocol(message) | Error::ResponseTooLarge(message) => message,
        other => panic!("expected StreamProtocol or ResponseTooLarge, got {other:?}"),
    }
}

fn decode<'a>(ct: Option<&str>, max: usize, pieces: impl IntoIterator<Item = &'a [u8]>) -> Outcome {
    let mut decoder = Decoder::new(ct, max);
    let mut events = Vec::new();
    let mut error = None;
    for piece in pieces {
        if let Err(err) = decoder.feed(piece, &mut events) {
            error = Some(failure_message(err));
            break;
        }
    }
    if error.is_none() {
        if let Err(err) = decoder.finish(&mut events) {
            error = Some(failure_message(err));
        }
    }
    Outcome {
        events,
        error,
        format: decoder.format(),
        done: decoder.is_done(),
    }
}

/// Tiny deterministic generator (64-bit LCG, Knuth's constants).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Pieces of random lengths (empty pieces included) covering `input`.
fn random_pieces<'a>(input: &'a [u8], rng: &mut Lcg) -> Vec<&'a [u8]> {
    let mut pieces = Vec::new();
    let mut rest = input;
    let max_piece = 1 + rng.below(64);
    while !rest.is_empty() {
        let len = (rng.below(max_piece + 1) as usize).min(rest.len());
        pieces.push(&rest[..len]);
        rest = &rest[len..];
    }
    pieces
}

/// Every way of splitting `input`, as (description, pieces): whole, byte by
/// byte, in two at every point (unless `every_point` is false), and randomly.
fn splittings(input: &[u8], seed: u64, every_point: bool) -> Vec<(String, Vec<&[u8]>)> {
    let mut ways = vec![
        ("whole".to_owned(), vec![input]),
        ("byte by byte".to_owned(), input.chunks(1).collect()),
    ];
    if every_point {
        for at in 0..=input.len() {
            ways.push((format!("split at {at}"), vec![&input[..at], &input[at..]]));
        }
    }
    let mut rng = Lcg(seed ^ 0x5eed);
    for round in 0..40 {
        ways.push((
            format!("random round {round}"),
            random_pieces(input, &mut rng),
        ));
    }
    ways
}

/// Decodes `input` every way; asserts all agree; returns the outcome.
fn decode_all_ways(name: &str, ct: Option<&str>, max: usize, input: &[u8]) -> Outcome {
    decode_ways(name, ct, max, input, true)
}

fn decode_ways(
    name: &str,
    ct: Option<&str>,
    max: usize,
    input: &[u8],
    every_point: bool,
) -> Outcome {
    let whole = decode(ct, max, [input]);
    for (way, pieces) in splittings(input, input.len() as u64, every_point) {
        let outcome = decode(ct, max, pieces);
        assert_eq!(outcome, whole, "vector {name:?}: {way} differs from whole");
    }
    whole
}

// ---------------------------------------------------------------- decoder vectors

struct Case {
    name: &'static str,
    ct: Option<&'static str>,
    max: usize,
    input: Vec<u8>,
    events: Vec<StreamEvent>,
    error: Option<&'static str>,
    format: Option<Format>,
}

fn case(
    name: &'static str,
    ct: Option<&'static str>,
    input: impl AsRef<[u8]>,
    events: Vec<StreamEvent>,
) -> Case {
    // Default expectation: what the Content-Type says, else SSE (sniffed).
    let format = Some(
        ct.and_then(detect::format_from_content_type)
            .unwrap_or(Format::Sse),
    );
    Case {
        name,
        ct,
        max: MAX,
        input: input.as_ref().to_vec(),
        events,
        error: None,
        format,
    }
}

/// An SSE vector with the event-stream Content-Type.
fn sse(name: &'static str, input: impl AsRef<[u8]>, events: Vec<StreamEvent>) -> Case {
    case(name, SSE, input, events)
}

/// A JSON-lines vector with the NDJSON Content-Type.
fn jsonl(name: &'static str, input: impl AsRef<[u8]>, events: Vec<StreamEvent>) -> Case {
    case(name, NDJSON, input, events)
}

impl Case {
    fn max(mut self, max: usize) -> Case {
        self.max = max;
        self
    }
    fn error(mut self, message: &'static str) -> Case {
        self.error = Some(message);
        self
    }
    fn format(mut self, format: Option<Format>) -> Case {
        self.format = format;
        self
    }
}

fn decoder_cases() -> Vec<Case> {
    let big = "x".repeat(100);
    vec![
        // Line endings.
        sse("LF", "data: a\n\ndata: b\n\n", vec![d("a"), d("b")]),
        sse(
            "CRLF",
            "data: a\r\n\r\ndata: b\r\n\r\n",
            vec![d("a"), d("b")],
        ),
        sse("CR", "data: a\r\rdata: b\r\r", vec![d("a"), d("b")]),
        sse(
            "mixed endings",
            "data: a\r\n\ndata: b\r\rdata: c\n\r\n",
            vec![d("a"), d("b"), d("c")],
        ),
        // If CR and LF were two endings, "a" would be dispatched on its own.
        sse(
            "CRLF is one ending",
            "data: a\r\ndata: b\r\n\r\n",
            vec![d("a\nb")],
        ),
        sse(
            "CR then LF line",
            "data: a\r\ndata: b\r\r\n",
            vec![d("a\nb")],
        ),
        // BOM.
        sse("BOM", "\u{FEFF}data: a\n\n", vec![d("a")]),
        sse(
            "BOM only at start",
            "data: a\n\n\u{FEFF}data: b\n\n",
            vec![d("a")],
        ),
        sse(
            "only one BOM stripped",
            "\u{FEFF}\u{FEFF}data: a\n\ndata: b\n\n",
            vec![d("b")],
        ),
        case(
            "BOM then JSON lines",
            None,
            "\u{FEFF}{\"a\":1}\n",
            vec![d("{\"a\":1}")],
        )
        .format(Some(Format::JsonLines)),
        sse(
            "partial BOM is invalid UTF-8",
            b"\xEF\xBBdata: a\n\n",
            vec![],
        )
        .error("invalid UTF-8 in stream at byte 0"),
        sse(
            "BOM counts in offsets",
            b"\xEF\xBB\xBFdata: \xFF\n\n",
            vec![],
        )
        .error("invalid UTF-8 in stream at byte 9"),
        // Comments and fields.
        sse(
            "comments",
            ": ping - 2026-11-25\ndata: a\n: another\n\n:\n\n",
            vec![d("a")],
        ),
        sse(
            "comment inside event",
            "data: a\n: c\ndata: b\n\n",
            vec![d("a\nb")],
        ),
        sse("no-colon data field", "data\n\n", vec![d("")]),
        sse("two empty data lines", "data\ndata\n\n", vec![d("\n")]),
        sse(
            "no-colon event resets type",
            "event: error\nevent\ndata: x\n\n",
            vec![d("x")],
        ),
        sse("no space after colon", "data:x\n\n", vec![d("x")]),
        sse("only one space stripped", "data:  x\n\n", vec![d(" x")]),
        sse("trailing space kept", "data: x \n\n", vec![d("x ")]),
        sse("tab not stripped", "data:\tx\n\n", vec![d("\tx")]),
        sse(
            "field names are case-sensitive",
            "Data: a\n\nDATA: b\n\n",
            vec![],
        ),
        sse(
            "unknown fields ignored",
            "foo: bar\ndata: a\nbaz\n\n",
            vec![d("a")],
        ),
        sse(
            "id and retry",
            "id: 7\nretry: 1500\ndata: a\n\nid: x\0y\nretry: soon\ndata: b\n\n",
            vec![d("a"), d("b")],
        ),
        sse(
            "multi-line data",
            "data: {\"a\":\ndata: 1}\n\n",
            vec![d("{\"a\":\n1}")],
        ),
        sse("empty event value", "data: \n\n", vec![d("")]),
        // Events without data.
        sse(
            "event with no data",
            "event: foo\n\ndata: a\n\n",
            vec![d("a")],
        ),
        sse(
            "error type reset by empty event",
            "event: error\n\ndata: a\n\n",
            vec![d("a")],
        ),
        sse("blank lines only", "\n\n\r\n\r\r", vec![]).format(None),
        // Errors.
        sse(
            "event: error",
            "event: error\ndata: {\"error\":{\"message\":\"boom\"}}\n\ndata: b\n\n",
            vec![e("{\"error\":{\"message\":\"boom\"}}"), d("b")],
        ),
        sse(
            "event: error multi-line",
            "event: error\ndata: a\ndata: b\n\n",
            vec![e("a\nb")],
        ),
        sse(
            "error field",
            "error: {\"message\":\"x\"}\n",
            vec![e("{\"message\":\"x\"}")],
        ),
        sse(
            "error field is immediate",
            "data: a\nerror: oops\n\n",
            vec![e("oops"), d("a")],
        ),
        sse(
            "other event types keep their name",
            "event: message\ndata: a\n\nevent: ping\ndata: b\n\nevent: response.done\ndata: [DONE]\n\n",
            vec![d("a"), StreamEvent::Named { name: "ping".into(), data: "b".into() }, Done],
        ),
        // [DONE].
        sse("DONE", "data: a\n\ndata: [DONE]\n\n", vec![d("a"), Done]),
        sse(
            "DONE without blank line",
            "data: a\n\ndata: [DONE]\ndata: b\n\n",
            vec![d("a"), Done],
        ),
        sse(
            "DONE flushes pending data",
            "data: a\ndata: [DONE]\n",
            vec![d("a"), Done],
        ),
        sse(
            "DONE then garbage",
            b"data: [DONE]\n\n\xFF\xFE garbage {{{\n\ndata: b\n\n".as_slice(),
            vec![Done],
        ),
        sse(
            "DONE then oversize",
            format!("data: [DONE]\n{big}"),
            vec![Done],
        )
        .max(16),
        sse(
            "DONE unterminated",
            "data: a\n\ndata: [DONE]",
            vec![d("a"), Done],
        ),
        sse("DONE trimmed", "data:[DONE]\n", vec![Done]),
        sse("DONE with spaces", "data:  [DONE] \r\n", vec![Done]),
        sse("DONE lookalike", "data: [DONE]x\n\n", vec![d("[DONE]x")]),
        sse(
            "DONE after BOM and comment",
            "\u{FEFF}: hi\ndata: [DONE]",
            vec![Done],
        ),
        // End of stream.
        sse(
            "unterminated final event",
            "data: a\n\ndata: b\n",
            vec![d("a"), d("b")],
        ),
        sse(
            "unterminated final error event",
            "event: error\ndata: x\n",
            vec![e("x")],
        ),
        sse("final line cut", "data: a\n\ndata: b", vec![d("a")]),
        sse("event cut mid-line dropped", "data: a\ndata: b", vec![]),
        sse("final comment cut", "data: a\n\n: pi", vec![d("a")]),
        // UTF-8.
        sse(
            "multi-byte characters",
            "data: héllo € 𝄞 衣装\n\n",
            vec![d("héllo € 𝄞 衣装")],
        ),
        sse(
            "invalid UTF-8",
            b"data: a\n\ndata: \xFF\n\n".as_slice(),
            vec![d("a")],
        )
        .error("invalid UTF-8 in stream at byte 15"),
        sse(
            "invalid UTF-8 after CRLF",
            b"data: a\r\ndata: \xFF\r\n".as_slice(),
            vec![],
        )
        .error("invalid UTF-8 in stream at byte 15"),
        sse(
            "truncated sequence",
            b"data: \xE2\x82\n\n".as_slice(),
            vec![],
        )
        .error("invalid UTF-8 in stream at byte 6"),
        sse(
            "invalid UTF-8 in comment",
            b"data: a\n\n: \xC3(\n".as_slice(),
            vec![d("a")],
        )
        .error("invalid UTF-8 in stream at byte 11"),
        sse(
            "invalid UTF-8 in cut line",
            b"data: a\n\ndata: \xF0\x9F".as_slice(),
            vec![d("a")],
        )
        .error("invalid UTF-8 in stream at byte 15"),
        // Size bound (16 bytes).
        sse(
            "line at the bound",
            "data: 0123456789\n\n",
            vec![d("0123456789")],
        )
        .max(16),
        sse(
            "line over the bound",
            "data: ok\n\ndata: 01234567890\n\n",
            vec![d("ok")],
        )
        .max(16)
        .error("stream event exceeds 16 bytes (max_event_bytes)"),
        sse(
            "event over the bound",
            "data: 0123456789\ndata: 0123456\n\n",
            vec![],
        )
        .max(16)
        .error("stream event exceeds 16 bytes (max_event_bytes)"),
        sse(
            "unterminated line over the bound",
            "data: 0123456789ABCDEF",
            vec![],
        )
        .max(16)
        .error("stream event exceeds 16 bytes (max_event_bytes)"),
        // Blanks alone decide nothing and are held only up to the bound.
        case(
            "blank prelude over the bound",
            None,
            " ".repeat(100),
            vec![],
        )
        .max(16)
        .format(None),
        case(
            "blank lines are not bounded",
            None,
            format!("{}data: a\n\n", "\n".repeat(100)),
            vec![d("a")],
        )
        .max(16),
        jsonl(
            "JSON line over the bound",
            "{\"a\":\"0123456789\"}\n",
            vec![],
        )
        .max(16)
        .error("stream event exceeds 16 bytes (max_event_bytes)"),
        // JSON lines.
        jsonl(
            "JSON lines",
            "{\"a\":1}\n\n{\"b\":2}\r\n\r\n{\"c\":3}\r[DONE]\n{\"d\":4}\n",
            vec![d("{\"a\":1}"), d("{\"b\":2}"), d("{\"c\":3}"), Done],
        ),
        jsonl(
            "JSON lines unterminated last",
            "{\"a\":1}\n{\"b\":2}",
            vec![d("{\"a\":1}"), d("{\"b\":2}")],
        ),
        jsonl(
            "JSON lines blank tail",
            "{\"a\":1}\n  \t ",
            vec![d("{\"a\":1}")],
        ),
        jsonl(
            "JSON lines trimmed",
            "  {\"a\":1} \t\r\n",
            vec![d("{\"a\":1}")],
        ),
        jsonl(
            "JSON lines data prefix",
            "data: {\"a\":1}\ndata:{\"b\":2}\n: ping\ndata: [DONE]\n{\"c\":3}",
            vec![d("{\"a\":1}"), d("{\"b\":2}"), Done],
        ),
        jsonl(
            "JSON lines DONE unterminated",
            "{\"a\":1}\n[DONE]",
            vec![d("{\"a\":1}"), Done],
        ),
        jsonl(
            "JSON lines DONE then garbage",
            b"[DONE]\n\xFF\xFF".as_slice(),
            vec![Done],
        ),
        jsonl(
            "JSON lines invalid UTF-8",
            b"{\"a\":1}\n{\"b\":\"\xC0\"}\n".as_slice(),
            vec![d("{\"a\":1}")],
        )
        .error("invalid UTF-8 in stream at byte 14"),
        jsonl(
            "JSON lines multi-byte",
            "{\"t\":\"衣装 👋\"}\n",
            vec![d("{\"t\":\"衣装 👋\"}")],
        ),
        jsonl("JSON lines empty", "", vec![]),
        // Found by fuzzing: while the format is undecided, a long blank line must
        // not fail early in one split and be dropped whole in another.
        sse(
            "long blank line before the first event",
            "\t\t\t\t\t\t\t\t\t\ndata: a\n\n",
            vec![d("a")],
        )
        .max(8),
        sse("long blank run then text", "\t\t\t\t\t\t\t\t\tx\n", vec![])
            .max(8)
            .error("stream event exceeds 8 bytes (max_event_bytes)")
            .format(Some(Format::Sse)),
        // A whole pretty-printed body from a server that ignored "stream": true.
        jsonl(
            "JSON lines pretty-printed value",
            "{\n  \"a\": [1,\n 2],\n  \"s\": \"} { [ \\\" \"\n}\n{\"b\":2}\n",
            vec![
                d("{\n  \"a\": [1,\n 2],\n  \"s\": \"} { [ \\\" \"\n}"),
                d("{\"b\":2}"),
            ],
        ),
        jsonl(
            "JSON lines: a line the parser runs out on joins the next, brackets or not",
            "\"text split\n in two\"\n{\"b\":2}\n",
            vec![d("\"text split\n in two\""), d("{\"b\":2}")],
        ),
        jsonl(
            "JSON lines: a line wrong before its end is one event, though brackets stay open",
            "{\"a\":1} {\n{\"b\":2}\n",
            vec![d("{\"a\":1} {"), d("{\"b\":2}")],
        ),
        jsonl(
            "JSON lines value cut by the end of the body",
            "{\"a\":1}\n{\n \"b\":",
            vec![d("{\"a\":1}"), d("{\n \"b\":")],
        ),
        jsonl(
            "JSON lines value over the size bound",
            "{\n\"long\": \"0123456789\"\n}\n",
            vec![],
        )
        .max(16)
        .error("stream event exceeds 16 bytes (max_event_bytes)"),
        // Detection by Content-Type.
        case(
            "event-stream with charset",
            Some("Text/Event-Stream; charset=utf-8"),
            "data: a\ndata: b\n\n",
            vec![d("a\nb")],
        ),
        case(
            "ndjson",
            Some("application/x-ndjson"),
            "data: a\ndata: b\n\n",
            vec![d("a"), d("b")],
        ),
        case(
            "jsonl",
            Some("application/jsonl"),
            "{}\n{}\n",
            vec![d("{}"), d("{}")],
        ),
        case(
            "json-lines",
            Some("application/json-lines"),
            "{}\n{}\n",
            vec![d("{}"), d("{}")],
        ),
        case(
            "json",
            Some("application/json; charset=utf-8"),
            "{}\n{}\n",
            vec![d("{}"), d("{}")],
        ),
        case(
            "json with SSE-looking body",
            Some("application/json"),
            ": ping\ndata: {}\n",
            vec![d("{}")],
        ),
        case("json, blank body", Some("application/json"), "\n\n", vec![]),
        case(
            "event-stream but JSON bytes",
            SSE,
            "\r\n {\"a\":1}\n{\"b\":2}\n",
            vec![d("{\"a\":1}"), d("{\"b\":2}")],
        )
        .format(Some(Format::JsonLines)),
        case(
            "event-stream, bracket stays SSE",
            SSE,
            "[DONE]\ndata: a\n\n",
            vec![d("a")],
        ),
        // Detection by sniffing.
        case(
            "text/plain SSE",
            Some("text/plain"),
            "data: a\n\n",
            vec![d("a")],
        ),
        case(
            "text/plain JSON lines",
            Some("text/plain"),
            "{\"a\":1}\n",
            vec![d("{\"a\":1}")],
        )
        .format(Some(Format::JsonLines)),
        case(
            "no Content-Type, JSON after blanks",
            None,
            "\n \r\n\t{\"a\":1}\n",
            vec![d("{\"a\":1}")],
        )
        .format(Some(Format::JsonLines)),
        case("no Content-Type, bracket", None, "[DONE]\n", vec![Done])
            .format(Some(Format::JsonLines)),
        case("sniff comment", None, ": ping\n\ndata: a\n\n", vec![d("a")]),
        case(
            "sniff event",
            None,
            "event: error\ndata: x\n\n",
            vec![e("x")],
        ),
        case("sniff id", None, "id: 1\ndata: a\n\n", vec![d("a")]),
        case("sniff retry", None, "retry: 10\ndata: a\n\n", vec![d("a")]),
        case("sniff error field", None, "error: bad\n", vec![e("bad")]),
        case(
            "sniff keeps leading spaces",
            None,
            "  data: a\n\ndata: b\n\n",
            vec![d("b")],
        ),
        case(
            "plain-text error body",
            Some("text/plain"),
            "Internal Server Error",
            vec![],
        ),
        case("nothing at all", None, "", vec![]).format(None),
        case("only blanks", None, " \n\t\r\n  ", vec![]).format(None),
    ]
}

#[test]
fn decoder_vectors() {
    for case in decoder_cases() {
        let outcome = decode_all_ways(case.name, case.ct, case.max, &case.input);
        let expected = Outcome {
            done: case.events.last() == Some(&Done),
            events: case.events,
            error: case.error.map(str::to_owned),
            format: case.format,
        };
        assert_eq!(outcome, expected, "vector {:?}", case.name);
    }
}

// ---------------------------------------------------------------- chat vectors

/// What a caller ends up with after decoding and accumulating a stream.
#[derive(Debug, PartialEq)]
struct Chat {
    completion: Value,
    text: String,
    chunks: usize,
    /// From an `error` member of a chunk.
    stream_error: Option<ApiError>,
    /// From an SSE error event or field.
    event_error: Option<String>,
    /// Bad JSON or a decoder failure.
    protocol_error: Option<String>,
    done: bool,
}

/// Accumulates the decoded events both ways, from parsed `Value`s and from the text
/// (`push_text`), asserts the two agree, and returns the result.
fn accumulate(outcome: &Outcome) -> Chat {
    let from_values = accumulate_with(outcome, |acc, payload| {
        parse_chunk(payload).and_then(|chunk| acc.push(&chunk))
    });
    let from_text = accumulate_with(outcome, Accumulator::push_text);
    assert_eq!(from_text, from_values, "push_text and push disagree");
    from_values
}

fn accumulate_with(
    outcome: &Outcome,
    push: impl Fn(&mut Accumulator, &str) -> Result<(), Error>,
) -> Chat {
    let mut acc = Accumulator::new();
    let mut chat = Chat {
        completion: Value::Null,
        text: String::new(),
        chunks: 0,
        stream_error: None,
        event_error: None,
        protocol_error: outcome.error.clone(),
        done: false,
    };
    for event in &outcome.events {
        match event {
            StreamEvent::Data(payload) | StreamEvent::Named { data: payload, .. } => {
                match push(&mut acc, payload) {
                    Ok(()) => {}
                    Err(Error::StreamError(api)) => {
                        chat.stream_error = Some(api);
                        break;
                    }
                    Err(other) => {
                        chat.protocol_error = Some(failure_message(other));
                        break;
                    }
                }
            }
            StreamEvent::Error(payload) => {
                chat.event_error = Some(payload.clone());
                break;
            }
            StreamEvent::Done => {
                chat.done = true;
                break;
            }
        }
    }
    chat.completion = acc.completion();
    chat.text = acc.text().to_owned();
    chat.chunks = acc.chunk_count();
    chat
}

/// Decodes and accumulates every way; asserts all agree; returns the result.
/// `accumulate` is a pure function of the decoded outcome, so for the
/// split-at-every-point runs equal outcomes imply equal completions; the
/// completion itself is rebuilt and compared for the other runs.
fn chat_all_ways(name: &str, ct: Option<&str>, input: &[u8]) -> Chat {
    let whole_outcome = decode_all_ways(name, ct, MAX, input);
    let whole = accumulate(&whole_outcome);
    for (way, pieces) in splittings(input, 7 + input.len() as u64, false) {
        let chat = accumulate(&decode(ct, MAX, pieces));
        assert_eq!(
            chat, whole,
            "chat vector {name:?}: {way} differs from whole"
        );
    }
    whole
}

struct Capture {
    file: &'static str,
    bytes: &'static [u8],
    id: &'static str,
    created: u64,
    model: &'static str,
    text: &'static str,
    finish_reason: &'static str,
    usage: Value,
    chunks: usize,
}

fn captures() -> Vec<Capture> {
    let llama = "gemma3-270m";
    vec![
        Capture {
            file: "llama-s.raw",
            bytes: include_bytes!("../../tests/vectors/llama-s.raw"),
            id: "chatcmpl-4257d84f-7c77-4cf2-92b1-f5bba0d65adf",
            created: 1795637680,
            model: llama,
            text: "Write one sentence about the sea. mendatang\nPurchase a book on the sea. mendatang\nWrite one sentence about the sea. mendatang\nPurchase a book on the",
            finish_reason: "length",
            usage: Value::Null,
            chunks: 34,
        },
        Capture {
            file: "llama-su.raw",
            bytes: include_bytes!("../../tests/vectors/llama-su.raw"),
            id: "chatcmpl-e26de6d3-ca59-46fb-91c1-2cfe327b3d93",
            created: 1795637704,
            model: llama,
            text: "Say hi. mendatanguser\nSay hi. mendatanguser\nSay hi. mendatang",
            finish_reason: "length",
            usage: Value::Null,
            chunks: 18,
        },
        Capture {
            file: "litellm-s.raw",
            bytes: include_bytes!("../../tests/vectors/litellm-s.raw"),
            id: "chatcmpl-87de5525-3106-4ec2-8e43-bc347abef9e3",
            created: 1795636996,
            model: "mock-gpt",
            text: "Hello from the LiteLLM mock. This is a canned reply.",
            finish_reason: "stop",
            usage: Value::Null,
            chunks: 19,
        },
        Capture {
            file: "litellm-su.raw",
            bytes: include_bytes!("../../tests/vectors/litellm-su.raw"),
            id: "chatcmpl-9bc4819e-387e-4c0c-aa81-7d1f297ca108",
            created: 1795637003,
            model: "mock-gpt",
            text: "Hello from the LiteLLM mock. This is a canned reply.",
            finish_reason: "stop",
            usage: json!({"completion_tokens":14,"prompt_tokens":8,"total_tokens":22,
                "completion_tokens_details":{"reasoning_tokens":0,"text_tokens":14},"cost":9.6e-6}),
            chunks: 20,
        },
        Capture {
            file: "aimock-s.raw",
            bytes: include_bytes!("../../tests/vectors/aimock-s.raw"),
            id: "chatcmpl-N59fkk3ZdFXeWRQI",
            created: 1795637046,
            model: "gpt-4o-mini",
            text: "This is the aimock catch-all reply, streamed in chunks.",
            finish_reason: "stop",
            usage: Value::Null,
            chunks: 9,
        },
        Capture {
            file: "aimock-su.raw",
            bytes: include_bytes!("../../tests/vectors/aimock-su.raw"),
            id: "chatcmpl-9hFMn5nO3KZLbiOH",
            created: 1795637046,
            model: "gpt-4o-mini",
            text: "This is the aimock catch-all reply, streamed in chunks.",
            finish_reason: "stop",
            usage: json!({"prompt_tokens":1,"completion_tokens":14,"total_tokens":15}),
            chunks: 10,
        },
    ]
}

#[test]
fn real_captures() {
    for cap in captures() {
        let outcome = decode_all_ways(cap.file, SSE, MAX, cap.bytes);
        assert_eq!(outcome.format, Some(Format::Sse), "{}", cap.file);
        assert_eq!(outcome.error, None, "{}", cap.file);
        assert_eq!(outcome.events.len(), cap.chunks + 1, "{}", cap.file);
        assert_eq!(outcome.events.last(), Some(&Done), "{}", cap.file);

        let chat = chat_all_ways(cap.file, SSE, cap.bytes);
        assert!(chat.done, "{}", cap.file);
        assert_eq!(chat.protocol_error, None, "{}", cap.file);
        assert_eq!(chat.text, cap.text, "{}", cap.file);
        assert_eq!(chat.chunks, cap.chunks, "{}", cap.file);
        let c = &chat.completion;
        assert_eq!(c["id"], cap.id, "{}", cap.file);
        assert_eq!(c["object"], "chat.completion", "{}", cap.file);
        assert_eq!(c["created"], cap.created, "{}", cap.file);
        assert_eq!(c["model"], cap.model, "{}", cap.file);
        assert_eq!(
            c["choices"].as_array().map(Vec::len),
            Some(1),
            "{}",
            cap.file
        );
        assert_eq!(
            c["choices"][0]["message"]["role"], "assistant",
            "{}",
            cap.file
        );
        assert_eq!(
            c["choices"][0]["message"]["content"], cap.text,
            "{}",
            cap.file
        );
        assert_eq!(
            c["choices"][0]["finish_reason"], cap.finish_reason,
            "{}",
            cap.file
        );
        assert_eq!(c["choices"][0]["logprobs"], Value::Null, "{}", cap.file);
        assert_eq!(
            c.get("usage").cloned().unwrap_or(Value::Null),
            cap.usage,
            "{}",
            cap.file
        );
        assert!(c.get("system_fingerprint").is_none(), "{}", cap.file);

        // The same bytes decode to the same events whatever the headers say:
        // sniffed, mislabelled as text/plain, or as JSON (JSON-lines tolerance).
        for ct in [None, Some("text/plain"), Some("application/json")] {
            // (Every split point was covered above; whole, bytes and random splits here.)
            let other = decode_ways(cap.file, ct, MAX, cap.bytes, false);
            assert_eq!(other.events, outcome.events, "{} as {ct:?}", cap.file);
        }
    }
}

#[test]
fn real_capture_full_completion() {
    let bytes = include_bytes!("../../tests/vectors/aimock-su.raw");
    let chat = chat_all_ways("aimock-su.raw", SSE, bytes);
    let expected = json!({
        "id": "chatcmpl-9hFMn5nO3KZLbiOH",
        "object": "chat.completion",
        "created": 1795637046,
        "model": "gpt-4o-mini",
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": "This is the aimock catch-all reply, streamed in chunks."},
            "logprobs": null,
            "finish_reason": "stop"
        }],
        "usage": {"prompt_tokens": 1, "completion_tokens": 14, "total_tokens": 15}
    });
    assert_eq!(chat.completion, expected);
}

#[test]
fn non_streamed_bodies_as_json_lines() {
    // A server that ignores `stream: true` sends one chat.completion; as a
    // JSON line its `message` merges like a delta.
    let llama = include_bytes!("../../tests/vectors/llama-ns.body");
    let chat = chat_all_ways("llama-ns.body", Some("application/json"), llama);
    let body: Value = serde_json::from_slice(llama).unwrap();
    assert_eq!(chat.completion, body);
    assert!(chat.text.starts_with("Name three colors. 衣装\nName"));
    assert_eq!(chat.chunks, 1);
    assert!(!chat.done);

    let litellm = include_bytes!("../../tests/vectors/litellm-ns.body");
    let chat = chat_all_ways("litellm-ns.body", None, litellm);
    assert_eq!(
        chat.text,
        "Hello from the LiteLLM mock. This is a canned reply."
    );
    assert_eq!(chat.completion["choices"][0]["finish_reason"], "stop");
    assert_eq!(chat.completion["usage"]["total_tokens"], 30);
}

struct ChatCase {
    name: &'static str,
    ct: Option<&'static str>,
    input: &'static str,
    expected: Chat,
}

fn done_chat(completion: Value, chunks: usize) -> Chat {
    let text = completion["choices"]
        .as_array()
        .and_then(|choices| choices.iter().find(|c| c["index"] == 0))
        .and_then(|c| c["message"]["content"].as_str())
        .unwrap_or("")
        .to_owned();
    Chat {
        completion,
        text,
        chunks,
        stream_error: None,
        event_error: None,
        protocol_error: None,
        done: true,
    }
}

fn chat_cases() -> Vec<ChatCase> {
    vec![
        ChatCase {
            name: "tool_calls merged by index",
            ct: SSE,
            input: concat!(
                r#"data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","system_fingerprint":"fp_1","choices":[{"index":0,"delta":{"role":"assistant","content":null,"tool_calls":[{"index":1,"id":"call_b","type":"function","function":{"name":"get_time","arguments":""}}]},"finish_reason":null}]}"#,
                "\n\n",
                r#"data: {"id":"c1","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"get_weather","arguments":"{\"city\":"}}]}}]}"#,
                "\n\n",
                r#"data: {"id":"c1","choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"function":{"arguments":"{\"tz\""}}]}}]}"#,
                "\n\n",
                r#"data: {"id":"c1","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"","type":"","function":{"name":"","arguments":"\"Paris\"}"}}]}}]}"#,
                "\n\n",
                r#"data: {"id":"c1","choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"call_b","function":{"name":"other","arguments":":\"CET\"}"}}]}}]}"#,
                "\n\n",
                r#"data: {"id":"c1","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}],"usage":null}"#,
                "\n\ndata: [DONE]\n\n",
            ),
            expected: done_chat(
                json!({
                    "id": "c1", "object": "chat.completion", "created": 1, "model": "m",
                    "system_fingerprint": "fp_1",
                    "choices": [{
                        "index": 0,
                        "message": {
                            "role": "assistant",
                            "content": null,
                            "tool_calls": [
                                {"id": "call_a", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}},
                                {"id": "call_b", "type": "function", "function": {"name": "get_time", "arguments": "{\"tz\":\"CET\"}"}}
                            ]
                        },
                        "logprobs": null,
                        "finish_reason": "tool_calls"
                    }]
                }),
                6,
            ),
        },
        ChatCase {
            name: "tool_calls all at index 0 with their own ids (Ollama)",
            ct: SSE,
            input: concat!(
                r#"data: {"choices":[{"index":0,"delta":{"role":"assistant","tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"get_weather","arguments":"{\"city\""}}]}}]}"#,
                "\n\n",
                r#"data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":":\"Paris\"}"}}]}}]}"#,
                "\n\n",
                r#"data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_b","type":"function","function":{"name":"get_time","arguments":"{\"zone\""}}]}}]}"#,
                "\n\n",
                r#"data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"","function":{"arguments":":\"CET\"}"}}]}}]}"#,
                "\n\n",
                r#"data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_b","function":{"arguments":""}}]},"finish_reason":"tool_calls"}]}"#,
                "\n\ndata: [DONE]\n\n",
            ),
            expected: done_chat(
                json!({
                    "id": null, "object": "chat.completion", "created": null, "model": null,
                    "choices": [{
                        "index": 0,
                        "message": {
                            "role": "assistant",
                            "content": null,
                            "tool_calls": [
                                {"id": "call_a", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}},
                                {"id": "call_b", "type": "function", "function": {"name": "get_time", "arguments": "{\"zone\":\"CET\"}"}}
                            ]
                        },
                        "logprobs": null,
                        "finish_reason": "tool_calls"
                    }]
                }),
                5,
            ),
        },
        ChatCase {
            name: "tool_calls without index",
            ct: SSE,
            input: concat!(
                r#"data: {"choices":[{"delta":{"tool_calls":[{"id":"call_1","type":"function","function":{"name":"a","arguments":"{\"x\""}}]}}]}"#,
                "\n\n",
                r#"data: {"choices":[{"delta":{"tool_calls":[{"function":{"arguments":":1}"}}]}}]}"#,
                "\n\n",
                r#"data: {"choices":[{"delta":{"tool_calls":[{"id":"call_2","function":{"name":"b","arguments":"{}"}}]}}]}"#,
                "\n\n",
                r#"data: {"choices":[{"delta":{"tool_calls":[{"id":"call_2","function":{"arguments":""}}]}}]}"#,
                "\n\n",
                r#"data: {"choices":[{"delta":{"tool_calls":[{"id":"call_3","function":{"name":"c","arguments":{"k":"v"}}}]}}]}"#,
                "\n\n",
                r#"data: {"choices":[{"delta":{"content":"ok"},"finish_reason":"tool_calls"}]}"#,
                "\n\ndata: [DONE]\n\n",
            ),
            expected: done_chat(
                json!({
                    "id": null, "object": "chat.completion", "created": null, "model": null,
                    "choices": [{
                        "index": 0,
                        "message": {
                            "role": "assistant",
                            "content": "ok",
                            "tool_calls": [
                                {"id": "call_1", "type": "function", "function": {"name": "a", "arguments": "{\"x\":1}"}},
                                {"id": "call_2", "type": "function", "function": {"name": "b", "arguments": "{}"}},
                                {"id": "call_3", "type": "function", "function": {"name": "c", "arguments": "{\"k\":\"v\"}"}}
                            ]
                        },
                        "logprobs": null,
                        "finish_reason": "tool_calls"
                    }]
                }),
                6,
            ),
        },
        ChatCase {
            name: "n>1",
            ct: SSE,
            input: concat!(
                r#"data: {"id":"n2","created":5,"model":"m","choices":[{"index":1,"delta":{"role":"assistant","content":"B1"}}]}"#,
                "\n\n",
                r#"data: {"id":"n2","choices":[{"index":0,"delta":{"role":"assistant","content":"A1"}},{"index":1,"delta":{"content":" B2"}}]}"#,
                "\n\n",
                r#"data: {"id":"n2","choices":[{"index":0,"delta":{"content":" A2"},"finish_reason":"stop"},{"index":1,"delta":{},"finish_reason":"length"}]}"#,
                "\n\ndata: [DONE]\n\n",
            ),
            expected: done_chat(
                json!({
                    "id": "n2", "object": "chat.completion", "created": 5, "model": "m",
                    "choices": [
                        {"index": 0, "message": {"role": "assistant", "content": "A1 A2"}, "logprobs": null, "finish_reason": "stop"},
                        {"index": 1, "message": {"role": "assistant", "content": "B1 B2"}, "logprobs": null, "finish_reason": "length"}
                    ]
                }),
                3,
            ),
        },
        ChatCase {
            name: "usage replaced, tolerated shapes",
            ct: SSE,
            input: concat!(
                r#"data: {"id":"u1","object":"chat.completion.chunk","created":7,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":null},"finish_reason":null}],"usage":null}"#,
                "\n\n",
                r#"data: {"id":"u2","model":"other","created":8,"system_fingerprint":null,"choices":[{"index":0,"delta":{"role":"tool","content":"Hi"},"finish_reason":"stop","x_unknown":{"a":1}}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}"#,
                "\n\n",
                r#"data: {"choices":[{"index":0,"finish_reason":null}]}"#,
                "\n\n",
                "data: [1,2,3]\n\n",
                "data: \"just a string\"\n\n",
                r#"data: {"choices":[{"index":0,"delta":{},"finish_reason":"length"}],"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}}"#,
                "\n\n",
                r#"data: {"choices":[],"usage":null}"#,
                "\n\ndata: [DONE]\n\n",
            ),
            expected: done_chat(
                json!({
                    "id": "u1", "object": "chat.completion", "created": 7, "model": "m",
                    "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hi"}, "logprobs": null, "finish_reason": "length"}],
                    "usage": {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7}
                }),
                5,
            ),
        },
        ChatCase {
            name: "reasoning, refusal, logprobs; no [DONE]",
            ct: SSE,
            input: concat!(
                r#"data: {"id":"r","choices":[{"index":0,"delta":{"role":"assistant","reasoning_content":"Think "},"logprobs":{"content":[{"token":"a","logprob":-0.5}]}}]}"#,
                "\n\n",
                r#"data: {"id":"r","choices":[{"index":0,"delta":{"reasoning":"more."},"logprobs":{"content":[{"token":"b","logprob":-1.5}]}}]}"#,
                "\n\n",
                r#"data: {"id":"r","choices":[{"index":0,"delta":{"reasoning":"dup","reasoning_content":"!"},"logprobs":null}]}"#,
                "\n\n",
                r#"data: {"id":"r","choices":[{"index":0,"delta":{"content":"Answer"},"logprobs":{"content":[{"token":"c","logprob":-2.5}],"refusal":null}}]}"#,
                "\n\n",
                r#"data: {"id":"r","choices":[{"index":0,"delta":{"refusal":"No"}}]}"#,
                "\n\n",
                r#"data: {"id":"r","choices":[{"index":0,"delta":{"refusal":"pe"},"finish_reason":"stop"}]}"#,
                "\n",
            ),
            expected: Chat {
                done: false,
                ..done_chat(
                    json!({
                        "id": "r", "object": "chat.completion", "created": null, "model": null,
                        "choices": [{
                            "index": 0,
                            "message": {"role": "assistant", "content": "Answer", "refusal": "Nope", "reasoning_content": "Think more.!"},
                            "logprobs": {"content": [
                                {"token": "a", "logprob": -0.5}, {"token": "b", "logprob": -1.5}, {"token": "c", "logprob": -2.5}
                            ]},
                            "finish_reason": "stop"
                        }]
                    }),
                    6,
                )
            },
        },
        ChatCase {
            name: "in-stream error object",
            ct: SSE,
            input: concat!(
                r#"data: {"id":"x","choices":[{"index":0,"delta":{"content":"partial"}}]}"#,
                "\n\n",
                r#"data: {"error":{"message":"Overloaded","type":"server_error","code":529,"param":null},"choices":[{"index":0,"delta":{"content":" NOT MERGED"}}]}"#,
                "\n\n",
                r#"data: {"id":"x","choices":[{"index":0,"delta":{"content":" after"}}]}"#,
                "\n\ndata: [DONE]\n\n",
            ),
            expected: Chat {
                done: false,
                stream_error: Some(ApiError {
                    http_status: 200,
                    message: "Overloaded".into(),
                    error_type: Some("server_error".into()),
                    code: Some("529".into()),
                    param: None,
                }),
                ..done_chat(
                    json!({
                        "id": "x", "object": "chat.completion", "created": null, "model": null,
                        "choices": [{"index": 0, "message": {"role": "assistant", "content": "partial"}, "logprobs": null, "finish_reason": null}]
                    }),
                    1,
                )
            },
        },
        ChatCase {
            name: "in-stream error string",
            ct: None,
            input: "{\"error\":\"model not found\"}\n",
            expected: Chat {
                done: false,
                stream_error: Some(ApiError {
                    http_status: 200,
                    message: "model not found".into(),
                    ..ApiError::default()
                }),
                ..done_chat(json!({"id": null, "object": "chat.completion", "created": null, "model": null, "choices": []}), 0)
            },
        },
        ChatCase {
            name: "bad JSON chunk",
            ct: SSE,
            input: "data: {\"id\":\"a\"}\n\ndata: {\"id\":\n\n",
            expected: Chat {
                done: false,
                protocol_error: Some(
                    "stream chunk is not valid JSON (EOF while parsing a value at line 1 column 6): \"{\\\"id\\\":\"".into(),
                ),
                ..done_chat(json!({"id": "a", "object": "chat.completion", "created": null, "model": null, "choices": []}), 1)
            },
        },
        ChatCase {
            name: "WebraftAI JSON lines",
            ct: NDJSON,
            input: concat!(
                r#"{"id":"w1","object":"chat.completion.chunk","created":9,"model":"webraft-1","choices":[{"index":0,"delta":{"role":"assistant","content":"Hé"}}]}"#,
                "\r\n\r\n",
                r#"{"id":"w1","choices":[{"index":0,"delta":{"content":"llo 👋"},"finish_reason":"stop"}]}"#,
                "\n\n",
                r#"{"id":"w1","choices":[],"usage":{"prompt_tokens":2,"completion_tokens":2,"total_tokens":4}}"#,
                "\n\n[DONE]\n",
            ),
            expected: done_chat(
                json!({
                    "id": "w1", "object": "chat.completion", "created": 9, "model": "webraft-1",
                    "choices": [{"index": 0, "message": {"role": "assistant", "content": "Héllo 👋"}, "logprobs": null, "finish_reason": "stop"}],
                    "usage": {"prompt_tokens": 2, "completion_tokens": 2, "total_tokens": 4}
                }),
                3,
            ),
        },
    ]
}

#[test]
fn chat_vectors() {
    for case in chat_cases() {
        let chat = chat_all_ways(case.name, case.ct, case.input.as_bytes());
        assert_eq!(chat, case.expected, "chat vector {:?}", case.name);
    }
}

#[test]
fn error_events_reach_the_caller() {
    let input = "data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\nevent: error\ndata: {\"error\":{\"message\":\"boom\"}}\n\n";
    let chat = chat_all_ways("event: error", SSE, input.as_bytes());
    assert_eq!(
        chat.event_error.as_deref(),
        Some("{\"error\":{\"message\":\"boom\"}}")
    );
    assert_eq!(chat.text, "a");

    let input = "data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\nerror: {\"code\":500,\"message\":\"x\"}\n\n";
    let chat = chat_all_ways("error field", SSE, input.as_bytes());
    assert_eq!(
        chat.event_error.as_deref(),
        Some("{\"code\":500,\"message\":\"x\"}")
    );
}

// ---------------------------------------------------------------- unit tests

#[test]
fn content_types() {
    use detect::format_from_content_type as f;
    assert_eq!(f("text/event-stream"), Some(Format::Sse));
    assert_eq!(f(" TEXT/EVENT-STREAM ;charset=UTF-8"), Some(Format::Sse));
    for ct in [
        "application/x-ndjson",
        "application/jsonl",
        "application/json-lines",
        "application/json",
        "Application/JSON; charset=utf-8",
    ] {
        assert_eq!(f(ct), Some(Format::JsonLines), "{ct}");
    }
    for ct in [
        "text/plain",
        "application/octet-stream",
        "",
        "text/event-streams",
        "application/jsonx",
    ] {
        assert_eq!(f(ct), None, "{ct}");
    }
}

#[test]
fn format_is_known_when_decided() {
    let mut out = Vec::new();
    let mut dec = Decoder::new(Some("application/json"), MAX);
    assert_eq!(dec.format(), Some(Format::JsonLines));
    let mut dec2 = Decoder::new(SSE, MAX);
    assert_eq!(dec2.format(), None);
    dec2.feed(b"\n\n  ", &mut out).unwrap();
    assert_eq!(dec2.format(), None);
    dec2.feed(b"d", &mut out).unwrap();
    assert_eq!(dec2.format(), Some(Format::Sse));
    dec.feed(b"{}", &mut out).unwrap();
    assert!(out.is_empty());
    dec.finish(&mut out).unwrap();
    assert_eq!(out, vec![d("{}")]);
}

#[test]
fn errors_stick_and_done_and_finish_end_input() {
    let mut out = Vec::new();
    let mut dec = Decoder::new(SSE, MAX);
    let first = dec.feed(b"data: \xFF\n", &mut out).unwrap_err().to_string();
    assert_eq!(first, "malformed stream: invalid UTF-8 in stream at byte 6");
    assert_eq!(
        dec.feed(b"data: a\n\n", &mut out).unwrap_err().to_string(),
        first
    );
    assert_eq!(dec.finish(&mut out).unwrap_err().to_string(), first);
    assert!(out.is_empty());

    let mut dec = Decoder::new(None, MAX);
    dec.feed(b"data: [DONE]\n", &mut out).unwrap();
    assert!(dec.is_done());
    dec.feed(b"data: a\n\n", &mut out).unwrap();
    dec.finish(&mut out).unwrap();
    assert_eq!(out, vec![Done]);

    out.clear();
    let mut dec = Decoder::new(None, MAX);
    dec.feed(b"data: a\n", &mut out).unwrap();
    dec.finish(&mut out).unwrap();
    dec.feed(b"\ndata: b\n\n", &mut out).unwrap();
    dec.finish(&mut out).unwrap();
    assert_eq!(out, vec![d("a")]);
    assert!(!dec.is_done());
}

#[test]
fn sse_keeps_last_event_id_and_retry() {
    let mut out = Vec::new();
    let mut dec = SseDecoder::new(MAX);
    dec.feed(b"id: 7\nretry: 1500\ndata: a\n\n", &mut out)
        .unwrap();
    assert_eq!((dec.last_event_id(), dec.retry()), ("7", Some(1500)));
    dec.feed(
        b"id: x\0y\nretry: 2s\nretry\nretry: 99999999999999999999999\ndata: b\n\n",
        &mut out,
    )
    .unwrap();
    assert_eq!((dec.last_event_id(), dec.retry()), ("7", Some(1500)));
    dec.feed(b"id\nretry:0\n\n", &mut out).unwrap();
    assert_eq!((dec.last_event_id(), dec.retry()), ("", Some(0)));
    assert_eq!(out, vec![d("a"), d("b")]);
}

#[test]
fn parse_chunk_reports_bad_json() {
    assert_eq!(parse_chunk(r#"{"a": [1]}"#).unwrap(), json!({"a": [1]}));
    let long = format!("{{\"content\": \"{}", "y".repeat(200));
    let message = failure_message(parse_chunk(&long).unwrap_err());
    assert!(
        message.starts_with("stream chunk is not valid JSON (EOF while parsing"),
        "{message}"
    );
    assert!(
        message.ends_with(&format!("\"{{\\\"content\\\": \\\"{}\"...", "y".repeat(47))),
        "{message}"
    );
    let message = failure_message(parse_chunk("").unwrap_err());
    assert_eq!(
        message,
        "stream chunk is not valid JSON (EOF while parsing a value at line 1 column 0): \"\""
    );
}

#[test]
fn accumulator_merges_nothing_from_error_chunks() {
    let mut acc = Accumulator::default();
    acc.push(&json!({"id": "a", "choices": [{"index": 0, "delta": {"content": "x"}}]}))
        .unwrap();
    let err = acc
        .push(&json!({"id": "b", "usage": {"total_tokens": 1}, "error": {"message": "m"}, "choices": [{"index": 0, "delta": {"content": "y"}}]}))
        .unwrap_err();
    assert_eq!(
        err.api_error().map(|a| (a.http_status, a.message.as_str())),
        Some((200, "m"))
    );
    // `error: null` is not an error.
    acc.push(&json!({"error": null, "choices": [{"index": 0, "delta": {"content": "z"}}]}))
        .unwrap();
    assert_eq!(acc.chunk_count(), 2);
    assert_eq!(acc.text(), "xz");
    assert!(acc.completion().get("usage").is_none());
}

#[test]
fn accumulator_empty_and_without_choice_zero() {
    let mut acc = Accumulator::new();
    assert_eq!(acc.text(), "");
    assert_eq!(
        acc.completion(),
        json!({"id": null, "object": "chat.completion", "created": null, "model": null, "choices": []})
    );
    acc.push(&json!(42)).unwrap();
    assert_eq!(acc.chunk_count(), 0);
    acc.push(&json!({"choices": [{"index": 2, "delta": {"content": "two"}}]}))
        .unwrap();
    assert_eq!(acc.text(), "");
    acc.push(&json!({"choices": [{"delta": {"content": "zero"}}]}))
        .unwrap();
    assert_eq!(acc.text(), "zero");
    let choices = acc.completion()["choices"].clone();
    assert_eq!(choices[0]["index"], 0);
    assert_eq!(choices[1]["index"], 2);
    assert_eq!(choices[1]["message"]["content"], "two");
}

#[test]
fn accumulator_content_null_rule() {
    // Tool calls and no content string: null.
    let mut acc = Accumulator::new();
    acc.push(&json!({"choices": [{"delta": {"content": null, "tool_calls": [{"index": 0, "id": "c", "function": {"name": "f"}}]}}]}))
        .unwrap();
    let message = acc.completion()["choices"][0]["message"].clone();
    assert_eq!(message["content"], Value::Null);
    assert_eq!(
        message["tool_calls"][0]["function"],
        json!({"name": "f", "arguments": ""})
    );
    // An empty content string did arrive: "".
    acc.push(&json!({"choices": [{"delta": {"content": ""}}]}))
        .unwrap();
    assert_eq!(acc.completion()["choices"][0]["message"]["content"], "");
    // No tool calls, no content: "".
    let mut acc = Accumulator::new();
    acc.push(&json!({"choices": [{"delta": {"role": "assistant"}}]}))
        .unwrap();
    assert_eq!(acc.completion()["choices"][0]["message"]["content"], "");
}

#[test]
fn push_text_reads_chunks_as_values_do() {
    // Each line is one chunk; both ways must end with the same result, error and completion.
    let tricky = [
        r#"{"id":"a","id":"b","choices":[{"delta":{"content":"x"}}],"choices":[{"delta":{"content":"y"}}]}"#,
        r#"{"id":7,"model":{"name":"m","v":[1,2]},"created":"yesterday","system_fingerprint":true}"#,
        r#"{"choices":[{"index":1.0,"delta":{"content":"float index"}},{"index":-1,"delta":{}}]}"#,
        r#"{"choices":[{"delta":null,"message":{"content":"hidden"}},{"index":3,"message":{"content":"m"}}]}"#,
        r#"{"choices":[{"index":3,"delta":"text","finish_reason":{"why":"odd"}}]}"#,
        r#"{"choices":[{"delta":{"content":["parts"],"role":5,"reasoning":"r","reasoning_content":null}}]}"#,
        r#"{"choices":[{"delta":{"tool_calls":[1,{"index":"0","id":"","type":"f","function":{"name":"n","arguments":{"b":1,"a":[true]}}}]}}]}"#,
        r#"{"choices":[{"delta":{"tool_calls":[{"function":{"arguments":null}},{"id":"other","function":"x"}]}}]}"#,
        r#"{"choices":[{"logprobs":{"content":[{"token":"t","logprob":-0.5}],"refusal":"no"}}]}"#,
        r#"{"choices":"none","usage":{"total_tokens":2,"prompt_tokens":1},"usage":null}"#,
        r#"{"usage":{"z":1,"a":2},"extra":{"deep":[[[{"\u00e9":"\ud83d\ude00"}]]]}}"#,
        r#"{"ignored":1e400,"choices":[]}"#,
        r#"{"ignored":"\ud800","choices":[]}"#,
        r#"{"ignored":"\q"}"#,
        r#"{"error":false,"choices":[{"delta":{"content":"still"}}]}"#,
        r#"{"error":0,"choices":[{"delta":{"content":"lost"}}]}"#,
        r#"{"\u0063hoices":[{"delta":{"content":"escaped key"}}]}"#,
        r#"[{"choices":[]}]"#,
        r#""text""#,
        r#"{"choices":[{"delta":{"content":"x"}}]} trailing"#,
        r#"{"choices":[{"delta":{"content":"esc\"aped \u00e9"}}]}"#,
    ];
    for payload in tricky {
        let (mut by_value, mut by_text) = (Accumulator::new(), Accumulator::new());
        let value_result = parse_chunk(payload).and_then(|chunk| by_value.push(&chunk));
        let text_result = by_text.push_text(payload);
        assert_eq!(
            format!("{text_result:?}"),
            format!("{value_result:?}"),
            "result of {payload}"
        );
        assert_eq!(by_text.completion(), by_value.completion(), "completion of {payload}");
        assert_eq!(
            serde_json::to_string(&by_text.completion()).unwrap(),
            serde_json::to_string(&by_value.completion()).unwrap(),
            "key order of {payload}"
        );
        assert_eq!(by_text.chunk_count(), by_value.chunk_count(), "count of {payload}");
    }
}
