//! Tests of the test server itself, through a tiny raw HTTP/1.1 client on std::net.

use std::io::{self, BufRead, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use webraft_test_server::{ServerOptions, TestServer};

const KEY: &str = "test-key";

// ---------------------------------------------------------------------------------------------
// Raw client

struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    /// For chunked bodies: each HTTP chunk's payload.
    chunks: Vec<Vec<u8>>,
    /// False when the connection ended before the body did (missing terminating chunk or short
    /// Content-Length body).
    complete: bool,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    fn text(&self) -> String {
        String::from_utf8(self.body.clone()).expect("utf-8 body")
    }
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("bad JSON ({e}): {}", self.text()))
    }
}

struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Conn {
    fn open(port: u16) -> Conn {
        let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        Conn { stream, buf: Vec::new() }
    }

    fn send_raw(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).unwrap();
    }

    fn send(&mut self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) {
        let mut req = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        for (n, v) in headers {
            req.push_str(&format!("{n}: {v}\r\n"));
        }
        if !body.is_empty() || method == "POST" {
            req.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        req.push_str("\r\n");
        let mut bytes = req.into_bytes();
        bytes.extend_from_slice(body);
        self.send_raw(&bytes);
    }

    /// Reads more bytes; Ok(0) at EOF.
    fn fill(&mut self) -> io::Result<usize> {
        let mut tmp = [0u8; 65536];
        let n = self.stream.read(&mut tmp)?;
        self.buf.extend_from_slice(&tmp[..n]);
        Ok(n)
    }

    fn line(&mut self) -> io::Result<Option<String>> {
        loop {
            if let Some(pos) = self.buf.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = self.buf.drain(..=pos).collect();
                let line = String::from_utf8_lossy(&line).trim_end_matches(['\r', '\n']).to_string();
                return Ok(Some(line));
            }
            if self.fill()? == 0 {
                return Ok(None);
            }
        }
    }

    fn read_head(&mut self) -> io::Result<(u16, Vec<(String, String)>)> {
        let status_line = self.line()?.ok_or_else(|| io::Error::new(io::ErrorKind::UnexpectedEof, "no status"))?;
        let status: u16 = status_line.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("status");
        let mut headers = Vec::new();
        loop {
            let line = self.line()?.expect("headers");
            if line.is_empty() {
                break;
            }
            let (n, v) = line.split_once(':').expect("header");
            headers.push((n.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
        if status == 100 {
            return self.read_head();
        }
        Ok((status, headers))
    }

    fn response(&mut self) -> Response {
        self.try_response().expect("response")
    }

    fn try_response(&mut self) -> io::Result<Response> {
        let (status, headers) = self.read_head()?;
        let get = |n: &str| headers.iter().find(|(h, _)| h == n).map(|(_, v)| v.clone());
        let mut body = Vec::new();
        let mut chunks = Vec::new();
        let mut complete = true;
        if get("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
            loop {
                let Some(size_line) = self.line()? else {
                    complete = false;
                    break;
                };
                let size = usize::from_str_radix(size_line.trim(), 16).expect("chunk size");
                if size == 0 {
                    assert_eq!(self.line()?.as_deref(), Some(""), "trailer end");
                    break;
                }
                while self.buf.len() < size + 2 {
                    if self.fill()? == 0 {
                        break;
                    }
                }
                if self.buf.len() < size + 2 {
                    complete = false;
                    break;
                }
                let data: Vec<u8> = self.buf.drain(..size).collect();
                assert_eq!(self.buf.drain(..2).collect::<Vec<_>>(), b"\r\n");
                body.extend_from_slice(&data);
                chunks.push(data);
            }
        } else {
            let len: usize = get("content-length").expect("content-length").parse().unwrap();
            while self.buf.len() < len {
                if self.fill()? == 0 {
                    break;
                }
            }
            if self.buf.len() < len {
                complete = false;
                body = std::mem::take(&mut self.buf);
            } else {
                body = self.buf.drain(..len).collect();
            }
        }
        Ok(Response { status, headers, body, chunks, complete })
    }

    /// True if the server closed the connection (EOF) with nothing more to read.
    fn at_eof(&mut self) -> bool {
        self.buf.is_empty() && matches!(self.fill(), Ok(0))
    }
}

fn request(port: u16, method: &str, path: &str, key: Option<&str>, body: &[u8]) -> Response {
    let mut conn = Conn::open(port);
    let auth = key.map(|k| format!("Bearer {k}"));
    let mut headers = vec![("Content-Type", "application/json")];
    if let Some(a) = &auth {
        headers.push(("Authorization", a.as_str()));
    }
    conn.send(method, path, &headers, body);
    conn.response()
}

fn chat(port: u16, base: &str, body: &Value) -> Response {
    request(port, "POST", &format!("{base}/chat/completions"), Some(KEY), body.to_string().as_bytes())
}

fn hello(model: &str) -> Value {
    json!({"model": model, "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi there"}]})
}

