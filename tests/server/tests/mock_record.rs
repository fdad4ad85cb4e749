//! Record and replay through the `webraft-mock` binary: a session recorded through one mock
//! proxying to a second one replays with the same statuses, chunks and text; the cassette holds
//! no key; timing is kept (and scaled by `--speed`); unmatched requests and invalid cassettes are
//! refused clearly.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

mod common;
use common::mock::{timed_chunks, Mock, TempDir};
use common::*;

/// Credentials the recording session sends; none may reach the cassette.
const SECRETS: [&str; 4] = [
    "test-key",
    "team-secret-value",
    "cookie-secret-1",
    "wrong-key-123",
];

/// One request of the session.
struct Call {
    path: &'static str,
    method: &'static str,
    key: &'static str,
    body: Value,
}

fn post(path: &'static str, body: Value) -> Call {
    Call {
        path,
        method: "POST",
        key: KEY,
        body,
    }
}

fn stream(model: &str) -> Value {
    with(hello(model), "stream", json!(true))
}

/// SSE, JSON lines, plain, an auth error, tool calls, a stream cut short, an echo of the
/// request (which shows the key), a GET, a Responses stream, and a retried 503.
fn session() -> Vec<Call> {
    let responses = json!({"model": "gpt-4o", "input": "hi there", "stream": true});
    vec![
        post("/v1/chat/completions", stream("gpt-4o")),
        post("/v2/chat/completions", stream("gpt-4o")),
        post("/v1/chat/completions", hello("gpt-4o")),
        Call {
            key: "wrong-key-123",
            ..post("/v1/chat/completions", hello("gpt-4o"))
        },
        post("/v1/chat/completions", stream("tools")),
        post("/v1/chat/completions", stream("disconnect")),
        post("/v1/chat/completions", hello("echo-request")),
        Call {
            method: "GET",
            body: Value::Null,
            ..post("/v1/models", Value::Null)
        },
        post("/v1/responses", responses),
        post("/v1/chat/completions", hello("flaky-1-rec")),
        post("/v1/chat/completions", hello("flaky-1-rec")),
    ]
}

fn send(port: u16, call: &Call) -> Response {
    let mut conn = Conn::open(port);
    let auth = format!("Bearer {}", call.key);
    let headers = [
        ("Authorization", auth.as_str()),
        ("Content-Type", "application/json"),
        ("X-Team-Token", "team-secret-value"),
        ("Cookie", "theme=dark; session=cookie-secret-1"),
    ];
    let body = match &call.body {
        Value::Null => Vec::new(),
        body => body.to_string().into_bytes(),
    };
    conn.send(call.method, call.path, &headers, &body);
    conn.try_response().expect("response")
}

