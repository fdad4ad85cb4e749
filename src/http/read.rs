//! Reading a reply: a plain body or an error body through the one capped reader, or a stream
//! through the decoder into the caller's sink.

use super::clock::{Clock, Stage};
use super::send::classify;
use super::{header_text, ChunkSink};
use crate::client::Client;
use crate::error::{ApiError, Error, Result};
use crate::result::Progress;
use crate::stream::{Decoder, StreamEvent};
use reqwest::Response;
use serde_json::Value;
use std::ops::Deref;

/// Error bodies are read only this far; the message is all we need from them.
const MAX_ERROR_BODY_BYTES: usize = 64 << 10;
/// How much of a stream's start is kept to explain a stream without chunks.
const STREAM_OPENING_BYTES: usize = 200;

/// What a body reader does at its cap.
#[derive(Clone, Copy)]
enum Cap {
    /// Keep the first bytes and stop reading: an error body's message is at its start.
    Keep(usize),
    /// Fail: a reply cut short would be a wrong answer (`max_body_bytes`).
    Fail(usize),
}

/// A successful plain reply's body, into the progress: on failure the result keeps what arrived.
pub(super) async fn body(
    client: &Client,
    response: Response,
    clock: &Clock,
    progress: &mut Progress,
) -> Result<()> {
    let cap = Cap::Fail(client.config.max_body_bytes);
    let outcome = read_capped(client, response, clock, cap, progress.fresh_body()).await;
    progress.count_body_received();
    outcome
}

/// A binary reply handed to `sink` piece by piece as it arrives; nothing is kept, so no size
/// cap applies. A body cut short fails, and the progress says how much arrived.
pub(super) async fn pieces(
    client: &Client,
    mut response: Response,
    clock: &Clock,
    sink: &mut impl ChunkSink,
    progress: &mut Progress,
) -> Result<()> {
    while let Some(piece) = next_piece(client, &mut response, clock, Stage::StreamPiece).await? {
        progress.count_piece(piece.len());
        sink.bytes(&piece).await?;
    }
    Ok(())
}

/// A failed reply's body, best effort: one that breaks off is dropped whole, and the error is
/// then made from the status alone.
pub(super) async fn error_body(client: &Client, response: Response, clock: &Clock) -> Vec<u8> {
    let mut body = Vec::new();
    let cap = Cap::Keep(MAX_ERROR_BODY_BYTES);
    match read_capped(client, response, clock, cap, &mut body).await {
        Ok(()) => body,
        Err(_) => Vec::new(),
    }
}

async fn read_capped(
    client: &Client,
    mut response: Response,
    clock: &Clock,
    cap: Cap,
    body: &mut Vec<u8>,
) -> Result<()> {
    while let Some(piece) = next_piece(client, &mut response, clock, Stage::Body).await? {
        match cap {
            Cap::Keep(limit) => {
                if keep_start(body, &piece, limit) {
                    break;
                }
            }
            Cap::Fail(limit) => {
                check_size(body.len(), piece.len(), limit)?;
                body.extend_from_slice(&piece);
            }
        }
    }
    Ok(())
}

/// The body's next piece, or None at its end, within the stage's clock.
async fn next_piece(
    client: &Client,
    response: &mut Response,
    clock: &Clock,
    stage: Stage,
) -> Result<Option<impl Deref<Target = [u8]>>> {
    clock
        .limit(stage, response.chunk())
        .await?
        .map_err(|e| classify(e, client.config.connect_timeout))
}

/// Append as much of `piece` as fits in `limit` bytes; true once `kept` is full.
fn keep_start(kept: &mut Vec<u8>, piece: &[u8], limit: usize) -> bool {
    let room = limit.saturating_sub(kept.len());
    kept.extend_from_slice(&piece[..piece.len().min(room)]);
    kept.len() >= limit
}

/// Fail once `so_far` bytes and the next `piece` bytes together exceed `limit`.
fn check_size(so_far: usize, piece: usize, limit: usize) -> Result<()> {
    if so_far + piece > limit {
        return Err(Error::ResponseTooLarge(format!(
            "response body exceeds {limit} bytes (max_body_bytes)"
        )));
    }
    Ok(())
}

/// A streamed reply being read: the response, and what the decoder has made of it that has
/// not been handed on yet. A hedged or fallback call reads each candidate up to its first event
/// (`first_event`) before it picks one to hand on (`stream`).
pub(super) struct Opening {
    response: Response,
    decoder: Decoder,
    events: Vec<StreamEvent>,
    received: usize,
    /// The body's first bytes, kept to explain a reply that never yields a chunk.
    start: Vec<u8>,
    /// The body has ended.
    ended: bool,
    /// The decoder failed after the events still in `events`.
    failed: Option<Error>,
}