fn with(mut v: Value, key: &str, value: Value) -> Value {
    v[key] = value;
    v
}

/// The JSON payloads of an SSE body (`data: ` lines, excluding `[DONE]`), and whether `[DONE]` came.
fn sse_payloads(text: &str) -> (Vec<Value>, bool) {
    let mut out = Vec::new();
    let mut done = false;
    for event in text.split("\n\n").filter(|e| !e.is_empty()) {
        for line in event.lines() {
            if let Some(data) = line.strip_prefix("data: ") {
                if data == "[DONE]" {
                    done = true;
                } else {
                    out.push(serde_json::from_str(data).unwrap_or_else(|e| panic!("{e}: {data}")));
                }
            }
        }
    }
    (out, done)
}

fn line_payloads(text: &str) -> Vec<Value> {
    text.split('\n').filter(|l| !l.is_empty()).map(|l| serde_json::from_str(l).unwrap()).collect()
}

fn content_of(chunks: &[Value], index: u64) -> String {
    chunks
        .iter()
        .flat_map(|c| c["choices"].as_array().cloned().unwrap_or_default())
        .filter(|c| c["index"] == index)
        .filter_map(|c| c["delta"]["content"].as_str().map(str::to_string))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Auth, routing, errors

#[test]
fn auth_errors_per_base() {
    let s = TestServer::start(ServerOptions::default());
    let body = hello("gpt-4o").to_string();

    let r = request(s.port(), "POST", "/v1/chat/completions", Some("nope"), body.as_bytes());
    assert_eq!(r.status, 401);
    assert_eq!(
        r.json(),
        json!({"error": {"message": "Wrong Api key", "type": "invalid_request_error", "param": null, "code": "invalid_api_key"}})
    );
    assert!(r.header("x-request-id").unwrap().starts_with("req_"));

    let r = request(s.port(), "POST", "/v2/chat/completions", None, body.as_bytes());
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["error"], "Wrong Api key");
    assert_eq!(r.json()["code"], 401);

    let r = request(s.port(), "GET", "/freeapi/models", Some("no-credits-key"), b"");
    assert_eq!(r.status, 402);
    assert_eq!(r.json()["error"], "Insufficient Credits");
    assert_eq!(r.json()["code"], 402);

    let r = request(s.port(), "GET", "/v1/models", Some("no-credits-key"), b"");
    assert_eq!(r.status, 402);
    assert_eq!(r.json()["error"]["type"], "insufficient_quota");
    assert_eq!(r.json()["error"]["code"], "insufficient_quota");

    // A custom key.
    let s2 = TestServer::start(ServerOptions { api_key: "k2".into() });
    assert_eq!(request(s2.port(), "GET", "/v1/models", Some("k2"), b"").status, 200);
    assert_eq!(request(s2.port(), "GET", "/v1/models", Some(KEY), b"").status, 401);
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
    c.send("GET", "/v1/models", &[("Authorization", "Bearer test-key")], b"");
    assert_eq!(c.response().header("x-request-id"), Some("req_1"));
    c.send("POST", "/v1/chat/completions", &[("Authorization", "Bearer test-key")], hello("m").to_string().as_bytes());
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
    assert_eq!(r.json()["error"]["message"], "The server had an error while processing your request");
    assert_eq!(r.json()["error"]["type"], "server_error");
    let r = chat(p, "/v2", &hello("error-500"));
    assert_eq!(r.json()["error"], "The server had an error while processing your request");
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
    let statuses: Vec<u16> = (0..4).map(|_| chat(p, "/v1", &hello("flaky-2-count")).status).collect();
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
    request(p, "POST", "/v1/chat/completions", Some("bad"), body.as_bytes());
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
        (json!({"messages": [{"role": "user", "content": "x"}]}), "model"),
        (json!({"model": 5, "messages": [{"role": "user", "content": "x"}]}), "model"),
        (json!({"model": "m"}), "messages"),
        (json!({"model": "m", "messages": []}), "messages"),
        (json!({"model": "m", "messages": ["x"]}), "messages[0]"),
        (json!({"model": "m", "messages": [{"content": "x"}]}), "messages[0].role"),
        (json!({"model": "m", "messages": [{"role": "robot", "content": "x"}]}), "messages[0].role"),
        (json!({"model": "m", "messages": [{"role": "user", "content": null}]}), "messages[0].content"),
        (user(json!(5)), "messages[0].content"),
        (user(json!([{"type": "text"}])), "messages[0].content[0].text"),
        (user(json!([{"type": "video"}])), "messages[0].content[0].type"),
        (
            user(json!([{"type": "text", "text": "a"}, {"type": "image_url", "image_url": {"url": "ftp://x"}}])),
            "messages[0].content[1].image_url.url",
        ),
        (
            user(json!([{"type": "image_url", "image_url": {"url": "data:image/png;base64,@@@"}}])),
            "messages[0].content[0].image_url.url",
        ),
        (
            user(json!([{"type": "image_url", "image_url": {"url": "https://x/a.png", "detail": 1}}])),
            "messages[0].content[0].image_url.detail",
        ),
        (user(json!([{"type": "image_url", "image_url": "https://x"}])), "messages[0].content[0].image_url"),
        (with(hello("m"), "stream", json!("yes")), "stream"),
        (with(hello("m"), "max_tokens", json!(0)), "max_tokens"),
        (with(hello("m"), "max_tokens", json!(1.5)), "max_tokens"),
        (with(hello("m"), "n", json!(9)), "n"),
        (with(hello("m"), "stream_options", json!({"include_usage": 1})), "stream_options.include_usage"),
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
        assert!(r.json()["error"].as_str().unwrap().contains(param), "{}", r.text());
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
    assert_eq!(j["choices"][0]["message"], json!({"role": "assistant", "content": "Hello! You said: hi there"}));
    assert_eq!(j["choices"][0]["finish_reason"], "stop");
    assert_eq!(j["choices"][0]["logprobs"], Value::Null);
    // prompt: "Be brief." (2) + "hi there" (2); completion: "Hello! " "You " "said: " "hi " "there"
    assert_eq!(j["usage"]["prompt_tokens"], 4);
    assert_eq!(j["usage"]["completion_tokens"], 5);
    assert_eq!(j["usage"]["total_tokens"], 9);
    assert!(r.text().starts_with(r#"{"id":"chatcmpl-test-1","object":"chat.completion","created":1700000000"#));
}

#[test]
fn max_tokens_n_and_images() {
    let s = TestServer::start(ServerOptions::default());
    let p = s.port();
    let j = chat(p, "/v1", &with(with(hello("m"), "max_tokens", json!(2)), "n", json!(3))).json();
    let texts: Vec<&str> = (0..3).map(|i| j["choices"][i]["message"]["content"].as_str().unwrap()).collect();
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
    let body = with(with(hello("gpt-4o"), "stream", json!(true)), "stream_options", json!({"include_usage": true}));

    let r = chat(p, "/v1", &body);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("text/event-stream"));
    assert_eq!(r.header("transfer-encoding"), Some("chunked"));
    assert!(r.complete);
    let text = r.text();
    assert!(text.ends_with("data: [DONE]\n\n"));
    // One HTTP chunk per event.
    assert!(r.chunks.iter().all(|c| c.starts_with(b"data: ") && c.ends_with(b"\n\n")));
    let (chunks, done) = sse_payloads(&text);
    assert!(done);
    assert_eq!(chunks.len(), 1 + 5 + 1 + 1);
    assert_eq!(chunks[0]["choices"][0]["delta"], json!({"role": "assistant", "content": ""}));
    assert_eq!(chunks[1]["choices"][0]["delta"], json!({"content": "Hello! "}));
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
    assert!(r.chunks.iter().all(|c| c.starts_with(b"{") && c.ends_with(b"}\n\n")));
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
    let body = with(with(with(hello("m"), "stream", json!(true)), "n", json!(2)), "max_tokens", json!(3));
    let (chunks, _) = sse_payloads(&chat(s.port(), "/v1", &body).text());
    let indexes: Vec<u64> = chunks.iter().map(|c| c["choices"][0]["index"].as_u64().unwrap()).collect();
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
    c.send("POST", "/v1/chat/completions", &auth, with(hello("a"), "stream", json!(true)).to_string().as_bytes());
    let r = c.response();
    assert_eq!(r.header("connection"), Some("keep-alive"));
    assert!(r.complete);
    c.send("POST", "/v2/chat/completions", &auth, hello("b").to_string().as_bytes());
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
    c.send("GET", "/v1/models", &[("Authorization", "Bearer test-key"), ("Connection", "close")], b"");
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
        &[("Authorization", "Bearer test-key"), ("OpenAI-Organization", "org-1"), ("User-Agent", "ua/1")],
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

    let r = request(s.port(), "POST", "/v2/chat/completions?q=1", Some(KEY), hello("echo-request").to_string().as_bytes());
    let content = r.json()["choices"][0]["message"]["content"].as_str().unwrap().to_string();
    let echoed: Value = serde_json::from_str(&content).unwrap();
    assert_eq!(echoed["path"], "/v2/chat/completions");
    assert_eq!(echoed["query"]["q"], "1");
    assert_eq!(echoed["body"]["model"], "echo-request");
}

#[test]
fn embeddings() {
    let s = TestServer::start(ServerOptions::default());
    let p = s.port();
    let body = json!({"model": "text-embedding-3-small", "input": ["hello world", "x"]}).to_string();
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

    let body = json!({"model": "m", "input": "x", "dimensions": 4, "encoding_format": "base64"}).to_string();
    let j = request(p, "POST", "/v2/embeddings", Some(KEY), body.as_bytes()).json();
    assert_eq!(j["data"][0]["embedding"].as_str().unwrap().len(), 24); // 16 bytes

    for bad in [json!({"model": "m"}), json!({"model": "m", "input": []}), json!({"model": "m", "input": [1, "a"]})] {
        let r = request(p, "POST", "/v1/embeddings", Some(KEY), bad.to_string().as_bytes());
        assert_eq!(r.status, 400);
        assert!(r.json()["error"]["param"].as_str().unwrap().starts_with("input"));
    }
}

// ---------------------------------------------------------------------------------------------
// Misbehaving scenarios

#[test]
fn disconnect_truncates() {
    let s = TestServer::start(ServerOptions::default());
    for base in ["/v1", "/v2"] {
        let r = chat(s.port(), base, &with(hello("disconnect"), "stream", json!(true)));
        assert!(!r.complete, "terminating chunk must be missing");
        assert_eq!(r.chunks.len(), 3);
        let text = r.text();
        let chunks = if base == "/v1" { sse_payloads(&text).0 } else { line_payloads(&text) };
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
    c.send("POST", "/v1/chat/completions", &[("Authorization", "Bearer test-key")], hello("stall-headers").to_string().as_bytes());
    let err = c.fill().unwrap_err();
    assert!(matches!(err.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut));
    assert!(c.buf.is_empty());

    let mut c = Conn::open(s.port());
    let body = with(hello("stall-body"), "stream", json!(true)).to_string();
    c.send("POST", "/v2/chat/completions", &[("Authorization", "Bearer test-key")], body.as_bytes());
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
    assert!(c.buf.is_empty() && c.fill().is_err(), "nothing after the role chunk");

    let mut c = Conn::open(s.port());
    c.send("POST", "/v1/chat/completions", &[("Authorization", "Bearer test-key")], hello("stall-body").to_string().as_bytes());
    let (_, headers) = c.read_head().unwrap();
    let len: usize = headers.iter().find(|(n, _)| n == "content-length").unwrap().1.parse().unwrap();
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
    let r = chat(s.port(), "/v1", &with(with(hello("slow"), "stream", json!(true)), "max_tokens", json!(1)));
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
    let r = chat(s.port(), "/v1", &with(hello("error-chunk"), "stream", json!(true)));
    let (chunks, done) = sse_payloads(&r.text());
    assert!(done && r.complete);
    assert_eq!(content_of(&chunks, 0), "partial");
    assert_eq!(chunks[2]["error"]["code"], "overloaded");
    let lines = line_payloads(&chat(s.port(), "/freeapi", &with(hello("error-chunk"), "stream", json!(true))).text());
    assert_eq!(lines[2]["error"]["message"], "upstream overloaded");

    for base in ["/v1", "/v2"] {
        let mut c = Conn::open(s.port());
        let body = with(hello("error-event"), "stream", json!(true)).to_string();
        c.send("POST", &format!("{base}/chat/completions"), &[("Authorization", "Bearer test-key")], body.as_bytes());
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
    assert_eq!(m["tool_calls"][0]["function"]["arguments"], r#"{"city":"Paris"}"#);
    assert_eq!(j["choices"][0]["finish_reason"], "tool_calls");

    let lines = line_payloads(&chat(s.port(), "/v2", &with(hello("tools"), "stream", json!(true))).text());
    assert_eq!(lines.len(), 5);
    assert_eq!(lines[0]["choices"][0]["delta"]["tool_calls"][0]["id"], "call_1");
    let args: String = lines
        .iter()
        .filter_map(|l| l["choices"][0]["delta"]["tool_calls"][0]["function"]["arguments"].as_str().map(str::to_string))
        .collect();
    assert_eq!(args, r#"{"city":"Paris"}"#);
    assert_eq!(lines[4]["choices"][0]["finish_reason"], "tool_calls");
}

#[test]
fn bad_json_crlf_llama() {
    let s = TestServer::start(ServerOptions::default());
    let text = chat(s.port(), "/v1", &with(hello("bad-json-chunk"), "stream", json!(true))).text();
    assert!(text.contains("data: {not json\n\n"));
    assert!(text.ends_with("data: [DONE]\n\n"));
    let text = chat(s.port(), "/v2", &with(hello("bad-json-chunk"), "stream", json!(true))).text();
    assert!(text.contains("\n\n{not json\n\n"));

    let r = chat(s.port(), "/v2", &with(hello("crlf"), "stream", json!(true)));
    assert_eq!(r.header("content-type"), Some("text/event-stream"));
    let text = r.text();
    assert!(text.ends_with("data: [DONE]\r\n\r\n"));
    assert_eq!(text.matches('\n').count(), text.matches("\r\n").count());
    let (chunks, done) = sse_payloads(&text.replace("\r\n", "\n"));
    assert!(done);
    assert_eq!(content_of(&chunks, 0), "Hello! You said: hi there");

    let r = chat(s.port(), "/freeapi", &with(hello("llama-style"), "stream", json!(true)));
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
    let r = chat(s.port(), "/v1", &with(hello("big-chunks-2000"), "stream", json!(true)));
    assert!(r.complete);
    assert_eq!(r.chunks.len(), 2000 + 3);
    let (chunks, done) = sse_payloads(&r.text());
    assert!(done);
    let content = content_of(&chunks, 0);
    let width = chunks[1]["choices"][0]["delta"]["content"].as_str().unwrap().len();
    assert_eq!(content.len(), width * 2000);
    assert!(content.bytes().all(|b| b == b'x'));
    assert_eq!(r.chunks[1].len(), "data: ".len() + 256 + 2);

    let j = chat(s.port(), "/v2", &hello("big-chunks-3")).json();
    assert_eq!(j["usage"]["completion_tokens"], 3);
    assert_eq!(j["choices"][0]["message"]["content"].as_str().unwrap().len() % 3, 0);
}

#[test]
fn drop_stops_server() {
    let s = TestServer::start(ServerOptions::default());
    let port = s.port();
    assert_eq!(s.url("/v1"), format!("http://127.0.0.1:{port}/v1"));
    // A stalled connection must not keep the server alive.
    let mut c = Conn::open(port);
    c.send("POST", "/v1/chat/completions", &[("Authorization", "Bearer test-key")], hello("stall-headers").to_string().as_bytes());
    std::thread::sleep(Duration::from_millis(50));
    let start = Instant::now();
    drop(s);
    assert!(start.elapsed() < Duration::from_secs(2));
    assert!(c.at_eof() || c.buf.is_empty());
    assert!(TcpStream::connect(("127.0.0.1", port)).is_err());
}

#[test]
fn binary_prints_port_and_exits_on_stdin_eof() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_webraft-test-server"))
        .args(["--api-key", "bin-key", "--exit-on-stdin-eof"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn server binary");
    let mut stdout = io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let port: u16 = line.trim().strip_prefix("LISTENING ").expect("LISTENING line").parse().unwrap();
    let r = request(port, "GET", "/v1/models", Some("bin-key"), b"");
    assert_eq!(r.status, 200);
    drop(child.stdin.take()); // EOF
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success());
            break;
        }
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("server did not exit on stdin EOF");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usable_from_async_tests() {
    let s = TestServer::start(ServerOptions::default());
    let port = s.port();
    let r = tokio::task::spawn_blocking(move || chat(port, "/v1", &hello("m"))).await.unwrap();
    assert_eq!(r.status, 200);
    drop(s);
}
