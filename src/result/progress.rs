//! What a call has learned so far, and turning that into the caller's `CallResult`.

use super::{assistant_text, CallResult, Timings, Usage};
use crate::error::{ApiError, Error, Result};
use crate::stream::Accumulator;
use serde_json::Value;
use std::time::Duration;
use tokio::time::Instant;

/// Everything learned about a call so far. It lives outside the call's future,
/// so a cancelled or failed call still reports what had arrived.
#[derive(Debug)]
pub struct Progress {
    started: Instant,
    http_status: u16,
    request_id: Option<String>,
    retries: u32,
    timings: Timings,
    chunks: usize,
    accumulator: Option<Accumulator>,
    body: Vec<u8>,
    text: Option<String>,
    usage: Option<Usage>,
    body_is_json: bool,
}

impl Default for Progress {
    fn default() -> Self {
        Progress {
            started: Instant::now(),
            http_status: 0,
            request_id: None,
            retries: 0,
            timings: Timings::default(),
            chunks: 0,
            accumulator: None,
            body: Vec::new(),
            text: None,
            usage: None,
            body_is_json: false,
        }
    }
}

impl Progress {
    /// Turn the progress and the call's outcome into the caller's result.
    /// A stream that delivered anything keeps its partial completion, even on error.
    pub fn finish(mut self, outcome: Result<()>) -> CallResult {
        self.timings.total = self.started.elapsed();
        if let Some(accumulator) = self.accumulator.take().filter(|acc| acc.chunk_count() > 0) {
            let completion = accumulator.completion();
            self.text = assistant_text(&completion);
            self.usage = Usage::of(&completion);
            self.body = serde_json::to_vec(&completion).expect("a JSON value always serializes");
            self.body_is_json = true;
        }
        CallResult {
            error: outcome.err(),
            http_status: self.http_status,
            body: self.body,
            body_is_json: self.body_is_json,
            text: self.text,
            usage: self.usage,
            request_id: self.request_id,
            timings: self.timings,
            retries: self.retries,
            chunks: self.chunks,
        }
    }

    /// When the call started: every timing, and the total deadline, counts from here.
    pub(crate) fn started(&self) -> Instant {
        self.started
    }

    pub(crate) fn since_start(&self) -> Duration {
        self.started.elapsed()
    }

    pub(crate) fn retries(&self) -> u32 {
        self.retries
    }

    pub(crate) fn count_retry(&mut self) {
        self.retries += 1;
    }

    pub(crate) fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    pub(crate) fn chunks(&self) -> usize {
        self.chunks
    }

    /// An attempt's status line and headers arrived; a later attempt overwrites them.
    pub(crate) fn record_headers(&mut self, http_status: u16, request_id: Option<String>) {
        self.http_status = http_status;
        self.request_id = request_id;
        self.timings.headers = Some(self.since_start());
    }

    /// Keep a failed attempt's error body for callers that want more than the parsed fields.
    pub(crate) fn keep_error_body(&mut self, body: Vec<u8>) {
        self.body_is_json = is_json(&body);
        self.body = body;
    }

    /// The buffer a plain reply's body is read into, emptied of any earlier attempt's error body.
    pub(crate) fn fresh_body(&mut self) -> &mut Vec<u8> {
        self.body.clear();
        &mut self.body
    }

    /// Add one decoded stream chunk to the completion being accumulated.
    pub(crate) fn record_chunk(&mut self, chunk: &Value) -> Result<()> {
        self.accumulator
            .get_or_insert_with(Accumulator::new)
            .push(chunk)?;
        if self.timings.first_chunk.is_none() {
            self.timings.first_chunk = Some(self.since_start());
        }
        self.chunks += 1;
        Ok(())
    }

    /// Read the body as a `chat.completion`. Some servers answer 200 with only an `error`
    /// member; that is their failure, not a completion.
    pub(crate) fn read_completion(&mut self) -> Result<()> {
        let completion: Value = serde_json::from_slice(&self.body).map_err(|e| {
            Error::InvalidResponse(format!("chat completion body is not JSON: {e}"))
        })?;
        self.body_is_json = true;
        if completion.get("choices").is_none() {
            if let Some(mut api) = ApiError::from_error_member(&completion) {
                api.http_status = self.http_status;
                return Err(Error::Http(api));
            }
        }
        self.text = assistant_text(&completion);
        self.usage = Usage::of(&completion);
        Ok(())
    }

    /// A raw call's body may be anything; only note whether it is JSON.
    pub(crate) fn read_raw(&mut self) {
        self.body_is_json = is_json(&self.body);
    }
}

fn is_json(bytes: &[u8]) -> bool {
    serde_json::from_slice::<Value>(bytes).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Status;
    use serde_json::json;

    fn with_body(body: &[u8]) -> Progress {
        let mut progress = Progress::default();
        progress.record_headers(200, Some("req-1".into()));
        progress.fresh_body().extend_from_slice(body);
        progress
    }

    #[test]
    fn a_completion_body_gives_text_and_usage() {
        let body = br#"{"choices":[{"message":{"content":"hi"}}],"usage":{"total_tokens":3}}"#;
        let mut progress = with_body(body);
        progress.read_completion().unwrap();
        let result = progress.finish(Ok(()));
        assert_eq!(result.status(), Status::Ok);
        assert_eq!(
            (result.text.as_deref(), result.body_is_json),
            (Some("hi"), true)
        );
        assert_eq!(result.usage.map(|u| u.total_tokens), Some(3));
        assert_eq!(result.request_id.as_deref(), Some("req-1"));
        assert!(result.timings.headers.is_some() && result.timings.first_chunk.is_none());
    }

    #[test]
    fn an_error_member_or_a_non_json_body_is_a_failure() {
        let mut refused = with_body(br#"{"error":{"message":"no credits"}}"#);
        match refused.read_completion() {
            Err(Error::Http(api)) => {
                assert_eq!((api.http_status, &*api.message), (200, "no credits"))
            }
            other => panic!("{other:?}"),
        }
        let mut garbled = with_body(b"<html>");
        let error = garbled.read_completion().unwrap_err();
        assert_eq!(error.status(), Status::InvalidResponse);
        let result = garbled.finish(Err(error));
        assert_eq!(
            (result.body, result.body_is_json),
            (b"<html>".to_vec(), false)
        );
    }

    #[test]
    fn a_stream_keeps_its_partial_completion_on_error() {
        let mut progress = Progress::default();
        let chunk = json!({"id":"c","choices":[{"index":0,"delta":{"content":"Hel"}}]});
        progress.keep_error_body(b"{}".to_vec());
        progress.record_chunk(&chunk).unwrap();
        let result = progress.finish(Err(Error::Cancelled));
        assert_eq!((result.chunks, result.text.as_deref()), (1, Some("Hel")));
        assert!(result.body_is_json && result.timings.first_chunk.is_some());
        assert_eq!(result.status(), Status::Cancelled);
    }
}
