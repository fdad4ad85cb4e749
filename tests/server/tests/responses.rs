//! Tests of the Responses API route, the rate-limit header scenarios and `/events`, through the
//! raw client in `common`.

use std::io;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use webraft_test_server::{ServerOptions, TestServer};

mod common;
use common::*;

/// The event types of a normal text stream with `n` deltas.
fn text_stream_types(n: usize, terminal: &str) -> Vec<String> {
    let mut types = vec![
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
    ];
    types.extend(std::iter::repeat_n("response.output_text.delta", n));
    types.extend([
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        terminal,
    ]);
    types.into_iter().map(str::to_string).collect()
}

/// Events 1–4 and 2 text deltas, then `last`: a stream its scenario cuts short.
fn cut_stream_types(last: &str) -> Vec<String> {
    let mut types = text_stream_types(2, "");
    types.truncate(6);
    types.push(last.to_string());
    types
}

fn responses(port: u16, base: &str, body: &Value) -> Response {
    request(
        port,
        "POST",
        &format!("{base}/responses"),
        Some(KEY),
        body.to_string().as_bytes(),
    )
}

fn input(model: &str) -> Value {
    json!({"model": model, "input": "hi there"})
}

fn streamed(model: &str) -> Value {
    with(input(model), "stream", json!(true))
}

/// One SSE event: its `event:` name (if any) and its `data:` text; comments are returned as
/// `(Some(":"), comment text)`.
fn sse_events(text: &str) -> Vec<(Option<String>, String)> {
    let mut out = Vec::new();
    for block in text.split("\n\n").filter(|b| !b.is_empty()) {
        if let Some(comment) = block.strip_prefix(':') {
            out.push((Some(":".to_string()), comment.trim().to_string()));
            continue;
        }
        let mut name = None;
        let mut data = String::new();
        for line in block.lines() {
            if let Some(n) = line.strip_prefix("event: ") {
                name = Some(n.to_string());
            } else if let Some(d) = line.strip_prefix("data: ") {
                data = d.to_string();
            } else {
                panic!("unexpected SSE line {line:?}");
            }
        }
        out.push((name, data));
    }
    out
}

/// The named events of a Responses SSE stream, checked: every block is `event:` + `data:` with
/// the JSON's `type` equal to the name. Comments are skipped.
fn named_events(text: &str) -> Vec<Value> {
    sse_events(text)
        .into_iter()
        .filter(|(name, _)| name.as_deref() != Some(":"))
        .map(|(name, data)| {
            let json: Value = serde_json::from_str(&data).unwrap_or_else(|e| panic!("{e}: {data}"));
            assert_eq!(json["type"].as_str(), name.as_deref(), "{data}");
            json
        })
        .collect()
}

fn types(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_string())
        .collect()
}

fn deltas(events: &[Value], kind: &str) -> String {
    events
        .iter()
        .filter(|e| e["type"] == kind)
        .map(|e| e["delta"].as_str().unwrap())
        .collect()
}

/// The numbered events carry 0, 1, 2, … in order.
fn assert_numbered(events: &[Value]) {
    let numbers: Vec<u64> = events
        .iter()
        .filter_map(|e| e["sequence_number"].as_u64())
        .collect();
    assert_eq!(numbers, (0..numbers.len() as u64).collect::<Vec<_>>());
}

// ---------------------------------------------------------------------------------------------
// Plain replies