/// Waits until the cassette holds `exchanges` exchanges (they are written as each body ends).
fn cassette_lines(path: &std::path::Path, exchanges: usize) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let lines: Vec<String> = text.lines().map(str::to_string).collect();
        if lines.len() > exchanges || Instant::now() > deadline {
            return lines;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The live text with the secrets as the cassette stores them.
fn redacted(text: &str) -> String {
    let mut text = text.to_string();
    for secret in [
        "Bearer test-key",
        "theme=dark; session=cookie-secret-1",
        "team-secret-value",
    ] {
        text = text.replace(secret, "REDACTED");
    }
    text
}

/// A fresh directory, the cassette path in it, an upstream mock, and a recorder in front of it
/// (with `extra` flags) writing that cassette.
fn recording(name: &str, extra: &[&str]) -> (TempDir, PathBuf, Mock, Mock) {
    let dir = TempDir::new(name);
    let cassette = dir.path(&format!("{name}.jsonl"));
    let upstream = Mock::start(&[]);
    let url = upstream.url();
    let mut args = vec!["--record", &url, "--cassette", cassette.to_str().unwrap()];
    args.extend_from_slice(extra);
    let recorder = Mock::start(&args);
    (dir, cassette, upstream, recorder)
}

#[test]
fn a_recorded_session_replays_the_same() {
    let (_dir, cassette, _upstream, recorder) = recording("session", &["--redact", "x-team-token"]);
    let calls = session();
    let live: Vec<Response> = calls.iter().map(|c| send(recorder.port, c)).collect();
    let lines = cassette_lines(&cassette, calls.len());
    drop(recorder);

    assert_eq!(
        lines.len(),
        calls.len() + 1,
        "header + one line per exchange"
    );
    let text = lines.join("\n");
    for secret in SECRETS {
        assert!(!text.contains(secret), "the cassette holds {secret:?}");
    }
    assert!(text.contains("REDACTED"));
    assert!(
        text.contains("\"x-request-id\""),
        "response headers are kept"
    );

    let replay = Mock::start(&["--replay", cassette.to_str().unwrap()]);
    for (i, (call, live)) in calls.iter().zip(&live).enumerate() {
        let again = send(replay.port, call);
        let what = format!("call {i}: {} {}", call.method, call.path);
        assert_eq!(again.status, live.status, "{what}");
        assert_eq!(again.complete, live.complete, "{what}");
        assert_eq!(
            again.header("content-type"),
            live.header("content-type"),
            "{what}"
        );
        let live_text = String::from_utf8_lossy(&live.body);
        assert_eq!(again.text(), redacted(&live_text), "{what}");
        if i != 6 {
            assert_eq!(again.chunks, live.chunks, "{what}: the same chunks");
        }
    }
    // What the session showed, so the comparison above compared something.
    assert!(live[0].text().contains("data: [DONE]"));
    assert_eq!(live[1].header("content-type"), Some("application/x-ndjson"));
    assert!(live[0].chunks.len() > 4);
    assert_eq!((live[3].status, live[5].complete), (401, false));
    assert_eq!((live[9].status, live[10].status), (503, 200));
    assert!(
        live[6].text().contains("Bearer test-key"),
        "the echo shows the key"
    );
}

#[test]
fn replay_keeps_the_timing_scaled_by_speed() {
    let (_dir, cassette, _upstream, recorder) = recording("timing", &[]);
    let call = post("/v1/chat/completions", stream("trickle-120"));
    let timed = |port: u16| {
        let mut conn = Conn::open(port);
        let body = call.body.to_string();
        let auth = [("Authorization", "Bearer test-key")];
        let start = Instant::now();
        conn.send("POST", call.path, &auth, body.as_bytes());
        timed_chunks(&mut conn, start)
    };
    let live = timed(recorder.port);
    cassette_lines(&cassette, 1);
    drop(recorder);
    let n = live.chunks.len();
    assert!(n >= 6 && live.complete, "{n} chunks");

    let replay = Mock::start(&["--replay", cassette.to_str().unwrap()]);
    let again = timed(replay.port);
    assert_eq!(again.text(), live.text());
    for ((t_live, _), (t_again, _)) in live.chunks.iter().zip(&again.chunks) {
        let diff = t_live.as_secs_f64() - t_again.as_secs_f64();
        assert!(
            diff.abs() < 0.1,
            "chunk at {t_again:?}, recorded at {t_live:?}"
        );
    }

    let fast = Mock::start(&["--replay", cassette.to_str().unwrap(), "--speed", "4"]);
    let quick = timed(fast.port).chunks.last().unwrap().0;
    let recorded = live.chunks.last().unwrap().0;
    let expected = recorded / 4;
    assert!(
        quick > expected / 2 && quick < expected + Duration::from_millis(150),
        "{quick:?} for {expected:?}"
    );

    let instant = Mock::start(&["--replay", cassette.to_str().unwrap(), "--speed", "0"]);
    assert!(timed(instant.port).chunks.last().unwrap().0 < Duration::from_millis(100));
}

/// A cassette of two chat requests, written by hand in the documented format.
fn two_exchanges(dir: &TempDir) -> String {
    let exchange = |said: &str, reply: &str| {
        json!({
            "request": {"method": "POST", "path": "/v1/chat/completions", "body": {"model": "m", "messages": [{"role": "user", "content": said}]}},
            "response": {"status": 200, "headers": [["content-type", "application/json"]], "ms": 0.0, "chunked": false,
                         "pieces": [{"ms": 1.0, "text": reply}], "complete": true}
        })
        .to_string()
    };
    let text = format!(
        "{{\"cassette\":\"webraft-mock\",\"version\":1}}\n{}\n{}\n",
        exchange("one", "{\"n\":1}"),
        exchange("two", "{\"n\":2}")
    );
    let path = dir.path("two.jsonl");
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

fn said(text: &str) -> Value {
    json!({"model": "m", "messages": [{"role": "user", "content": text}]})
}

#[test]
fn replay_matches_by_body_or_serves_in_order() {
    let dir = TempDir::new("match");
    let cassette = two_exchanges(&dir);
    let replay = Mock::start(&["--replay", &cassette]);
    assert_eq!(chat(replay.port, "/v1", &said("two")).text(), "{\"n\":2}");
    assert_eq!(chat(replay.port, "/v1", &said("one")).text(), "{\"n\":1}");
    // Served again: the last match repeats.
    assert_eq!(chat(replay.port, "/v1", &said("one")).text(), "{\"n\":1}");

    let miss = chat(replay.port, "/v1", &said("three"));
    assert_eq!(miss.status, 404);
    assert_eq!(miss.json()["error"]["code"], "cassette_no_match");
    let message = miss.json()["error"]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        message.contains("POST /v1/chat/completions") && message.contains("none with this body"),
        "{message}"
    );
    let other = request(replay.port, "GET", "/v1/models", Some(KEY), b"");
    assert_eq!(other.status, 404);
    assert!(
        other.text().contains("nothing was recorded"),
        "{}",
        other.text()
    );
    assert!(
        replay.stderr_shows("three"),
        "the log shows the unmatched body"
    );

    let ordered = Mock::start(&["--replay", &cassette, "--in-order"]);
    assert_eq!(
        chat(ordered.port, "/v1", &said("anything")).text(),
        "{\"n\":1}"
    );
    assert_eq!(
        chat(ordered.port, "/v2", &said("x")).status,
        404,
        "wrong path"
    );
    assert_eq!(chat(ordered.port, "/v1", &said("else")).text(), "{\"n\":2}");
    let done = chat(ordered.port, "/v1", &said("more"));
    assert_eq!(done.status, 404);
    assert!(done
        .text()
        .contains("all 2 recorded exchanges have been served"));
}

#[test]
fn an_invalid_cassette_is_refused_with_its_line() {
    let dir = TempDir::new("invalid");
    let good = two_exchanges(&dir);
    let text = std::fs::read_to_string(&good).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let extra_field = lines[2].replace("\"chunked\":false", "\"chunked\":false,\"extra\":1");
    let cases = [
        (
            text.replacen("\"status\":200", "\"status\":\"ok\"", 1),
            ":2:",
        ),
        (
            format!("{}\n{}\n{extra_field}\n", lines[0], lines[1]),
            ":3:",
        ),
        (format!("{text}\n\nnot json\n"), ":6:"),
        ("{\"a\":1}\n".to_string(), ":1:"),
    ];
    for (i, (bad, line)) in cases.iter().enumerate() {
        let path = dir.path(&format!("bad{i}.jsonl"));
        std::fs::write(&path, bad).unwrap();
        let (status, stderr) = Mock::try_start(&["--replay", path.to_str().unwrap()])
            .err()
            .expect("an invalid cassette must be refused");
        assert!(!status.success());
        assert!(
            stderr.contains(&format!("{}{line}", path.display())),
            "case {i}: {stderr}"
        );
    }
}

#[test]
fn record_reports_an_unreachable_upstream_and_needs_a_writable_cassette() {
    let dir = TempDir::new("unreachable");
    let cassette = dir.path("c.jsonl");
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let recorder = Mock::start(&[
        "--record",
        &format!("http://127.0.0.1:{closed}"),
        "--cassette",
        cassette.to_str().unwrap(),
    ]);
    let r = chat(recorder.port, "/v2", &hello("gpt-4o"));
    assert_eq!(r.status, 502);
    assert_eq!(r.json()["code"], 502, "/v2 error style");
    assert!(r.json()["error"].as_str().unwrap().contains("unreachable"));
    let no_dir = dir.path("missing/c.jsonl");
    let refused = Mock::try_start(&[
        "--record",
        "http://127.0.0.1:1",
        "--cassette",
        no_dir.to_str().unwrap(),
    ]);
    assert!(refused.err().unwrap().1.contains("cannot create cassette"));
}

#[test]
fn record_through_tls_to_a_tls_upstream() {
    let dir = TempDir::new("tls");
    let cassette = dir.path("tls.jsonl");
    let upstream = Mock::start(&["--tls"]);
    let recorder = Mock::start(&[
        "--record",
        &format!("https://localhost:{}", upstream.port),
        "--cassette",
        cassette.to_str().unwrap(),
        "--upstream-ca",
        webraft_test_server::fixture_path("ca.pem")
            .to_str()
            .unwrap(),
    ]);
    let r = chat(recorder.port, "/v1", &hello("gpt-4o"));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(cassette_lines(&cassette, 1).len(), 2);
}
