//! Tests of the test server itself, through a tiny raw HTTP/1.1 client on std::net (and rustls's
//! blocking stream over it for TLS mode).

use std::io::{self, BufRead, Read};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};
use tokio_rustls::rustls::crypto::ring;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::{ClientConfig, RootCertStore};
use webraft_test_server::{
    fixture_path, ServerOptions, TestServer, TlsOptions, CA_PEM, CLIENT_CERT_PEM, CLIENT_KEY_PEM,
    FIXTURE_NAMES,
};

mod common;
use common::*;

// ---------------------------------------------------------------------------------------------
// Auth, routing, errors

#[test]
fn auth_errors_per_base() {
    let s = TestServer::start(ServerOptions::default());
    let body = hello("gpt-4o").to_string();

    let r = request(
        s.port(),
        "POST",
        "/v1/chat/completions",
        Some("nope"),
        body.as_bytes(),
    );
    assert_eq!(r.status, 401);
    assert_eq!(
        r.json(),
        json!({"error": {"message": "Wrong Api key", "type": "invalid_request_error", "param": null, "code": "invalid_api_key"}})
    );
    assert!(r.header("x-request-id").unwrap().starts_with("req_"));

    let r = request(
        s.port(),
        "POST",
        "/v2/chat/completions",
        None,
        body.as_bytes(),
    );
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["error"], "Wrong Api key");
    assert_eq!(r.json()["code"], 401);

    let r = request(
        s.port(),
        "GET",
        "/freeapi/models",
        Some("no-credits-key"),
        b"",
    );
    assert_eq!(r.status, 402);
    assert_eq!(r.json()["error"], "Insufficient Credits");
    assert_eq!(r.json()["code"], 402);

    let r = request(s.port(), "GET", "/v1/models", Some("no-credits-key"), b"");
    assert_eq!(r.status, 402);
    assert_eq!(r.json()["error"]["type"], "insufficient_quota");
    assert_eq!(r.json()["error"]["code"], "insufficient_quota");

    // A custom key.
    let s2 = TestServer::start(ServerOptions {
        api_key: "k2".into(),
    });
    assert_eq!(
        request(s2.port(), "GET", "/v1/models", Some("k2"), b"").status,
        200
    );
    assert_eq!(
        request(s2.port(), "GET", "/v1/models", Some(KEY), b"").status,
        401
    );
}

#[test]
fn routes_models_404_405() {
    let s = TestServer::start(ServerOptions::default());
    for base in ["/v1", "/v2", "/freeapi"] {
        let r = request(s.port(), "GET", &format!("{base}/models"), Some(KEY), b"");
        assert_eq!(r.status, 200);
        assert_eq!(r.json()["object"], "list");
        assert_eq!(r.json()["data"][0]["id"], "gpt-4o");
        assert_eq!(r.json()["data"][0]["object"], "model");
    }
    let r = request(s.port(), "GET", "/v1/nothing", Some(KEY), b"");
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["error"]["code"], "unknown_url");
    let r = request(s.port(), "GET", "/v2/nothing", Some(KEY), b"");
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["code"], 404);
    assert_eq!(request(s.port(), "GET", "/", Some(KEY), b"").status, 404);
    let r = request(s.port(), "GET", "/v1/chat/completions", Some(KEY), b"");
    assert_eq!(r.status, 405);
    assert_eq!(r.header("allow"), Some("POST"));
}

#[test]
fn request_ids_count_up() {
    let s = TestServer::start(ServerOptions::default());
    let mut c = Conn::open(s.port());
    c.send(
        "GET",
        "/v1/models",
        &[("Authorization", "Bearer test-key")],
        b"",
    );
    assert_eq!(c.response().header("x-request-id"), Some("req_1"));
    c.send(
        "POST",
        "/v1/chat/completions",
        &[("Authorization", "Bearer test-key")],
        hello("m").to_string().as_bytes(),
    );
    let r = c.response();
    assert_eq!(r.header("x-request-id"), Some("req_2"));
    assert_eq!(r.json()["id"], "chatcmpl-test-2");
}

#[test]
fn status_scenarios() {
    let s = TestServer::start(ServerOptions::default());
    let p = s.port();

    let r = chat(p, "/v1", &hello("error-500"));
    assert_eq!(r.status, 500);
    assert_eq!(
        r.json()["error"]["message"],
        "The server had an error while processing your request"
    );
    assert_eq!(r.json()["error"]["type"], "server_error");
    let r = chat(p, "/v2", &hello("error-500"));
    assert_eq!(
        r.json()["error"],
        "The server had an error while processing your request"
    );
    assert_eq!(r.json()["code"], 500);

    let r = chat(p, "/freeapi", &hello("plain-500"));
    assert_eq!(r.status, 500);
    assert_eq!(r.header("content-type"), Some("text/plain"));
    assert_eq!(r.text(), "Internal Server Error");

    let r = chat(p, "/v1", &hello("flat-error"));
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json(),
        json!({"object":"error","message":"flat error message","type":"BadRequestError","param":null,"code":400})
    );

    let r = chat(p, "/v1", &hello("rate-limit"));
    assert_eq!(r.status, 429);
    assert_eq!(r.header("retry-after"), Some("1"));
    assert_eq!(r.json()["error"]["type"], "rate_limit_exceeded");

    for _ in 0..2 {
        let r = chat(p, "/v2", &hello("no-credits"));
        assert_eq!(r.status, 429);
        assert_eq!(r.header("retry-after"), None);
        assert_eq!(r.json()["type"], "insufficient_quota");
        assert_eq!(r.json()["error"], "Insufficient Credits");
    }
}

#[test]
fn flaky_and_request_count() {
    let s = TestServer::start(ServerOptions::default());
    let p = s.port();
    let statuses: Vec<u16> = (0..4)
        .map(|_| chat(p, "/v1", &hello("flaky-2-count")).status)
        .collect();
    assert_eq!(statuses, vec![503, 503, 200, 200]);
    let r = chat(p, "/v1", &hello("flaky-1-other"));
    assert_eq!(r.status, 503);
    assert_eq!(r.json()["error"]["type"], "server_error");
    assert_eq!(chat(p, "/v1", &hello("flaky-1-other")).status, 200);

    assert_eq!(s.request_count("flaky-2-count"), 4);
    assert_eq!(s.request_count("flaky-1-other"), 2);
    assert_eq!(s.request_count("never"), 0);
    // Counted on arrival, even when auth fails.
    let body = hello("counted").to_string();
    request(
        p,
        "POST",
        "/v1/chat/completions",
        Some("bad"),
        body.as_bytes(),
    );
    assert_eq!(s.request_count("counted"), 1);
}

// ---------------------------------------------------------------------------------------------
// Validation

