//! Sending: attempts until one gets a 2xx reply or the retry policy, the retry budget or the
//! deadline says stop; and turning reqwest's failures into our errors.

use super::clock::{Clock, Stage};
use super::{header_text, read, retry};
use crate::client::{Call, Client, Http};
use crate::config::RequestOptions;
use crate::error::{ApiError, Error, Result, TimeoutKind};
use crate::log::{redacted_url, LogLevel};
use crate::headers::ResponseHeaders;
use crate::result::Progress;
use reqwest::Response;
use std::time::{Duration, SystemTime};
use tokio::time::Instant;

/// A failed attempt and whether another may help.
struct Failed {
    error: Error,
    retryable: bool,
    retry_after: Option<Duration>,
}

/// A request that could not be built or sent is not retried.
impl From<Error> for Failed {
    fn from(error: Error) -> Self {
        Failed {
            error,
            retryable: false,
            retry_after: None,
        }
    }
}

impl Failed {
    /// An attempt that got no reply at all.
    fn without_reply(error: Error) -> Failed {
        Failed {
            retryable: retry::retry_without_reply(&error),
            ..Failed::from(error)
        }
    }
}

/// Attempt `call` on endpoint `index` until a 2xx reply arrives, sleeping between attempts as
/// the policy says. The retry count and the loading budget are the endpoint's own.
pub(super) async fn send(
    client: &Client,
    index: usize,
    call: &Call,
    options: &RequestOptions,
    clock: &Clock,
    progress: &mut Progress,
) -> Result<Response> {
    let max_retries = options.max_retries.unwrap_or(client.config.max_retries);
    let http = client.http_for(options)?;
    let began = Instant::now();
    loop {
        let failed = match attempt(client, &http, index, call, options, clock, progress).await {
            Ok(response) => return Ok(response),
            Err(failed) => failed,
        };
        let loading = retry::still_loading(failed.error.api_error(), began.elapsed(), client.config.loading_retry);
        if !failed.retryable || (progress.retries() >= max_retries && !loading) {
            return Err(failed.error);
        }
        let delay = failed
            .retry_after
            .unwrap_or_else(|| retry::backoff(progress.retries(), retry::jitter()));
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
        progress.count_retry();
    }
}

/// One try: send, wait for headers, and turn a non-2xx reply into a parsed error.
async fn attempt(
    client: &Client,
    http: &Http<'_>,
    index: usize,
    call: &Call,
    options: &RequestOptions,
    clock: &Clock,
    progress: &mut Progress,
) -> std::result::Result<Response, Failed> {
    let endpoint = &client.endpoints[index];
    let credential = client.credentials.fetch(index, &endpoint.base_url).await?;
    let request = client.build(index, call, options, &credential)?;
    let url = redacted_url(request.url());
    client.logger.log(LogLevel::Debug, || {
        format!(
            "{} {url} (attempt {})",
            request.method(),
            progress.retries() + 1
        )
    });
    let response = clock
        .limit(Stage::Headers, http.execute(request))
        .await
        .and_then(|sent| sent.map_err(|e| classify(e, client.config.connect_timeout)))
        .map_err(Failed::without_reply)?;
    let headers = response.headers().iter().map(|(name, value)| (name.as_str(), value.as_bytes()));
    progress.record_headers(response.status().as_u16(), ResponseHeaders::new(headers));
    client.logger.log(LogLevel::Info, || {
        let id = progress.request_id().unwrap_or("none");
        let ms = progress.since_start().as_millis();
        format!(
            "HTTP {} from {url} after {ms} ms (request id {id})",
            response.status().as_u16()
        )
    });
    if response.status().is_success() {
        return Ok(response);
    }
    Err(refused(client, response, clock, progress).await)
}

/// A non-2xx reply: parse its error body and read the server's retry hints.
async fn refused(
    client: &Client,
    response: Response,
    clock: &Clock,
    progress: &mut Progress,
) -> Failed {
    let status = response.status().as_u16();
    // The body read consumes the response; the retry hints are needed after it.
    let headers = response.headers().clone();
    let body = read::error_body(client, response, clock).await;
    let api = ApiError::from_body(status, &body);
    let retryable = retry::should_retry(status, header_text(&headers, "x-should-retry"), &api);
    progress.keep_error_body(body);
    let retry_after = retry::retry_after(
        header_text(&headers, "retry-after-ms"),
        header_text(&headers, "retry-after"),
        SystemTime::now(),
    );
    Failed {
        error: Error::Http(api),
        retryable,
        retry_after,
    }
}

/// Map a reqwest failure to our error, keeping the whole cause chain in the message.
/// The URL is shown without its query, which may hold a key. `connect_timeout` is the
/// client's, reported when reqwest's connect clock ran out.
pub(super) fn classify(error: reqwest::Error, connect_timeout: Duration) -> Error {
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
        Error::Timeout(TimeoutKind::Connect, connect_timeout)
    } else if error.is_connect() {
        Error::Connect(message)
    } else {
        Error::Transport(message)
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

    #[test]
    fn rustls_errors_are_found_inside_io_errors() {
        let bare = rustls::Error::General("bad".into());
        assert!(is_rustls_error(&bare));
        let wrapped = std::io::Error::other(rustls::Error::General("bad".into()));
        let nested = std::io::Error::other(wrapped);
        assert!(is_rustls_error(&nested));
        assert!(!is_rustls_error(&std::io::Error::other("reset")));
    }
}
