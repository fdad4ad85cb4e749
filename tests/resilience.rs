//! Retries, clocks, cancellation, TLS, proxies and secret-safe logging against the test server.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use webraft::{
    Call, CallResult, Client, ClientConfig, Delivery, LogLevel, Request, RequestOptions, Status,
};
use webraft_test_server::{ServerOptions, TestServer};

mod common;
use common::message;

fn client(config: &str) -> Arc<Client> {
    Arc::new(Client::new(ClientConfig::from_json(config).unwrap()).unwrap())
}

fn client_for(server: &TestServer, base: &str, extra: &str) -> Arc<Client> {
    client(&format!(
        r#"{{"api_key":"test-key","base_url":"{}"{extra}}}"#,
        server.url(base)
    ))
}

fn chat_call(model: &str, stream: bool) -> Call {
    let body = serde_json::json!({"model": model, "messages": [{"role": "user", "content": "hi"}]});
    Call::chat(&body.to_string(), stream).unwrap()
}

fn run(client: &Arc<Client>, model: &str, stream: bool, options: &str) -> CallResult {
    let options = RequestOptions::from_json(options).unwrap();
    Request::run_blocking(client, chat_call(model, stream), options, Delivery::Discard)
}

#[test]
fn a_trickle_under_the_idle_limit_is_not_a_timeout() {
    let server = TestServer::start(ServerOptions::default());
    // `slow` pauses 100 ms before every event: well under 400 ms idle, well over it in total.
    let result = run(
        &client_for(&server, "/v1", ""),
        "slow",
        true,
        r#"{"idle_timeout_ms":400}"#,
    );
    assert_eq!(result.status(), Status::Ok, "{}", message(&result));
    assert!(result.timings.total > Duration::from_millis(400));
}

#[test]
fn cancel_interrupts_a_backoff_sleep() {
    let server = TestServer::start(ServerOptions::default());
    let client = client_for(&server, "/v1", "");
    // rate-limit answers 429 with Retry-After: 1, so the request sleeps a second between tries.
    let latency = common::fastest_of(3, || {
        let before = server.request_count("rate-limit");
        let call = chat_call("rate-limit", false);
        let request = Request::start(
            &client,
            call,
            RequestOptions::default(),
            Delivery::Discard,
            None,
        )
        .unwrap();
        let deadline = Instant::now() + Duration::from_secs(5);
        while server.request_count("rate-limit") == before && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        std::thread::sleep(Duration::from_millis(100));
        let cancelled_at = Instant::now();
        request.cancel();
        assert!(request.wait(Some(Duration::from_secs(2))));
        let elapsed = cancelled_at.elapsed();
        assert_eq!(request.take_result().unwrap().status(), Status::Cancelled);
        assert_eq!(
            server.request_count("rate-limit"),
            before + 1,
            "no retry after the cancel"
        );
        elapsed
    });
    assert!(
        latency < Duration::from_millis(50),
        "cancel took {latency:?}"
    );
}

#[test]
fn no_retry_sleeps_past_the_deadline() {
    let server = TestServer::start(ServerOptions::default());
    let started = Instant::now();
    let result = run(
        &client_for(&server, "/v1", ""),
        "rate-limit",
        false,
        r#"{"timeout_ms":300}"#,
    );
    assert_eq!(result.status(), Status::HttpStatus, "{}", message(&result));
    assert_eq!(result.http_status, 429);
    assert_eq!(result.retries, 0);
    assert!(
        started.elapsed() < Duration::from_millis(900),
        "slept past the deadline: {:?}",
        started.elapsed()
    );
}

