//! Loopback HTTP/1.1 load server for the benchmarks (and an HTTP/2 listener, `h2.rs`). Every reply is rendered
//! once and then written with a single `write_all`, so the clients, not this
//! server, set the pace. The runner checks that by reading this process's CPU
//! time from /proc.
//!
//! Usage: `webraft-load-server [--port P] [--threads N] [--exit-on-stdin-eof] [--tls-cert F --tls-key F]`;
//! prints `LISTENING <port>` once it accepts connections.
//!
//! Routes (any method; the request body is read and ignored; the path prefix
//! before `/chat/completions` picks the reply, so a client's base URL selects it):
//!
//! | base URL path            | reply |
//! |--------------------------|-------|
//! | `/plain`                 | a `chat.completion` of 1024 bytes, `Content-Length`, keep-alive |
//! | `/sse/<n>`               | n `chat.completion.chunk`s of 200 bytes as SSE, then `data: [DONE]`; chunked encoding, keep-alive |
//! | `/jsonl/<n>`             | the same n chunks as JSON lines (`application/x-ndjson`), no `[DONE]` |
//! | `/sse-timed/<n>/<gap_us>`| n SSE chunks, gap_us apart, each one HTTP chunk in one write, carrying `"bench_sent_ns":<CLOCK_MONOTONIC ns read just before that write>` |
//! | `/sse-hold/<secs>`       | one SSE chunk at once, then one every 5 s until secs have passed, then `[DONE]`; ends early when the client closes |
//! | `/sse/<n>` + `/responses`| a Responses API stream: `response.created`, `response.output_item.added`, n `response.output_text.delta` events of 200 bytes, `response.completed` |
//!
//! With `--tls-cert FILE --tls-key FILE` a second listener speaks HTTP/2 over TLS (see `h2.rs`;
//! it prints `LISTENING_H2 <port>`), and `GET /h2-stats` on the first one answers
//! `{"connections":N,"handshakes":N}`: the TCP connections it accepted and the TLS handshakes
//! it completed so far.
//!
//! Timed and held streams close the connection when they end. `GET /cpu`
//! answers `{"cpu_us":N}`: this process's user+system CPU time so far, all
//! threads, ended ones included (getrusage; /proc/<pid>/stat has the same
//! figure in 10 ms ticks, too coarse for a 20 ms curl run).

use std::collections::HashMap;
use std::io::{self, Write};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

/// Size of one rendered chunk's JSON, as the issue asks (~200 bytes).
const CHUNK_JSON_BYTES: usize = 200;
/// Size of the plain completion body (~1 KB).
const PLAIN_BODY_BYTES: usize = 1024;
/// Events are grouped into HTTP chunks of at most this size, as proxies and servers do.
const HTTP_CHUNK_BYTES: usize = 16 << 10;
/// Gap between the chunks of a held stream.
const HOLD_TRICKLE: Duration = Duration::from_secs(5);
/// Longest request (headers plus body) accepted.
const MAX_REQUEST_BYTES: usize = 1 << 20;
/// Connections may arrive in bursts of 10,000; the kernel clamps this to somaxconn.
const LISTEN_BACKLOG: u32 = 16384;

mod h2;

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
enum Format {
    Sse,
    JsonLines,
    /// Responses API events (SSE with event names).
    Responses,
}

#[derive(Debug, PartialEq)]
enum Route {
    Plain,
    Stream { format: Format, chunks: usize },
    Timed { chunks: usize, gap: Duration },
    Hold { duration: Duration },
    Cpu,
    H2Stats,
    NotFound,
}

fn route(path: &str) -> Route {
    let path = path.split('?').next().unwrap_or("");
    if path == "/cpu" {
        return Route::Cpu;
    }
    if path == "/h2-stats" {
        return Route::H2Stats;
    }
    if let Some(prefix) = path.strip_suffix("/responses") {
        return match prefix.trim_start_matches('/').split_once('/') {
            Some(("sse", n)) => n.parse().map_or(Route::NotFound, |chunks| Route::Stream { format: Format::Responses, chunks }),
            _ => Route::NotFound,
        };
    }
    let Some(prefix) = path.strip_suffix("/chat/completions") else {
        return Route::NotFound;
    };
    let parts: Vec<&str> = prefix.trim_start_matches('/').split('/').collect();
    let number = |text: &str| text.parse::<u64>().ok();
    let parsed = match parts.as_slice() {
        ["plain"] => Some(Route::Plain),
        ["sse", n] => number(n).map(|n| Route::Stream { format: Format::Sse, chunks: n as usize }),
        ["jsonl", n] => {
            number(n).map(|n| Route::Stream { format: Format::JsonLines, chunks: n as usize })
        }
        ["sse-timed", n, gap_us] => number(n).zip(number(gap_us)).map(|(n, gap)| Route::Timed {
            chunks: n as usize,
            gap: Duration::from_micros(gap),
        }),
        ["sse-hold", secs] => number(secs).map(|s| Route::Hold { duration: Duration::from_secs(s) }),
        _ => None,
    };
    parsed.unwrap_or(Route::NotFound)
}

