//! The core against the loopback test server: every base, stream format and failure path.

use serde_json::Value;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use webraft::{
    Call, CallResult, Client, ClientConfig, Delivery, Next, Request, RequestOptions, Status,
};
use webraft_test_server::{ServerOptions, TestServer};

mod common;
use common::message;

fn client_for(server: &TestServer, base: &str, extra: &str) -> Arc<Client> {
    let config = format!(
        r#"{{"api_key":"test-key","base_url":"{}"{extra}}}"#,
        server.url(base)
    );
    Arc::new(Client::new(ClientConfig::from_json(&config).unwrap()).unwrap())
}

fn chat_body(model: &str, prompt: &str) -> String {
    serde_json::json!({"model": model, "messages": [{"role": "user", "content": prompt}]})
        .to_string()
}

fn chat(client: &Arc<Client>, model: &str, options: &str) -> CallResult {
    let call = Call::chat(&chat_body(model, "hi"), false).unwrap();
    Request::run_blocking(
        client,
        call,
        RequestOptions::from_json(options).unwrap(),
        Delivery::Discard,
    )
}

/// Stream `model` and return the result plus every chunk the callback saw.
fn stream(client: &Arc<Client>, model: &str, options: &str) -> (CallResult, Vec<String>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&seen);
    let delivery = Delivery::chunks(move |chunk: &str| {
        sink.lock().unwrap().push(chunk.to_string());
        true
    });
    let call = Call::chat(&chat_body(model, "hi"), true).unwrap();
    let result = Request::run_blocking(
        client,
        call,
        RequestOptions::from_json(options).unwrap(),
        delivery,
    );
    let chunks = seen.lock().unwrap().clone();
    (result, chunks)
}

fn body_json(result: &CallResult) -> Value {
    serde_json::from_slice(&result.body).unwrap()
}

#[test]
fn plain_chat_works_on_every_base() {
    let server = TestServer::start(ServerOptions::default());
    for base in ["/v1", "/v2", "/freeapi"] {
        let result = chat(&client_for(&server, base, ""), "gpt-4o", "");
        assert_eq!(result.status(), Status::Ok, "{base}: {}", message(&result));
        assert_eq!(result.http_status, 200);
        assert_eq!(result.text.as_deref(), Some("Hello! You said: hi"));
        assert_eq!(body_json(&result)["object"], "chat.completion");
        assert!(result.request_id.as_deref().unwrap().starts_with("req_"));
        assert!(result.timings.headers.unwrap() <= result.timings.total);
        assert_eq!(result.retries, 0);
    }
}

#[test]
fn streams_decode_sse_json_lines_and_sniffed_bodies_alike() {
    let server = TestServer::start(ServerOptions::default());
    for base in ["/v1", "/v2", "/freeapi"] {
        let (result, chunks) = stream(&client_for(&server, base, ""), "gpt-4o", "");
        assert_eq!(result.status(), Status::Ok, "{base}: {}", message(&result));
        let joined: String = chunks
            .iter()
            .filter_map(|c| {
                webraft::result::delta_text(c)
                    .unwrap()
                    .map(|t| t.into_owned())
            })
            .collect();
        assert_eq!(joined, "Hello! You said: hi", "{base}");
        assert_eq!(result.text.as_deref(), Some("Hello! You said: hi"));
        assert_eq!(result.chunks, chunks.len());
        let completion = body_json(&result);
        assert_eq!(completion["object"], "chat.completion");
        assert_eq!(completion["choices"][0]["finish_reason"], "stop");
        assert_eq!(completion["choices"][0]["message"]["role"], "assistant");
        assert!(result.timings.first_chunk.is_some());
    }
}

#[test]
fn llama_and_crlf_framing_stream_cleanly() {
    let server = TestServer::start(ServerOptions::default());
    let client = client_for(&server, "/v1", "");
    for model in ["llama-style", "crlf"] {
        let (result, chunks) = stream(&client, model, "");
        assert_eq!(result.status(), Status::Ok, "{model}: {}", message(&result));
        assert!(!chunks.is_empty());
        assert!(!result.text.as_deref().unwrap_or("").is_empty(), "{model}");
    }
}