#[test]
fn a_per_request_connect_timeout_overrides_the_client() {
    // A listener whose accept queue is full drops new SYNs, so connecting hangs.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let mut held = Vec::new();
    loop {
        match std::net::TcpStream::connect_timeout(&address, Duration::from_millis(100)) {
            Ok(stream) => held.push(stream),
            Err(_) => break,
        }
        assert!(held.len() < 10_000, "the accept queue never filled");
    }
    let client = client(&format!(
        r#"{{"base_url":"http://{address}/v1","max_retries":0,"connect_timeout_ms":30000}}"#
    ));
    let started = Instant::now();
    let result = run(&client, "gpt-4o", false, r#"{"connect_timeout_ms":200}"#);
    assert_eq!(result.status(), Status::Timeout, "{}", message(&result));
    assert!(
        message(&result).starts_with("connect timeout"),
        "{}",
        message(&result)
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    drop(held);
}

#[test]
fn logs_summarise_requests_without_secrets() {
    let server = TestServer::start(ServerOptions::default());
    let client = client_for(
        &server,
        "/v1",
        r#","default_query":{"api-key":"query-secret"}"#,
    );
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&lines);
    client.logger().set(
        LogLevel::Debug,
        Some(Arc::new(move |level, text: &str| {
            sink.lock().unwrap().push((level, text.to_string()))
        })),
    );
    let result = run(&client, "flaky-1-logs", false, "");
    assert_eq!(result.status(), Status::Ok, "{}", message(&result));
    let lines = lines.lock().unwrap().clone();
    let text: Vec<&str> = lines.iter().map(|(_, t)| t.as_str()).collect();
    assert!(
        text.iter()
            .any(|t| t.contains("POST") && t.contains("/v1/chat/completions")),
        "{text:?}"
    );
    assert!(text.iter().any(|t| t.starts_with("HTTP 503")), "{text:?}");
    assert!(
        lines
            .iter()
            .any(|(level, t)| *level == LogLevel::Warn && t.starts_with("retrying in")),
        "{text:?}"
    );
    assert!(
        text.iter().any(|t| t.starts_with("finished OK")),
        "{text:?}"
    );
    for line in &text {
        assert!(
            !line.contains("test-key") && !line.contains("query-secret"),
            "leaked: {line}"
        );
    }
}

#[test]
fn connection_errors_do_not_repeat_query_secrets() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = client(&format!(
        r#"{{"base_url":"http://127.0.0.1:{port}/v1","max_retries":0,"default_query":{{"api-key":"query-secret"}}}}"#
    ));
    let result = run(&client, "gpt-4o", false, "");
    assert_eq!(result.status(), Status::Connect);
    assert!(
        message(&result).contains(&format!("127.0.0.1:{port}/v1/chat/completions")),
        "{}",
        message(&result)
    );
    assert!(
        !message(&result).contains("query-secret"),
        "{}",
        message(&result)
    );
}

/// Run `model` and return the result with how long it took.
fn timed(client: &Arc<Client>, model: &str) -> (CallResult, Duration) {
    let started = Instant::now();
    let result = run(client, model, false, "");
    (result, started.elapsed())
}

#[test]
fn retry_hints_in_every_header_form_are_honoured() {
    let server = TestServer::start(ServerOptions::default());
    let client = client_for(&server, "/v1", "");
    // retry-after-ms: 200 must win over the Retry-After: 30 sent beside it.
    let (result, took) = timed(&client, "retry-after-ms-1-hints");
    assert_eq!(result.status(), Status::Ok, "{}", message(&result));
    assert_eq!(result.retries, 1);
    assert!(
        took >= Duration::from_millis(200) && took < Duration::from_secs(10),
        "ms hint: {took:?}"
    );
    // Retry-After: 1 (seconds) is longer than the first backoff would be.
    let (result, took) = timed(&client, "retry-after-s-1-hints");
    assert_eq!(result.status(), Status::Ok, "{}", message(&result));
    assert!(
        took >= Duration::from_millis(1000),
        "seconds hint: {took:?}"
    );
    // An HTTP-date 1-2 s ahead.
    let (result, took) = timed(&client, "retry-after-date-1-hints");
    assert_eq!(result.status(), Status::Ok, "{}", message(&result));
    assert!(took >= Duration::from_millis(900), "date hint: {took:?}");
}

#[test]
fn the_server_can_ask_for_or_forbid_a_retry() {
    let server = TestServer::start(ServerOptions::default());
    let client = client_for(&server, "/v1", "");
    let result = run(&client, "should-retry-1-told", false, "");
    assert_eq!(
        result.status(),
        Status::Ok,
        "a 400 with x-should-retry: true is retried: {}",
        message(&result)
    );
    assert_eq!(result.retries, 1);
    let result = run(&client, "no-retry-503", false, "");
    assert_eq!(result.http_status, 503);
    assert_eq!(result.retries, 0, "x-should-retry: false wins over a 503");
    assert_eq!(server.request_count("no-retry-503"), 1);
}

#[test]
fn oversize_bodies_and_lines_are_refused_with_a_clear_error() {
    let server = TestServer::start(ServerOptions::default());
    let client = client_for(
        &server,
        "/v1",
        r#","max_body_bytes":100000,"max_event_bytes":10000"#,
    );
    let result = run(&client, "huge-body-200000", false, "");
    assert_eq!(
        result.status(),
        Status::ResponseTooLarge,
        "{}",
        message(&result)
    );
    assert!(
        message(&result).contains("max_body_bytes"),
        "{}",
        message(&result)
    );
    let result = run(&client, "huge-line-20000", true, "");
    assert_eq!(
        result.status(),
        Status::ResponseTooLarge,
        "{}",
        message(&result)
    );
    assert!(
        message(&result).contains("max_event_bytes"),
        "{}",
        message(&result)
    );
    let fits = run(&client, "huge-body-50000", false, "");
    assert_eq!(fits.status(), Status::Ok, "{}", message(&fits));
}

