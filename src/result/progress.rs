//! What a call has learned so far, and turning that into the caller's `CallResult`.

use super::{assistant_text, Answered, CallResult, Timings, Usage};
use crate::client::CallKind;
use crate::error::{ApiError, Error, Result};
use crate::headers::ResponseHeaders;
use crate::stream::{response_text, Accumulator, Ending, LiveSnapshots, ResponsesAccumulator};
use serde_json::Value;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

/// What a stream's events are gathered into.
#[derive(Debug)]
enum Gathering {
    /// Chat chunks merged into a `chat.completion`.
    Chat(Accumulator),
    /// Responses events built into a `response`.
    Responses(ResponsesAccumulator),
    /// A transcript stream's text, from its delta and done events.
    Transcript(String),
    /// Events of another endpoint are only counted; the caller has them.
    Nothing,
}

/// Everything learned about a call so far. It lives outside the call's future,
/// so a cancelled or failed call still reports what had arrived.
#[derive(Debug)]
pub struct Progress {
    kind: CallKind,
    started: Instant,
    http_status: u16,
    request_id: Option<String>,
    headers: ResponseHeaders,
    retries: u32,
    timings: Timings,
    chunks: usize,
    gathering: Gathering,
    body: Vec<u8>,
    text: Option<String>,
    usage: Option<Usage>,
    incomplete_reason: Option<String>,
    body_is_json: bool,
    /// Body bytes of the final reply that arrived, kept or handed on.
    received: u64,
    /// Kept up to date after every chat chunk, for readers on other threads.
    live: Option<Arc<Mutex<LiveSnapshots>>>,
    answered: Option<Answered>,
    /// The body, parsed, when the call had to parse it anyway.
    reply: Option<Value>,
}

impl Default for Progress {
    /// The progress of a chat call.
    fn default() -> Self {
        Progress::new(CallKind::Chat { stream: false })
    }
}

impl Progress {
    pub fn new(kind: CallKind) -> Progress {
        let gathering = match kind {
            CallKind::Chat { .. } => Gathering::Chat(Accumulator::new()),
            CallKind::Responses { .. } => Gathering::Responses(ResponsesAccumulator::new()),
            CallKind::Upload { stream: true } => Gathering::Transcript(String::new()),
            CallKind::Raw { .. } | CallKind::Upload { .. } | CallKind::Download { .. } => Gathering::Nothing,
        };
        Progress {
            kind,
            started: Instant::now(),
            http_status: 0,
            request_id: None,
            headers: ResponseHeaders::default(),
            retries: 0,
            timings: Timings::default(),
            chunks: 0,
            gathering,
            body: Vec::new(),
            text: None,
            usage: None,
            incomplete_reason: None,
            body_is_json: false,
            received: 0,
            live: None,
            answered: None,
            reply: None,
        }
    }

    /// Keep `live` up to date with the chat chunks this call gathers.
    pub fn watch(&mut self, live: Arc<Mutex<LiveSnapshots>>) {
        self.live = Some(live);
    }

    /// A fresh progress for the attempts on one endpoint: same call, same clock, same watcher.
    pub(crate) fn for_endpoint(&self) -> Progress {
        Progress {
            started: self.started,
            live: self.live.clone(),
            ..Progress::new(self.kind)
        }
    }

    /// Record which endpoint the call ended on, when its own progress was that endpoint's.
    pub(crate) fn answered_by(&mut self, answered: Answered) {
        self.answered = Some(answered);
    }

    /// Make an endpoint's progress the call's: the endpoint that answered (or failed last),
    /// with the retries of every endpoint that finished.
    pub(crate) fn adopt(&mut self, endpoint: Progress, answered: Answered, retries: u32) {
        *self = Progress {
            retries,
            answered: Some(answered),
            ..endpoint
        };
    }