#[test]
fn provider_errors_keep_the_server_message() {
    let server = TestServer::start(ServerOptions::default());
    let wrong_key = Arc::new(
        Client::new(
            ClientConfig::from_json(&format!(
                r#"{{"api_key":"nope","base_url":"{}"}}"#,
                server.url("/v1")
            ))
            .unwrap(),
        )
        .unwrap(),
    );
    let result = chat(&wrong_key, "gpt-4o", "");
    assert_eq!(result.status(), Status::HttpStatus);
    assert_eq!(result.http_status, 401);
    let api = result.api_error().unwrap();
    assert_eq!(api.message, "Wrong Api key");
    assert_eq!(api.code.as_deref(), Some("invalid_api_key"));

    let error_body = body_json(&result);
    assert_eq!(
        error_body["error"]["message"], "Wrong Api key",
        "the error body is kept"
    );

    let flat = chat(&client_for(&server, "/v2", ""), "flat-error", "");
    assert_eq!(flat.api_error().unwrap().message, "flat error message");
    assert_eq!(flat.api_error().unwrap().code.as_deref(), Some("400"));

    let plain = chat(
        &client_for(&server, "/v1", ""),
        "plain-500",
        r#"{"max_retries":0}"#,
    );
    assert_eq!(plain.http_status, 500);
    assert_eq!(plain.api_error().unwrap().message, "Internal Server Error");
}

#[test]
fn a_2xx_reply_that_is_not_json_is_an_invalid_response() {
    let server = TestServer::start(ServerOptions::default());
    let result = chat(&client_for(&server, "/v1", ""), "not-json", "");
    assert_eq!(
        result.status(),
        Status::InvalidResponse,
        "{}",
        message(&result)
    );
    assert_eq!(result.http_status, 200);
    assert!(
        message(&result).contains("not JSON"),
        "{}",
        message(&result)
    );
    let (streamed, chunks) = stream(&client_for(&server, "/v1", ""), "not-json", "");
    assert_eq!(
        streamed.status(),
        Status::InvalidResponse,
        "{}",
        message(&streamed)
    );
    assert!(chunks.is_empty());
    assert!(
        message(&streamed).contains("<html>maintenance"),
        "{}",
        message(&streamed)
    );
}