impl Opening {
    /// A stream whose headers have arrived and whose body is not read yet.
    pub(super) fn new(client: &Client, response: Response) -> Opening {
        let content_type = header_text(response.headers(), "content-type").map(str::to_string);
        Opening {
            decoder: Decoder::new(content_type.as_deref(), client.config.max_event_bytes),
            response,
            events: Vec::new(),
            received: 0,
            start: Vec::new(),
            ended: false,
            failed: None,
        }
    }

    /// Read until the decoder has an event (or the body ends or breaks the format). Fails
    /// only when the reading fails (a timeout, a broken connection, a body over its limit).
    pub(super) async fn first_event(mut self, client: &Client, clock: &Clock) -> Result<Opening> {
        while self.events.is_empty() && !self.ended && self.failed.is_none() {
            self.pull(client, clock).await?;
        }
        Ok(self)
    }

    /// Read the next piece of the body (or its end) into the decoder.
    async fn pull(&mut self, client: &Client, clock: &Clock) -> Result<()> {
        let piece = next_piece(client, &mut self.response, clock, Stage::StreamPiece).await?;
        let decoded = match &piece {
            Some(bytes) => {
                check_size(self.received, bytes.len(), client.config.max_body_bytes)?;
                self.received += bytes.len();
                keep_start(&mut self.start, bytes, STREAM_OPENING_BYTES);
                self.decoder.feed(bytes, &mut self.events)
            }
            None => {
                self.ended = true;
                self.decoder.finish(&mut self.events)
            }
        };
        self.failed = decoded.err();
        Ok(())
    }
}

/// Decode a stream, handing each chunk to `sink`, until the server says it is done or the body
/// ends. Only the byte count is capped: chunks go on as they arrive, and the completion is
/// accumulated from them rather than from the raw bytes.
pub(super) async fn stream(
    client: &Client,
    mut opening: Opening,
    clock: &Clock,
    sink: &mut impl ChunkSink,
    progress: &mut Progress,
) -> Result<()> {
    loop {
        // Events decoded before a protocol error still reach the caller.
        let done = dispatch(&mut opening.events, sink, progress).await?;
        if let Some(error) = opening.failed.take() {
            return Err(error);
        }
        if done || opening.ended {
            return match progress.chunks() {
                0 => Err(Error::InvalidResponse(format!(
                    "the stream ended without a single chunk; it began {:?}",
                    String::from_utf8_lossy(&opening.start)
                ))),
                _ => Ok(()),
            };
        }
        opening.pull(client, clock).await?;
    }
}

/// Hand decoded events on in order; true once the stream has said it is done.
async fn dispatch(
    events: &mut Vec<StreamEvent>,
    sink: &mut impl ChunkSink,
    progress: &mut Progress,
) -> Result<bool> {
    let mut done = false;
    for event in events.drain(..) {
        match event {
            StreamEvent::Data(data) => deliver(None, &data, sink, progress).await?,
            StreamEvent::Named { name, data } => deliver(Some(&name), &data, sink, progress).await?,
            StreamEvent::Error(payload) => return Err(Error::StreamError(stream_error(&payload))),
            StreamEvent::Done => done = true,
        }
    }
    Ok(done)
}

/// Record one event (the progress parses it as its kind of stream needs), then hand it on.
/// An event that fails (malformed, or an error the server reports in it) is not handed on.
async fn deliver(
    name: Option<&str>,
    data: &str,
    sink: &mut impl ChunkSink,
    progress: &mut Progress,
) -> Result<()> {
    progress.record_event(name, data)?;
    if sink.deliver(name, data).await {
        Ok(())
    } else {
        Err(Error::Cancelled)
    }
}

/// An `event: error` or `error:` payload: an error object if it parses, else its text.
fn stream_error(payload: &str) -> ApiError {
    let parsed = serde_json::from_str::<Value>(payload).ok();
    let mut api = parsed
        .as_ref()
        .and_then(ApiError::from_value)
        .unwrap_or_else(|| ApiError {
            message: payload.trim().to_string(),
            ..ApiError::default()
        });
    api.http_status = 200;
    api
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keep_start_keeps_only_the_first_bytes() {
        let mut kept = Vec::new();
        assert!(!keep_start(&mut kept, b"abc", 5));
        assert!(keep_start(&mut kept, b"defgh", 5));
        assert!(keep_start(&mut kept, b"ijk", 5));
        assert_eq!(kept, b"abcde");
    }

    #[test]
    fn the_size_limit_allows_exactly_the_limit() {
        assert!(check_size(6, 4, 10).is_ok());
        let too_large = check_size(6, 5, 10).unwrap_err();
        assert_eq!(
            too_large.to_string(),
            Error::ResponseTooLarge("response body exceeds 10 bytes (max_body_bytes)".into())
                .to_string()
        );
    }

    #[test]
    fn stream_errors_parse_or_keep_their_text() {
        let parsed = stream_error(r#"{"error":{"message":"overloaded","type":"server"}}"#);
        assert_eq!((parsed.http_status, &*parsed.message), (200, "overloaded"));
        let text = stream_error("  model crashed \n");
        assert_eq!((text.http_status, &*text.message), (200, "model crashed"));
    }
}
