//! Sending one call: the retry loop, the four clocks, and reading the reply
//! (plain body or decoded stream) into a `Progress` that survives cancellation.

use crate::client::{Call, CallKind, Client};
use crate::config::{RequestOptions, Timeouts};
use crate::error::{ApiError, Error, Result, TimeoutKind};
use crate::log::{redacted_url, LogLevel};
use crate::result::{assistant_text, CallResult, Timings, Usage};
use crate::stream::{self, Accumulator, Decoder, StreamEvent};
use reqwest::header::HeaderMap;
use reqwest::{Response, StatusCode};
use serde_json::Value;
use std::future::Future;
use std::time::Duration;
use tokio::time::Instant;

/// Receives each stream chunk's JSON text in order.
pub trait ChunkSink: Send {
    /// Returns false to cancel the request.
    fn deliver(&mut self, chunk_json: &str) -> impl Future<Output = bool> + Send;
}

/// Error bodies are read only this far; the message is all we need from them.
const MAX_ERROR_BODY_BYTES: usize = 64 << 10;
/// How much of a stream's start is kept to explain a stream without chunks.
const STREAM_OPENING_BYTES: usize = 200;
/// Retry-After values beyond this are ignored in favour of the backoff.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

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

    fn since_start(&self) -> Duration {
        self.started.elapsed()
    }

    fn record_response(&mut self, response: &Response) {
        self.http_status = response.status().as_u16();
        self.request_id = response
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        self.timings.headers = Some(self.since_start());
    }
}

/// A failed attempt and whether another may help.
struct Failed {
    error: Error,
    retryable: bool,
    retry_after: Option<Duration>,
}

impl From<Error> for Failed {
    fn from(error: Error) -> Self {
        Failed {
            error,
            retryable: false,
            retry_after: None,
        }
    }
}

/// The per-stage clocks of one call plus its overall deadline.
struct Clock {
    timeouts: Timeouts,
    total: Option<Duration>,
    deadline: Option<Instant>,
}

impl Clock {
    fn new(started: Instant, timeouts: Timeouts, stream: bool) -> Clock {
        let total = if stream {
            timeouts.stream_total
        } else {
            timeouts.total
        };
        Clock {
            timeouts,
            total,
            deadline: total.map(|limit| started + limit),
        }
    }

    /// Await `work`, failing with whichever runs out first: the stage's own limit or the total.
    async fn limit<F: Future>(
        &self,
        stage: Option<Duration>,
        kind: TimeoutKind,
        work: F,
    ) -> Result<F::Output> {
        let now = Instant::now();
        let stage_end = stage.map(|limit| (now + limit, kind, limit));
        let total_end = self
            .deadline
            .zip(self.total)
            .map(|(at, limit)| (at, TimeoutKind::Total, limit));
        let earliest = [stage_end, total_end]
            .into_iter()
            .flatten()
            .min_by_key(|(at, ..)| *at);
        match earliest {
            None => Ok(work.await),
            Some((at, kind, limit)) => tokio::time::timeout_at(at, work)
                .await
                .map_err(|_| Error::Timeout(kind, limit)),
        }
    }

    /// Whether sleeping `delay` would end past the deadline.
    fn would_overrun(&self, delay: Duration) -> bool {
        self.deadline.is_some_and(|at| Instant::now() + delay >= at)
    }
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
        progress.started,
        options.timeouts(client.config.timeouts, call.is_stream()),
        call.is_stream(),
    );
    let max_retries = options.max_retries.unwrap_or(client.config.max_retries);
    let http = client.http_for(options)?;
    let response = loop {
        let failed = match attempt(client, &http, call, options, &clock, progress).await {
            Ok(response) => break response,
            Err(failed) => failed,
        };
        if !failed.retryable || progress.retries >= max_retries {
            return Err(failed.error);
        }
        let delay = failed
            .retry_after
            .unwrap_or_else(|| backoff(progress.retries));
        if clock.would_overrun(delay) {
            return Err(failed.error);
        }
        client.logger.log(LogLevel::Warn, || {
            format!(
                "retrying in {} ms after: {}",
                delay.as_millis(),
                failed.error
            )
        });
        tokio::time::sleep(delay).await;
        progress.retries += 1;
    };
    match call.kind {
        CallKind::Chat { stream: true } => {
            read_stream(client, response, &clock, sink, progress).await
        }
        CallKind::Chat { stream: false } => {
            read_body(client, response, &clock, progress).await?;
            let completion: Value = serde_json::from_slice(&progress.body).map_err(|e| {
                Error::InvalidResponse(format!("chat completion body is not JSON: {e}"))
            })?;
            progress.body_is_json = true;
            if completion.get("choices").is_none() {
                if let Some(mut api) = ApiError::from_error_member(&completion) {
                    api.http_status = progress.http_status;
                    return Err(Error::Http(api));
                }
            }
            progress.text = assistant_text(&completion);
            progress.usage = Usage::of(&completion);
            Ok(())
        }
        CallKind::Raw => {
            read_body(client, response, &clock, progress).await?;
            progress.body_is_json = serde_json::from_slice::<Value>(&progress.body).is_ok();
            Ok(())
        }
    }
}