#[test]
fn transient_failures_are_retried_and_quota_errors_are_not() {
    let server = TestServer::start(ServerOptions::default());
    let client = client_for(&server, "/v1", "");
    let result = chat(&client, "flaky-2-retry", "");
    assert_eq!(result.status(), Status::Ok, "{}", message(&result));
    assert_eq!(result.retries, 2);
    assert_eq!(server.request_count("flaky-2-retry"), 3);

    let broke = chat(&client, "no-credits", "");
    assert_eq!(broke.status(), Status::HttpStatus);
    assert_eq!(broke.retries, 0);
    assert_eq!(server.request_count("no-credits"), 1);

    let capped = chat(&client, "flaky-5-capped", r#"{"max_retries":1}"#);
    assert_eq!(capped.http_status, 503);
    assert_eq!(capped.retries, 1);
}

#[test]
fn in_stream_errors_end_the_stream_and_keep_the_partial_text() {
    let server = TestServer::start(ServerOptions::default());
    for base in ["/v1", "/v2"] {
        let (result, _) = stream(&client_for(&server, base, ""), "error-chunk", "");
        assert_eq!(result.status(), Status::StreamError, "{base}");
        let api = result.api_error().unwrap();
        assert_eq!(api.message, "upstream overloaded");
        assert_eq!(api.code.as_deref(), Some("overloaded"));
        assert_eq!(result.text.as_deref(), Some("partial"));
    }
    let (result, _) = stream(&client_for(&server, "/v1", ""), "error-event", "");
    assert_eq!(result.status(), Status::StreamError);
    assert_eq!(result.api_error().unwrap().message, "event stream failure");
    assert_eq!(result.text.as_deref(), Some("partial"));

    let (result, _) = stream(&client_for(&server, "/v1", ""), "bad-json-chunk", "");
    assert_eq!(result.status(), Status::StreamProtocol);
    assert_eq!(result.text.as_deref(), Some("ok"));
}

#[test]
fn a_dropped_connection_keeps_what_arrived() {
    let server = TestServer::start(ServerOptions::default());
    let (result, chunks) = stream(&client_for(&server, "/v1", ""), "disconnect", "");
    assert_eq!(result.status(), Status::Transport, "{}", message(&result));
    assert_eq!(result.text.as_deref(), Some("Hello there"));
    assert_eq!(chunks.len(), 3);
    assert_eq!(
        body_json(&result)["choices"][0]["message"]["content"],
        "Hello there"
    );
}

#[test]
fn each_clock_names_itself_when_it_runs_out() {
    let server = TestServer::start(ServerOptions::default());
    let client = client_for(&server, "/v1", "");
    let (idle, _) = stream(&client, "stall-body", r#"{"idle_timeout_ms":200}"#);
    assert_eq!(idle.status(), Status::Timeout);
    assert!(
        message(&idle).starts_with("idle timeout"),
        "{}",
        message(&idle)
    );
    let headers = chat(
        &client,
        "stall-headers",
        r#"{"headers_timeout_ms":200,"max_retries":0}"#,
    );
    assert_eq!(headers.status(), Status::Timeout);
    assert!(
        message(&headers).starts_with("headers timeout"),
        "{}",
        message(&headers)
    );
    let total = chat(&client, "slow", r#"{"timeout_ms":100}"#);
    assert_eq!(total.status(), Status::Timeout);
    assert!(
        message(&total).starts_with("total timeout"),
        "{}",
        message(&total)
    );
}

#[test]
fn refused_connections_report_connect() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = format!(r#"{{"base_url":"http://127.0.0.1:{port}/v1","max_retries":0}}"#);
    let client = Arc::new(Client::new(ClientConfig::from_json(&config).unwrap()).unwrap());
    let result = chat(&client, "gpt-4o", "");
    assert_eq!(result.status(), Status::Connect, "{}", message(&result));
    assert_eq!(result.http_status, 0);
}

#[test]
fn a_peer_that_does_not_speak_tls_reports_tls() {
    // Answers every connection with plain HTTP, as a misconfigured https:// URL would meet.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten().take(1) {
            use std::io::Write;
            let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
            std::thread::sleep(Duration::from_millis(200));
        }
    });
    let config = format!(r#"{{"base_url":"https://127.0.0.1:{port}/v1","max_retries":0}}"#);
    let client = Arc::new(Client::new(ClientConfig::from_json(&config).unwrap()).unwrap());
    let result = chat(&client, "gpt-4o", "");
    assert_eq!(result.status(), Status::Tls, "{}", message(&result));
}

#[test]
fn cancel_from_another_thread_is_prompt_and_keeps_partial_output() {
    let server = TestServer::start(ServerOptions::default());
    let client = client_for(&server, "/v1", "");
    let latency = common::fastest_of(3, || {
        let call = Call::chat(&chat_body("stall-body", "hi"), true).unwrap();
        let request = Request::start(
            &client,
            call,
            RequestOptions::default(),
            Delivery::Queue,
            None,
        )
        .unwrap();
        assert!(matches!(
            request.next(Some(Duration::from_secs(5))),
            Next::Chunk { .. }
        ));
        assert_eq!(request.next(Some(Duration::from_millis(50))), Next::Pending);
        let remote = request.clone();
        let cancelled_at = std::thread::spawn(move || {
            let at = Instant::now();
            remote.cancel();
            at
        })
        .join()
        .unwrap();
        assert_eq!(request.next(Some(Duration::from_secs(5))), Next::Done);
        let elapsed = cancelled_at.elapsed();
        let result = request.take_result().unwrap();
        assert_eq!(result.status(), Status::Cancelled);
        assert_eq!(result.chunks, 1);
        assert!(request.take_result().is_none(), "a result is taken once");
        elapsed
    });
    assert!(
        latency < Duration::from_millis(50),
        "cancel took {latency:?}"
    );
}

#[test]
fn a_polled_stream_pauses_when_its_queue_is_full_and_loses_nothing() {
    let server = TestServer::start(ServerOptions::default());
    let client = client_for(&server, "/v2", "");
    let total = webraft::request::POLL_QUEUE_CAPACITY * 4;
    let call = Call::chat(&chat_body(&format!("big-chunks-{total}"), "hi"), true).unwrap();
    let request = Request::start(
        &client,
        call,
        RequestOptions::default(),
        Delivery::Queue,
        None,
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        !request.is_finished(),
        "the producer must wait for the poller"
    );
    let mut received = 0;
    loop {
        match request.next(Some(Duration::from_secs(10))) {
            Next::Chunk { .. } => received += 1,
            Next::Done => break,
            Next::Pending => panic!("stalled after {received} chunks"),
            Next::Headers(_) => panic!("next() passes over headers"),
            Next::Bytes(_) => panic!("a chat stream has no binary pieces"),
        }
    }
    let result = request.take_result().unwrap();
    assert_eq!(result.status(), Status::Ok, "{}", message(&result));
    assert_eq!(received, result.chunks);
    assert!(received >= total);
}

#[test]
fn closing_the_client_cancels_requests_in_flight() {
    let server = TestServer::start(ServerOptions::default());
    let client = client_for(&server, "/v1", "");
    let call = Call::chat(&chat_body("stall-headers", "hi"), false).unwrap();
    let done = Arc::new(Mutex::new(None));
    let seen = Arc::clone(&done);
    let on_done = Box::new(move |status: Status| *seen.lock().unwrap() = Some(status));
    let request = Request::start(
        &client,
        call,
        RequestOptions::default(),
        Delivery::Discard,
        Some(on_done),
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(50));
    client.close();
    assert!(request.wait(Some(Duration::from_secs(2))));
    assert_eq!(request.take_result().unwrap().status(), Status::Cancelled);
    // The done callback runs right after the result is published.
    let deadline = Instant::now() + Duration::from_secs(2);
    while done.lock().unwrap().is_none() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(*done.lock().unwrap(), Some(Status::Cancelled));
}

#[test]
fn closing_the_client_cancels_a_blocking_call_driven_on_its_own_thread() {
    let server = TestServer::start(ServerOptions::default());
    let client = client_for(&server, "/v1", "");
    let closer = Arc::clone(&client);
    let close_later = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(100));
        closer.close();
    });
    let started = Instant::now();
    let result = chat(&client, "stall-headers", "");
    close_later.join().unwrap();
    assert_eq!(result.status(), Status::Cancelled, "{}", message(&result));
    assert!(started.elapsed() < Duration::from_secs(5), "took {:?}", started.elapsed());
}