#[test]
fn shape_validation() {
    let s = TestServer::start(ServerOptions::default());
    let p = s.port();
    let user = |content: Value| json!({"model": "gpt-4o", "messages": [{"role": "user", "content": content}]});
    let cases: Vec<(Value, &str)> = vec![
        (
            json!({"messages": [{"role": "user", "content": "x"}]}),
            "model",
        ),
        (
            json!({"model": 5, "messages": [{"role": "user", "content": "x"}]}),
            "model",
        ),
        (json!({"model": "m"}), "messages"),
        (json!({"model": "m", "messages": []}), "messages"),
        (json!({"model": "m", "messages": ["x"]}), "messages[0]"),
        (
            json!({"model": "m", "messages": [{"content": "x"}]}),
            "messages[0].role",
        ),
        (
            json!({"model": "m", "messages": [{"role": "robot", "content": "x"}]}),
            "messages[0].role",
        ),
        (
            json!({"model": "m", "messages": [{"role": "user", "content": null}]}),
            "messages[0].content",
        ),
        (user(json!(5)), "messages[0].content"),
        (
            user(json!([{"type": "text"}])),
            "messages[0].content[0].text",
        ),
        (
            user(json!([{"type": "video"}])),
            "messages[0].content[0].type",
        ),
        (
            user(
                json!([{"type": "text", "text": "a"}, {"type": "image_url", "image_url": {"url": "ftp://x"}}]),
            ),
            "messages[0].content[1].image_url.url",
        ),
        (
            user(json!([{"type": "image_url", "image_url": {"url": "data:image/png;base64,@@@"}}])),
            "messages[0].content[0].image_url.url",
        ),
        (
            user(
                json!([{"type": "image_url", "image_url": {"url": "https://x/a.png", "detail": 1}}]),
            ),
            "messages[0].content[0].image_url.detail",
        ),
        (
            user(json!([{"type": "image_url", "image_url": "https://x"}])),
            "messages[0].content[0].image_url",
        ),
        (with(hello("m"), "stream", json!("yes")), "stream"),
        (with(hello("m"), "max_tokens", json!(0)), "max_tokens"),
        (with(hello("m"), "max_tokens", json!(1.5)), "max_tokens"),
        (with(hello("m"), "n", json!(9)), "n"),
        (
            with(hello("m"), "stream_options", json!({"include_usage": 1})),
            "stream_options.include_usage",
        ),
        (hello("big-chunks-1000001"), "model"),
    ];
    for (body, param) in cases {
        let r = chat(p, "/v1", &body);
        assert_eq!(r.status, 400, "{body}");
        assert_eq!(r.json()["error"]["param"], param, "{body}: {}", r.text());
        assert_eq!(r.json()["error"]["type"], "invalid_request_error");
        let r = chat(p, "/freeapi", &body);
        assert_eq!(r.status, 400);
        assert_eq!(r.json()["param"], param);
        assert_eq!(r.json()["code"], 400);
        assert!(
            r.json()["error"].as_str().unwrap().contains(param),
            "{}",
            r.text()
        );
    }
    // Invalid JSON and non-object bodies.
    let r = request(p, "POST", "/v1/chat/completions", Some(KEY), b"{nope");
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"]["param"], Value::Null);
    let r = request(p, "POST", "/v2/chat/completions", Some(KEY), b"[1]");
    assert_eq!(r.status, 400);
    // Assistant null content is fine; so are nulls for optional fields.
    let ok = json!({"model": "m", "n": null, "stream": null, "messages": [
        {"role": "user", "content": "a"}, {"role": "assistant", "content": null}, {"role": "user", "content": "b"}]});
    assert_eq!(chat(p, "/v1", &ok).status, 200);
}

// ---------------------------------------------------------------------------------------------
// Replies

