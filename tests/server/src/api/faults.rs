//! Fault injection: the scenarios that answer a valid chat request with an error status, a body
//! that is not an API error, or nothing at all. Stalls and disconnects that happen mid-reply
//! belong to the reply writers (`plain`, `stream`).

use std::io;
use std::time::{SystemTime, UNIX_EPOCH};

use super::errors::{reject, ApiError};
use super::ratelimit::exhausted;
use super::scenarios::Scenario;
use super::{next, Base, Next};
use crate::ctx::Ctx;
use crate::http::{self, Stream};
use crate::json::J;
use crate::options::{InjectedError, RetryAfter};

/// Answers the request if its scenario is a fault; `None` means it gets a reply after all (not a
/// fault, or a counted scenario past its failing attempts).
pub(crate) async fn respond(
    stream: &mut dyn Stream,
    base: Base,
    model: &str,
    sc: Scenario,
    rid: u64,
    keep: bool,
    ctx: &Ctx,
) -> io::Result<Option<Next>> {
    if let Some(done) = send_raw_fault(stream, sc, rid, keep).await? {
        return Ok(Some(done));
    }
    match fixed_error(sc).or_else(|| counted_error(sc, model, ctx)) {
        Some(err) => reject(stream, base, &err, rid, keep).await.map(Some),
        None => Ok(None),
    }
}

/// Status, Content-Type and body of the faults whose body is not an API error of the base.
fn foreign_body(sc: Scenario) -> Option<(u16, &'static str, String)> {
    match sc {
        Scenario::Plain500 => Some((500, "text/plain", "Internal Server Error".to_string())),
        // A captive portal or proxy page where the API should be.
        Scenario::NotJson => Some((200, "text/html", "<html>maintenance</html>".to_string())),
        // vLLM's flat error shape, the same on every base.
        Scenario::FlatError => {
            let body = obj! {
                "object" => "error",
                "message" => "flat error message",
                "type" => "BadRequestError",
                "param" => J::Null,
                "code" => 400,
            };
            Some((400, "application/json", body.compact()))
        }
        _ => None,
    }
}

/// The faults that do not answer with an API error: a foreign body, or no answer at all.
async fn send_raw_fault(
    stream: &mut dyn Stream,
    sc: Scenario,
    rid: u64,
    keep: bool,
) -> io::Result<Option<Next>> {
    if sc == Scenario::StallHeaders {
        return stall(stream).await.map(Some);
    }
    let Some((status, content_type, body)) = foreign_body(sc) else {
        return Ok(None);
    };
    let headers = [("Content-Type", content_type.to_string())];
    http::send(stream, status, rid, keep, &headers, body.as_bytes()).await?;
    Ok(Some(next(keep)))
}

/// Sends nothing and holds the connection until the client closes it.
pub(crate) async fn stall(stream: &mut dyn Stream) -> io::Result<Next> {
    http::hold_until_client_gone(stream).await;
    Ok(Next::Close)
}

/// The error of a scenario that fails every time.
fn fixed_error(sc: Scenario) -> Option<ApiError> {
    match sc {
        Scenario::Error500 => Some(
            ApiError::new(
                500,
                "server_error",
                "The server had an error while processing your request",
            )
            .with_code("server_error"),
        ),
        Scenario::RateLimit => Some(exhausted(
            ApiError::new(
                429,
                "rate_limit_exceeded",
                "Rate limit reached for requests. Please retry after 1 second.",
            )
            .with_code("rate_limit_exceeded")
            .with_header("Retry-After", "1"),
        )),
        Scenario::NoCredits => Some(ApiError::insufficient_quota(429)),
        Scenario::NoRetry503 => Some(
            ApiError::new(
                503,
                "server_error",
                "Service unavailable; the server asks not to retry.",
            )
            .with_code("service_unavailable")
            .with_header("x-should-retry", "false"),
        ),
        _ => None,
    }
}

/// Counts this attempt at `model` and returns `error(attempt)` while it is among the first k.
fn first_k(
    ctx: &Ctx,
    model: &str,
    k: u64,
    error: impl FnOnce(u64) -> ApiError,
) -> Option<ApiError> {
    let attempt = ctx.attempt(model);
    (attempt <= k).then(|| error(attempt))
}

