//! Uploads and binary replies through the core against the loopback test server: multipart
//! forms from paths and memory (retried whole), transcripts plain and streamed, speech kept,
//! handed on in pieces, written to a file atomically or cut short, images and embeddings.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use webraft::file::AtomicFile;
use webraft::media::{embeddings, image_entries};
use webraft::upload::Form;
use webraft::{Call, CallResult, Client, ClientConfig, Delivery, Event, Next, Request, RequestOptions, Status};
use webraft_test_server::{Faults, InjectedError, MockOptions, ServerOptions, TestServer};

mod common;
use common::message;

fn client_for(server: &TestServer, extra: &str) -> Arc<Client> {
    let config = format!(r#"{{"api_key":"test-key","base_url":"{}","max_retries":2{extra}}}"#, server.url("/v1"));
    Arc::new(Client::new(ClientConfig::from_json(&config).unwrap()).unwrap())
}

fn run(client: &Arc<Client>, call: Call, delivery: Delivery) -> CallResult {
    Request::run_blocking(client, call, RequestOptions::default(), delivery)
}

fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3))
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("webraft-media-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn speech_body(input: &str) -> String {
    serde_json::json!({"model": "tts-1", "input": input, "voice": "alloy"}).to_string()
}

#[test]
fn a_file_from_a_path_arrives_whole_and_its_transcript_is_the_text() {
    let server = TestServer::start(ServerOptions::default());
    let dir = temp_dir("path");
    let path = dir.join("clip.wav");
    let audio: Vec<u8> = b"RIFF\0\0\0\0WAVE".iter().copied().chain((0..300_000u32).map(|i| (i % 253) as u8)).collect();
    std::fs::write(&path, &audio).unwrap();
    let mut form = Form::new();
    form.add_text("model", "whisper-1");
    form.add_file_path("file", &path, None, None).unwrap();
    let result = run(&client_for(&server, ""), Call::upload("/audio/transcriptions", &form, false).unwrap(), Delivery::Discard);
    let expected = format!("heard {} bytes of clip.wav (audio/wav) fnv1a64 {:016x}", audio.len(), fnv1a64(&audio));
    assert_eq!(result.status(), Status::Ok, "{}", message(&result));
    assert_eq!(result.text.as_deref(), Some(expected.as_str()));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_retried_form_is_sent_whole_again() {
    let faults = Faults { errors: vec![InjectedError { status: 500, retry_after: None }], ..Faults::default() };
    let server = TestServer::start_mock(0, MockOptions { faults, ..MockOptions::default() }).unwrap();
    let mut form = Form::new();
    form.add_text("model", "whisper-1");
    form.add_text("response_format", "text");
    form.add_file_bytes("file", b"\0\x01\x02 not audio", "take.ogg", None).unwrap();
    let result = run(&client_for(&server, ""), Call::upload("/audio/translations", &form, false).unwrap(), Delivery::Discard);
    assert_eq!((result.status(), result.retries), (Status::Ok, 1), "{}", message(&result));
    assert_eq!(result.text.as_deref().unwrap(), format!("translated 13 bytes of take.ogg (audio/ogg) fnv1a64 {:016x}", fnv1a64(b"\0\x01\x02 not audio")));
}

#[test]
fn a_streamed_transcript_accumulates_its_deltas_and_hands_each_event_on() {
    let server = TestServer::start(ServerOptions::default());
    let mut form = Form::new();
    form.add_text("model", "whisper-1");
    form.add_file_bytes("file", b"ID3", "a.mp3", None).unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&seen);
    let delivery = Delivery::chunks(move |data| {
        sink.lock().unwrap().push(data.to_string());
        true
    });
    let result = run(&client_for(&server, ""), Call::upload("/audio/transcriptions", &form, true).unwrap(), delivery);
    assert_eq!(result.status(), Status::Ok, "{}", message(&result));
    assert!(result.text.as_deref().unwrap().starts_with("heard 3 bytes of a.mp3 (audio/mpeg) fnv1a64 "));
    assert_eq!((result.chunks, seen.lock().unwrap().len()), (9, 9));
}