#[test]
fn normal_reply_non_stream() {
    let s = TestServer::start(ServerOptions::default());
    let r = chat(s.port(), "/v2", &hello("gpt-4o"));
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/json"));
    let j = r.json();
    assert_eq!(j["object"], "chat.completion");
    assert_eq!(j["model"], "gpt-4o");
    assert_eq!(j["system_fingerprint"], "fp_test");
    assert_eq!(j["created"], 1_700_000_000);
    assert_eq!(
        j["choices"][0]["message"],
        json!({"role": "assistant", "content": "Hello! You said: hi there"})
    );
    assert_eq!(j["choices"][0]["finish_reason"], "stop");
    assert_eq!(j["choices"][0]["logprobs"], Value::Null);
    // prompt: "Be brief." (2) + "hi there" (2); completion: "Hello! " "You " "said: " "hi " "there"
    assert_eq!(j["usage"]["prompt_tokens"], 4);
    assert_eq!(j["usage"]["completion_tokens"], 5);
    assert_eq!(j["usage"]["total_tokens"], 9);
    assert!(r
        .text()
        .starts_with(r#"{"id":"chatcmpl-test-1","object":"chat.completion","created":1700000000"#));
}

#[test]
fn max_tokens_n_and_images() {
    let s = TestServer::start(ServerOptions::default());
    let p = s.port();
    let j = chat(
        p,
        "/v1",
        &with(with(hello("m"), "max_tokens", json!(2)), "n", json!(3)),
    )
    .json();
    let texts: Vec<&str> = (0..3)
        .map(|i| j["choices"][i]["message"]["content"].as_str().unwrap())
        .collect();
    assert_eq!(texts, vec!["Hello! You ", "[1] Hello! ", "[2] Hello! "]);
    assert_eq!(j["choices"][2]["finish_reason"], "length");
    assert_eq!(j["choices"][2]["index"], 2);
    assert_eq!(j["usage"]["completion_tokens"], 6);
    // A limit the reply fits in finishes with "stop".
    let j = chat(p, "/v1", &with(hello("m"), "max_tokens", json!(100))).json();
    assert_eq!(j["choices"][0]["finish_reason"], "stop");

    let png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";
    let body = json!({"model": "m", "messages": [{"role": "user", "content": [
        {"type": "text", "text": "What is"},
        {"type": "image_url", "image_url": {"url": "https://example.com/a.png", "detail": "low"}},
        {"type": "text", "text": "this?"},
        {"type": "image_url", "image_url": {"url": format!("data:image/png;base64,{png}")}}
    ]}]});
    let j = chat(p, "/v1", &body).json();
    assert_eq!(
        j["choices"][0]["message"]["content"],
        "Hello! You said: What is this? [image 1: url https://example.com/a.png] [image 2: image/png 70 bytes]"
    );
    assert_eq!(j["usage"]["prompt_tokens"], 3);
}

#[test]
fn stream_formats_per_base() {
    let s = TestServer::start(ServerOptions::default());
    let p = s.port();
    let body = with(
        with(hello("gpt-4o"), "stream", json!(true)),
        "stream_options",
        json!({"include_usage": true}),
    );

    let r = chat(p, "/v1", &body);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("text/event-stream"));
    assert_eq!(r.header("transfer-encoding"), Some("chunked"));
    assert!(r.complete);
    let text = r.text();
    assert!(text.ends_with("data: [DONE]\n\n"));
    // One HTTP chunk per event.
    assert!(r
        .chunks
        .iter()
        .all(|c| c.starts_with(b"data: ") && c.ends_with(b"\n\n")));
    let (chunks, done) = sse_payloads(&text);
    assert!(done);
    assert_eq!(chunks.len(), 1 + 5 + 1 + 1);
    assert_eq!(
        chunks[0]["choices"][0]["delta"],
        json!({"role": "assistant", "content": ""})
    );
    assert_eq!(
        chunks[1]["choices"][0]["delta"],
        json!({"content": "Hello! "})
    );
    assert_eq!(chunks[1]["choices"][0]["finish_reason"], Value::Null);
    assert_eq!(chunks[1]["object"], "chat.completion.chunk");
    assert_eq!(content_of(&chunks, 0), "Hello! You said: hi there");
    assert_eq!(chunks[6]["choices"][0]["finish_reason"], "stop");
    assert_eq!(chunks[6]["choices"][0]["delta"], json!({}));
    assert_eq!(chunks[7]["choices"], json!([]));
    assert_eq!(chunks[7]["usage"]["total_tokens"], 9);

    let r = chat(p, "/v2", &body);
    assert_eq!(r.header("content-type"), Some("application/x-ndjson"));
    let text = r.text();
    assert!(!text.contains("data:") && !text.contains("[DONE]"));
    assert!(text.contains("}\n\n{"));
    assert!(r
        .chunks
        .iter()
        .all(|c| c.starts_with(b"{") && c.ends_with(b"}\n\n")));
    let lines = line_payloads(&text);
    assert_eq!(lines.len(), 8);
    assert_eq!(content_of(&lines, 0), "Hello! You said: hi there");

    let r = chat(p, "/freeapi", &with(hello("gpt-4o"), "stream", json!(true)));
    assert_eq!(r.header("content-type"), Some("text/plain; charset=utf-8"));
    let lines = line_payloads(&r.text());
    assert_eq!(lines.len(), 7); // no usage chunk unless asked
    assert_eq!(lines[6]["choices"][0]["finish_reason"], "stop");
}

#[test]
fn stream_n_interleaves() {
    let s = TestServer::start(ServerOptions::default());
    let body = with(
        with(with(hello("m"), "stream", json!(true)), "n", json!(2)),
        "max_tokens",
        json!(3),
    );
    let (chunks, _) = sse_payloads(&chat(s.port(), "/v1", &body).text());
    let indexes: Vec<u64> = chunks
        .iter()
        .map(|c| c["choices"][0]["index"].as_u64().unwrap())
        .collect();
    assert_eq!(indexes, vec![0, 1, 0, 1, 0, 1, 0, 1, 0, 1]);
    assert_eq!(content_of(&chunks, 0), "Hello! You said: ");
    assert_eq!(content_of(&chunks, 1), "[1] Hello! You ");
    assert_eq!(chunks[9]["choices"][0]["finish_reason"], "length");
}

#[test]
fn keep_alive_and_connection_close() {
    let s = TestServer::start(ServerOptions::default());
    let mut c = Conn::open(s.port());
    let auth = [("Authorization", "Bearer test-key")];
    c.send(
        "POST",
        "/v1/chat/completions",
        &auth,
        with(hello("a"), "stream", json!(true))
            .to_string()
            .as_bytes(),
    );
    let r = c.response();
    assert_eq!(r.header("connection"), Some("keep-alive"));
    assert!(r.complete);
    c.send(
        "POST",
        "/v2/chat/completions",
        &auth,
        hello("b").to_string().as_bytes(),
    );
    assert_eq!(c.response().json()["model"], "b");
    // Chunked request body on the same connection.
    let body = hello("c").to_string();
    let (a, b) = body.split_at(10);
    c.send_raw(
        format!(
            "POST /v1/chat/completions HTTP/1.1\r\nAuthorization: Bearer test-key\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{a}\r\n{:x}\r\n{b}\r\n0\r\n\r\n",
            a.len(),
            b.len()
        )
        .as_bytes(),
    );
    assert_eq!(c.response().json()["model"], "c");
    // Connection: close is honoured.
    c.send(
        "GET",
        "/v1/models",
        &[
            ("Authorization", "Bearer test-key"),
            ("Connection", "close"),
        ],
        b"",
    );
    let r = c.response();
    assert_eq!(r.header("connection"), Some("close"));
    assert!(c.at_eof());
}

#[test]
fn expect_continue_and_too_large() {
    let s = TestServer::start(ServerOptions::default());
    let mut c = Conn::open(s.port());
    let body = hello("m").to_string();
    c.send_raw(
        format!(
            "POST /v1/chat/completions HTTP/1.1\r\nAuthorization: Bearer test-key\r\nExpect: 100-continue\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    );
    assert_eq!(c.line().unwrap().as_deref(), Some("HTTP/1.1 100 Continue"));
    assert_eq!(c.line().unwrap().as_deref(), Some(""));
    c.send_raw(body.as_bytes());
    assert_eq!(c.response().status, 200);

    let mut c = Conn::open(s.port());
    c.send_raw(b"POST /v1/chat/completions HTTP/1.1\r\nAuthorization: Bearer test-key\r\nContent-Length: 67108865\r\n\r\n");
    let r = c.response();
    assert_eq!(r.status, 413);
    assert_eq!(r.header("connection"), Some("close"));

    let mut c = Conn::open(s.port());
    c.send_raw(b"garbage\r\n\r\n");
    assert_eq!(c.response().status, 400);
}

#[test]
fn echo_reports_request() {
    let s = TestServer::start(ServerOptions::default());
    let mut c = Conn::open(s.port());
    c.send(
        "PUT",
        "/v1/debug/echo?api-version=2024%2D01&x=a+b",
        &[
            ("Authorization", "Bearer test-key"),
            ("OpenAI-Organization", "org-1"),
            ("User-Agent", "ua/1"),
        ],
        br#"{"k":[1,2]}"#,
    );
    let j = c.response().json();
    assert_eq!(j["method"], "PUT");
    assert_eq!(j["path"], "/v1/debug/echo");
    assert_eq!(j["query"], json!({"api-version": "2024-01", "x": "a b"}));
    assert_eq!(j["headers"]["openai-organization"], "org-1");
    assert_eq!(j["headers"]["user-agent"], "ua/1");
    assert_eq!(j["headers"]["authorization"], "Bearer test-key");
    assert_eq!(j["body"], json!({"k": [1, 2]}));

    let r = request(
        s.port(),
        "POST",
        "/v2/chat/completions?q=1",
        Some(KEY),
        hello("echo-request").to_string().as_bytes(),
    );
    let content = r.json()["choices"][0]["message"]["content"]
        .as_str()
        .unwrap()
        .to_string();
    let echoed: Value = serde_json::from_str(&content).unwrap();
    assert_eq!(echoed["path"], "/v2/chat/completions");
    assert_eq!(echoed["query"]["q"], "1");
    assert_eq!(echoed["body"]["model"], "echo-request");
}

#[test]
fn embeddings() {
    let s = TestServer::start(ServerOptions::default());
    let p = s.port();
    let body =
        json!({"model": "text-embedding-3-small", "input": ["hello world", "x"]}).to_string();
    let r = request(p, "POST", "/v1/embeddings", Some(KEY), body.as_bytes());
    assert_eq!(r.status, 200);
    let j = r.json();
    assert_eq!(j["data"].as_array().unwrap().len(), 2);
    assert_eq!(j["data"][1]["index"], 1);
    assert_eq!(j["data"][0]["embedding"].as_array().unwrap().len(), 8);
    assert_eq!(j["usage"]["prompt_tokens"], 3);
    let again = request(p, "POST", "/v1/embeddings", Some(KEY), body.as_bytes()).json();
    assert_eq!(j["data"], again["data"]);
    assert_ne!(j["data"][0]["embedding"], j["data"][1]["embedding"]);

    let body = json!({"model": "m", "input": "x", "dimensions": 4, "encoding_format": "base64"})
        .to_string();
    let j = request(p, "POST", "/v2/embeddings", Some(KEY), body.as_bytes()).json();
    assert_eq!(j["data"][0]["embedding"].as_str().unwrap().len(), 24); // 16 bytes

    for bad in [
        json!({"model": "m"}),
        json!({"model": "m", "input": []}),
        json!({"model": "m", "input": [1, "a"]}),
    ] {
        let r = request(
            p,
            "POST",
            "/v1/embeddings",
            Some(KEY),
            bad.to_string().as_bytes(),
        );
        assert_eq!(r.status, 400);
        assert!(r.json()["error"]["param"]
            .as_str()
            .unwrap()
            .starts_with("input"));
    }
}

// ---------------------------------------------------------------------------------------------
// Misbehaving scenarios

#[test]
fn disconnect_truncates() {
    let s = TestServer::start(ServerOptions::default());
    for base in ["/v1", "/v2"] {
        let r = chat(
            s.port(),
            base,
            &with(hello("disconnect"), "stream", json!(true)),
        );
        assert!(!r.complete, "terminating chunk must be missing");
        assert_eq!(r.chunks.len(), 3);
        let text = r.text();
        let chunks = if base == "/v1" {
            sse_payloads(&text).0
        } else {
            line_payloads(&text)
        };
        assert_eq!(content_of(&chunks, 0), "Hello there");
        assert!(!text.contains("[DONE]"));
    }
    let r = chat(s.port(), "/v1", &hello("disconnect"));
    assert!(!r.complete);
    let len: usize = r.header("content-length").unwrap().parse().unwrap();
    assert_eq!(r.body.len(), len / 2);
}

#[test]
fn stalls() {
    let s = TestServer::start(ServerOptions::default());
    let timeout = Duration::from_millis(300);

    let mut c = Conn::open(s.port());
    c.stream.set_read_timeout(Some(timeout)).unwrap();
    c.send(
        "POST",
        "/v1/chat/completions",
        &[("Authorization", "Bearer test-key")],
        hello("stall-headers").to_string().as_bytes(),
    );
    let err = c.fill().unwrap_err();
    assert!(matches!(
        err.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    ));
    assert!(c.buf.is_empty());

    let mut c = Conn::open(s.port());
    let body = with(hello("stall-body"), "stream", json!(true)).to_string();
    c.send(
        "POST",
        "/v2/chat/completions",
        &[("Authorization", "Bearer test-key")],
        body.as_bytes(),
    );
    let (status, _) = c.read_head().unwrap();
    assert_eq!(status, 200);
    let size = c.line().unwrap().unwrap();
    let size = usize::from_str_radix(&size, 16).unwrap();
    while c.buf.len() < size + 2 {
        c.fill().unwrap();
    }
    let first = String::from_utf8(c.buf[..size].to_vec()).unwrap();
    assert!(first.contains(r#""role":"assistant""#));
    c.buf.drain(..size + 2);
    c.stream.set_read_timeout(Some(timeout)).unwrap();
    assert!(
        c.buf.is_empty() && c.fill().is_err(),
        "nothing after the role chunk"
    );

    let mut c = Conn::open(s.port());
    c.send(
        "POST",
        "/v1/chat/completions",
        &[("Authorization", "Bearer test-key")],
        hello("stall-body").to_string().as_bytes(),
    );
    let (_, headers) = c.read_head().unwrap();
    let len: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .unwrap()
        .1
        .parse()
        .unwrap();
    while c.buf.len() < len / 2 {
        c.fill().unwrap();
    }
    c.stream.set_read_timeout(Some(timeout)).unwrap();
    assert!(c.fill().is_err());
    assert_eq!(c.buf.len(), len / 2);
}

#[test]
fn slow_paces_events() {
    let s = TestServer::start(ServerOptions::default());
    let start = Instant::now();
    let r = chat(
        s.port(),
        "/v1",
        &with(
            with(hello("slow"), "stream", json!(true)),
            "max_tokens",
            json!(1),
        ),
    );
    // role, 1 token, finish, [DONE] = 4 events
    assert!(start.elapsed() >= Duration::from_millis(400));
    assert_eq!(content_of(&sse_payloads(&r.text()).0, 0), "Hello! ");
    let start = Instant::now();
    assert_eq!(chat(s.port(), "/v2", &hello("slow")).status, 200);
    assert!(start.elapsed() >= Duration::from_millis(300));
}

#[test]
fn error_chunk_and_event() {
    let s = TestServer::start(ServerOptions::default());
    let r = chat(
        s.port(),
        "/v1",
        &with(hello("error-chunk"), "stream", json!(true)),
    );
    let (chunks, done) = sse_payloads(&r.text());
    assert!(done && r.complete);
    assert_eq!(content_of(&chunks, 0), "partial");
    assert_eq!(chunks[2]["error"]["code"], "overloaded");
    let lines = line_payloads(
        &chat(
            s.port(),
            "/freeapi",
            &with(hello("error-chunk"), "stream", json!(true)),
        )
        .text(),
    );
    assert_eq!(lines[2]["error"]["message"], "upstream overloaded");

    for base in ["/v1", "/v2"] {
        let mut c = Conn::open(s.port());
        let body = with(hello("error-event"), "stream", json!(true)).to_string();
        c.send(
            "POST",
            &format!("{base}/chat/completions"),
            &[("Authorization", "Bearer test-key")],
            body.as_bytes(),
        );
        let r = c.response();
        assert_eq!(r.header("content-type"), Some("text/event-stream"));
        assert!(r.complete);
        let text = r.text();
        assert!(text.ends_with("event: error\ndata: {\"error\":{\"message\":\"event stream failure\",\"type\":\"server_error\"}}\n\n"));
        assert!(!text.contains("[DONE]"));
        assert!(c.at_eof());
    }
    // Non-stream: a normal reply.
    assert_eq!(chat(s.port(), "/v1", &hello("error-chunk")).status, 200);
}

#[test]
fn tools_stream_and_non_stream() {
    let s = TestServer::start(ServerOptions::default());
    let j = chat(s.port(), "/v1", &hello("tools")).json();
    let m = &j["choices"][0]["message"];
    assert_eq!(m["content"], Value::Null);
    assert_eq!(m["tool_calls"][0]["id"], "call_1");
    assert_eq!(m["tool_calls"][0]["function"]["name"], "get_weather");
    assert_eq!(
        m["tool_calls"][0]["function"]["arguments"],
        r#"{"city":"Paris"}"#
    );
    assert_eq!(j["choices"][0]["finish_reason"], "tool_calls");

    let lines = line_payloads(
        &chat(
            s.port(),
            "/v2",
            &with(hello("tools"), "stream", json!(true)),
        )
        .text(),
    );
    assert_eq!(lines.len(), 5);
    assert_eq!(
        lines[0]["choices"][0]["delta"]["tool_calls"][0]["id"],
        "call_1"
    );
    let args: String = lines
        .iter()
        .filter_map(|l| {
            l["choices"][0]["delta"]["tool_calls"][0]["function"]["arguments"]
                .as_str()
                .map(str::to_string)
        })
        .collect();
    assert_eq!(args, r#"{"city":"Paris"}"#);
    assert_eq!(lines[4]["choices"][0]["finish_reason"], "tool_calls");
}

#[test]
fn bad_json_crlf_llama() {
    let s = TestServer::start(ServerOptions::default());
    let text = chat(
        s.port(),
        "/v1",
        &with(hello("bad-json-chunk"), "stream", json!(true)),
    )
    .text();
    assert!(text.contains("data: {not json\n\n"));
    assert!(text.ends_with("data: [DONE]\n\n"));
    let text = chat(
        s.port(),
        "/v2",
        &with(hello("bad-json-chunk"), "stream", json!(true)),
    )
    .text();
    assert!(text.contains("\n\n{not json\n\n"));

    let r = chat(s.port(), "/v2", &with(hello("crlf"), "stream", json!(true)));
    assert_eq!(r.header("content-type"), Some("text/event-stream"));
    let text = r.text();
    assert!(text.ends_with("data: [DONE]\r\n\r\n"));
    assert_eq!(text.matches('\n').count(), text.matches("\r\n").count());
    let (chunks, done) = sse_payloads(&text.replace("\r\n", "\n"));
    assert!(done);
    assert_eq!(content_of(&chunks, 0), "Hello! You said: hi there");

    let r = chat(
        s.port(),
        "/freeapi",
        &with(hello("llama-style"), "stream", json!(true)),
    );
    assert_eq!(r.header("content-type"), Some("text/event-stream"));
    let text = r.text();
    assert!(text.starts_with(r#"data: {"id": "chatcmpl-test-"#));
    assert!(text.contains(r#""delta": {"role": "assistant", "content": null}, "logprobs": null, "finish_reason": null}]}"#));
    assert!(text.contains("\n\n: ping - 2023-11-14 22:13:20.000000+00:00\n\ndata: "));
    assert!(text.ends_with("\n\ndata: [DONE]\n\n"));
    assert!(!text.contains("usage"));
    let (chunks, _) = sse_payloads(&text);
    assert_eq!(content_of(&chunks, 0), "Hello! You said: hi there");
}

#[test]
fn big_chunks() {
    let s = TestServer::start(ServerOptions::default());
    let r = chat(
        s.port(),
        "/v1",
        &with(hello("big-chunks-2000"), "stream", json!(true)),
    );
    assert!(r.complete);
    assert_eq!(r.chunks.len(), 2000 + 3);
    let (chunks, done) = sse_payloads(&r.text());
    assert!(done);
    let content = content_of(&chunks, 0);
    let width = chunks[1]["choices"][0]["delta"]["content"]
        .as_str()
        .unwrap()
        .len();
    assert_eq!(content.len(), width * 2000);
    assert!(content.bytes().all(|b| b == b'x'));
    assert_eq!(r.chunks[1].len(), "data: ".len() + 256 + 2);

    let j = chat(s.port(), "/v2", &hello("big-chunks-3")).json();
    assert_eq!(j["usage"]["completion_tokens"], 3);
    assert_eq!(
        j["choices"][0]["message"]["content"]
            .as_str()
            .unwrap()
            .len()
            % 3,
        0
    );
}

#[test]
fn drop_stops_server() {
    let s = TestServer::start(ServerOptions::default());
    let port = s.port();
    assert_eq!(s.url("/v1"), format!("http://127.0.0.1:{port}/v1"));
    // A stalled connection must not keep the server alive.
    let mut c = Conn::open(port);
    c.send(
        "POST",
        "/v1/chat/completions",
        &[("Authorization", "Bearer test-key")],
        hello("stall-headers").to_string().as_bytes(),
    );
    std::thread::sleep(Duration::from_millis(50));
    let start = Instant::now();
    drop(s);
    assert!(start.elapsed() < Duration::from_secs(2));
    assert!(c.at_eof() || c.buf.is_empty());
    assert!(TcpStream::connect(("127.0.0.1", port)).is_err());
}

/// Spawns the server binary with `args` and reads its `LISTENING <port>` line.
fn spawn_binary(args: &[&str]) -> (Child, u16) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_webraft-test-server"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn server binary");
    let mut stdout = io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let port: u16 = line
        .trim()
        .strip_prefix("LISTENING ")
        .expect("LISTENING line")
        .parse()
        .unwrap();
    (child, port)
}

/// Closes the child's stdin and asserts it exits successfully within 5 s.
fn assert_exits_on_stdin_eof(mut child: Child) {
    drop(child.stdin.take()); // EOF
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success());
            return;
        }
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("server did not exit on stdin EOF");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn binary_prints_port_and_exits_on_stdin_eof() {
    let (child, port) = spawn_binary(&["--api-key", "bin-key", "--exit-on-stdin-eof"]);
    let r = request(port, "GET", "/v1/models", Some("bin-key"), b"");
    assert_eq!(r.status, 200);
    assert_exits_on_stdin_eof(child);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usable_from_async_tests() {
    let s = TestServer::start(ServerOptions::default());
    let port = s.port();
    let r = tokio::task::spawn_blocking(move || chat(port, "/v1", &hello("m")))
        .await
        .unwrap();
    assert_eq!(r.status, 200);
    drop(s);
}

// ---------------------------------------------------------------------------------------------
// Retry hints

fn chat_on(conn: &mut Conn, base: &str, body: &Value) -> Response {
    conn.send(
        "POST",
        &format!("{base}/chat/completions"),
        &[("Authorization", "Bearer test-key")],
        body.to_string().as_bytes(),
    );
    conn.response()
}

/// Unix time of an IMF-fixdate (`Tue, 15 Nov 1994 08:12:31 GMT`); panics if it is not one.
fn parse_http_date(date: &str) -> u64 {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let parts: Vec<&str> = date.split(' ').collect();
    assert_eq!(parts.len(), 6, "{date}");
    assert!(
        ["Mon,", "Tue,", "Wed,", "Thu,", "Fri,", "Sat,", "Sun,"].contains(&parts[0]),
        "{date}"
    );
    assert_eq!(parts[5], "GMT", "{date}");
    assert_eq!(parts[1].len(), 2, "{date}");
    let day: u64 = parts[1].parse().unwrap();
    let month = MONTHS.iter().position(|m| *m == parts[2]).expect("month") as u64 + 1;
    let year: u64 = parts[3].parse().unwrap();
    let hms: Vec<u64> = parts[4].split(':').map(|v| v.parse().unwrap()).collect();
    assert_eq!(parts[4].len(), 8, "{date}");
    // Days since 1970-01-01 by counting whole years and months (fine for test dates).
    let leap = |y: u64| matches!((y % 4, y % 100, y % 400), (0, 1.., _) | (_, _, 0));
    let mut days: u64 = (1970..year).map(|y| if leap(y) { 366 } else { 365 }).sum();
    let month_days = [
        31,
        if leap(year) { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    days += month_days[..(month - 1) as usize].iter().sum::<u64>() + day - 1;
    let weekday = ["Thu,", "Fri,", "Sat,", "Sun,", "Mon,", "Tue,", "Wed,"][(days % 7) as usize];
    assert_eq!(parts[0], weekday, "weekday of {date}");
    days * 86_400 + hms[0] * 3600 + hms[1] * 60 + hms[2]
}

#[test]
fn retry_hint_scenarios() {
    let s = TestServer::start(ServerOptions::default());
    let mut c = Conn::open(s.port());

    let mut statuses = Vec::new();
    for _ in 0..3 {
        let r = chat_on(&mut c, "/v1", &hello("retry-after-ms-2-t"));
        statuses.push(r.status);
        if r.status == 429 {
            assert_eq!(r.header("retry-after-ms"), Some("200"));
            assert_eq!(r.header("retry-after"), Some("30"));
            assert_eq!(r.json()["error"]["type"], "rate_limit_exceeded");
            assert_eq!(r.json()["error"]["code"], "rate_limit_exceeded");
        } else {
            assert_eq!(
                r.json()["choices"][0]["message"]["content"],
                "Hello! You said: hi there"
            );
            assert_eq!(r.header("retry-after-ms"), None);
        }
    }
    assert_eq!(statuses, [429, 429, 200]);
    assert_eq!(s.request_count("retry-after-ms-2-t"), 3);

    // Counted per exact model string: another tag starts again.
    let r = chat_on(&mut c, "/v2", &hello("retry-after-s-1-t"));
    assert_eq!(r.status, 429);
    assert_eq!(r.header("retry-after"), Some("1"));
    assert_eq!(r.header("retry-after-ms"), None);
    assert_eq!(r.json()["code"], 429);
    assert_eq!(
        chat_on(&mut c, "/v2", &hello("retry-after-s-1-t")).status,
        200
    );
    assert_eq!(
        chat_on(&mut c, "/v1", &hello("retry-after-s-1-u")).status,
        429
    );

    let unix_now = || {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs()
    };
    let before = unix_now();
    let r = chat_on(&mut c, "/v1", &hello("retry-after-date-1-t"));
    let after = unix_now();
    assert_eq!(r.status, 429);
    // The server's whole second when it answered, plus 2.
    let at = parse_http_date(r.header("retry-after").expect("Retry-After date"));
    assert!(
        (before + 2..=after + 2).contains(&at),
        "Retry-After {at}, sent at {before}..={after}"
    );
    let r = chat_on(
        &mut c,
        "/v1",
        &with(hello("retry-after-date-1-t"), "stream", json!(true)),
    );
    assert_eq!(r.status, 200);
    assert!(sse_payloads(&r.text()).1);

    let r = chat_on(&mut c, "/v1", &hello("should-retry-1-t"));
    assert_eq!(r.status, 400);
    assert_eq!(r.header("x-should-retry"), Some("true"));
    assert_eq!(r.json()["error"]["type"], "invalid_request_error");
    let r = chat_on(&mut c, "/v1", &hello("should-retry-1-t"));
    assert_eq!(r.status, 200);
    assert_eq!(r.header("x-should-retry"), None);

    for _ in 0..3 {
        let r = chat_on(&mut c, "/freeapi", &hello("no-retry-503"));
        assert_eq!(r.status, 503);
        assert_eq!(r.header("x-should-retry"), Some("false"));
        assert_eq!(r.json()["type"], "server_error");
    }
    // Attempts that fail auth do not use up the scripted failures.
    let body = hello("should-retry-1-auth").to_string();
    assert_eq!(
        request(
            s.port(),
            "POST",
            "/v1/chat/completions",
            Some("bad"),
            body.as_bytes()
        )
        .status,
        401
    );
    assert_eq!(
        chat_on(&mut c, "/v1", &hello("should-retry-1-auth")).status,
        400
    );
}

// ---------------------------------------------------------------------------------------------
// Trickle

#[test]
fn trickle_paces_every_event() {
    let s = TestServer::start(ServerOptions::default());
    let body = with(
        with(hello("trickle-150"), "stream", json!(true)),
        "max_tokens",
        json!(1),
    );
    let mut c = Conn::open(s.port());
    let sent = Instant::now();
    c.send(
        "POST",
        "/v1/chat/completions",
        &[("Authorization", "Bearer test-key")],
        body.to_string().as_bytes(),
    );
    let (status, _) = c.read_head().unwrap();
    assert_eq!(status, 200);
    // Read event by event. Event i (from 1) cannot arrive before i pauses have passed since the
    // request was sent. Gaps between arrivals are not checked: a descheduled client can read two
    // events at once, while a late reader only ever makes these lower bounds easier to meet.
    let mut arrivals = Vec::new();
    let mut events = Vec::new();
    loop {
        let size = usize::from_str_radix(&c.line().unwrap().unwrap(), 16).unwrap();
        if size == 0 {
            break;
        }
        while c.buf.len() < size + 2 {
            assert!(c.fill().unwrap() > 0);
        }
        arrivals.push(sent.elapsed());
        events.push(String::from_utf8(c.buf.drain(..size + 2).take(size).collect()).unwrap());
    }
    assert_eq!(events.len(), 4, "role, 1 token, finish, [DONE]");
    assert_eq!(events[3], "data: [DONE]\n\n");
    for (i, at) in arrivals.iter().enumerate() {
        assert!(
            *at >= Duration::from_millis(150 * (i as u64 + 1)),
            "arrivals {arrivals:?}"
        );
    }
    assert_eq!(content_of(&sse_payloads(&events.concat()).0, 0), "Hello! ");

    // JSON lines: no [DONE] event, so 3 pauses.
    let start = Instant::now();
    let r = chat(
        s.port(),
        "/v2",
        &with(
            with(hello("trickle-150"), "stream", json!(true)),
            "max_tokens",
            json!(1),
        ),
    );
    assert!(start.elapsed() >= Duration::from_millis(450));
    assert_eq!(r.chunks.len(), 3);
    // Non-stream: one pause before the response.
    let start = Instant::now();
    assert_eq!(chat(s.port(), "/v1", &hello("trickle-300")).status, 200);
    assert!(start.elapsed() >= Duration::from_millis(300));

    let r = chat(s.port(), "/v1", &hello("trickle-5001"));
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"]["param"], "model");
}

// ---------------------------------------------------------------------------------------------
// Proxy awareness

#[test]
fn absolute_form_is_served_and_reported() {
    let s = TestServer::start(ServerOptions::default());
    let mut c = Conn::open(s.port());
    let body = hello("echo-request").to_string();
    c.send_raw(
        format!(
            "POST http://webraft-proxy-test.invalid/v1/chat/completions HTTP/1.1\r\nHost: webraft-proxy-test.invalid\r\n\
             Authorization: Bearer test-key\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .as_bytes(),
    );
    let r = c.response();
    assert_eq!(r.status, 200);
    let echoed: Value = serde_json::from_str(
        r.json()["choices"][0]["message"]["content"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(echoed["absolute_form"], true);
    assert_eq!(echoed["host"], "webraft-proxy-test.invalid");
    assert_eq!(echoed["path"], "/v1/chat/completions");

    // Same connection, absolute-form with a port and a query, on /debug/echo.
    c.send_raw(
        b"GET http://webraft-proxy-test.invalid:8080/v2/debug/echo?x=1 HTTP/1.1\r\nHost: webraft-proxy-test.invalid:8080\r\n\
          Authorization: Bearer test-key\r\n\r\n",
    );
    let j = c.response().json();
    assert_eq!(j["absolute_form"], true);
    assert_eq!(j["host"], "webraft-proxy-test.invalid:8080");
    assert_eq!(j["path"], "/v2/debug/echo");
    assert_eq!(j["query"], json!({"x": "1"}));

    // A normal chat through "the proxy".
    let body = with(hello("gpt-4o"), "stream", json!(true)).to_string();
    c.send_raw(
        format!(
            "POST http://webraft-proxy-test.invalid/v1/chat/completions HTTP/1.1\r\nHost: webraft-proxy-test.invalid\r\n\
             Authorization: Bearer test-key\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .as_bytes(),
    );
    assert_eq!(
        content_of(&sse_payloads(&c.response().text()).0, 0),
        "Hello! You said: hi there"
    );

    // Origin-form reports false and the Host header the client sent; no Host gives null.
    let j = request(s.port(), "GET", "/v1/debug/echo", Some(KEY), b"").json();
    assert_eq!(j["absolute_form"], false);
    assert_eq!(j["host"], "127.0.0.1");
    let mut c = Conn::open(s.port());
    c.send_raw(b"GET /v1/debug/echo HTTP/1.0\r\nAuthorization: Bearer test-key\r\n\r\n");
    assert_eq!(c.response().json()["host"], Value::Null);
}

// ---------------------------------------------------------------------------------------------
// Oversize

#[test]
fn huge_body_and_huge_line() {
    let s = TestServer::start(ServerOptions::default());
    let p = s.port();

    let r = chat(p, "/v1", &hello("huge-body-100000"));
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-length"), Some("100000"));
    assert_eq!(r.body.len(), 100_000);
    let j = r.json();
    assert_eq!(j["object"], "chat.completion");
    let content = j["choices"][0]["message"]["content"].as_str().unwrap();
    assert!(content.len() > 99_000 && content.bytes().all(|b| b == b'x'));
    // Smaller than an empty completion: no padding.
    let j = chat(p, "/v2", &hello("huge-body-10")).json();
    assert_eq!(j["choices"][0]["message"]["content"], "");

    let r = chat(
        p,
        "/v1",
        &with(hello("huge-body-200000"), "stream", json!(true)),
    );
    assert!(r.complete);
    let (chunks, done) = sse_payloads(&r.text());
    assert!(done);
    assert_eq!(content_of(&chunks, 0).len(), 200_000);
    assert_eq!(
        r.chunks.len(),
        1 + 4 + 2,
        "role, 3 × 64 KiB + rest, finish, [DONE]"
    );

    for (base, prefix) in [("/v1", "data: "), ("/freeapi", "")] {
        let r = chat(
            p,
            base,
            &with(hello("huge-line-1000000"), "stream", json!(true)),
        );
        assert!(r.complete);
        let line = std::str::from_utf8(&r.chunks[1]).unwrap();
        let json_text = line
            .strip_prefix(prefix)
            .unwrap()
            .strip_suffix("\n\n")
            .unwrap();
        assert_eq!(json_text.len(), 1_000_000);
        assert!(!json_text.contains('\n'));
        let chunk: Value = serde_json::from_str(json_text).unwrap();
        let content = chunk["choices"][0]["delta"]["content"].as_str().unwrap();
        assert!(content.len() > 999_000 && content.bytes().all(|b| b == b'x'));
        assert_eq!(r.chunks.len(), if prefix.is_empty() { 3 } else { 4 });
    }
    let j = chat(p, "/v1", &hello("huge-line-5000")).json();
    assert!(
        j["choices"][0]["message"]["content"]
            .as_str()
            .unwrap()
            .len()
            > 4000
    );

    for model in ["huge-body-268435457", "huge-line-999999999999"] {
        let r = chat(p, "/v1", &hello(model));
        assert_eq!(r.status, 400);
        assert_eq!(r.json()["error"]["param"], "model");
    }
}

// ---------------------------------------------------------------------------------------------
// TLS

fn client_config(trust_ca: bool, client_cert: bool) -> Arc<ClientConfig> {
    let mut roots = RootCertStore::empty();
    if trust_ca {
        roots
            .add(CertificateDer::from_pem_slice(CA_PEM.as_bytes()).unwrap())
            .unwrap();
    }
    let builder = ClientConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots);
    let config = if client_cert {
        let certs = CertificateDer::pem_slice_iter(CLIENT_CERT_PEM.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        builder
            .with_client_auth_cert(
                certs,
                PrivateKeyDer::from_pem_slice(CLIENT_KEY_PEM.as_bytes()).unwrap(),
            )
            .unwrap()
    } else {
        builder.with_no_client_auth()
    };
    Arc::new(config)
}

/// GET /v1/models over TLS; an error if the handshake (or the connection) fails.
fn tls_models(port: u16, config: &Arc<ClientConfig>) -> io::Result<Response> {
    let mut c = Conn::open_tls(port, config, "localhost");
    // The write may already fail, or succeed before the server's rejection arrives.
    let _ = c.try_send_raw(&Conn::request_bytes(
        "GET",
        "/v1/models",
        &[("Authorization", "Bearer test-key")],
        b"",
    ));
    c.try_response()
}

#[test]
fn fixtures_are_exposed() {
    for name in FIXTURE_NAMES {
        assert!(fixture_path(name).is_file(), "{name}");
    }
    assert_eq!(
        std::fs::read_to_string(fixture_path("ca.pem")).unwrap(),
        CA_PEM
    );
    assert_eq!(
        std::fs::read_to_string(fixture_path("client.key")).unwrap(),
        CLIENT_KEY_PEM
    );
}

#[test]
fn tls_serves_every_scenario_kind() {
    let s = TestServer::start_tls(ServerOptions::default(), TlsOptions::default());
    let p = s.port();
    assert_eq!(s.url("/v1"), format!("https://localhost:{p}/v1"));
    let config = client_config(true, false);
    let auth = [("Authorization", "Bearer test-key")];

    // Keep-alive: several requests on one TLS connection.
    let mut c = Conn::open_tls(p, &config, "localhost");
    c.send("GET", "/v1/models", &auth, b"");
    assert_eq!(c.response().json()["data"][0]["id"], "gpt-4o");
    let r = chat_on(&mut c, "/v1", &with(hello("gpt-4o"), "stream", json!(true)));
    assert!(r.complete);
    let (chunks, done) = sse_payloads(&r.text());
    assert!(done);
    assert_eq!(content_of(&chunks, 0), "Hello! You said: hi there");
    assert_eq!(chat_on(&mut c, "/v1", &hello("flaky-1-tls")).status, 503);
    assert_eq!(chat_on(&mut c, "/v1", &hello("flaky-1-tls")).status, 200);
    assert_eq!(
        chat_on(
            &mut c,
            "/v2",
            &with(hello("huge-line-300000"), "stream", json!(true))
        )
        .chunks[1]
            .len(),
        300_002
    );

    // The certificate is valid for the IP too.
    let mut c = Conn::open_tls(p, &config, "127.0.0.1");
    let r = chat_on(
        &mut c,
        "/v1",
        &with(hello("disconnect"), "stream", json!(true)),
    );
    assert!(!r.complete, "terminating chunk must be missing");
    assert_eq!(content_of(&sse_payloads(&r.text()).0, 0), "Hello there");

    // A stall before headers is a stall over TLS too.
    let mut c = Conn::open_tls(p, &config, "localhost");
    c.send(
        "POST",
        "/v1/chat/completions",
        &auth,
        hello("stall-headers").to_string().as_bytes(),
    );
    c.stream
        .set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let err = c.fill().unwrap_err();
    assert!(
        matches!(
            err.kind(),
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
        ),
        "{err}"
    );

    // Error responses close the connection cleanly (close_notify, then EOF).
    let mut c = Conn::open_tls(p, &config, "localhost");
    c.send_raw(b"garbage\r\n\r\n");
    assert_eq!(c.response().status, 400);
    assert!(c.at_eof());
}

#[test]
fn tls_rejects_client_without_ca() {
    let s = TestServer::start_tls(ServerOptions::default(), TlsOptions::default());
    let err = tls_models(s.port(), &client_config(false, false))
        .err()
        .expect("handshake must fail");
    assert!(err.to_string().contains("UnknownIssuer"), "{err}");
    // The server survives the failed handshake.
    assert_eq!(
        tls_models(s.port(), &client_config(true, false))
            .unwrap()
            .status,
        200
    );
    // A plain-HTTP client gets no HTTP response from the TLS port.
    let mut c = Conn::open(s.port());
    c.send(
        "GET",
        "/v1/models",
        &[("Authorization", "Bearer test-key")],
        b"",
    );
    let mut raw = Vec::new();
    let _ = c.io.read_to_end(&mut raw);
    assert!(
        !raw.starts_with(b"HTTP/"),
        "plain HTTP answered on the TLS port"
    );
}

#[test]
fn tls_require_client_cert() {
    let s = TestServer::start_tls(
        ServerOptions::default(),
        TlsOptions {
            require_client_cert: true,
        },
    );
    let r = tls_models(s.port(), &client_config(true, true)).unwrap();
    assert_eq!(r.status, 200);
    let err = tls_models(s.port(), &client_config(true, false))
        .err()
        .expect("no client certificate must fail");
    // TLS 1.3: the client finishes its side first, then reads the server's alert.
    assert!(err.to_string().contains("CertificateRequired"), "{err}");
}

#[test]
fn binary_tls_flags() {
    let (child, port) = spawn_binary(&["--tls", "--exit-on-stdin-eof"]);
    assert_eq!(
        tls_models(port, &client_config(true, false))
            .unwrap()
            .status,
        200
    );
    assert!(tls_models(port, &client_config(false, false)).is_err());
    assert_exits_on_stdin_eof(child);

    let (child, port) = spawn_binary(&["--require-client-cert", "--exit-on-stdin-eof"]);
    assert_eq!(
        tls_models(port, &client_config(true, true)).unwrap().status,
        200
    );
    let err = tls_models(port, &client_config(true, false))
        .err()
        .expect("no client certificate must fail");
    assert!(err.to_string().contains("CertificateRequired"), "{err}");
    assert_exits_on_stdin_eof(child);
}