#[test]
fn plain_reply_shape() {
    let s = TestServer::start(ServerOptions::default());
    let body = json!({
        "model": "gpt-4o",
        "instructions": "Be brief.",
        "previous_response_id": "resp_prev",
        "input": [
            {"role": "system", "content": "ignored words"},
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hi there"}]}
        ]
    });
    let r = responses(s.port(), "/v1", &body);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert!(r.text().starts_with(
        r#"{"id":"resp_test-1","object":"response","created_at":1700000000,"status":"completed","#
    ));
    let text = "Hello! You said: hi there";
    assert_eq!(
        r.json(),
        json!({
            "id": "resp_test-1", "object": "response", "created_at": 1700000000, "status": "completed",
            "error": null, "incomplete_details": null, "instructions": "Be brief.", "max_output_tokens": null,
            "model": "gpt-4o",
            "output": [{"type": "message", "id": "msg_test-1", "role": "assistant", "status": "completed",
                        "content": [{"type": "output_text", "text": text, "annotations": []}]}],
            "previous_response_id": "resp_prev", "tools": [],
            "usage": {"input_tokens": 6, "input_tokens_details": {"cached_tokens": 0}, "output_tokens": 5,
                      "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": 11}
        })
    );
    // /v2, a string input, an image by URL and by file id.
    let body = json!({"model": "m", "input": [{"role": "user", "content": [
        {"type": "input_text", "text": "look"},
        {"type": "input_image", "image_url": "https://x/y.png"},
        {"type": "input_image", "file_id": "file-1"}
    ]}]});
    let j = responses(s.port(), "/v2", &body).json();
    assert_eq!(
        j["output"][0]["content"][0]["text"],
        "Hello! You said: look [image 1: url https://x/y.png] [image 2: file file-1]"
    );
    assert_eq!(j["previous_response_id"], Value::Null);
    assert_eq!(j["instructions"], Value::Null);
}

#[test]
fn max_output_tokens_ends_incomplete() {
    let s = TestServer::start(ServerOptions::default());
    let body = with(input("m"), "max_output_tokens", json!(3));
    let j = responses(s.port(), "/v1", &body).json();
    assert_eq!(j["status"], "incomplete");
    assert_eq!(
        j["incomplete_details"],
        json!({"reason": "max_output_tokens"})
    );
    assert_eq!(j["max_output_tokens"], 3);
    assert_eq!(j["output"][0]["status"], "incomplete");
    assert_eq!(j["output"][0]["content"][0]["text"], "Hello! You said: ");
    assert_eq!(j["usage"]["output_tokens"], 3);

    let events =
        named_events(&responses(s.port(), "/v1", &with(body, "stream", json!(true))).text());
    assert_eq!(types(&events), text_stream_types(3, "response.incomplete"));
    assert_eq!(
        events[10]["response"]["incomplete_details"]["reason"],
        "max_output_tokens"
    );
    // Enough tokens: completed.
    let body = with(input("m"), "max_output_tokens", json!(5));
    assert_eq!(
        responses(s.port(), "/v1", &body).json()["status"],
        "completed"
    );
}

// ---------------------------------------------------------------------------------------------
// Streams

#[test]
fn sse_stream_events() {
    let s = TestServer::start(ServerOptions::default());
    let r = responses(
        s.port(),
        "/v1",
        &with(streamed("gpt-4o"), "instructions", json!("Be brief.")),
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("text/event-stream"));
    assert!(r.complete);
    let text = r.text();
    assert!(!text.contains("[DONE]"));
    assert!(r
        .chunks
        .iter()
        .all(|c| c.starts_with(b"event: ") && c.ends_with(b"\n\n")));
    let events = named_events(&text);
    assert_eq!(types(&events), text_stream_types(5, "response.completed"));
    assert_numbered(&events);
    assert_eq!(events.len(), r.chunks.len());

    let shell = &events[0]["response"];
    assert_eq!(shell["status"], "in_progress");
    assert_eq!(shell["output"], json!([]));
    assert_eq!(shell["usage"], Value::Null);
    assert_eq!(shell["instructions"], "Be brief.");
    assert_eq!(
        events[2]["item"],
        json!({"type": "message", "id": "msg_test-1", "role": "assistant", "status": "in_progress", "content": []})
    );
    assert_eq!(
        events[3],
        json!({"type": "response.content_part.added", "sequence_number": 3, "item_id": "msg_test-1", "output_index": 0, "content_index": 0,
               "part": {"type": "output_text", "text": "", "annotations": []}})
    );
    assert_eq!(
        events[4],
        json!({"type": "response.output_text.delta", "sequence_number": 4, "item_id": "msg_test-1", "output_index": 0, "content_index": 0, "delta": "Hello! "})
    );
    assert_eq!(
        deltas(&events, "response.output_text.delta"),
        "Hello! You said: hi there"
    );
    assert_eq!(events[9]["text"], "Hello! You said: hi there");
    assert_eq!(events[10]["part"]["text"], "Hello! You said: hi there");
    assert_eq!(events[11]["item"]["status"], "completed");

    // The completed event carries the response a plain request gets.
    let done = &events[12]["response"];
    let mut plain = responses(
        s.port(),
        "/v1",
        &with(input("gpt-4o"), "instructions", json!("Be brief.")),
    )
    .json();
    plain["id"] = json!("resp_test-1");
    plain["output"][0]["id"] = json!("msg_test-1");
    assert_eq!(done, &plain);
    assert_eq!(done["usage"]["total_tokens"], 9);
}