    /// Turn the progress and the call's outcome into the caller's result.
    /// A stream that delivered anything keeps its partial completion, even on error.
    pub fn finish(mut self, outcome: Result<()>) -> CallResult {
        self.timings.total = self.started.elapsed();
        if self.chunks > 0 {
            match std::mem::replace(&mut self.gathering, Gathering::Nothing) {
                Gathering::Chat(accumulator) => self.take_json(accumulator.into_completion(), false),
                Gathering::Responses(accumulator) => {
                    self.take_json(accumulator.response(), true);
                    if let Ending::Incomplete(reason) = accumulator.ending() {
                        self.incomplete_reason = Some(reason);
                    }
                }
                Gathering::Transcript(text) => self.text = Some(text),
                Gathering::Nothing => {}
            }
        }
        CallResult {
            error: outcome.err(),
            http_status: self.http_status,
            body: self.body,
            body_is_json: self.body_is_json,
            text: self.text,
            usage: self.usage,
            request_id: self.request_id,
            headers: self.headers,
            incomplete_reason: self.incomplete_reason,
            timings: self.timings,
            retries: self.retries,
            chunks: self.chunks,
            bytes_received: self.received,
            answered: self.answered,
            reply: self.reply,
        }
    }

    /// Make `value` (a completion, or a response when `is_response`) the result's body and
    /// read its text, usage and ending.
    fn take_json(&mut self, value: Value, is_response: bool) {
        if is_response {
            self.text = response_text(&value);
            self.usage = Usage::of_response(&value);
            self.incomplete_reason = incomplete_reason(&value);
        } else {
            self.text = assistant_text(&value);
            self.usage = Usage::of(&value);
        }
        self.body = serde_json::to_vec(&value).expect("a JSON value always serializes");
        self.body_is_json = true;
        self.reply = Some(value);
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
    pub(crate) fn record_headers(&mut self, http_status: u16, headers: ResponseHeaders) {
        self.http_status = http_status;
        self.request_id = headers.get("x-request-id");
        self.headers = headers;
        self.timings.headers = Some(self.since_start());
    }

    /// The last reply's headers (empty before any reply).
    pub(crate) fn headers(&self) -> &ResponseHeaders {
        &self.headers
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

    /// Take one stream event: a chat chunk is parsed and merged, a Responses event parsed and
    /// built into the response; another endpoint's event is only counted. Errors the event
    /// reports (an error chunk, `response.failed`) come back as errors after it is kept.
    pub(crate) fn record_event(&mut self, name: Option<&str>, data: &str) -> Result<()> {
        match &mut self.gathering {
            Gathering::Chat(accumulator) => {
                accumulator.push_text(data)?;
                if let Some(live) = &self.live {
                    live.lock().unwrap_or_else(|p| p.into_inner()).update(accumulator);
                }
            }
            Gathering::Responses(accumulator) => accumulator.push_text(name, data)?,
            Gathering::Transcript(text) => transcript_event(text, name, data)?,
            Gathering::Nothing => {}
        }
        self.count_chunk();
        Ok(())
    }

    fn count_chunk(&mut self) {
        if self.timings.first_chunk.is_none() {
            self.timings.first_chunk = Some(self.since_start());
        }
        self.chunks += 1;
    }

    /// One piece of a binary reply was handed on: it counts as a chunk.
    pub(crate) fn count_piece(&mut self, len: usize) {
        self.received += len as u64;
        self.count_chunk();
    }

    /// A plain body was read (whole or cut short): it holds what arrived.
    pub(crate) fn count_body_received(&mut self) {
        self.received = self.body.len() as u64;
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
        self.reply = Some(completion);
        Ok(())
    }

    /// Read the body as a Responses API `response`. A `failed` response, or one that is only
    /// an `error` member, is the server's failure.
    pub(crate) fn read_response(&mut self) -> Result<()> {
        let response: Value = serde_json::from_slice(&self.body).map_err(|e| {
            Error::InvalidResponse(format!("response body is not JSON: {e}"))
        })?;
        self.body_is_json = true;
        let failure = match response.get("status").and_then(Value::as_str) {
            Some("failed") => response.get("error").and_then(|e| ApiError::from_value(&serde_json::json!({ "error": e }))),
            None => ApiError::from_error_member(&response),
            _ => None,
        };
        if let Some(mut api) = failure {
            api.http_status = self.http_status;
            return Err(Error::Http(api));
        }
        self.text = response_text(&response);
        self.usage = Usage::of_response(&response);
        self.incomplete_reason = incomplete_reason(&response);
        self.reply = Some(response);
        Ok(())
    }

    /// A raw call's body may be anything; only note whether it is JSON.
    pub(crate) fn read_raw(&mut self) {
        self.body_is_json = is_json(&self.body);
    }

    /// An upload's reply: its text is a JSON reply's `text` member (a transcript in the json
    /// or verbose_json format) or a text reply's body (the text format).
    pub(crate) fn read_upload_reply(&mut self) {
        let json = serde_json::from_slice::<Value>(&self.body).ok();
        self.body_is_json = json.is_some();
        self.text = match json {
            Some(reply) => reply.get("text").and_then(Value::as_str).map(str::to_string),
            None if self.headers.get("content-type").is_some_and(|t| t.starts_with("text/")) => {
                String::from_utf8(self.body.clone()).ok()
            }
            None => None,
        };
    }
}

/// Build a transcript from one event of its stream: a `transcript.text.delta` adds its
/// `delta`, a `transcript.text.done` gives the whole `text`; the type is the SSE event name or
/// the event's own `type`. An event without a type but with a `text` is a whole transcript (a
/// server that answered the stream request with its plain reply). Other events leave it alone.
fn transcript_event(text: &mut String, name: Option<&str>, data: &str) -> Result<()> {
    let event = crate::stream::parse_chunk(data)?;
    let field = |key: &str| event.get(key).and_then(Value::as_str);
    match name.or_else(|| field("type")) {
        Some("transcript.text.delta") => text.push_str(field("delta").unwrap_or("")),
        Some("transcript.text.done") | None => {
            if let Some(whole) = field("text") {
                *text = whole.to_string();
            }
        }
        Some(_) => {}
    }
    Ok(())
}

/// Why a response stopped short, when its status says `incomplete`.
fn incomplete_reason(response: &Value) -> Option<String> {
    if response.get("status").and_then(Value::as_str) != Some("incomplete") {
        return None;
    }
    let reason = response.pointer("/incomplete_details/reason").and_then(Value::as_str);
    Some(reason.unwrap_or("unknown").to_string())
}

fn is_json(bytes: &[u8]) -> bool {
    serde_json::from_slice::<Value>(bytes).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Status;
    use serde_json::json;

    fn with_body(body: &[u8]) -> Progress {
        let mut progress = Progress::default();
        let headers = ResponseHeaders::new([("X-Request-Id", b"req-1".as_slice())]);
        progress.record_headers(200, headers);
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
    fn a_transcript_stream_adds_deltas_and_takes_whole_texts() {
        let transcript = |events: &[(Option<&str>, &str)]| {
            let mut progress = Progress::new(CallKind::Upload { stream: true });
            for (name, data) in events {
                progress.record_event(*name, data).unwrap();
            }
            progress.finish(Ok(())).text
        };
        let delta = |d: &str| format!(r#"{{"type":"transcript.text.delta","delta":"{d}"}}"#);
        let (hello, world) = (delta("Hello"), delta(" world"));
        assert_eq!(transcript(&[(None, &hello), (None, &world)]).as_deref(), Some("Hello world"));
        let done = r#"{"type":"transcript.text.done","text":"Hello, world."}"#;
        assert_eq!(transcript(&[(None, &hello), (None, done)]).as_deref(), Some("Hello, world."));
        let named = r#"{"delta":"Hi"}"#;
        assert_eq!(transcript(&[(Some("transcript.text.delta"), named)]).as_deref(), Some("Hi"));
        let plain = r#"{"text":"whole"}"#;
        let other = r#"{"type":"transcript.text.segment","text":"ignored"}"#;
        assert_eq!(transcript(&[(None, plain), (None, other)]).as_deref(), Some("whole"));
        let mut broken = Progress::new(CallKind::Upload { stream: true });
        assert_eq!(broken.record_event(None, "{").unwrap_err().status(), Status::StreamProtocol);
    }

    #[test]
    fn a_stream_keeps_its_partial_completion_on_error() {
        let mut progress = Progress::default();
        let chunk = json!({"id":"c","choices":[{"index":0,"delta":{"content":"Hel"}}]});
        progress.keep_error_body(b"{}".to_vec());
        progress.record_event(None, &chunk.to_string()).unwrap();
        let result = progress.finish(Err(Error::Cancelled));
        assert_eq!((result.chunks, result.text.as_deref()), (1, Some("Hel")));
        assert!(result.body_is_json && result.timings.first_chunk.is_some());
        assert_eq!(result.status(), Status::Cancelled);
    }
}
