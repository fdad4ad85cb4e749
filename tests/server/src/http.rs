//! Hand-rolled HTTP/1.1 on any byte stream (plain TCP or TLS): request parsing (Content-Length
//! and chunked bodies, `Expect: 100-continue`, keep-alive) and response writing (fixed-length
//! bodies and chunked streams, one HTTP chunk per event, each written and flushed at once).

use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// A connection the server speaks HTTP on: a `TcpStream`, or a TLS stream over one.
pub(crate) trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

/// Writes `bytes` and flushes, so a TLS layer puts them on the wire now (a no-op for TCP).
pub(crate) async fn write_now(stream: &mut dyn Stream, bytes: &[u8]) -> io::Result<()> {
    stream.write_all(bytes).await?;
    stream.flush().await
}

/// Request bodies larger than this get 413, unless the server is given another limit.
pub const MAX_BODY: usize = 64 * 1024 * 1024;
/// Request line + headers larger than this get 431.
const MAX_HEAD: usize = 64 * 1024;
/// Longest chunk-size or trailer line accepted in a chunked request body.
const MAX_LINE: usize = 8 * 1024;

#[derive(Clone)]
pub(crate) struct Request {
    pub method: String,
    /// Path without the query string.
    pub path: String,
    /// Raw query string (after `?`, without it); empty when there is none.
    pub query: String,
    /// Header names lowercased, values trimmed, in arrival order.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub keep_alive: bool,
    /// The request line used absolute-form (`POST http://host/path HTTP/1.1`), as clients do
    /// when talking to an HTTP proxy.
    pub absolute_form: bool,
}

impl Request {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }
}

/// Why reading a request stopped without producing one.
pub(crate) enum ReadError {
    /// The peer closed (or reset) the connection mid-request: just drop it.
    Closed,
    /// A malformed or oversized request: answer with this status, then close.
    Bad { status: u16, message: String },
}

fn bad(status: u16, message: impl Into<String>) -> ReadError {
    ReadError::Bad {
        status,
        message: message.into(),
    }
}

/// 413 for a body over `max_body` bytes, naming the limit so the client knows what to send.
fn too_large(max_body: usize) -> ReadError {
    const MIB: usize = 1024 * 1024;
    let limit = if max_body / MIB * MIB == max_body {
        format!("{} MiB", max_body / MIB)
    } else {
        format!("{max_body} bytes")
    };
    bad(413, format!("Request body too large (limit is {limit})"))
}

/// Reads more bytes into `buf`; returns how many (0 = EOF).
async fn fill(stream: &mut dyn Stream, buf: &mut Vec<u8>) -> Result<usize, ReadError> {
    buf.reserve(64 * 1024);
    stream.read_buf(buf).await.map_err(|_| ReadError::Closed)
}

/// `(end of the last header line, index just after the blank line)`.
fn find_head_end(buf: &[u8]) -> Option<(usize, usize)> {
    let mut line_start = 0;
    for (i, &b) in buf.iter().enumerate() {
        if b == b'\n' {
            let line = &buf[line_start..i];
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.is_empty() {
                return Some((line_start, i + 1));
            }
            line_start = i + 1;
        }
    }
    None
}

/// The first header named `name` (lowercase), trimmed.
fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// Reads up to the blank line that ends the header section and returns that section (without
/// the blank line). `Ok(None)` means the peer closed cleanly between requests.
async fn read_head(
    stream: &mut dyn Stream,
    buf: &mut Vec<u8>,
) -> Result<Option<String>, ReadError> {
    let (head_len, consumed) = loop {
        // Tolerate stray CRLFs between requests (RFC 9112 §2.2).
        let lead = buf
            .iter()
            .take_while(|b| **b == b'\r' || **b == b'\n')
            .count();
        if lead > 0 {
            buf.drain(..lead);
        }
        if let Some(end) = find_head_end(buf) {
            break end;
        }
        if buf.len() > MAX_HEAD {
            return Err(bad(431, "Request header section too large"));
        }
        if fill(stream, buf).await? == 0 {
            return if buf.is_empty() {
                Ok(None)
            } else {
                Err(ReadError::Closed)
            };
        }
    };
    if head_len > MAX_HEAD {
        return Err(bad(431, "Request header section too large"));
    }
    let head = String::from_utf8_lossy(&buf[..head_len]).into_owned();
    buf.drain(..consumed);
    Ok(Some(head))
}