mod tls {
    use super::*;
    use webraft_test_server::{fixture_path, TlsOptions, CLIENT_CERT_PEM, CLIENT_KEY_PEM};

    fn tls_client(server: &TestServer, extra: &str) -> Arc<Client> {
        client_for(server, "/v1", &format!(r#","max_retries":0{extra}"#))
    }

    #[test]
    fn an_unknown_ca_fails_and_a_configured_one_works() {
        let server = TestServer::start_tls(ServerOptions::default(), TlsOptions::default());
        let result = run(&tls_client(&server, ""), "gpt-4o", false, "");
        assert_eq!(result.status(), Status::Tls, "{}", message(&result));
        let ca_file = fixture_path("ca.pem").display().to_string();
        let result = run(
            &tls_client(&server, &format!(r#","ca_cert_file":"{ca_file}""#)),
            "gpt-4o",
            true,
            "",
        );
        assert_eq!(result.status(), Status::Ok, "{}", message(&result));
        assert_eq!(result.text.as_deref(), Some("Hello! You said: hi"));
        let pem = serde_json::to_string(webraft_test_server::CA_PEM).unwrap();
        let result = run(
            &tls_client(&server, &format!(r#","ca_cert_pem":{pem}"#)),
            "gpt-4o",
            false,
            "",
        );
        assert_eq!(result.status(), Status::Ok, "{}", message(&result));
    }

    #[test]
    fn skipping_verification_is_possible_but_explicit() {
        let server = TestServer::start_tls(ServerOptions::default(), TlsOptions::default());
        let result = run(
            &tls_client(&server, r#","danger_skip_tls_verification":true"#),
            "gpt-4o",
            false,
            "",
        );
        assert_eq!(result.status(), Status::Ok, "{}", message(&result));
    }

    #[test]
    fn a_server_that_demands_a_client_certificate_gets_one() {
        let server = TestServer::start_tls(
            ServerOptions::default(),
            TlsOptions {
                require_client_cert: true,
            },
        );
        let ca = format!(r#","ca_cert_file":"{}""#, fixture_path("ca.pem").display());
        let without = run(&tls_client(&server, &ca), "gpt-4o", false, "");
        assert!(
            matches!(without.status(), Status::Tls | Status::Transport),
            "{:?}: {}",
            without.status(),
            message(&without)
        );
        let identity = format!(
            r#"{ca},"client_cert_pem":{},"client_key_pem":{}"#,
            serde_json::to_string(CLIENT_CERT_PEM).unwrap(),
            serde_json::to_string(CLIENT_KEY_PEM).unwrap()
        );
        let with = run(&tls_client(&server, &identity), "gpt-4o", false, "");
        assert_eq!(with.status(), Status::Ok, "{}", message(&with));
    }
}

#[test]
fn a_configured_proxy_carries_the_request() {
    let server = TestServer::start(ServerOptions::default());
    // The host does not resolve: only the proxy (the test server) can answer.
    let config = format!(
        r#"{{"api_key":"test-key","base_url":"http://webraft-proxy-test.invalid/v1","proxy":"{}","max_retries":0}}"#,
        server.url("")
    );
    let client = client(&config);
    let call = Call::raw("GET", "/debug/echo", None).unwrap();
    let result = Request::run_blocking(&client, call, RequestOptions::default(), Delivery::Discard);
    assert_eq!(result.status(), Status::Ok, "{}", message(&result));
    let echo: serde_json::Value = serde_json::from_slice(&result.body).unwrap();
    assert_eq!(echo["absolute_form"], true);
    assert_eq!(echo["host"], "webraft-proxy-test.invalid");
}

#[test]
fn a_server_loading_its_model_is_retried_within_the_loading_budget_past_max_retries() {
    let server = TestServer::start(ServerOptions::default());
    let patient = client_for(&server, "/v1", r#","max_retries":0"#);
    let result = run(&patient, "loading-5-budget", false, "");
    assert_eq!(result.status(), Status::Ok, "{}", message(&result));
    assert_eq!(result.retries, 5, "503s are retried past max_retries while loading");

    let impatient = client_for(&server, "/v1", r#","max_retries":0,"loading_retry_ms":0"#);
    let result = run(&impatient, "loading-1-off", false, "");
    assert_eq!(result.status(), Status::HttpStatus, "0 switches the budget off");
    assert_eq!(result.http_status, 503);

    let brief = client_for(&server, "/v1", r#","max_retries":0,"loading_retry_ms":250"#);
    let result = run(&brief, "loading-50-brief", false, "");
    assert_eq!(result.http_status, 503, "the budget ends the retries");
    assert!(result.retries >= 1 && result.retries <= 4, "{} retries", result.retries);
}
