//! The `webraft-mock` binary's fault flags, robustness and command line, each as the README
//! documents it.

use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::json;

mod common;
use common::mock::{timed_chunks, Mock, TempDir};
use common::*;

/// Streams `model` ("hi there", 8 events on /v1) and times its chunks.
fn stream_chunks(port: u16, base: &str, model: &str) -> (Conn, common::mock::Timed) {
    let mut conn = Conn::open(port);
    let body = with(hello(model), "stream", json!(true)).to_string();
    let start = Instant::now();
    conn.send(
        "POST",
        &format!("{base}/chat/completions"),
        &[("Authorization", "Bearer test-key")],
        body.as_bytes(),
    );
    let timed = timed_chunks(&mut conn, start);
    (conn, timed)
}

#[test]
fn chunk_delay_paces_every_chunk() {
    let mock = Mock::start(&["--chunk-delay", "80"]);
    let (_, timed) = stream_chunks(mock.port, "/v1", "gpt-4o");
    assert!(timed.complete);
    assert_eq!(timed.chunks.len(), 8);
    let mut previous = Duration::ZERO;
    for (at, _) in &timed.chunks {
        assert!(
            *at - previous >= Duration::from_millis(75),
            "gap {:?}",
            *at - previous
        );
        previous = *at;
    }
}

#[test]
fn stall_after_holds_the_connection() {
    let mock = Mock::start(&["--stall-after", "2"]);
    let mut conn = Conn::open(mock.port);
    conn.stream
        .set_read_timeout(Some(Duration::from_millis(400)))
        .unwrap();
    let body = with(hello("gpt-4o"), "stream", json!(true)).to_string();
    conn.send(
        "POST",
        "/v1/chat/completions",
        &[("Authorization", "Bearer test-key")],
        body.as_bytes(),
    );
    let timed = timed_chunks(&mut conn, Instant::now());
    assert_eq!((timed.chunks.len(), timed.complete), (2, false));
    assert!(timed.text().contains("\"role\":\"assistant\""));
    let err = conn.fill().expect_err("held open: the read times out");
    assert!(matches!(
        err.kind(),
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
    ));
    // Non-stream replies are not cut.
    assert_eq!(chat(mock.port, "/v1", &hello("gpt-4o")).status, 200);
}

#[test]
fn disconnect_after_closes_mid_stream() {
    let mock = Mock::start(&["--disconnect-after", "3"]);
    for base in ["/v1", "/v2"] {
        let (mut conn, timed) = stream_chunks(mock.port, base, "gpt-4o");
        assert_eq!((timed.chunks.len(), timed.complete), (3, false), "{base}");
        assert!(conn.at_eof());
    }
}

#[test]
fn errors_come_in_sequence_with_their_retry_hints() {
    let mock = Mock::start(&["--errors", "429:1,500,503:250ms"]);
    let first = chat(mock.port, "/v1", &hello("gpt-4o"));
    assert_eq!(first.status, 429);
    assert_eq!(first.header("retry-after"), Some("1"));
    assert_eq!(first.header("x-ratelimit-remaining-requests"), Some("0"));
    assert_eq!(first.json()["error"]["code"], "rate_limit_exceeded");
    assert!(first.json()["error"]["message"]
        .as_str()
        .unwrap()
        .contains("error 1 of"));
    let second = chat(mock.port, "/v1", &hello("gpt-4o"));
    assert_eq!((second.status, second.header("retry-after")), (500, None));
    assert_eq!(second.json()["error"]["type"], "server_error");
    let third = chat(mock.port, "/v2", &hello("gpt-4o"));
    assert_eq!(third.status, 503);
    assert_eq!(third.header("retry-after-ms"), Some("250"));
    assert_eq!(third.header("retry-after"), Some("1"));
    assert_eq!(third.json()["code"], 503, "/v2 error style");
    let fourth = chat(mock.port, "/v1", &hello("gpt-4o"));
    assert_eq!(fourth.status, 200);
}

#[test]
fn latency_delays_every_answer() {
    let mock = Mock::start(&["--latency", "250"]);
    let start = Instant::now();
    assert_eq!(
        request(mock.port, "GET", "/v1/models", Some(KEY), b"").status,
        200
    );
    assert!(start.elapsed() >= Duration::from_millis(250));
}

#[test]
fn fault_flags_apply_to_a_replay() {
    let dir = TempDir::new("replay-faults");
    let piece = |ms: f64, text: &str| json!({"ms": ms, "text": text});
    let exchange = json!({
        "request": {"method": "POST", "path": "/v1/chat/completions", "body": hello("gpt-4o")},
        "response": {"status": 200, "headers": [["content-type", "text/event-stream"]], "ms": 0.0, "chunked": true,
                     "pieces": [piece(1.0, "data: {\"a\":1}\n\n"), piece(2.0, "data: {\"a\":2}\n\n"), piece(3.0, "data: [DONE]\n\n")],
                     "complete": true}
    });
    let cassette = dir.path("c.jsonl");
    let text = format!("{{\"cassette\":\"webraft-mock\",\"version\":1}}\n{exchange}\n");
    std::fs::write(&cassette, text).unwrap();
    let replay = Mock::start(&[
        "--replay",
        cassette.to_str().unwrap(),
        "--disconnect-after",
        "2",
    ]);
    let mut conn = Conn::open(replay.port);
    conn.send(
        "POST",
        "/v1/chat/completions",
        &[],
        hello("gpt-4o").to_string().as_bytes(),
    );
    let timed = timed_chunks(&mut conn, Instant::now());
    assert_eq!(timed.text(), "data: {\"a\":1}\n\ndata: {\"a\":2}\n\n");
    assert!(!timed.complete);
}