/// `(method, target, is HTTP/1.0)`.
fn parse_request_line(line: &str) -> Result<(String, &str, bool), ReadError> {
    let parts: Vec<&str> = line.split(' ').filter(|p| !p.is_empty()).collect();
    if parts.len() != 3 {
        return Err(bad(400, "Malformed request line"));
    }
    let http10 = match parts[2] {
        "HTTP/1.1" => false,
        "HTTP/1.0" => true,
        v if v.starts_with("HTTP/") => return Err(bad(505, "HTTP version not supported")),
        _ => return Err(bad(400, "Malformed request line")),
    };
    Ok((parts[0].to_string(), parts[1], http10))
}

fn parse_headers<'a>(
    lines: impl Iterator<Item = &'a str>,
) -> Result<Vec<(String, String)>, ReadError> {
    let mut headers = Vec::new();
    for line in lines {
        if line.is_empty() {
            continue;
        }
        if line.starts_with(' ') || line.starts_with('\t') {
            return Err(bad(400, "Obsolete header line folding is not supported"));
        }
        let Some((name, value)) = line.split_once(':') else {
            return Err(bad(400, "Malformed header line"));
        };
        if name.is_empty() || name.contains(|c: char| c.is_ascii_whitespace()) {
            return Err(bad(400, "Malformed header name"));
        }
        headers.push((name.to_ascii_lowercase(), value.trim().to_string()));
    }
    Ok(headers)
}

/// `(path, query, absolute_form)`. Origin-form is normal; absolute-form (`http://host/path`,
/// sent to proxies) is served as if the path had been sent alone.
fn split_target(target: &str) -> (String, String, bool) {
    let absolute = target
        .strip_prefix("http://")
        .or_else(|| target.strip_prefix("https://"));
    let target = match absolute {
        Some(rest) => match rest.find(['/', '?']) {
            Some(i) if rest[i..].starts_with('?') => format!("/{}", &rest[i..]),
            Some(i) => rest[i..].to_string(),
            None => "/".to_string(),
        },
        None => target.to_string(),
    };
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_string(), q.to_string()),
        None => (target.to_string(), String::new()),
    };
    (path, query, absolute.is_some())
}

fn keeps_alive(headers: &[(String, String)], http10: bool) -> bool {
    let connection_tokens: Vec<String> = headers
        .iter()
        .filter(|(n, _)| n == "connection")
        .flat_map(|(_, v)| v.split(',').map(|t| t.trim().to_ascii_lowercase()))
        .collect();
    if http10 {
        connection_tokens.iter().any(|t| t == "keep-alive")
    } else {
        !connection_tokens.iter().any(|t| t == "close")
    }
}

/// The body length the Content-Length headers give (0 without one).
fn content_length(headers: &[(String, String)], max_body: usize) -> Result<usize, ReadError> {
    let mut length: Option<usize> = None;
    for (_, v) in headers.iter().filter(|(n, _)| n == "content-length") {
        let parsed: usize = v.parse().map_err(|_| bad(400, "Invalid Content-Length"))?;
        if length.is_some_and(|l| l != parsed) {
            return Err(bad(400, "Conflicting Content-Length headers"));
        }
        length = Some(parsed);
    }
    let length = length.unwrap_or(0);
    if length > max_body {
        return Err(too_large(max_body));
    }
    Ok(length)
}

async fn read_sized_body(
    stream: &mut dyn Stream,
    buf: &mut Vec<u8>,
    length: usize,
    expect_continue: bool,
) -> Result<Vec<u8>, ReadError> {
    if length > 0 {
        if expect_continue && buf.is_empty() {
            write_continue(stream).await?;
        }
        if buf.len() < length {
            buf.reserve(length - buf.len());
        }
        while buf.len() < length {
            if fill(stream, buf).await? == 0 {
                return Err(ReadError::Closed);
            }
        }
    }
    Ok(buf.drain(..length).collect())
}

