//! Sending one call and reading its reply into a `Progress` that survives cancellation.
//!
//! `send` runs the attempts (`retry` says which failures to try again and when), `clock` keeps
//! the stage and total timeouts, and `read` reads a plain body, an error body or a stream.

mod clock;
mod race;
mod read;
mod retry;
mod send;

use crate::client::{Call, CallKind, Client};
use crate::config::RequestOptions;
use crate::error::{Error, Result};
use crate::result::Progress;
use clock::Clock;
use race::Delivered;
use read::Opening;
use reqwest::header::HeaderMap;
use std::future::Future;

/// Receives what a call hands on as it happens, in order.
pub trait ChunkSink: Send {
    /// One stream event: its SSE event name, if it has one, and its data. Returns false to
    /// cancel the request.
    fn deliver(&mut self, event: Option<&str>, data: &str) -> impl Future<Output = bool> + Send;
    /// The final reply's headers arrived (as a JSON object), before any event. Returns false
    /// to cancel the request.
    fn headers(&mut self, headers_json: &str) -> impl Future<Output = bool> + Send;
    /// One piece of a binary reply. Fails with CANCELLED when the caller wants no more, or
    /// with the error of the file the pieces go to.
    fn bytes(&mut self, piece: &[u8]) -> impl Future<Output = Result<()>> + Send;
    /// Whether `headers` hands them anywhere; if not, their JSON is not even made.
    fn takes_headers(&self) -> bool {
        true
    }
}

/// Run `call` to completion, retrying where the policy allows, streaming events into `sink`.
pub async fn execute(
    client: &Client,
    call: &Call,
    options: &RequestOptions,
    sink: &mut impl ChunkSink,
    progress: &mut Progress,
) -> Result<()> {
    let clock = Clock::new(
        progress.started(),
        options.timeouts(client.config.timeouts, call.is_stream()),
        call.is_stream(),
    );
    let delivered = race::race(client, call, options, &clock, progress).await;
    // Headers go on even when the reply is a failure: a 429's rate-limit headers matter most.
    if sink.takes_headers() && !progress.headers().is_empty() && !sink.headers(&progress.headers().to_json()).await {
        return Err(Error::Cancelled);
    }
    let response = match delivered? {
        Delivered::FirstEvent(opening) => return read::stream(client, *opening, &clock, sink, progress).await,
        Delivered::Headers(response) => response,
    };
    match call.kind {
        CallKind::Chat { stream: true }
        | CallKind::Responses { stream: true }
        | CallKind::Raw { stream: true }
        | CallKind::Upload { stream: true } => {
            read::stream(client, Opening::new(client, response), &clock, sink, progress).await
        }
        CallKind::Download { pieces: true } => read::pieces(client, response, &clock, sink, progress).await,
        CallKind::Chat { stream: false } => {
            read::body(client, response, &clock, progress).await?;
            progress.read_completion()
        }
        CallKind::Responses { stream: false } => {
            read::body(client, response, &clock, progress).await?;
            progress.read_response()
        }
        CallKind::Raw { stream: false } => {
            read::body(client, response, &clock, progress).await?;
            progress.read_raw();
            Ok(())
        }
        CallKind::Upload { stream: false } => {
            read::body(client, response, &clock, progress).await?;
            progress.read_upload_reply();
            Ok(())
        }
        // Binary: never parsed, whatever it looks like.
        CallKind::Download { pieces: false } => read::body(client, response, &clock, progress).await,
    }
}

/// A header's value as text; None when absent or not visible ASCII, as for a missing hint.
fn header_text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}
