//! Endpoint fallback and hedging against the test server's endpoint roles: the paths the C
//! suite does not take (a stream without its first chunk, events from the answering endpoint
//! only, a loading endpoint's budget, the log without keys).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use webraft::{Call, Client, ClientConfig, Delivery, Event, LogLevel, Request, RequestOptions, Status};
use webraft_test_server::{ServerOptions, TestServer};

mod common;
use common::message;

/// A client whose own endpoint is `primary` and whose fallback is `fallback` (paths of `server`).
fn client(server: &TestServer, primary: &str, fallback: &str, extra: &str) -> Arc<Client> {
    let config = format!(
        r#"{{"api_key":"test-key","base_url":"{}","fallback":[{{"base_url":"{}"}}],"max_retries":0{extra}}}"#,
        server.url(primary),
        server.url(fallback)
    );
    Arc::new(Client::new(ClientConfig::from_json(&config).unwrap()).unwrap())
}

fn chat_call(stream: bool) -> Call {
    let body = serde_json::json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]});
    Call::chat(&body.to_string(), stream).unwrap()
}

/// Runs a streamed call, recording "H" for each headers event, "C" for each chunk and "B" for
/// each piece of binary reply (none is expected).
fn stream_events(client: &Arc<Client>) -> (webraft::CallResult, String) {
    let seen = Arc::new(Mutex::new(String::new()));
    let sink = Arc::clone(&seen);
    let delivery = Delivery::Callback(Box::new(move |event| {
        sink.lock().unwrap().push(match event {
            Event::Headers(_) => 'H',
            Event::Chunk { .. } => 'C',
            Event::Bytes(_) => 'B',
        });
        true
    }));
    let result = Request::run_blocking(client, chat_call(true), RequestOptions::default(), delivery);
    let seen = seen.lock().unwrap().clone();
    (result, seen)
}

#[test]
fn a_stream_without_its_first_chunk_moves_on_after_the_idle_timeout() {
    let server = TestServer::start(ServerOptions::default());
    let client = client(&server, "/role/stalled-chunk/v1", "/v1", r#","idle_timeout_ms":300"#);
    let started = Instant::now();
    let (result, seen) = stream_events(&client);
    assert_eq!(result.status(), Status::Ok, "{}", message(&result));
    assert_eq!(result.text.as_deref(), Some("Hello! You said: hi"));
    let answered = result.answered.as_ref().unwrap();
    assert_eq!((answered.index, answered.tried), (1, 2));
    assert!(started.elapsed() >= Duration::from_millis(300), "{:?}", started.elapsed());
    // The stalled endpoint's 200 headers never reach the caller: one H, from the answer.
    assert!(seen.starts_with('H') && seen[1..].chars().all(|c| c == 'C'), "{seen}");
}

#[test]
fn without_a_fallback_the_headers_event_comes_as_soon_as_the_headers() {
    let server = TestServer::start(ServerOptions::default());
    let config = format!(r#"{{"api_key":"test-key","base_url":"{}","idle_timeout_ms":300}}"#, server.url("/role/stalled-chunk/v1"));
    let client = Arc::new(Client::new(ClientConfig::from_json(&config).unwrap()).unwrap());
    let (result, seen) = stream_events(&client);
    assert_eq!(result.status(), Status::Timeout, "{}", message(&result));
    assert_eq!(seen, "H");
    assert_eq!(result.answered.as_ref().map(|a| (a.index, a.tried)), Some((0, 1)));
}

#[test]
fn a_loading_endpoint_is_retried_within_its_budget_then_left() {
    let server = TestServer::start(ServerOptions::default());
    let client = client(&server, "/role/loading/v1", "/v1", r#","loading_retry_ms":400"#);
    let started = Instant::now();
    let result = Request::run_blocking(&client, chat_call(false), RequestOptions::default(), Delivery::Discard);
    assert_eq!(result.status(), Status::Ok, "{}", message(&result));
    assert_eq!(result.answered.as_ref().map(|a| a.index), Some(1));
    assert!(result.retries >= 2, "the loading endpoint was retried past max_retries 0: {}", result.retries);
    assert!(started.elapsed() >= Duration::from_millis(400), "{:?}", started.elapsed());
}

#[test]
fn the_log_names_endpoints_but_never_their_keys() {
    let server = TestServer::start(ServerOptions::default());
    let config = format!(
        r#"{{"api_key":"sk-own-secret","base_url":"{}","fallback":[{{"base_url":"{}","api_key":"test-key"}}],"max_retries":0}}"#,
        server.url("/role/down/v1"),
        server.url("/v1")
    );
    let client = Arc::new(Client::new(ClientConfig::from_json(&config).unwrap()).unwrap());
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&lines);
    client.logger().set(LogLevel::Debug, Some(Arc::new(move |_, line: &str| sink.lock().unwrap().push(line.to_string()))));
    let result = Request::run_blocking(&client, chat_call(false), RequestOptions::default(), Delivery::Discard);
    assert_eq!(result.status(), Status::Ok, "{}", message(&result));
    let lines = lines.lock().unwrap().join("\n");
    assert!(lines.contains(&format!("trying endpoint 1 ({})", server.url("/v1"))), "{lines}");
    for secret in ["sk-own-secret", "test-key"] {
        assert!(!lines.contains(secret), "{secret} in {lines}");
    }
}

#[test]
fn a_hedged_plain_call_takes_the_first_reply_whichever_endpoint_it_is() {
    let server = TestServer::start(ServerOptions::default());
    let client = client(&server, "/role/first-chunk-1500/v1", "/role/first-chunk-200/v1", r#","hedge_ms":100"#);
    let started = Instant::now();
    let result = Request::run_blocking(&client, chat_call(false), RequestOptions::default(), Delivery::Discard);
    assert_eq!(result.status(), Status::Ok, "{}", message(&result));
    assert_eq!(result.answered.as_ref().map(|a| (a.index, a.tried)), Some((1, 2)));
    assert!(started.elapsed() < Duration::from_millis(1400), "{:?}", started.elapsed());
}