async fn read_body(
    stream: &mut dyn Stream,
    buf: &mut Vec<u8>,
    headers: &[(String, String)],
    max_body: usize,
) -> Result<Vec<u8>, ReadError> {
    let expect_continue =
        find_header(headers, "expect").is_some_and(|v| v.eq_ignore_ascii_case("100-continue"));
    let transfer_encoding = headers
        .iter()
        .filter(|(n, _)| n == "transfer-encoding")
        .map(|(_, v)| v.to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join(",");
    if transfer_encoding.is_empty() {
        let length = content_length(headers, max_body)?;
        return read_sized_body(stream, buf, length, expect_continue).await;
    }
    let last = transfer_encoding
        .rsplit(',')
        .next()
        .unwrap_or_default()
        .trim()
        .to_string();
    if last != "chunked" {
        return Err(bad(501, "Unsupported Transfer-Encoding"));
    }
    if expect_continue {
        write_continue(stream).await?;
    }
    read_chunked(stream, buf, max_body).await
}

/// Reads one request from the connection. `Ok(None)` means the peer closed cleanly between
/// requests. `buf` carries bytes already read past the previous request (pipelining). A body
/// over `max_body` bytes is refused with 413.
pub(crate) async fn read_request(
    stream: &mut dyn Stream,
    buf: &mut Vec<u8>,
    max_body: usize,
) -> Result<Option<Request>, ReadError> {
    let Some(head) = read_head(stream, buf).await? else {
        return Ok(None);
    };
    let mut lines = head.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    let (method, target, http10) = parse_request_line(lines.next().unwrap_or_default())?;
    let headers = parse_headers(lines)?;
    let (path, query, absolute_form) = split_target(target);
    let keep_alive = keeps_alive(&headers, http10);
    let body = read_body(stream, buf, &headers, max_body).await?;
    Ok(Some(Request {
        method,
        path,
        query,
        headers,
        body,
        keep_alive,
        absolute_form,
    }))
}

async fn write_continue(stream: &mut dyn Stream) -> Result<(), ReadError> {
    write_now(stream, b"HTTP/1.1 100 Continue\r\n\r\n")
        .await
        .map_err(|_| ReadError::Closed)
}

async fn read_line(stream: &mut dyn Stream, buf: &mut Vec<u8>) -> Result<String, ReadError> {
    loop {
        if let Some(pos) = buf.iter().position(|b| *b == b'\n') {
            let line = &buf[..pos];
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            let text = String::from_utf8_lossy(line).into_owned();
            buf.drain(..pos + 1);
            return Ok(text);
        }
        if buf.len() > MAX_LINE {
            return Err(bad(400, "Chunked body line too long"));
        }
        if fill(stream, buf).await? == 0 {
            return Err(ReadError::Closed);
        }
    }
}

async fn read_chunked(
    stream: &mut dyn Stream,
    buf: &mut Vec<u8>,
    max_body: usize,
) -> Result<Vec<u8>, ReadError> {
    let mut body = Vec::new();
    loop {
        let line = read_line(stream, buf).await?;
        let size_text = line.split(';').next().unwrap_or_default().trim();
        if size_text.is_empty() {
            return Err(bad(400, "Invalid chunk size"));
        }
        let size =
            usize::from_str_radix(size_text, 16).map_err(|_| bad(400, "Invalid chunk size"))?;
        if size == 0 {
            // Trailer section, ended by an empty line.
            while !read_line(stream, buf).await?.is_empty() {}
            return Ok(body);
        }
        if size > max_body || body.len() + size > max_body {
            return Err(too_large(max_body));
        }
        while buf.len() < size + 2 {
            if fill(stream, buf).await? == 0 {
                return Err(ReadError::Closed);
            }
        }
        if &buf[size..size + 2] != b"\r\n" {
            return Err(bad(400, "Chunk data not followed by CRLF"));
        }
        body.extend_from_slice(&buf[..size]);
        buf.drain(..size + 2);
    }
}

pub(crate) fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        413 => "Payload Too Large",
        422 => "Unprocessable Content",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        _ => "Unknown",
    }
}

pub(crate) enum BodyLen {
    Fixed(usize),
    Chunked,
    /// No framing header: a status that never has a body (1xx, 204, 304).
    Bodiless,
}

/// Status line and headers. Every response carries `x-request-id: req_<rid>`.
pub(crate) fn head(
    status: u16,
    rid: u64,
    keep_alive: bool,
    headers: &[(&str, String)],
    len: BodyLen,
) -> Vec<u8> {
    let ours = [
        ("Server", "webraft-test-server".to_string()),
        ("x-request-id", format!("req_{rid}")),
    ];
    let all = ours.iter().chain(headers).map(|(n, v)| (*n, v.as_str()));
    raw_head(status, keep_alive, all, len)
}

/// Status line and exactly these headers, then the framing and `Connection` headers: what a
/// replayed or proxied answer sends, since its headers come from elsewhere.
pub(crate) fn raw_head<'a>(
    status: u16,
    keep_alive: bool,
    headers: impl IntoIterator<Item = (&'a str, &'a str)>,
    len: BodyLen,
) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status} {}\r\n", reason(status));
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    match len {
        BodyLen::Fixed(n) => out.push_str(&format!("Content-Length: {n}\r\n")),
        BodyLen::Chunked => out.push_str("Transfer-Encoding: chunked\r\n"),
        BodyLen::Bodiless => {}
    }
    out.push_str(if keep_alive {
        "Connection: keep-alive\r\n"
    } else {
        "Connection: close\r\n"
    });
    out.push_str("\r\n");
    out.into_bytes()
}

