//! Record mode (`--record URL --cassette FILE`): a reverse proxy to URL that passes every answer
//! through to its client piece by piece as it arrives, and writes each exchange (request, status,
//! headers, the body's pieces with their time offsets) to the cassette once its body has ended,
//! with the secrets removed (see `redact`).

use std::fs::File;
use std::io::{self, Write as _};
use std::sync::Mutex;
use std::time::Instant;

use crate::api::{self, Next};
use crate::cassette::{Exchange, Piece, RecordedRequest, RecordedResponse, HEADER};
use crate::http::{Request, Stream};
use crate::options::RecordOptions;
use crate::redact::{self, Redactor};
use crate::relay::{Framing, Relay};

/// The `code` of the 502 sent when the upstream cannot be reached.
const UNREACHABLE: (u16, &str) = (502, "upstream_unreachable");

pub(crate) struct Recorder {
    client: reqwest::Client,
    /// The upstream URL without a trailing `/`; request paths are appended to it.
    upstream: String,
    cassette: Mutex<File>,
    redactor: Redactor,
}

impl Recorder {
    /// Creates (or truncates) the cassette and writes its header line.
    pub(crate) fn new(options: &RecordOptions) -> io::Result<Recorder> {
        let mut file = File::create(&options.cassette).map_err(|e| {
            let path = options.cassette.display();
            io::Error::new(e.kind(), format!("cannot create cassette {path}: {e}"))
        })?;
        writeln!(file, "{HEADER}")?;
        Ok(Recorder {
            client: client(options)?,
            upstream: options.upstream.trim_end_matches('/').to_string(),
            cassette: Mutex::new(file),
            redactor: Redactor::new(&options.redact),
        })
    }

    /// Appends one exchange as a line, secrets scrubbed. Whole lines only, so a recording
    /// stopped at any moment is a valid cassette of the exchanges finished so far.
    fn write(&self, exchange: &Exchange, secrets: &[String]) -> io::Result<()> {
        let line = serde_json::to_string(exchange).map_err(io::Error::other)?;
        let line = redact::scrub(line, secrets) + "\n";
        let mut file = self.cassette.lock().unwrap_or_else(|e| e.into_inner());
        file.write_all(line.as_bytes())
    }
}

/// The upstream client: no redirects followed (the client gets them, as from the real API), no
/// proxy for a loopback upstream, and the `--upstream-ca` trusted besides the system's roots.
fn client(options: &RecordOptions) -> io::Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none());
    let host = options.upstream.split("://").nth(1).unwrap_or_default();
    if ["127.0.0.1", "localhost", "[::1]"]
        .iter()
        .any(|h| host.starts_with(h))
    {
        builder = builder.no_proxy();
    }
    if let Some(path) = &options.upstream_ca {
        let pem = std::fs::read(path).map_err(|e| {
            io::Error::new(e.kind(), format!("cannot read {}: {e}", path.display()))
        })?;
        let ca = reqwest::Certificate::from_pem(&pem).map_err(io::Error::other)?;
        builder = builder.add_root_certificate(ca);
    }
    builder.build().map_err(io::Error::other)
}

/// Proxies one request and records the exchange.
pub(crate) async fn proxy(
    stream: &mut dyn Stream,
    req: &Request,
    rid: u64,
    rec: &Recorder,
) -> io::Result<Next> {
    let start = Instant::now();
    let upstream = match forward(rec, req).await {
        Ok(response) => response,
        Err(e) => {
            let message = format!("webraft-mock record: {} unreachable: {e}", rec.upstream);
            eprintln!("{message}");
            return api::reject_mock(stream, req, rid, UNREACHABLE, message).await;
        }
    };
    let mut exchange = Exchange {
        request: recorded_request(rec, req),
        response: recorded_head(rec, &upstream, start),
    };
    let mut secrets = rec.redactor.request_secrets(req);
    let headers = upstream.headers().iter();
    secrets.extend(rec.redactor.secrets(headers.filter_map(header_text)));
    let next = pass_body(
        stream,
        upstream,
        req.keep_alive,
        &mut exchange.response,
        start,
    )
    .await;
    rec.write(&exchange, &secrets)?;
    next
}

/// Sends the request on to the upstream, with its headers but those that belong to this hop.
async fn forward(rec: &Recorder, req: &Request) -> reqwest::Result<reqwest::Response> {
    let mut url = format!("{}{}", rec.upstream, req.path);
    if !req.query.is_empty() {
        url = format!("{url}?{}", req.query);
    }
    let method = reqwest::Method::from_bytes(req.method.as_bytes()).unwrap_or_default();
    let mut builder = rec.client.request(method, url).body(req.body.clone());
    for (name, value) in &req.headers {
        // The upstream is asked for an identity body: pieces are recorded as they are sent.
        if !redact::is_framing(name) && name != "accept-encoding" && name != "expect" {
            builder = builder.header(name, value);
        }
    }
    builder.send().await
}

fn header_text<'a>(
    (name, value): (
        &'a reqwest::header::HeaderName,
        &'a reqwest::header::HeaderValue,
    ),
) -> Option<(&'a str, &'a str)> {
    value.to_str().ok().map(|v| (name.as_str(), v))
}

/// The request as the cassette keeps it: secret headers dropped, key parameters blanked.
fn recorded_request(rec: &Recorder, req: &Request) -> RecordedRequest {
    let headers = req.headers.iter().map(|(n, v)| (n.as_str(), v.as_str()));
    let mut recorded = RecordedRequest {
        method: req.method.clone(),
        path: req.path.clone(),
        query: redact::query(&req.query),
        headers: rec.redactor.keep(headers),
        body: None,
        body_text: None,
        body_base64: None,
    };
    recorded.set_body(&req.body);
    recorded
}

/// The status and headers of the upstream's answer, and when they came.
fn recorded_head(rec: &Recorder, upstream: &reqwest::Response, start: Instant) -> RecordedResponse {
    let headers = upstream.headers();
    RecordedResponse {
        status: upstream.status().as_u16(),
        headers: rec.redactor.keep(headers.iter().filter_map(header_text)),
        ms: millis(start),
        chunked: !headers.contains_key(reqwest::header::CONTENT_LENGTH),
        pieces: Vec::new(),
        complete: false,
    }
}

/// Milliseconds since `start`, to 0.1 ms: finer is noise, and shorter lines read better.
fn millis(start: Instant) -> f64 {
    (start.elapsed().as_secs_f64() * 10_000.0).round() / 10.0
}

/// Passes the upstream's body to the client piece by piece, recording each with its time.
/// The body is complete if the upstream ended it normally and the client took all of it.
async fn pass_body(
    stream: &mut dyn Stream,
    mut upstream: reqwest::Response,
    keep: bool,
    recorded: &mut RecordedResponse,
    start: Instant,
) -> io::Result<Next> {
    let length = upstream.content_length().unwrap_or(0) as usize;
    let framing = Framing::of(recorded.status, recorded.chunked, length);
    let mut relay = Relay::start(stream, recorded.status, &recorded.headers, framing, keep).await?;
    loop {
        match upstream.chunk().await {
            Ok(Some(bytes)) => {
                recorded.pieces.push(Piece::new(millis(start), &bytes));
                if relay.piece(&bytes).await.is_err() {
                    return Ok(Next::Close); // the client left; what came so far is recorded
                }
            }
            Ok(None) => {
                recorded.complete = true;
                return relay.finish(true).await;
            }
            Err(_) => return relay.finish(false).await,
        }
    }
}