#[test]
fn an_error_reply_to_a_form_is_an_api_error_and_bad_files_fail_before_sending() {
    let server = TestServer::start(ServerOptions::default());
    let client = client_for(&server, r#","max_upload_bytes":10"#);
    let mut form = Form::new();
    form.add_file_bytes("file", b"0123456789", "a.wav", None).unwrap();
    let refused = run(&client, Call::upload("/audio/transcriptions", &form, false).unwrap(), Delivery::Discard);
    assert_eq!((refused.status(), refused.http_status), (Status::HttpStatus, 400));
    assert_eq!(refused.api_error().unwrap().param.as_deref(), Some("model"));
    form.add_file_bytes("extra", b"x", "b.wav", None).unwrap();
    let over = run(&client, Call::upload("/audio/transcriptions", &form, false).unwrap(), Delivery::Discard);
    assert_eq!((over.status(), over.http_status), (Status::InvalidArgument, 0), "nothing was sent");
    assert!(message(&over).contains("max_upload_bytes"), "{}", message(&over));
}

#[test]
fn a_path_that_vanished_before_sending_is_named_and_nothing_is_sent() {
    let server = TestServer::start(ServerOptions::default());
    let dir = temp_dir("vanished");
    let path = dir.join("gone.wav");
    std::fs::write(&path, b"RIFF").unwrap();
    let mut form = Form::new();
    form.add_file_path("file", &path, None, None).unwrap();
    std::fs::remove_file(&path).unwrap();
    let result = run(&client_for(&server, ""), Call::upload("/audio/transcriptions", &form, false).unwrap(), Delivery::Discard);
    assert_eq!((result.status(), result.http_status), (Status::InvalidArgument, 0));
    assert!(message(&result).contains(&path.display().to_string()), "{}", message(&result));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn speech_is_kept_whole_with_its_nuls_or_handed_on_in_pieces() {
    let server = TestServer::start(ServerOptions::default());
    let client = client_for(&server, "");
    let expected: Vec<u8> = (0..20 * 1024).map(|i| (i % 251) as u8).collect();
    let kept = run(&client, Call::download("POST", "/audio/speech", Some(&speech_body(&"x".repeat(20))), false).unwrap(), Delivery::Discard);
    assert_eq!((kept.status(), kept.bytes_received), (Status::Ok, expected.len() as u64));
    assert!(kept.body == expected && !kept.body_is_json);
    let pieces = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&pieces);
    let delivery = Delivery::Callback(Box::new(move |event| {
        if let Event::Bytes(piece) = event {
            sink.lock().unwrap().push(piece.to_vec());
        }
        true
    }));
    let streamed = run(&client, Call::download("POST", "/audio/speech", Some(&speech_body(&"x".repeat(20))), true).unwrap(), delivery);
    let pieces = pieces.lock().unwrap();
    assert_eq!((streamed.status(), streamed.body.len()), (Status::Ok, 0), "pieces are not kept");
    assert!(pieces.len() > 1, "the body came in {} pieces", pieces.len());
    assert_eq!(pieces.concat(), expected);
}

#[test]
fn polled_speech_pieces_come_through_the_queue() {
    let server = TestServer::start(ServerOptions::default());
    let call = Call::download("POST", "/audio/speech", Some(&speech_body("Hello")), true).unwrap();
    let request = Request::start(&client_for(&server, ""), call, RequestOptions::default(), Delivery::Queue, None).unwrap();
    assert!(request.yields_bytes());
    let mut body = Vec::new();
    loop {
        match request.next(Some(Duration::from_secs(10))) {
            Next::Bytes(piece) => body.extend(piece),
            Next::Done => break,
            other => assert_eq!(other, Next::Pending),
        }
    }
    assert_eq!(body, (0..5 * 1024).map(|i| (i % 251) as u8).collect::<Vec<u8>>());
}

#[test]
fn a_cut_speech_body_fails_and_says_how_much_arrived_and_its_file_is_untouched() {
    let server = TestServer::start(ServerOptions::default());
    let client = client_for(&server, "");
    let body = serde_json::json!({"model": "tts-cut", "input": "Hello there", "voice": "alloy"}).to_string();
    let kept = run(&client, Call::download("POST", "/audio/speech", Some(&body), false).unwrap(), Delivery::Discard);
    assert_eq!((kept.status(), kept.bytes_received, kept.body.len()), (Status::Transport, 4096, 4096));
    let dir = temp_dir("cut");
    let target = dir.join("line.mp3");
    std::fs::write(&target, b"previous take").unwrap();
    let file = Delivery::File(AtomicFile::create(&target).unwrap());
    let written = run(&client, Call::download("POST", "/audio/speech", Some(&body), true).unwrap(), file);
    assert_eq!((written.status(), written.bytes_received), (Status::Transport, 4096));
    assert_eq!(std::fs::read(&target).unwrap(), b"previous take");
    let file = Delivery::File(AtomicFile::create(&target).unwrap());
    let whole = run(&client, Call::download("POST", "/audio/speech", Some(&speech_body("Hi")), true).unwrap(), file);
    assert_eq!(whole.status(), Status::Ok, "{}", message(&whole));
    assert_eq!(std::fs::read(&target).unwrap(), (0..2048).map(|i| (i % 251) as u8).collect::<Vec<u8>>());
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1, "no temporary file is left");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn images_and_embeddings_decode_from_their_replies() {
    let server = TestServer::start(ServerOptions::default());
    let client = client_for(&server, "");
    let send = |path: &str, body: serde_json::Value| {
        let result = run(&client, Call::raw("POST", path, Some(&body.to_string())).unwrap(), Delivery::Discard);
        serde_json::from_slice::<serde_json::Value>(&result.body).unwrap()
    };
    let images = image_entries(&send("/images/generations", serde_json::json!({"prompt": "a fox", "n": 2})));
    assert_eq!(images[1].decode(1).unwrap(), b"\x89PNG\r\n\x1a\na fox#1");
    let urls = image_entries(&send("/images/generations", serde_json::json!({"prompt": "a fox", "response_format": "url"})));
    assert_eq!(urls[0].url.as_deref(), Some("https://images.webraft-mock.invalid/0.png"));
    let ask = |format: &str| serde_json::json!({"model": "m", "input": ["a", "b"], "encoding_format": format});
    let floats = embeddings(&send("/embeddings", ask("float")));
    let base64 = embeddings(&send("/embeddings", ask("base64")));
    assert_eq!(floats.len(), 2);
    assert_eq!(floats[1].as_ref().unwrap(), base64[1].as_ref().unwrap());
    assert_eq!(floats[0].as_ref().unwrap().len(), 8);
}
