//! The raw HTTP/1.1 client the server tests speak through (std::net, and rustls's blocking
//! stream over it for TLS mode), and helpers for reading replies and streams.
#![allow(dead_code)] // each test file uses its own part of it

pub mod mock;

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use tokio_rustls::rustls::pki_types::ServerName;
use tokio_rustls::rustls::{ClientConfig, ClientConnection, StreamOwned};

pub const KEY: &str = "test-key";

// ---------------------------------------------------------------------------------------------
// Raw client

pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// For chunked bodies: each HTTP chunk's payload.
    pub chunks: Vec<Vec<u8>>,
    /// False when the connection ended before the body did (missing terminating chunk or short
    /// Content-Length body).
    pub complete: bool,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn text(&self) -> String {
        String::from_utf8(self.body.clone()).expect("utf-8 body")
    }
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("bad JSON ({e}): {}", self.text()))
    }
}

/// What the raw client speaks HTTP over: TCP, or TLS over TCP.
pub trait Io: Read + Write {}
impl<T: Read + Write> Io for T {}

pub struct Conn {
    pub io: Box<dyn Io>,
    /// The TCP socket under `io` (a second handle to it), for read timeouts.
    pub stream: TcpStream,
    pub buf: Vec<u8>,
}

impl Conn {
    pub fn tcp(port: u16) -> TcpStream {
        let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        stream
    }

    pub fn open(port: u16) -> Conn {
        let stream = Conn::tcp(port);
        Conn {
            io: Box::new(stream.try_clone().unwrap()),
            stream,
            buf: Vec::new(),
        }
    }

    /// A TLS connection to 127.0.0.1:port verifying the certificate for `server_name`. The
    /// handshake runs on first use, so its failures surface from the first read or write.
    pub fn open_tls(port: u16, config: &Arc<ClientConfig>, server_name: &str) -> Conn {
        let stream = Conn::tcp(port);
        let name = ServerName::try_from(server_name.to_string()).unwrap();
        let tls = ClientConnection::new(Arc::clone(config), name).unwrap();
        Conn {
            io: Box::new(StreamOwned::new(tls, stream.try_clone().unwrap())),
            stream,
            buf: Vec::new(),
        }
    }

    pub fn send_raw(&mut self, bytes: &[u8]) {
        self.try_send_raw(bytes).unwrap();
    }

    pub fn try_send_raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.io.write_all(bytes)?;
        self.io.flush()
    }

    pub fn send(&mut self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) {
        self.send_raw(&Self::request_bytes(method, path, headers, body));
    }

    pub fn request_bytes(
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Vec<u8> {
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
        bytes
    }

    /// Reads more bytes; Ok(0) at EOF.
    pub fn fill(&mut self) -> io::Result<usize> {
        let mut tmp = [0u8; 65536];
        let n = self.io.read(&mut tmp)?;
        self.buf.extend_from_slice(&tmp[..n]);
        Ok(n)
    }

    pub fn line(&mut self) -> io::Result<Option<String>> {
        loop {
            if let Some(pos) = self.buf.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = self.buf.drain(..=pos).collect();
                let line = String::from_utf8_lossy(&line)
                    .trim_end_matches(['\r', '\n'])
                    .to_string();
                return Ok(Some(line));
            }
            if self.fill()? == 0 {
                return Ok(None);
            }
        }
    }

    pub fn read_head(&mut self) -> io::Result<(u16, Vec<(String, String)>)> {
        let status_line = self
            .line()?
            .ok_or_else(|| io::Error::new(io::ErrorKind::UnexpectedEof, "no status"))?;
        let status: u16 = status_line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .expect("status");
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

    pub fn response(&mut self) -> Response {
        self.try_response().expect("response")
    }

    pub fn try_response(&mut self) -> io::Result<Response> {
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
            let len: usize = get("content-length")
                .expect("content-length")
                .parse()
                .unwrap();
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
        Ok(Response {
            status,
            headers,
            body,
            chunks,
            complete,
        })
    }

    /// True if the server closed the connection (EOF) with nothing more to read.
    pub fn at_eof(&mut self) -> bool {
        self.buf.is_empty() && matches!(self.fill(), Ok(0))
    }
}

pub fn request(port: u16, method: &str, path: &str, key: Option<&str>, body: &[u8]) -> Response {
    let mut conn = Conn::open(port);
    let auth = key.map(|k| format!("Bearer {k}"));
    let mut headers = vec![("Content-Type", "application/json")];
    if let Some(a) = &auth {
        headers.push(("Authorization", a.as_str()));
    }
    conn.send(method, path, &headers, body);
    conn.response()
}

pub fn chat(port: u16, base: &str, body: &Value) -> Response {
    request(
        port,
        "POST",
        &format!("{base}/chat/completions"),
        Some(KEY),
        body.to_string().as_bytes(),
    )
}

pub fn hello(model: &str) -> Value {
    json!({"model": model, "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi there"}]})
}

pub fn with(mut v: Value, key: &str, value: Value) -> Value {
    v[key] = value;
    v
}

/// The JSON payloads of an SSE body (`data: ` lines, excluding `[DONE]`), and whether `[DONE]` came.
pub fn sse_payloads(text: &str) -> (Vec<Value>, bool) {
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

pub fn line_payloads(text: &str) -> Vec<Value> {
    text.split('\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

pub fn content_of(chunks: &[Value], index: u64) -> String {
    chunks
        .iter()
        .flat_map(|c| c["choices"].as_array().cloned().unwrap_or_default())
        .filter(|c| c["index"] == index)
        .filter_map(|c| c["delta"]["content"].as_str().map(str::to_string))
        .collect()
}