/// One try: send, wait for headers, and turn a non-2xx reply into a parsed error.
async fn attempt(
    client: &Client,
    http: &reqwest::Client,
    call: &Call,
    options: &RequestOptions,
    clock: &Clock,
    progress: &mut Progress,
) -> std::result::Result<Response, Failed> {
    let request = client.build(call, options)?;
    let url = redacted_url(request.url());
    client.logger.log(LogLevel::Debug, || {
        format!(
            "{} {url} (attempt {})",
            request.method(),
            progress.retries + 1
        )
    });
    let sent = clock
        .limit(
            clock.timeouts.headers,
            TimeoutKind::Headers,
            http.execute(request),
        )
        .await;
    let response = match sent {
        Err(timeout) => {
            let retryable = !matches!(timeout, Error::Timeout(TimeoutKind::Total, _));
            return Err(Failed {
                error: timeout,
                retryable,
                retry_after: None,
            });
        }
        Ok(Err(error)) => {
            let error = client.classify(error);
            let retryable = matches!(error, Error::Connect(_) | Error::Timeout(..));
            return Err(Failed {
                error,
                retryable,
                retry_after: None,
            });
        }
        Ok(Ok(response)) => response,
    };
    progress.record_response(&response);
    client.logger.log(LogLevel::Info, || {
        let id = progress.request_id.as_deref().unwrap_or("none");
        let ms = progress.since_start().as_millis();
        format!(
            "HTTP {} from {url} after {ms} ms (request id {id})",
            response.status().as_u16()
        )
    });
    if response.status().is_success() {
        return Ok(response);
    }
    let status = response.status();
    let headers = response.headers().clone();
    let body = read_limited(client, response, MAX_ERROR_BODY_BYTES, clock)
        .await
        .unwrap_or_default();
    let api = ApiError::from_body(status.as_u16(), &body);
    let retryable = should_retry(status, &headers, &api);
    // Keep the error body for callers that want more than the parsed fields.
    progress.body_is_json = serde_json::from_slice::<Value>(&body).is_ok();
    progress.body = body;
    Err(Failed {
        error: Error::Http(api),
        retryable,
        retry_after: retry_after(&headers),
    })
}

fn should_retry(status: StatusCode, headers: &HeaderMap, api: &ApiError) -> bool {
    match headers.get("x-should-retry").and_then(|v| v.to_str().ok()) {
        Some("true") => return true,
        Some("false") => return false,
        _ => {}
    }
    let transient = matches!(status.as_u16(), 408 | 409 | 429) || status.is_server_error();
    transient && !api.is_quota_exhausted()
}

/// `retry-after-ms` first, then `Retry-After` in seconds or as an HTTP-date;
/// only values in (0, 60 s] count.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let text = |name: &str| headers.get(name)?.to_str().ok().map(str::trim);
    let seconds = text("retry-after-ms")
        .and_then(|ms| ms.parse::<f64>().ok())
        .map(|ms| ms / 1000.0)
        .or_else(|| {
            let value = text("retry-after")?;
            value
                .parse::<f64>()
                .ok()
                .or_else(|| seconds_until_http_date(value, std::time::SystemTime::now()))
        })?;
    (seconds > 0.0 && seconds <= MAX_RETRY_AFTER.as_secs_f64())
        .then(|| Duration::from_secs_f64(seconds))
}