/// The error of a scenario that fails only its first k attempts (`<name>-<k>-<tag>`).
fn counted_error(sc: Scenario, model: &str, ctx: &Ctx) -> Option<ApiError> {
    match sc {
        Scenario::Flaky(k) => first_k(ctx, model, k, |attempt| {
            ApiError::new(
                503,
                "server_error",
                format!(
                    "Service temporarily unavailable (flaky attempt {attempt} of {k} failing)."
                ),
            )
            .with_code("service_unavailable")
        }),
        // llama.cpp's own body; the short retry-after-ms keeps tests quick.
        Scenario::Loading(k) => first_k(ctx, model, k, |attempt| {
            ApiError::new(503, "unavailable_error", format!("Loading model (attempt {attempt} of {k})"))
                .with_header("retry-after-ms", "100")
        }),
        // The long Retry-After shows whether a client prefers retry-after-ms, as it should.
        Scenario::RetryAfterMs(k) => first_k(ctx, model, k, |attempt| {
            rate_limited(attempt, k)
                .with_header("retry-after-ms", "200")
                .with_header("Retry-After", "30")
        }),
        Scenario::RetryAfterSeconds(k) => first_k(ctx, model, k, |attempt| {
            rate_limited(attempt, k).with_header("Retry-After", "1")
        }),
        Scenario::RetryAfterDate(k) => first_k(ctx, model, k, |attempt| {
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default()
                .as_secs();
            rate_limited(attempt, k).with_header("Retry-After", http_date(now + 2))
        }),
        Scenario::ShouldRetry(k) => first_k(ctx, model, k, |attempt| {
            ApiError::new(
                400,
                "invalid_request_error",
                format!("Bad request, but the server asks for a retry (attempt {attempt} of {k})."),
            )
            .with_header("x-should-retry", "true")
        }),
        _ => None,
    }
}

/// 429 `rate_limit_exceeded` for attempt `attempt` of the `k` a retry-hint scenario limits, with
/// the exhausted quota's headers (the retry hints come after them).
fn rate_limited(attempt: u64, k: u64) -> ApiError {
    exhausted(
        ApiError::new(
            429,
            "rate_limit_exceeded",
            format!("Rate limit reached (attempt {attempt} of {k} limited)."),
        )
        .with_code("rate_limit_exceeded"),
    )
}

/// Entry `place` of the `--errors` sequence: the type and code a real API gives that status,
/// and its retry hint.
pub(crate) fn injected(place: usize, e: InjectedError) -> ApiError {
    let (kind, code) = match e.status {
        401 => ("invalid_request_error", Some("invalid_api_key")),
        402 => ("insufficient_quota", Some("insufficient_quota")),
        429 => ("rate_limit_exceeded", Some("rate_limit_exceeded")),
        500 => ("server_error", Some("server_error")),
        502..=504 => ("server_error", Some("service_unavailable")),
        s if s >= 500 => ("server_error", None),
        _ => ("invalid_request_error", None),
    };
    let message = format!(
        "{} (error {place} of the webraft-mock --errors sequence)",
        http::reason(e.status)
    );
    let mut err = ApiError::new(e.status, kind, message);
    if let Some(code) = code {
        err = err.with_code(code);
    }
    if e.status == 429 {
        err = exhausted(err);
    }
    match e.retry_after {
        None => err,
        Some(RetryAfter::Seconds(s)) => err.with_header("Retry-After", s.to_string()),
        Some(RetryAfter::Millis(ms)) => err
            .with_header("retry-after-ms", ms.to_string())
            .with_header("Retry-After", ms.div_ceil(1000).to_string()),
    }
}

/// IMF-fixdate (RFC 9110 §5.6.7) for a Unix time, e.g. `Tue, 15 Nov 1994 08:12:31 GMT`.
fn http_date(unix_secs: u64) -> String {
    const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]; // 1970-01-01 was a Thursday
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = unix_secs / 86_400;
    let secs = unix_secs % 86_400;
    // Civil date from days since the epoch, counting in 400-year eras that start on 0000-03-01.
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153; // 0 = March
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    format!(
        "{}, {day:02} {} {year} {:02}:{:02}:{:02} GMT",
        WEEKDAYS[(days % 7) as usize],
        MONTHS[(month - 1) as usize],
        secs / 3600,
        secs % 3600 / 60,
        secs % 60,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates() {
        assert_eq!(http_date(784_887_151), "Tue, 15 Nov 1994 08:12:31 GMT");
        assert_eq!(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(http_date(951_782_400), "Tue, 29 Feb 2000 00:00:00 GMT");
        assert_eq!(http_date(1_700_000_000), "Tue, 14 Nov 2023 22:13:20 GMT");
        assert_eq!(http_date(4_102_444_799), "Thu, 31 Dec 2099 23:59:59 GMT");
    }
}
