//! Sending one call and reading its reply into a `Progress` that survives cancellation.
//!
//! `send` runs the attempts (`retry` says which failures to try again and when), `clock` keeps
//! the stage and total timeouts, and `read` reads a plain body, an error body or a stream.

mod clock;
mod read;
mod retry;
mod send;

use crate::client::{Call, CallKind, Client};
use crate::config::RequestOptions;
use crate::error::Result;
use crate::result::Progress;
use clock::Clock;
use reqwest::header::HeaderMap;
use std::future::Future;

/// Receives each stream chunk's JSON text in order.
pub trait ChunkSink: Send {
    /// Returns false to cancel the request.
    fn deliver(&mut self, chunk_json: &str) -> impl Future<Output = bool> + Send;
}

/// Run `call` to completion, retrying where the policy allows, streaming chunks into `sink`.
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
    let response = send::send(client, call, options, &clock, progress).await?;
    match call.kind {
        CallKind::Chat { stream: true } => {
            read::stream(client, response, &clock, sink, progress).await
        }
        CallKind::Chat { stream: false } => {
            read::body(client, response, &clock, progress).await?;
            progress.read_completion()
        }
        CallKind::Raw => {
            read::body(client, response, &clock, progress).await?;
            progress.read_raw();
            Ok(())
        }
    }
}

/// A header's value as text; None when absent or not visible ASCII, as for a missing hint.
fn header_text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}