#[test]
fn scenarios_are_the_test_servers() {
    let mock = Mock::start(&[]);
    let r = chat(mock.port, "/v1", &hello("rate-limit"));
    assert_eq!((r.status, r.header("retry-after")), (429, Some("1")));
    let (_, timed) = stream_chunks(mock.port, "/v1", "disconnect");
    assert!(!timed.complete);
    let out = Command::new(env!("CARGO_BIN_EXE_webraft-mock"))
        .arg("--list-scenarios")
        .output()
        .unwrap();
    let listed: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    assert_eq!(listed, webraft_test_server::scenario_models());
}

#[test]
fn malformed_and_oversized_requests_get_clean_4xx() {
    let dir = TempDir::new("robust");
    let cassette = dir.path("empty.jsonl");
    std::fs::write(&cassette, "{\"cassette\":\"webraft-mock\",\"version\":1}\n").unwrap();
    let serve = Mock::start(&["--max-body", "1000"]);
    let replay = Mock::start(&["--replay", cassette.to_str().unwrap(), "--max-body", "1000"]);
    for port in [serve.port, replay.port] {
        let mut conn = Conn::open(port);
        conn.send_raw(b"NOT A REQUEST\r\n\r\n");
        let r = conn.response();
        assert_eq!(r.status, 400);
        assert_eq!(r.json()["error"]["message"], "Malformed request line");

        let big = vec![b'x'; 1001];
        let r = request(port, "POST", "/v1/chat/completions", Some(KEY), &big);
        assert_eq!(r.status, 413);
        assert!(r.text().contains("limit is 1000 bytes"), "{}", r.text());

        let mut conn = Conn::open(port);
        let chunked = format!("POST /v1/chat/completions HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3e9\r\n{}\r\n0\r\n\r\n", "y".repeat(1001));
        conn.send_raw(chunked.as_bytes());
        assert_eq!(conn.response().status, 413);

        let mut conn = Conn::open(port);
        let huge_header = format!(
            "GET /v1/models HTTP/1.1\r\nX-Big: {}\r\n\r\n",
            "h".repeat(70_000)
        );
        let _ = conn.try_send_raw(huge_header.as_bytes());
        assert_eq!(conn.response().status, 431);
    }
}

#[test]
fn write_certs_gives_a_client_what_it_needs_for_tls() {
    let dir = TempDir::new("certs");
    let status = Command::new(env!("CARGO_BIN_EXE_webraft-mock"))
        .args(["--write-certs", dir.path("certs").to_str().unwrap()])
        .status()
        .unwrap();
    assert!(status.success());
    let read = |name: &str| std::fs::read_to_string(dir.path("certs").join(name)).unwrap();
    assert_eq!(read("ca.pem"), webraft_test_server::CA_PEM);
    assert_eq!(read("client.key"), webraft_test_server::CLIENT_KEY_PEM);
    assert!(!dir.path("certs/server.key").exists());
}

#[test]
fn exits_on_sigterm_and_on_stdin_eof() {
    use std::os::unix::process::ExitStatusExt;
    let mut mock = Mock::start(&[]);
    let kill = Command::new("kill")
        .args(["-TERM", &mock.pid().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    assert_eq!(mock.wait_exit().signal(), Some(15));

    let mut mock = Mock::start(&["--exit-on-stdin-eof", "--chunk-delay", "5"]);
    mock.close_stdin();
    assert!(mock.wait_exit().success());
}

#[test]
fn bad_flags_exit_2_with_the_reason() {
    for (args, says) in [
        (&["--errors", "200"][..], "not an error status"),
        (&["--record", "http://h"][..], "--record needs --cassette"),
        (&["--speed", "2"][..], "need --replay"),
        (&["--nonsense"][..], "unknown argument: --nonsense"),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_webraft-mock"))
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
}

/// Every flag `--help` lists is documented in the README.
#[test]
fn every_flag_is_documented() {
    let out = Command::new(env!("CARGO_BIN_EXE_webraft-mock"))
        .arg("--help")
        .output()
        .unwrap();
    let usage = String::from_utf8(out.stdout).unwrap();
    let readme = include_str!("../README.md");
    let flags: Vec<&str> = usage
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .filter(|w| w.starts_with("--"))
        .collect();
    assert!(flags.len() > 15, "{usage}");
    for flag in flags {
        assert!(
            readme.contains(&format!("`{flag}")),
            "{flag} is not documented in the README"
        );
    }
}