#[test]
fn json_lines_streams() {
    let s = TestServer::start(ServerOptions::default());
    for (base, content_type) in [
        ("/v2", "application/x-ndjson"),
        ("/freeapi", "text/plain; charset=utf-8"),
    ] {
        let r = responses(s.port(), base, &streamed("m"));
        assert_eq!(r.header("content-type"), Some(content_type));
        assert!(r
            .chunks
            .iter()
            .all(|c| c.starts_with(b"{\"type\":\"response.") && c.ends_with(b"}\n\n")));
        let lines = line_payloads(&r.text());
        assert_eq!(types(&lines), text_stream_types(5, "response.completed"));
        assert_numbered(&lines);
        assert_eq!(
            deltas(&lines, "response.output_text.delta"),
            "Hello! You said: hi there"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Tools

#[test]
fn tools_call() {
    let s = TestServer::start(ServerOptions::default());
    let tools =
        json!([{"type": "function", "name": "get_weather", "parameters": {"type": "object"}}]);
    let body = with(input("tools"), "tools", tools.clone());
    let j = responses(s.port(), "/v1", &body).json();
    let call = json!({"type": "function_call", "id": "fc_test-1", "call_id": "call_1", "name": "get_weather",
                      "arguments": "{\"city\":\"Paris\"}", "status": "completed"});
    assert_eq!(j["output"], json!([call]));
    assert_eq!(j["tools"], tools);
    assert_eq!(j["usage"]["output_tokens"], 3);

    let events =
        named_events(&responses(s.port(), "/v1", &with(body, "stream", json!(true))).text());
    assert_eq!(
        types(&events),
        [
            "response.created",
            "response.in_progress",
            "response.output_item.added",
            "response.function_call_arguments.delta",
            "response.function_call_arguments.delta",
            "response.function_call_arguments.delta",
            "response.function_call_arguments.done",
            "response.output_item.done",
            "response.completed",
        ]
    );
    assert_numbered(&events);
    assert_eq!(events[2]["item"]["arguments"], "");
    assert_eq!(events[2]["item"]["status"], "in_progress");
    let fragments: Vec<&str> = events[3..6]
        .iter()
        .map(|e| e["delta"].as_str().unwrap())
        .collect();
    assert_eq!(fragments, ["{\"city\"", ":\"Par", "is\"}"]);
    assert_eq!(events[3]["item_id"], "fc_test-2");
    assert_eq!(events[6]["arguments"], "{\"city\":\"Paris\"}");
    assert_eq!(events[8]["response"]["output"][0]["call_id"], "call_1");
}

/// The call's output comes back: a text answer.
#[test]
fn tools_follow_up() {
    let s = TestServer::start(ServerOptions::default());
    let follow_up = json!({"model": "tools", "previous_response_id": "resp_test-1", "input": [
        {"role": "user", "content": "weather in Paris?"},
        {"type": "function_call", "call_id": "call_1", "name": "get_weather", "arguments": "{\"city\":\"Paris\"}"},
        {"type": "function_call_output", "call_id": "call_1", "output": "sunny"}
    ]});
    let j = responses(s.port(), "/v2", &follow_up).json();
    assert_eq!(j["output"][0]["type"], "message");
    assert_eq!(
        j["output"][0]["content"][0]["text"],
        "The tool call_1 said: sunny"
    );
    assert_eq!(j["previous_response_id"], "resp_test-1");
    let lines = line_payloads(
        &responses(
            s.port(),
            "/v2",
            &with(follow_up.clone(), "stream", json!(true)),
        )
        .text(),
    );
    assert_eq!(
        deltas(&lines, "response.output_text.delta"),
        "The tool call_1 said: sunny"
    );
    // Anything after the output asks again.
    let mut again = follow_up;
    again["input"]
        .as_array_mut()
        .unwrap()
        .push(json!({"role": "user", "content": "and tomorrow?"}));
    assert_eq!(
        responses(s.port(), "/v1", &again).json()["output"][0]["type"],
        "function_call"
    );
}

// ---------------------------------------------------------------------------------------------
// Scenarios that end otherwise

#[test]
fn failed_and_incomplete() {
    let s = TestServer::start(ServerOptions::default());
    let p = s.port();

    let events = named_events(&responses(p, "/v1", &streamed("responses-failed")).text());
    assert_eq!(types(&events), cut_stream_types("response.failed"));
    assert_numbered(&events);
    let failed = &events[6]["response"];
    assert_eq!(failed["status"], "failed");
    assert_eq!(
        failed["error"],
        json!({"code": "server_error", "message": "The model failed mid-response"})
    );
    assert_eq!(failed["output"][0]["content"][0]["text"], "Hello! You ");
    let r = responses(p, "/v1", &input("responses-failed"));
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["status"], "failed");
    assert_eq!(r.json()["error"]["code"], "server_error");

    let events = named_events(&responses(p, "/v1", &streamed("responses-incomplete")).text());
    assert_eq!(types(&events), text_stream_types(2, "response.incomplete"));
    assert_eq!(
        events[9]["response"]["incomplete_details"]["reason"],
        "max_output_tokens"
    );
    assert_eq!(
        responses(p, "/v2", &input("responses-incomplete")).json()["status"],
        "incomplete"
    );
}

#[test]
fn error_event() {
    let s = TestServer::start(ServerOptions::default());
    let p = s.port();
    let mut c = Conn::open(p);
    let body = streamed("responses-error").to_string();
    c.send(
        "POST",
        "/v1/responses",
        &[("Authorization", "Bearer test-key")],
        body.as_bytes(),
    );
    let r = c.response();
    assert!(r.complete);
    let text = r.text();
    assert!(text.ends_with("event: error\ndata: {\"type\":\"error\",\"code\":\"rate_limit_exceeded\",\"message\":\"Too many tokens mid-stream\",\"param\":null}\n\n"));
    let events = named_events(&text);
    assert_eq!(types(&events), cut_stream_types("error"));
    // The connection stays usable.
    c.send(
        "POST",
        "/v1/responses",
        &[("Authorization", "Bearer test-key")],
        input("m").to_string().as_bytes(),
    );
    assert_eq!(c.response().status, 200);

    let r = responses(p, "/v1", &input("responses-error"));
    assert_eq!(r.status, 429);
    assert_eq!(r.json()["error"]["message"], "Too many tokens mid-stream");
    assert_eq!(r.json()["error"]["code"], "rate_limit_exceeded");
    assert_eq!(r.header("x-ratelimit-remaining-requests"), Some("0"));
    assert_eq!(r.header("retry-after"), None);
}

#[test]
fn keepalive_unknown_and_split() {
    let s = TestServer::start(ServerOptions::default());
    let p = s.port();

    let text = responses(p, "/v1", &streamed("responses-keepalive")).text();
    let all = sse_events(&text);
    let comments = all
        .iter()
        .filter(|(n, _)| n.as_deref() == Some(":"))
        .count();
    assert_eq!(comments, 4);
    assert!(text.contains("\"delta\":\"Hello! \"}\n\nevent: keepalive\ndata: {\"type\":\"keepalive\"}\n\n: ping\n\nevent: response.output_text.delta\n"));
    let events = named_events(&text);
    let keepalives: Vec<&Value> = events.iter().filter(|e| e["type"] == "keepalive").collect();
    assert_eq!(keepalives.len(), 4);
    assert!(keepalives
        .iter()
        .all(|k| **k == json!({"type": "keepalive"})));
    assert_numbered(&events);
    let lines = line_payloads(&responses(p, "/v2", &streamed("responses-keepalive")).text());
    assert_eq!(lines.iter().filter(|e| e["type"] == "keepalive").count(), 4);

    let events = named_events(&responses(p, "/v1", &streamed("responses-unknown")).text());
    assert_eq!(
        events[5],
        json!({"type": "response.future_feature", "x": 1})
    );
    assert_eq!(events[4]["type"], "response.output_text.delta");
    assert_eq!(events.last().unwrap()["type"], "response.completed");
    assert_numbered(&events);

    let started = Instant::now();
    let r = responses(p, "/v1", &streamed("responses-split"));
    assert!(r.complete && started.elapsed() < Duration::from_secs(10));
    assert!(r.chunks.len() > 200);
    assert!(r.chunks.iter().all(|c| c.len() <= 8));
    let events = named_events(&r.text());
    assert_eq!(types(&events), text_stream_types(5, "response.completed"));
    assert_eq!(
        deltas(&events, "response.output_text.delta"),
        "Hello! You said: hi there"
    );
    assert_eq!(
        responses(p, "/v1", &input("responses-split")).json()["status"],
        "completed"
    );
}

#[test]
fn huge_delta() {
    let s = TestServer::start(ServerOptions::default());
    for (base, prefix) in [
        ("/v1", "event: response.output_text.delta\ndata: "),
        ("/v2", ""),
    ] {
        let r = responses(s.port(), base, &streamed("responses-huge-300000"));
        assert!(r.complete);
        let chunk = std::str::from_utf8(&r.chunks[4]).unwrap();
        let json_text = chunk
            .strip_prefix(prefix)
            .unwrap()
            .strip_suffix("\n\n")
            .unwrap();
        assert_eq!(json_text.len(), 300_000);
        let delta: Value = serde_json::from_str(json_text).unwrap();
        let x = delta["delta"].as_str().unwrap();
        assert!(x.len() > 299_000 && x.bytes().all(|b| b == b'x'));
        assert_eq!(r.chunks.len(), 9);
    }
    let j = responses(s.port(), "/v1", &input("responses-huge-5000")).json();
    assert!(j["output"][0]["content"][0]["text"].as_str().unwrap().len() > 4000);
    assert_eq!(j["usage"]["output_tokens"], 1);
    let r = responses(s.port(), "/v1", &input("responses-huge-268435457"));
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"]["param"], "model");
}

#[test]
fn chat_scenarios_on_responses() {
    let s = TestServer::start(ServerOptions::default());
    let p = s.port();
    assert_eq!(responses(p, "/v1", &input("flaky-1-resp")).status, 503);
    assert_eq!(responses(p, "/v1", &input("flaky-1-resp")).status, 200);
    assert_eq!(s.request_count("flaky-1-resp"), 2);
    let r = responses(p, "/v2", &input("error-500"));
    assert_eq!((r.status, r.json()["code"].clone()), (500, json!(500)));
    let r = responses(p, "/v1", &input("rate-limit"));
    assert_eq!(r.status, 429);
    assert_eq!(r.header("retry-after"), Some("1"));

    // disconnect: events up to the first delta, then the connection drops.
    let r = responses(p, "/v1", &streamed("disconnect"));
    assert!(!r.complete);
    assert_eq!(
        types(&named_events(&r.text())),
        text_stream_types(1, "")[..5]
    );

    let j = responses(p, "/v1", &input("echo-request")).json();
    let said: Value =
        serde_json::from_str(j["output"][0]["content"][0]["text"].as_str().unwrap()).unwrap();
    assert_eq!(said["path"], "/v1/responses");
    // Chat-only stream scenarios answer normally.
    assert_eq!(
        responses(p, "/v1", &input("error-chunk")).json()["status"],
        "completed"
    );
}

// ---------------------------------------------------------------------------------------------
// Validation, auth, routing

/// Bodies that get a 400, one a line: the `param` named, then the body.
const BAD_BODIES: &str = r#"
model {"input":"x"}
model {"model":1,"input":"x"}
input {"model":"m"}
input {"model":"m","input":5}
input {"model":"m","input":[]}
input[0] {"model":"m","input":["x"]}
input[0].type {"model":"m","input":[{"content":"x"}]}
input[0].type {"model":"m","input":[{"type":"bogus"}]}
input[0].role {"model":"m","input":[{"role":"tool","content":"x"}]}
input[0].content {"model":"m","input":[{"role":"user"}]}
input[0].content[0].type {"model":"m","input":[{"role":"user","content":[{"type":"text","text":"x"}]}]}
input[0].content[0].text {"model":"m","input":[{"role":"user","content":[{"type":"input_text"}]}]}
input[0].content[0].image_url {"model":"m","input":[{"role":"user","content":[{"type":"input_image","image_url":"ftp://x"}]}]}
input[0].arguments {"model":"m","input":[{"type":"function_call","call_id":"c","name":"f"}]}
input[0].call_id {"model":"m","input":[{"type":"function_call_output","output":"o"}]}
input[0].output {"model":"m","input":[{"type":"function_call_output","call_id":"c","output":1}]}
instructions {"model":"m","input":"x","instructions":1}
previous_response_id {"model":"m","input":"x","previous_response_id":false}
max_output_tokens {"model":"m","input":"x","max_output_tokens":0}
tools {"model":"m","input":"x","tools":{}}
tools[0].name {"model":"m","input":"x","tools":[{"type":"function"}]}
stream {"model":"m","input":"x","stream":"yes"}
"#;

#[test]
fn validation_errors() {
    let s = TestServer::start(ServerOptions::default());
    for line in BAD_BODIES.lines().filter(|l| !l.is_empty()) {
        let (param, body) = line.split_once(' ').unwrap();
        let body: Value = serde_json::from_str(body).unwrap();
        let r = responses(s.port(), "/v1", &body);
        assert_eq!(r.status, 400, "{body}");
        assert_eq!(r.json()["error"]["param"], param, "{body}");
        assert_eq!(r.json()["error"]["type"], "invalid_request_error");
    }
    let r = responses(s.port(), "/v2", &json!({"model": "m"}));
    assert_eq!(
        (r.json()["param"].clone(), r.json()["code"].clone()),
        (json!("input"), json!(400))
    );
    let r = request(s.port(), "POST", "/v1/responses", Some(KEY), b"{oops");
    assert_eq!(r.status, 400);
    // Nulls count as absent; web search tools need no name.
    let body = json!({"model": "m", "input": "x", "instructions": null, "max_output_tokens": null, "stream": null, "tools": [{"type": "web_search"}]});
    assert_eq!(responses(s.port(), "/v1", &body).status, 200);
}

#[test]
fn auth_method_and_count() {
    let s = TestServer::start(ServerOptions::default());
    let counted = input("counted-resp").to_string();
    let r = request(
        s.port(),
        "POST",
        "/v1/responses",
        Some("nope"),
        counted.as_bytes(),
    );
    assert_eq!(r.status, 401);
    assert_eq!(
        s.request_count("counted-resp"),
        1,
        "counted on arrival, even with a bad key"
    );
    let r = request(s.port(), "GET", "/v1/responses", Some(KEY), b"");
    assert_eq!((r.status, r.header("allow")), (405, Some("POST")));
}

// ---------------------------------------------------------------------------------------------
// Rate-limit headers

/// The `rate-limit-headers` headers, in order, as the raw client lowercases them.
fn quota_headers(r: &Response) -> Vec<(String, String)> {
    r.headers
        .iter()
        .filter(|(n, _)| n.starts_with("x-ratelimit-") || n == "x-webraft-repeat")
        .cloned()
        .collect()
}

#[test]
fn rate_limit_headers() {
    let s = TestServer::start(ServerOptions::default());
    let p = s.port();
    let expected: Vec<(String, String)> = [
        ("x-ratelimit-limit-requests", "60"),
        ("x-ratelimit-remaining-requests", "59"),
        ("x-ratelimit-reset-requests", "1s"),
        ("x-ratelimit-limit-tokens", "150000"),
        ("x-ratelimit-remaining-tokens", "149990"),
        ("x-ratelimit-reset-tokens", "6m0s"),
        ("x-webraft-repeat", "a"),
        ("x-webraft-repeat", "b"),
    ]
    .iter()
    .map(|(n, v)| (n.to_string(), v.to_string()))
    .collect();
    let chat_body = hello("rate-limit-headers");
    let answers = [
        chat(p, "/v1", &chat_body),
        chat(p, "/v2", &with(chat_body.clone(), "stream", json!(true))),
        responses(p, "/v1", &input("rate-limit-headers")),
        responses(p, "/v1", &streamed("rate-limit-headers")),
        request(
            p,
            "GET",
            "/v1/events",
            Some(KEY),
            br#"{"model":"rate-limit-headers"}"#,
        ),
    ];
    for r in &answers {
        assert_eq!(r.status, 200);
        assert_eq!(quota_headers(r), expected);
    }
    assert_eq!(
        content_of(&line_payloads(&answers[1].text()), 0),
        "Hello! You said: hi there"
    );
    // Normal replies carry none.
    assert!(quota_headers(&chat(p, "/v1", &hello("gpt-4o"))).is_empty());

    // Rate-limited 429s carry an exhausted quota.
    for model in [
        "rate-limit",
        "retry-after-s-1-quota",
        "retry-after-ms-1-quota",
    ] {
        let r = chat(p, "/v1", &hello(model));
        assert_eq!(r.status, 429, "{model}");
        assert_eq!(r.header("x-ratelimit-limit-requests"), Some("60"));
        assert_eq!(r.header("x-ratelimit-remaining-requests"), Some("0"));
        assert_eq!(r.header("x-ratelimit-remaining-tokens"), Some("0"));
        assert_eq!(r.header("x-ratelimit-reset-tokens"), Some("6m0s"));
    }
    assert_eq!(
        chat(p, "/v1", &hello("no-credits")).header("x-ratelimit-remaining-requests"),
        None
    );
}

// ---------------------------------------------------------------------------------------------
// /events

const SSE_EVENTS: &str = "event: greeting\ndata: hello\n\ndata: {\"n\":1}\n\n: comment\n\nevent: tick\ndata: {\"n\":2}\n\ndata: [DONE]\n\n";

#[test]
fn events_route() {
    let s = TestServer::start(ServerOptions::default());
    let p = s.port();
    for (method, body) in [
        ("GET", &b""[..]),
        ("POST", &b""[..]),
        ("POST", &br#"{"model":"gpt-4o","stream":true}"#[..]),
        ("POST", &b"not json"[..]),
    ] {
        let r = request(p, method, "/v1/events", Some(KEY), body);
        assert_eq!(r.status, 200);
        assert_eq!(r.header("content-type"), Some("text/event-stream"));
        assert!(r.complete);
        assert_eq!(r.text(), SSE_EVENTS);
        assert_eq!(r.chunks.len(), 5, "one HTTP chunk per event");
    }
    let all = sse_events(SSE_EVENTS);
    assert_eq!(all[0], (Some("greeting".to_string()), "hello".to_string()));
    assert_eq!(all[2], (Some(":".to_string()), "comment".to_string()));

    let r = request(p, "POST", "/v2/events", Some(KEY), b"");
    assert_eq!(r.header("content-type"), Some("application/x-ndjson"));
    assert_eq!(r.text(), "{\"n\":1}\n\n{\"n\":2}\n\n");
    let r = request(p, "GET", "/freeapi/events/", Some(KEY), b"");
    assert_eq!(r.header("content-type"), Some("text/plain; charset=utf-8"));
    assert_eq!(r.text(), "{\"n\":1}\n\n{\"n\":2}\n\n");

    let r = request(p, "PUT", "/v1/events", Some(KEY), b"");
    assert_eq!((r.status, r.header("allow")), (405, Some("GET, POST")));
    assert_eq!(request(p, "GET", "/v1/events", None, b"").status, 401);
    let r = request(
        p,
        "POST",
        "/v1/events",
        Some(KEY),
        br#"{"model":"error-500"}"#,
    );
    assert_eq!(r.status, 500);
}

#[test]
fn events_stall_holds_after_first_json_event() {
    let s = TestServer::start(ServerOptions::default());
    for (base, first) in [("/v1", "event: greeting\ndata: hello\n\n"), ("/v2", "")] {
        let mut c = Conn::open(s.port());
        c.send(
            "POST",
            &format!("{base}/events"),
            &[("Authorization", "Bearer test-key")],
            br#"{"model":"events-stall"}"#,
        );
        let (status, headers) = c.read_head().unwrap();
        assert_eq!(status, 200);
        assert!(headers.contains(&("connection".to_string(), "close".to_string())));
        let n1 = "{\"n\":1}\n\n";
        let n1 = if first.is_empty() {
            n1.to_string()
        } else {
            format!("data: {n1}")
        };
        let mut expected = Vec::new();
        if !first.is_empty() {
            expected.extend_from_slice(format!("{:x}\r\n{first}\r\n", first.len()).as_bytes());
        }
        expected.extend_from_slice(format!("{:x}\r\n{n1}\r\n", n1.len()).as_bytes());
        while c.buf.len() < expected.len() {
            assert!(c.fill().unwrap() > 0);
        }
        assert_eq!(c.buf, expected);
        c.stream
            .set_read_timeout(Some(Duration::from_millis(300)))
            .unwrap();
        let err = c.fill().unwrap_err();
        assert!(matches!(
            err.kind(),
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
        ));
    }
}