/// Seconds from `now` to an IMF-fixdate such as `Sun, 06 Nov 1994 08:49:37 GMT`
/// (the form RFC 9110 requires senders to use); negative when it has passed.
fn seconds_until_http_date(value: &str, now: std::time::SystemTime) -> Option<f64> {
    let mut parts = value.split_ascii_whitespace();
    let _weekday = parts.next()?.strip_suffix(',')?;
    let day: i64 = parts.next()?.parse().ok()?;
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month_name = parts.next()?;
    let month = MONTHS.iter().position(|m| *m == month_name)? as i64 + 1;
    let year: i64 = parts.next()?.parse().ok()?;
    let mut clock = parts.next()?.split(':').map(|n| n.parse::<i64>().ok());
    let (hour, minute, second) = (clock.next()??, clock.next()??, clock.next()??);
    if parts.next()? != "GMT"
        || parts.next().is_some()
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let at = days_since_epoch(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second;
    let now = now
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_secs_f64();
    Some(at as f64 - now)
}

/// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's civil-date algorithm).
fn days_since_epoch(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// `min(0.5 s * 2^n, 8 s)`, less up to 25% jitter.
fn backoff(retries_so_far: u32) -> Duration {
    let base = (0.5 * 2f64.powi(retries_so_far.min(16) as i32)).min(8.0);
    Duration::from_secs_f64(base * (1.0 - 0.25 * jitter()))
}

/// A number in [0, 1) that differs between calls; quality does not matter here.
fn jitter() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(Instant::now().elapsed().as_nanos() as u64);
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

async fn read_limited(
    client: &Client,
    mut response: Response,
    limit: usize,
    clock: &Clock,
) -> Result<Vec<u8>> {
    let mut body = Vec::new();
    while let Some(piece) = clock
        .limit(None, TimeoutKind::Total, response.chunk())
        .await?
        .map_err(|e| client.classify(e))?
    {
        let room = limit - body.len();
        body.extend_from_slice(&piece[..piece.len().min(room)]);
        if body.len() == limit {
            break;
        }
    }
    Ok(body)
}

async fn read_body(
    client: &Client,
    mut response: Response,
    clock: &Clock,
    progress: &mut Progress,
) -> Result<()> {
    let limit = client.config.max_body_bytes;
    progress.body.clear();
    while let Some(piece) = clock
        .limit(None, TimeoutKind::Total, response.chunk())
        .await?
        .map_err(|e| client.classify(e))?
    {
        if progress.body.len() + piece.len() > limit {
            return Err(body_too_large(limit));
        }
        progress.body.extend_from_slice(&piece);
    }
    Ok(())
}

fn body_too_large(limit: usize) -> Error {
    Error::ResponseTooLarge(format!(
        "response body exceeds {limit} bytes (max_body_bytes)"
    ))
}

async fn read_stream(
    client: &Client,
    mut response: Response,
    clock: &Clock,
    sink: &mut impl ChunkSink,
    progress: &mut Progress,
) -> Result<()> {
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let mut decoder = Decoder::new(content_type.as_deref(), client.config.max_event_bytes);
    let mut events = Vec::new();
    let mut received = 0usize;
    let limit = client.config.max_body_bytes;
    // The body's first bytes, kept to explain a reply that never yields a chunk.
    let mut opening = Vec::new();
    loop {
        let piece = clock
            .limit(clock.timeouts.idle, TimeoutKind::Idle, response.chunk())
            .await?
            .map_err(|e| client.classify(e))?;
        let decoded = match &piece {
            Some(bytes) => {
                received += bytes.len();
                if received > limit {
                    return Err(body_too_large(limit));
                }
                let room = STREAM_OPENING_BYTES.saturating_sub(opening.len());
                opening.extend_from_slice(&bytes[..bytes.len().min(room)]);
                decoder.feed(bytes, &mut events)
            }
            None => decoder.finish(&mut events),
        };
        // Events decoded before a protocol error still reach the caller.
        let mut done = false;
        for event in events.drain(..) {
            match event {
                StreamEvent::Data(payload) => deliver(&payload, sink, progress).await?,
                StreamEvent::Error(payload) => {
                    return Err(Error::StreamError(stream_error(&payload)))
                }
                StreamEvent::Done => done = true,
            }
        }
        decoded?;
        if done || piece.is_none() {
            return match progress.chunks {
                0 => Err(Error::InvalidResponse(format!(
                    "the stream ended without a single chunk; it began {:?}",
                    String::from_utf8_lossy(&opening)
                ))),
                _ => Ok(()),
            };
        }
    }
}

async fn deliver(payload: &str, sink: &mut impl ChunkSink, progress: &mut Progress) -> Result<()> {
    let chunk = stream::parse_chunk(payload)?;
    progress
        .accumulator
        .get_or_insert_with(Accumulator::new)
        .push(&chunk)?;
    if progress.timings.first_chunk.is_none() {
        progress.timings.first_chunk = Some(progress.since_start());
    }
    progress.chunks += 1;
    if sink.deliver(payload).await {
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

impl Client {
    /// Map a reqwest failure to our error, keeping the whole cause chain in the message.
    /// The URL is shown without its query, which may hold a key.
    fn classify(&self, error: reqwest::Error) -> Error {
        let url = error.url().map(redacted_url);
        let error = error.without_url();
        let mut message = error.to_string();
        let mut tls = false;
        let mut source = std::error::Error::source(&error);
        while let Some(cause) = source {
            message.push_str(": ");
            message.push_str(&cause.to_string());
            tls |= is_rustls_error(cause);
            source = cause.source();
        }
        if let Some(url) = url {
            message.push_str(&format!(" ({url})"));
        }
        if tls {
            Error::Tls(message)
        } else if error.is_connect() && error.is_timeout() {
            Error::Timeout(TimeoutKind::Connect, self.config.connect_timeout)
        } else if error.is_connect() {
            Error::Connect(message)
        } else {
            Error::Transport(message)
        }
    }
}

/// rustls errors reach us bare or inside (nested) io::Errors, whose `source()` skips them.
fn is_rustls_error(cause: &(dyn std::error::Error + 'static)) -> bool {
    let mut current = Some(cause);
    while let Some(error) = current {
        if error.is::<rustls::Error>() {
            return true;
        }
        current = error
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
            .map(|inner| inner as &(dyn std::error::Error + 'static));
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn backoff_grows_and_caps_with_bounded_jitter() {
        for (n, base) in [(0, 0.5), (1, 1.0), (2, 2.0), (4, 8.0), (9, 8.0)] {
            let delay = backoff(n).as_secs_f64();
            assert!(delay <= base && delay >= base * 0.75, "retry {n}: {delay}");
        }
    }

    #[test]
    fn retry_after_prefers_ms_and_ignores_out_of_range() {
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", HeaderValue::from_static("2"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(2)));
        headers.insert("retry-after-ms", HeaderValue::from_static("150.5"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs_f64(0.1505)));
        headers.insert("retry-after-ms", HeaderValue::from_static("0"));
        headers.insert("retry-after", HeaderValue::from_static("61"));
        assert_eq!(retry_after(&headers), None);
    }

    #[test]
    fn retry_after_reads_http_dates() {
        let epoch = std::time::UNIX_EPOCH;
        let at = |s: &str, now: u64| seconds_until_http_date(s, epoch + Duration::from_secs(now));
        assert_eq!(at("Thu, 01 Jan 1970 00:00:10 GMT", 0), Some(10.0));
        assert_eq!(
            at("Sun, 06 Nov 1994 08:49:37 GMT", 784_111_777 - 5),
            Some(5.0)
        );
        assert_eq!(
            at("Tue, 29 Feb 2028 12:00:00 GMT", 1_835_438_400 - 30),
            Some(30.0)
        );
        assert_eq!(at("Sun, 06 Nov 1994 08:49:37 UTC", 0), None);
        assert_eq!(at("Sunday, 06-Nov-94 08:49:37 GMT", 0), None);
        assert_eq!(at("soon", 0), None);
        let mut headers = HeaderMap::new();
        headers.insert(
            "retry-after",
            HeaderValue::from_static("Thu, 01 Jan 1970 00:00:00 GMT"),
        );
        assert_eq!(
            retry_after(&headers),
            None,
            "a date in the past means no hint"
        );
    }

    #[test]
    fn quota_and_should_retry_header_override_status() {
        let headers = HeaderMap::new();
        let busy = ApiError::from_body(429, br#"{"error":{"message":"slow down"}}"#);
        assert!(should_retry(StatusCode::TOO_MANY_REQUESTS, &headers, &busy));
        let broke = ApiError::from_body(429, br#"{"error":"Insufficient Credits"}"#);
        assert!(!should_retry(
            StatusCode::TOO_MANY_REQUESTS,
            &headers,
            &broke
        ));
        assert!(!should_retry(StatusCode::BAD_REQUEST, &headers, &busy));
        let mut told = HeaderMap::new();
        told.insert("x-should-retry", HeaderValue::from_static("true"));
        assert!(should_retry(StatusCode::BAD_REQUEST, &told, &busy));
        told.insert("x-should-retry", HeaderValue::from_static("false"));
        assert!(!should_retry(StatusCode::SERVICE_UNAVAILABLE, &told, &busy));
    }
}