/// A complete response with a Content-Length body.
pub(crate) async fn send(
    stream: &mut dyn Stream,
    status: u16,
    rid: u64,
    keep_alive: bool,
    headers: &[(&str, String)],
    body: &[u8],
) -> io::Result<()> {
    let mut out = head(status, rid, keep_alive, headers, BodyLen::Fixed(body.len()));
    if body.len() <= 64 * 1024 {
        out.extend_from_slice(body);
        write_now(stream, &out).await
    } else {
        stream.write_all(&out).await?;
        write_now(stream, body).await
    }
}

/// Writes a chunked body: one HTTP chunk per call to [`ChunkedWriter::chunk`].
pub(crate) struct ChunkedWriter<'a> {
    stream: &'a mut dyn Stream,
    /// When set, frames are gathered and written in ~64 KiB batches (throughput scenarios);
    /// otherwise each frame is written to the socket immediately.
    coalesce: bool,
    pending: Vec<u8>,
}

impl<'a> ChunkedWriter<'a> {
    pub(crate) fn new(stream: &'a mut dyn Stream, coalesce: bool) -> Self {
        ChunkedWriter {
            stream,
            coalesce,
            pending: Vec::new(),
        }
    }

    /// The complete HTTP chunk framing for `data`.
    pub(crate) fn frame(data: &[u8]) -> Vec<u8> {
        let mut frame = format!("{:x}\r\n", data.len()).into_bytes();
        frame.extend_from_slice(data);
        frame.extend_from_slice(b"\r\n");
        frame
    }

    pub(crate) async fn chunk(&mut self, data: &[u8]) -> io::Result<()> {
        if data.is_empty() {
            return Ok(()); // a zero-length chunk would end the body
        }
        let frame = Self::frame(data);
        self.raw_frame(&frame).await
    }

    /// Writes an already framed chunk (see [`ChunkedWriter::frame`]).
    pub(crate) async fn raw_frame(&mut self, frame: &[u8]) -> io::Result<()> {
        if self.coalesce {
            self.pending.extend_from_slice(frame);
            if self.pending.len() >= 64 * 1024 {
                self.flush().await?;
            }
            Ok(())
        } else {
            write_now(self.stream, frame).await
        }
    }

    pub(crate) async fn flush(&mut self) -> io::Result<()> {
        if !self.pending.is_empty() {
            write_now(self.stream, &self.pending).await?;
            self.pending.clear();
        }
        Ok(())
    }

    /// Writes the terminating zero-length chunk.
    pub(crate) async fn finish(&mut self) -> io::Result<()> {
        self.pending.extend_from_slice(b"0\r\n\r\n");
        let out = std::mem::take(&mut self.pending);
        write_now(self.stream, &out).await
    }
}

/// Keeps the connection open, discarding anything the client sends, until the client closes it.
pub(crate) async fn hold_until_client_gone(stream: &mut dyn Stream) {
    let mut sink = vec![0u8; 4096];
    loop {
        match stream.read(&mut sink).await {
            Ok(0) | Err(_) => return note_abandoned(),
            Ok(_) => {}
        }
    }
}

/// Wait `pause` before the rest of a reply; false (and the reply counted as abandoned) when the
/// client leaves meanwhile, so a hedged loser's close is seen even before anything is written.
pub(crate) async fn pause_unless_client_gone(stream: &mut dyn Stream, pause: Duration) -> bool {
    tokio::select! {
        () = tokio::time::sleep(pause) => true,
        () = hold_until_client_gone(stream) => false,
    }
}

tokio::task_local! {
    /// The serving server's count of replies their clients left before the end.
    static ABANDONED: Arc<AtomicU64>;
}

/// Serve one connection with `abandoned` counting the replies its client leaves unfinished.
pub(crate) async fn counting_abandons<F: std::future::Future>(abandoned: Arc<AtomicU64>, serve: F) -> F::Output {
    ABANDONED.scope(abandoned, serve).await
}

/// The client left before the reply's end (a write failed, or a held reply saw it go).
pub(crate) fn note_abandoned() {
    let _ = ABANDONED.try_with(|count| count.fetch_add(1, Ordering::SeqCst));
}

/// Graceful close after an error response: send FIN, then read and discard what the client still
/// sends (for up to 2 s) so the kernel does not answer it with a RST that could destroy the
/// response before the client reads it.
pub(crate) async fn linger_close(stream: &mut dyn Stream) {
    let _ = stream.shutdown().await;
    let drain = async {
        let mut sink = vec![0u8; 64 * 1024];
        loop {
            match stream.read(&mut sink).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(2), drain).await;
}
