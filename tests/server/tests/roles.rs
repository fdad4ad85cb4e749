//! The endpoint roles (`/role/<role>`) and `/debug/stats`, as the README's "Endpoint roles"
//! section specifies them.

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use webraft_test_server::{ServerOptions, TestServer};

mod common;
use common::*;

fn stats(port: u16) -> Value {
    request(port, "GET", "/debug/stats", None, b"").json()
}

#[test]
fn error_roles_answer_every_request_whatever_the_model() {
    let s = TestServer::start(ServerOptions::default());
    let cases = [
        ("/role/no-credits/v1", 429, "insufficient_quota"),
        ("/role/loading/v1", 503, "unavailable_error"),
        ("/role/failing/v1", 500, "server_error"),
    ];
    for (base, status, kind) in cases {
        let r = chat(s.port(), base, &hello("tools"));
        assert_eq!(r.status, status, "{base}");
        assert_eq!(r.json()["error"]["type"], kind, "{base}");
    }
    assert_eq!(chat(s.port(), "/role/loading/v1", &hello("gpt-4o")).header("retry-after-ms"), Some("100"));
    // Auth comes first.
    let r = request(s.port(), "POST", "/role/failing/v1/chat/completions", Some("nope"), hello("m").to_string().as_bytes());
    assert_eq!(r.status, 401);
    let r = request(s.port(), "GET", "/role/sleepy/v1/models", Some(KEY), b"");
    assert_eq!((r.status, r.json()["error"]["code"].clone()), (404, json!("unknown_role")));
}

#[test]
fn down_closes_without_a_byte_and_stats_count_roles_and_abandoned_replies() {
    let s = TestServer::start(ServerOptions::default());
    let mut conn = Conn::open(s.port());
    conn.send("GET", "/role/down/v1/models", &[], b"");
    assert!(conn.at_eof(), "down sends nothing and closes");

    let before = stats(s.port());
    assert_eq!(before["roles"]["down"], 1);
    assert_eq!(before["abandoned"], 0);
    // A stalled stream: headers, then nothing; the client leaves.
    let mut conn = Conn::open(s.port());
    let body = with(hello("gpt-4o"), "stream", json!(true)).to_string();
    let auth = format!("Bearer {KEY}");
    conn.send("POST", "/role/stalled-chunk/v1/chat/completions", &[("Authorization", &auth)], body.as_bytes());
    let (status, _) = conn.read_head().unwrap();
    assert_eq!(status, 200);
    drop(conn);
    let deadline = Instant::now() + Duration::from_secs(5);
    while stats(s.port())["abandoned"] == 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let after = stats(s.port());
    assert_eq!(after["abandoned"], 1, "{after}");
    assert_eq!(after["roles"]["stalled-chunk"], 1);
    assert_eq!(request(s.port(), "GET", "/v1/debug/stats", None, b"").status, 200);
}

#[test]
fn first_chunk_delays_the_first_chunk_and_the_client_leaving_is_counted() {
    let s = TestServer::start(ServerOptions::default());
    let started = Instant::now();
    let r = chat(s.port(), "/role/first-chunk-300/v1", &hello("gpt-4o"));
    assert_eq!(r.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(r.json()["choices"][0]["message"]["content"], "Hello! You said: hi there");

    let mut conn = Conn::open(s.port());
    let body = hello("gpt-4o").to_string();
    let auth = format!("Bearer {KEY}");
    conn.send("POST", "/role/first-chunk-5000/v1/chat/completions", &[("Authorization", &auth)], body.as_bytes());
    std::thread::sleep(Duration::from_millis(100));
    drop(conn);
    let deadline = Instant::now() + Duration::from_secs(3);
    while stats(s.port())["abandoned"] == 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(stats(s.port())["abandoned"], 1, "left during the pause, long before 5 s");
}
