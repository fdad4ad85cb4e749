//! The upload and binary routes of the test server, through the raw client: the strict
//! multipart parser, transcripts that describe the exact bytes, speech in pieces and cut short,
//! and images as base64 or URLs.

use base64::Engine as _;
use serde_json::{json, Value};
use webraft_test_server::{ServerOptions, TestServer};

mod common;
use common::*;

const BOUNDARY: &str = "b0und4ry";

/// A multipart body: text fields, then (name, filename, content type, bytes) file parts.
fn multipart(fields: &[(&str, &str)], files: &[(&str, &str, Option<&str>, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend(format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").bytes());
    }
    for (name, filename, content_type, bytes) in files {
        body.extend(format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\n").bytes());
        if let Some(content_type) = content_type {
            body.extend(format!("Content-Type: {content_type}\r\n").bytes());
        }
        body.extend(b"\r\n");
        body.extend_from_slice(bytes);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{BOUNDARY}--\r\n").bytes());
    body
}

fn post(port: u16, path: &str, content_type: &str, body: &[u8]) -> Response {
    let mut conn = Conn::open(port);
    let auth = format!("Bearer {KEY}");
    conn.send("POST", path, &[("Content-Type", content_type), ("Authorization", &auth)], body);
    conn.response()
}

fn post_form(port: u16, path: &str, body: &[u8]) -> Response {
    post(port, path, &format!("multipart/form-data; boundary={BOUNDARY}"), body)
}

fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3))
}

#[test]
fn a_transcript_describes_the_exact_bytes_in_every_format() {
    let s = TestServer::start(ServerOptions::default());
    let audio: Vec<u8> = (0..5000u32).map(|i| (i % 256) as u8).collect();
    let expected = format!("heard 5000 bytes of clip.wav (audio/wav) fnv1a64 {:016x}", fnv1a64(&audio));
    let file = [("file", "clip.wav", Some("audio/wav"), audio.as_slice())];
    let json = post_form(s.port(), "/v1/audio/transcriptions", &multipart(&[("model", "whisper-1")], &file));
    assert_eq!((json.status, json.json()), (200, json!({"text": expected})));
    let text = post_form(s.port(), "/v1/audio/transcriptions", &multipart(&[("model", "m"), ("response_format", "text")], &file));
    assert_eq!(text.header("content-type"), Some("text/plain; charset=utf-8"));
    assert_eq!(text.text(), expected);
    let verbose = post_form(s.port(), "/v2/audio/translations", &multipart(&[("model", "m"), ("response_format", "verbose_json")], &file));
    let verbose = verbose.json();
    assert_eq!(verbose["task"], "translate");
    assert_eq!(verbose["text"], expected.replacen("heard", "translated", 1));
    assert_eq!(verbose["segments"][0]["text"], verbose["text"]);
}

#[test]
fn a_streamed_transcript_comes_word_by_word_then_whole() {
    let s = TestServer::start(ServerOptions::default());
    let file = [("file", "a.mp3", Some("audio/mpeg"), b"ID3".as_slice())];
    let reply = post_form(s.port(), "/v1/audio/transcriptions", &multipart(&[("model", "m"), ("stream", "true")], &file));
    let (events, _) = sse_payloads(&reply.text());
    let deltas: String = events.iter().filter(|e| e["type"] == "transcript.text.delta").map(|e| e["delta"].as_str().unwrap()).collect();
    let done = events.last().unwrap();
    assert_eq!(done["type"], "transcript.text.done");
    assert_eq!(Value::from(deltas.clone()), done["text"]);
    assert!(deltas.starts_with("heard 3 bytes of a.mp3 (audio/mpeg) fnv1a64 "), "{deltas}");
    assert_eq!(events.len(), 9, "eight words and the done event");
}

#[test]
fn broken_multipart_is_a_400_naming_the_problem() {
    let s = TestServer::start(ServerOptions::default());
    let file = [("file", "a.wav", Some("audio/wav"), b"x".as_slice())];
    let good = multipart(&[("model", "m")], &file);
    let cases: Vec<(String, Vec<u8>, &str)> = vec![
        ("application/json".into(), good.clone(), "multipart/form-data"),
        ("multipart/form-data".into(), good.clone(), "no usable boundary"),
        ("multipart/form-data; boundary=other".into(), good.clone(), "does not start with the boundary"),
        (format!("multipart/form-data; boundary={BOUNDARY}"), good[..good.len() - 10].to_vec(), "not closed by the boundary"),
        (format!("multipart/form-data; boundary={BOUNDARY}"), multipart(&[("model", "m")], &[("file", "a.wav", None, b"x")]), "has no Content-Type"),
    ];
    for (content_type, body, says) in cases {
        let reply = post(s.port(), "/v1/audio/transcriptions", &content_type, &body);
        assert_eq!(reply.status, 400, "{content_type}");
        let error = &reply.json()["error"];
        assert!(error["message"].as_str().unwrap().contains(says), "{error} should say {says}");
        assert_eq!(error["code"], "invalid_multipart");
    }
    let no_file = post_form(s.port(), "/v1/audio/transcriptions", &multipart(&[("model", "m")], &[]));
    assert_eq!((no_file.status, no_file.json()["error"]["param"].clone()), (400, json!("file")));
    let no_model = post_form(s.port(), "/v1/audio/transcriptions", &multipart(&[], &file));
    assert_eq!(no_model.json()["error"]["param"], "model");
}

#[test]
fn speech_is_the_byte_pattern_in_pieces_and_tts_cut_stops_halfway() {
    let s = TestServer::start(ServerOptions::default());
    let ask = |model: &str| json!({"model": model, "input": "Hello there", "voice": "alloy"}).to_string();
    let reply = post(s.port(), "/v1/audio/speech", "application/json", ask("tts-1").as_bytes());
    assert_eq!((reply.status, reply.header("content-type")), (200, Some("audio/mpeg")));
    let expected: Vec<u8> = (0..11 * 1024).map(|i| (i % 251) as u8).collect();
    assert!(reply.complete && reply.body == expected);
    let cut = post(s.port(), "/v1/audio/speech", "application/json", ask("tts-cut").as_bytes());
    assert!(!cut.complete, "the body stops short of its Content-Length");
    assert_eq!(cut.body, expected[..4096]);
    let no_voice = post(s.port(), "/v1/audio/speech", "application/json", br#"{"model":"m","input":"x"}"#);
    assert_eq!(no_voice.json()["error"]["param"], "voice");
}

#[test]
fn images_come_as_base64_of_known_bytes_or_as_urls() {
    let s = TestServer::start(ServerOptions::default());
    let decode = |v: &Value| base64::engine::general_purpose::STANDARD.decode(v.as_str().unwrap()).unwrap();
    let generated = post(s.port(), "/v1/images/generations", "application/json", br#"{"model":"gpt-image-1","prompt":"a cat","n":2}"#).json();
    assert_eq!(decode(&generated["data"][1]["b64_json"]), b"\x89PNG\r\n\x1a\na cat#1");
    let urls = post(s.port(), "/v1/images/generations", "application/json", br#"{"prompt":"x","response_format":"url"}"#).json();
    assert_eq!(urls["data"], json!([{"url": "https://images.webraft-mock.invalid/0.png"}]));
    let image = [("image", "in.png", Some("image/png"), b"\x89PNG\0raw".as_slice())];
    let edited = post_form(s.port(), "/v1/images/edits", &multipart(&[("prompt", "hat")], &image)).json();
    assert_eq!(decode(&edited["data"][0]["b64_json"]), b"\x89PNG\0rawhat#0");
    let too_many = post(s.port(), "/v1/images/generations", "application/json", br#"{"prompt":"x","n":5}"#);
    assert_eq!(too_many.json()["error"]["param"], "n");
}