#[test]
fn a_callback_may_make_a_blocking_call_on_the_same_client() {
    let server = TestServer::start(ServerOptions::default());
    let client = client_for(&server, "/v1", "");
    let inner_client = Arc::clone(&client);
    let inner_texts = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&inner_texts);
    let delivery = Delivery::chunks(move |_chunk: &str| {
        let inner = chat(&inner_client, "gpt-4o", "");
        sink.lock().unwrap().push(inner.text.unwrap_or_default());
        true
    });
    let call = Call::chat(&chat_body("gpt-4o", "outer"), true).unwrap();
    let result = Request::run_blocking(&client, call, RequestOptions::default(), delivery);
    assert_eq!(result.status(), Status::Ok, "{}", message(&result));
    let inner = inner_texts.lock().unwrap();
    assert_eq!(inner.len(), result.chunks);
    assert!(inner.iter().all(|t| t == "Hello! You said: hi"));
}

#[test]
fn headers_query_and_identity_reach_the_server() {
    let server = TestServer::start(ServerOptions::default());
    let client = client_for(
        &server,
        "/v1",
        r#","organization":"org-1","project":"proj-1","user_agent":"game/2.0",
           "default_headers":{"X-Team":"red"},"default_query":{"api-version":"7"}"#,
    );
    let call = Call::raw("POST", "/debug/echo", Some(r#"{"ping":1}"#)).unwrap();
    let options =
        RequestOptions::from_json(r#"{"headers":{"X-Trace":"t1"},"query":{"q":"x"}}"#).unwrap();
    let result = Request::run_blocking(&client, call, options, Delivery::Discard);
    assert_eq!(result.status(), Status::Ok, "{}", message(&result));
    assert!(result.body_is_json);
    let echo = body_json(&result);
    let headers = &echo["headers"];
    assert_eq!(headers["authorization"], "Bearer test-key");
    assert_eq!(headers["openai-organization"], "org-1");
    assert_eq!(headers["openai-project"], "proj-1");
    assert_eq!(headers["user-agent"], "game/2.0");
    assert_eq!(headers["x-team"], "red");
    assert_eq!(headers["x-trace"], "t1");
    assert_eq!(echo["query"]["api-version"], "7");
    assert_eq!(echo["query"]["q"], "x");
    assert_eq!(echo["method"], "POST");
    assert_eq!(echo["body"]["ping"], 1);
}

#[test]
fn size_limits_stop_hostile_bodies() {
    let server = TestServer::start(ServerOptions::default());
    let small_body = client_for(&server, "/v1", r#","max_body_bytes":4096"#);
    let (result, _) = stream(&small_body, "big-chunks-1000", "");
    assert_eq!(
        result.status(),
        Status::ResponseTooLarge,
        "{}",
        message(&result)
    );
    let small_event = client_for(&server, "/v1", r#","max_event_bytes":64"#);
    let (result, _) = stream(&small_event, "gpt-4o", "");
    assert_eq!(
        result.status(),
        Status::ResponseTooLarge,
        "{}",
        message(&result)
    );
}

#[test]
fn waiting_on_another_thread_ends_when_the_poller_takes_the_last_chunk() {
    let server = TestServer::start(ServerOptions::default());
    let client = client_for(&server, "/v1", "");
    let call = Call::chat(&chat_body("gpt-4o", "hi"), true).unwrap();
    let request = Request::start(
        &client,
        call,
        RequestOptions::default(),
        Delivery::Queue,
        None,
    )
    .unwrap();
    let waiter = {
        let request = request.clone();
        std::thread::spawn(move || request.wait(Some(Duration::from_secs(10))))
    };
    while request.next(Some(Duration::from_secs(10))) != Next::Done {}
    assert!(
        waiter.join().unwrap(),
        "the waiter must wake once the queue is drained"
    );
}

#[test]
fn usage_comes_from_the_reply_or_the_streams_usage_chunk() {
    let server = TestServer::start(ServerOptions::default());
    let client = client_for(&server, "/v1", "");
    let plain = chat(&client, "gpt-4o", "");
    let usage = plain.usage.expect("a plain reply carries usage");
    assert_eq!(
        usage.total_tokens,
        usage.prompt_tokens + usage.completion_tokens
    );
    assert_eq!(
        usage.completion_tokens, 4,
        "four tokens in 'Hello! You said: hi'"
    );

    let (streamed, _) = stream(&client, "gpt-4o", "");
    assert_eq!(streamed.usage, None, "no usage chunk unless asked for");
    let body = serde_json::json!({"model": "gpt-4o", "stream_options": {"include_usage": true},
        "messages": [{"role": "user", "content": "hi"}]});
    let call = Call::chat(&body.to_string(), true).unwrap();
    let asked = Request::run_blocking(&client, call, RequestOptions::default(), Delivery::Discard);
    assert_eq!(asked.usage, Some(usage));
}

#[test]
fn waiting_on_a_request_from_its_own_chunk_callback_does_not_stall() {
    let server = TestServer::start(ServerOptions::default());
    let client = client_for(&server, "/v1", "");
    let own: Arc<std::sync::OnceLock<Request>> = Arc::default();
    let seen = Arc::clone(&own);
    let waits = Arc::new(Mutex::new(Vec::new()));
    let record = Arc::clone(&waits);
    let delivery = Delivery::chunks(move |_chunk: &str| {
        if let Some(request) = seen.get() {
            let started = Instant::now();
            let finished = request.wait(Some(Duration::from_secs(5)));
            let next = request.next(Some(Duration::from_secs(5)));
            record
                .lock()
                .unwrap()
                .push((finished, next, started.elapsed()));
        }
        true
    });
    let call = Call::chat(&chat_body("trickle-20", "hi"), true).unwrap();
    let request = Request::start(&client, call, RequestOptions::default(), delivery, None).unwrap();
    own.set(request.clone()).ok().unwrap();
    assert!(request.wait(Some(Duration::from_secs(10))));
    let waits = waits.lock().unwrap();
    assert!(!waits.is_empty());
    for (finished, next, took) in waits.iter() {
        assert!(!finished && *next == Next::Pending, "{finished} {next:?}");
        assert!(
            *took < Duration::from_secs(1),
            "a self-wait stalled for {took:?}"
        );
    }
}