/// The JSON of chunk `index` of `count`, padded to CHUNK_JSON_BYTES with its
/// content text. `sent_ns` adds the timed streams' send stamp.
fn chunk_json(index: usize, count: usize, sent_ns: Option<u64>) -> String {
    let role = if index == 0 { r#""role":"assistant","# } else { "" };
    let finish = if index + 1 == count { r#""stop""# } else { "null" };
    let stamp = sent_ns.map(|ns| format!(r#""bench_sent_ns":{ns},"#)).unwrap_or_default();
    let render = |content: &str| {
        format!(
            r#"{{"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1700000000,"model":"bench-model",{stamp}"choices":[{{"index":0,"delta":{{{role}"content":"{content}"}},"finish_reason":{finish}}}]}}"#
        )
    };
    let word = format!("token{index} ");
    let room = CHUNK_JSON_BYTES.saturating_sub(render("").len());
    let content: String = word.chars().cycle().take(room.max(word.len())).collect();
    render(&content)
}

/// Responses API event `index` of a stream of `count` text deltas, as one SSE event whose JSON
/// is padded to CHUNK_JSON_BYTES with its delta text; index `count` is `response.completed`.
fn responses_event(index: usize, count: usize) -> String {
    if index == count {
        let response = r#"{"id":"resp_bench","object":"response","created_at":1700000000,"status":"completed","model":"bench-model","output":[],"usage":{"input_tokens":12,"output_tokens":180,"total_tokens":192}}"#;
        return format!("event: response.completed\ndata: {{\"type\":\"response.completed\",\"sequence_number\":{},\"response\":{response}}}\n\n", count + 2);
    }
    let render = |delta: &str| {
        format!(
            r#"{{"type":"response.output_text.delta","sequence_number":{},"item_id":"msg_bench","output_index":0,"content_index":0,"delta":"{delta}","logprobs":[]}}"#,
            index + 2
        )
    };
    let word = format!("token{index} ");
    let room = CHUNK_JSON_BYTES.saturating_sub(render("").len());
    let delta: String = word.chars().cycle().take(room.max(word.len())).collect();
    format!("event: response.output_text.delta\ndata: {}\n\n", render(&delta))
}

/// The events before a Responses stream's first delta.
const RESPONSES_OPENING: &str = concat!(
    "event: response.created\ndata: {\"type\":\"response.created\",\"sequence_number\":0,\"response\":{\"id\":\"resp_bench\",\"object\":\"response\",\"created_at\":1700000000,\"status\":\"in_progress\",\"model\":\"bench-model\",\"output\":[]}}\n\n",
    "event: response.output_item.added\ndata: {\"type\":\"response.output_item.added\",\"sequence_number\":1,\"output_index\":0,\"item\":{\"type\":\"message\",\"id\":\"msg_bench\",\"status\":\"in_progress\",\"role\":\"assistant\",\"content\":[]}}\n\n",
);

fn plain_body() -> String {
    let render = |content: &str| {
        format!(
            r#"{{"id":"chatcmpl-bench","object":"chat.completion","created":1700000000,"model":"bench-model","choices":[{{"index":0,"message":{{"role":"assistant","content":"{content}"}},"logprobs":null,"finish_reason":"stop"}}],"usage":{{"prompt_tokens":12,"completion_tokens":180,"total_tokens":192}},"system_fingerprint":"fp_bench"}}"#
        )
    };
    let room = PLAIN_BODY_BYTES - render("").len();
    let content: String = "The quick brown fox jumps over the lazy dog. ".chars().cycle().take(room).collect();
    render(&content)
}

fn plain_response() -> Vec<u8> {
    let body = plain_body();
    format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nx-request-id: req-bench\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

fn stream_head(format: Format, close: bool) -> String {
    let content_type = match format {
        Format::Sse | Format::Responses => "text/event-stream",
        Format::JsonLines => "application/x-ndjson",
    };
    let connection = if close { "Connection: close\r\n" } else { "" };
    format!(
        "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nCache-Control: no-cache\r\n{connection}Transfer-Encoding: chunked\r\n\r\n"
    )
}

fn event(format: Format, json: &str) -> String {
    match format {
        Format::Sse => format!("data: {json}\n\n"),
        Format::JsonLines => format!("{json}\n"),
        Format::Responses => unreachable!("Responses events are rendered by responses_event"),
    }
}

fn http_chunk(out: &mut Vec<u8>, payload: &[u8]) {
    write!(out, "{:x}\r\n", payload.len()).expect("writing to a Vec cannot fail");
    out.extend_from_slice(payload);
    out.extend_from_slice(b"\r\n");
}

const LAST_HTTP_CHUNK: &[u8] = b"0\r\n\r\n";

/// The whole response of a pre-rendered stream: head and chunked body.
fn stream_response(format: Format, chunks: usize) -> Vec<u8> {
    let mut out = stream_head(format, false).into_bytes();
    let mut pending = String::with_capacity(HTTP_CHUNK_BYTES + 512);
    let mut events: Vec<String> = match format {
        Format::Responses => std::iter::once(RESPONSES_OPENING.to_string())
            .chain((0..=chunks).map(|i| responses_event(i, chunks)))
            .collect(),
        _ => (0..chunks).map(|i| event(format, &chunk_json(i, chunks, None))).collect(),
    };
    if format == Format::Sse {
        events.push("data: [DONE]\n\n".to_string());
    }
    for text in events {
        if !pending.is_empty() && pending.len() + text.len() > HTTP_CHUNK_BYTES {
            http_chunk(&mut out, pending.as_bytes());
            pending.clear();
        }
        pending.push_str(&text);
    }
    if !pending.is_empty() {
        http_chunk(&mut out, pending.as_bytes());
    }
    out.extend_from_slice(LAST_HTTP_CHUNK);
    out
}

/// Rendered replies, shared by every connection; streams render on first use.
struct Replies {
    plain: Vec<u8>,
    streams: Mutex<HashMap<(Format, usize), Arc<Vec<u8>>>>,
}

impl Replies {
    fn stream(&self, format: Format, chunks: usize) -> Arc<Vec<u8>> {
        let mut streams = self.streams.lock().unwrap_or_else(|p| p.into_inner());
        Arc::clone(streams.entry((format, chunks)).or_insert_with(|| Arc::new(stream_response(format, chunks))))
    }
}

struct Request {
    path: String,
    close: bool,
}

fn bad_request(message: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message.to_string())
}

/// Reads one request (head and Content-Length body) from `socket`, keeping any
/// bytes of the next one in `buffer`. None when the client closed between requests.
async fn read_request(socket: &mut TcpStream, buffer: &mut Vec<u8>) -> io::Result<Option<Request>> {
    let mut scratch = [0u8; 8192];
    let head_end = loop {
        if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        if buffer.len() > MAX_REQUEST_BYTES {
            return Err(bad_request("request head too large"));
        }
        let read = socket.read(&mut scratch).await?;
        if read == 0 {
            return if buffer.is_empty() { Ok(None) } else { Err(bad_request("request cut short")) };
        }
        buffer.extend_from_slice(&scratch[..read]);
    };
    let head = std::str::from_utf8(&buffer[..head_end]).map_err(|_| bad_request("request head is not UTF-8"))?;
    let mut lines = head.split("\r\n");
    let path = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .ok_or_else(|| bad_request("no request line"))?
        .to_string();
    let mut body_len = 0usize;
    let mut close = false;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else { continue };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            body_len = value.parse().map_err(|_| bad_request("bad Content-Length"))?;
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            return Err(bad_request("chunked request bodies are not supported"));
        } else if name.eq_ignore_ascii_case("connection") {
            close = value.eq_ignore_ascii_case("close");
        }
    }
    if head_end + body_len > MAX_REQUEST_BYTES {
        return Err(bad_request("request body too large"));
    }
    while buffer.len() < head_end + body_len {
        let read = socket.read(&mut scratch).await?;
        if read == 0 {
            return Err(bad_request("request body cut short"));
        }
        buffer.extend_from_slice(&scratch[..read]);
    }
    buffer.drain(..head_end + body_len);
    Ok(Some(Request { path, close }))
}

async fn serve(mut socket: TcpStream, replies: Arc<Replies>) -> io::Result<()> {
    socket.set_nodelay(true)?;
    let mut buffer = Vec::new();
    while let Some(request) = read_request(&mut socket, &mut buffer).await? {
        match route(&request.path) {
            Route::Plain => socket.write_all(&replies.plain).await?,
            Route::Stream { format, chunks } => socket.write_all(&replies.stream(format, chunks)).await?,
            Route::Timed { chunks, gap } => {
                // A thread of its own, so a busy runtime never delays a stamped write.
                let socket = socket.into_std()?;
                socket.set_nonblocking(false)?;
                std::thread::spawn(move || send_timed(socket, chunks, gap));
                return Ok(());
            }
            Route::Hold { duration } => return hold(socket, duration).await,
            Route::Cpu => socket.write_all(&json_response(&format!(r#"{{"cpu_us":{}}}"#, cpu_us()))).await?,
            Route::H2Stats => socket.write_all(&json_response(&h2::stats_json())).await?,
            Route::NotFound => {
                socket
                    .write_all(b"HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 9\r\n\r\nnot found")
                    .await?
            }
        }
        if request.close {
            break;
        }
    }
    Ok(())
}

fn json_response(body: &str) -> Vec<u8> {
    let head = format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n", body.len());
    (head + body).into_bytes()
}

fn monotonic_ns() -> u64 {
    let mut now = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `now` is a valid timespec to write to; CLOCK_MONOTONIC always exists on Linux.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut now) };
    now.tv_sec as u64 * 1_000_000_000 + now.tv_nsec as u64
}

/// User plus system CPU time of the whole process, in microseconds.
fn cpu_us() -> u64 {
    // SAFETY: getrusage writes into the zeroed struct it is given.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let us = |t: libc::timeval| t.tv_sec as u64 * 1_000_000 + t.tv_usec as u64;
    us(usage.ru_utime) + us(usage.ru_stime)
}

fn send_timed(mut socket: std::net::TcpStream, chunks: usize, gap: Duration) {
    let mut send = || -> io::Result<()> {
        socket.write_all(stream_head(Format::Sse, true).as_bytes())?;
        let mut frame = Vec::with_capacity(512);
        for index in 0..chunks {
            std::thread::sleep(gap);
            frame.clear();
            let text = event(Format::Sse, &chunk_json(index, chunks, Some(monotonic_ns())));
            http_chunk(&mut frame, text.as_bytes());
            socket.write_all(&frame)?;
        }
        frame.clear();
        http_chunk(&mut frame, b"data: [DONE]\n\n");
        frame.extend_from_slice(LAST_HTTP_CHUNK);
        socket.write_all(&frame)
    };
    // A client that leaves early only ends its own stream.
    let _ = send();
}

async fn hold(mut socket: TcpStream, duration: Duration) -> io::Result<()> {
    socket.write_all(stream_head(Format::Sse, true).as_bytes()).await?;
    let started = Instant::now();
    let mut frame = Vec::with_capacity(512);
    let mut probe = [0u8; 64];
    for index in 0.. {
        frame.clear();
        http_chunk(&mut frame, event(Format::Sse, &chunk_json(index, usize::MAX, None)).as_bytes());
        socket.write_all(&frame).await?;
        let left = duration.saturating_sub(started.elapsed());
        if left.is_zero() {
            break;
        }
        tokio::select! {
            _ = tokio::time::sleep(HOLD_TRICKLE.min(left)) => {}
            // The client sends nothing more, so a read returns only when it closes.
            read = socket.read(&mut probe) => if matches!(read, Ok(0) | Err(_)) { return Ok(()) },
        }
    }
    frame.clear();
    http_chunk(&mut frame, b"data: [DONE]\n\n");
    frame.extend_from_slice(LAST_HTTP_CHUNK);
    socket.write_all(&frame).await
}

struct Args {
    port: u16,
    threads: usize,
    exit_on_stdin_eof: bool,
    tls_cert: Option<String>,
    tls_key: Option<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args { port: 0, threads: 2, exit_on_stdin_eof: false, tls_cert: None, tls_key: None };
    let mut words = std::env::args().skip(1);
    while let Some(word) = words.next() {
        let mut value = |name: &str| words.next().ok_or(format!("{name} needs a value"));
        match word.as_str() {
            "--port" => args.port = value("--port")?.parse().map_err(|e| format!("--port: {e}"))?,
            "--threads" => args.threads = value("--threads")?.parse().map_err(|e| format!("--threads: {e}"))?,
            "--exit-on-stdin-eof" => args.exit_on_stdin_eof = true,
            "--tls-cert" => args.tls_cert = Some(value("--tls-cert")?),
            "--tls-key" => args.tls_key = Some(value("--tls-key")?),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(args)
}

fn main() {
    let args = parse_args().unwrap_or_else(|message| {
        eprintln!("webraft-load-server: {message}\nusage: webraft-load-server [--port P] [--threads N] [--exit-on-stdin-eof] [--tls-cert F --tls-key F]");
        std::process::exit(2);
    });
    if args.exit_on_stdin_eof {
        std::thread::spawn(|| {
            let _ = io::copy(&mut io::stdin(), &mut io::sink());
            std::process::exit(0);
        });
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.threads.max(1))
        .enable_all()
        .build()
        .expect("cannot start the tokio runtime");
    runtime.block_on(async move {
        let socket = TcpSocket::new_v4().expect("cannot create a socket");
        socket.set_reuseaddr(true).expect("SO_REUSEADDR");
        socket
            .bind(SocketAddr::from(([127, 0, 0, 1], args.port)))
            .unwrap_or_else(|e| panic!("cannot bind port {}: {e}", args.port));
        let listener = socket.listen(LISTEN_BACKLOG).expect("cannot listen");
        let port = listener.local_addr().expect("bound address").port();
        println!("LISTENING {port}");
        if let (Some(cert), Some(key)) = (&args.tls_cert, &args.tls_key) {
            let listener = h2::listen().unwrap_or_else(|e| panic!("HTTP/2 listener: {e}"));
            println!("LISTENING_H2 {}", listener.local_addr().expect("bound address").port());
            tokio::spawn(h2::serve(listener, h2::acceptor(cert, key).unwrap_or_else(|e| panic!("TLS: {e}"))));
        }
        io::stdout().flush().expect("stdout");
        let replies = Arc::new(Replies { plain: plain_response(), streams: Mutex::new(HashMap::new()) });
        loop {
            match listener.accept().await {
                Ok((socket, _)) => {
                    let replies = Arc::clone(&replies);
                    tokio::spawn(async move {
                        // A client that drops its connection mid-request ends only that connection.
                        let _ = serve(socket, replies).await;
                    });
                }
                // Out of file descriptors: wait for connections to close.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_and_plain_body_have_the_promised_sizes() {
        assert_eq!(chunk_json(5, 10, None).len(), CHUNK_JSON_BYTES);
        assert_eq!(chunk_json(99_999, 100_000, None).len(), CHUNK_JSON_BYTES);
        assert_eq!(plain_body().len(), PLAIN_BODY_BYTES);
    }

    #[test]
    fn routes_follow_the_base_url() {
        assert_eq!(route("/plain/chat/completions"), Route::Plain);
        assert_eq!(
            route("/jsonl/7/chat/completions"),
            Route::Stream { format: Format::JsonLines, chunks: 7 }
        );
        assert_eq!(
            route("/sse-timed/3/250/chat/completions"),
            Route::Timed { chunks: 3, gap: Duration::from_micros(250) }
        );
        assert_eq!(route("/sse/x/chat/completions"), Route::NotFound);
        assert_eq!(route("/sse/3/models"), Route::NotFound);
        assert_eq!(route("/cpu"), Route::Cpu);
        assert_eq!(route("/sse/4/responses"), Route::Stream { format: Format::Responses, chunks: 4 });
    }

    #[test]
    fn stream_body_holds_every_event_once() {
        let body = String::from_utf8(stream_response(Format::Sse, 1000)).unwrap();
        assert_eq!(body.matches("data: {").count(), 1000);
        assert_eq!(body.matches("data: [DONE]").count(), 1);
        assert!(body.ends_with("\r\n0\r\n\r\n"));
    }

    #[test]
    fn responses_events_have_the_promised_sizes() {
        let delta = responses_event(5, 10);
        let json = delta.split_once("data: ").unwrap().1.trim_end();
        assert_eq!(json.len(), CHUNK_JSON_BYTES);
        let body = String::from_utf8(stream_response(Format::Responses, 100)).unwrap();
        assert_eq!(body.matches("event: response.output_text.delta\n").count(), 100);
        assert_eq!(body.matches("event: response.completed\n").count(), 1);
    }
}
