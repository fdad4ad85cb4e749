//! The retry policy: which failures another attempt may cure, how long the server asks us to
//! wait, and the backoff otherwise. Pure functions of status codes, header text and counts, so
//! they are tested without building requests or responses.

use crate::error::{ApiError, Error, TimeoutKind};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Retry-After values beyond this are ignored in favour of the backoff.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// Whether an attempt that got no reply may be repeated. A refused or dropped connection and a
/// connect or headers timeout can be bad luck; once the total clock has run out, no later
/// attempt could finish in time. Anything else (TLS, a request we could not build) would fail
/// the same way again.
pub(super) fn retry_without_reply(error: &Error) -> bool {
    match error {
        Error::Connect(_) => true,
        Error::Timeout(kind, _) => !matches!(kind, TimeoutKind::Total),
        _ => false,
    }
}

/// Whether a non-2xx reply may be retried. `x_should_retry` is the `x-should-retry` header's
/// text: the server's explicit word beats the status. Otherwise only transient statuses are
/// retried, and never an exhausted quota, which waiting does not refill.
pub(super) fn should_retry(status: u16, x_should_retry: Option<&str>, api: &ApiError) -> bool {
    match x_should_retry {
        Some("true") => return true,
        Some("false") => return false,
        _ => {}
    }
    let transient = matches!(status, 408 | 409 | 429) || (500..600).contains(&status);
    transient && !api.is_quota_exhausted()
}

/// The server's requested delay: `retry-after-ms` first, then `Retry-After` in seconds or as an
/// HTTP-date (measured from `now`); only values in (0, 60 s] count, so a past date or an
/// unreasonable wait falls back to the backoff.
pub(super) fn retry_after(
    retry_after_ms: Option<&str>,
    retry_after: Option<&str>,
    now: SystemTime,
) -> Option<Duration> {
    let seconds = retry_after_ms
        .map(str::trim)
        .and_then(|ms| ms.parse::<f64>().ok())
        .map(|ms| ms / 1000.0)
        .or_else(|| {
            let value = retry_after?.trim();
            value
                .parse::<f64>()
                .ok()
                .or_else(|| seconds_until_http_date(value, now))
        })?;
    (seconds > 0.0 && seconds <= MAX_RETRY_AFTER.as_secs_f64())
        .then(|| Duration::from_secs_f64(seconds))
}

/// Seconds from `now` to an IMF-fixdate such as `Sun, 06 Nov 1994 08:49:37 GMT`
/// (the form RFC 9110 requires senders to use); negative when it has passed.
fn seconds_until_http_date(value: &str, now: SystemTime) -> Option<f64> {
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
    let now = now.duration_since(UNIX_EPOCH).ok()?.as_secs_f64();
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

/// Whether a call that failed on one endpoint (after its retries) moves on to the next: the
/// endpoint is unreachable, slow or broken (a connection failure, a timeout other than the
/// call's total one, 5xx), busy (429) or out of credits. Anything else would fail the same
/// way anywhere, or is the caller's doing.
pub(super) fn falls_back(error: &Error) -> bool {
    match error {
        Error::Connect(_) | Error::Transport(_) => true,
        Error::Timeout(kind, _) => !matches!(kind, TimeoutKind::Total),
        Error::Http(api) => api.http_status >= 500 || api.http_status == 429 || api.is_quota_exhausted(),
        _ => false,
    }
}

/// Whether a failure may be retried past the retry count: the server said it is still
/// loading its model, and the endpoint has been tried for less than the loading budget.
pub(super) fn still_loading(api: Option<&ApiError>, since_start: Duration, budget: Duration) -> bool {
    api.is_some_and(ApiError::is_loading) && since_start < budget
}

/// `min(0.5 s * 2^n, 8 s)`, less `jitter` (in [0, 1)) times 25%, so clients that failed
/// together do not all come back at the same moment.
pub(super) fn backoff(retries_so_far: u32, jitter: f64) -> Duration {
    let base = (0.5 * 2f64.powi(retries_so_far.min(16) as i32)).min(8.0);
    Duration::from_secs_f64(base * (1.0 - 0.25 * jitter))
}

/// A number in [0, 1) that differs between calls; quality does not matter here.
pub(super) fn jitter() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(tokio::time::Instant::now().elapsed().as_nanos() as u64);
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_loading_503_inside_the_budget_is_retried_past_the_count() {
        let budget = Duration::from_secs(30);
        let loading = ApiError::from_body(503, br#"{"error":{"message":"Loading model","type":"unavailable_error"}}"#);
        let busy = ApiError::from_body(503, br#"{"error":{"message":"Service unavailable"}}"#);
        assert!(still_loading(Some(&loading), Duration::from_secs(29), budget));
        assert!(!still_loading(Some(&loading), Duration::from_secs(30), budget));
        assert!(!still_loading(Some(&busy), Duration::ZERO, budget), "other 503s keep max_retries");
        assert!(!still_loading(None, Duration::ZERO, budget));
        assert!(!still_loading(Some(&loading), Duration::ZERO, Duration::ZERO), "0 switches it off");
    }

    #[test]
    fn fallback_follows_unreachable_slow_broken_busy_and_broke_endpoints() {
        let http = |status: u16, body: &[u8]| Error::Http(ApiError::from_body(status, body));
        let limit = Duration::from_secs(1);
        let moves_on = [
            Error::Connect("refused".into()),
            Error::Transport("reset".into()),
            Error::Timeout(TimeoutKind::Headers, limit),
            Error::Timeout(TimeoutKind::Idle, limit),
            http(500, b""),
            http(503, b"loading"),
            http(429, br#"{"error":{"message":"slow down"}}"#),
            http(429, br#"{"error":{"type":"insufficient_quota","message":"Insufficient Credits"}}"#),
            http(402, b""),
            http(400, br#"{"error":"Insufficient Credits"}"#),
        ];
        for error in &moves_on {
            assert!(falls_back(error), "{error}");
        }
        let stays = [
            http(400, b"bad"),
            http(401, b"Wrong Api key"),
            http(404, b""),
            Error::Timeout(TimeoutKind::Total, limit),
            Error::Tls("bad certificate".into()),
            Error::Cancelled,
            Error::Credentials("no token".into()),
            Error::InvalidResponse("not JSON".into()),
        ];
        for error in &stays {
            assert!(!falls_back(error), "{error}");
        }
    }

    #[test]
    fn backoff_grows_and_caps_with_bounded_jitter() {
        for (n, base) in [
            (0, 0.5),
            (1, 1.0),
            (2, 2.0),
            (4, 8.0),
            (9, 8.0),
            (u32::MAX, 8.0),
        ] {
            assert_eq!(
                backoff(n, 0.0).as_secs_f64(),
                base,
                "retry {n} without jitter"
            );
            assert_eq!(backoff(n, 0.5).as_secs_f64(), base * 0.875, "retry {n}");
            let delay = backoff(n, jitter()).as_secs_f64();
            assert!(delay <= base && delay >= base * 0.75, "retry {n}: {delay}");
        }
        assert!((0..1000).map(|_| jitter()).all(|j| (0.0..1.0).contains(&j)));
    }

    #[test]
    fn retry_after_prefers_ms_and_ignores_out_of_range() {
        let now = SystemTime::now();
        assert_eq!(
            retry_after(None, Some("2"), now),
            Some(Duration::from_secs(2))
        );
        assert_eq!(
            retry_after(None, Some(" 2 "), now),
            Some(Duration::from_secs(2))
        );
        assert_eq!(
            retry_after(Some("150.5"), Some("2"), now),
            Some(Duration::from_secs_f64(0.1505))
        );
        assert_eq!(retry_after(Some("0"), Some("61"), now), None);
        assert_eq!(
            retry_after(Some("0"), Some("60"), now),
            None,
            "a bad ms hint wins"
        );
        assert_eq!(
            retry_after(Some("soon"), Some("60"), now),
            Some(MAX_RETRY_AFTER)
        );
        assert_eq!(retry_after(None, Some("-1"), now), None);
        assert_eq!(retry_after(None, None, now), None);
    }

    #[test]
    fn retry_after_reads_http_dates() {
        let epoch = UNIX_EPOCH;
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
        let date = Some("Thu, 01 Jan 1970 00:00:20 GMT");
        let now = epoch + Duration::from_secs(5);
        assert_eq!(retry_after(None, date, now), Some(Duration::from_secs(15)));
        let past = Some("Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(
            retry_after(None, past, now),
            None,
            "a date in the past means no hint"
        );
    }

    #[test]
    fn quota_and_should_retry_header_override_status() {
        let busy = ApiError::from_body(429, br#"{"error":{"message":"slow down"}}"#);
        assert!(should_retry(429, None, &busy));
        let broke = ApiError::from_body(429, br#"{"error":"Insufficient Credits"}"#);
        assert!(!should_retry(429, None, &broke));
        assert!(!should_retry(400, None, &busy));
        assert!(should_retry(400, Some("true"), &busy));
        assert!(!should_retry(503, Some("false"), &busy));
        assert!(should_retry(503, Some("maybe"), &busy));
    }

    #[test]
    fn transient_statuses_are_408_409_429_and_5xx() {
        let plain = ApiError::default();
        let retried: Vec<u16> = (100..1000)
            .filter(|&status| should_retry(status, None, &plain))
            .collect();
        let expected: Vec<u16> = [408, 409, 429].into_iter().chain(500..600).collect();
        assert_eq!(retried, expected);
    }

    #[test]
    fn only_connection_and_stage_timeouts_are_retried_without_a_reply() {
        let limit = Duration::from_secs(1);
        assert!(retry_without_reply(&Error::Connect("refused".into())));
        assert!(retry_without_reply(&Error::Timeout(
            TimeoutKind::Connect,
            limit
        )));
        assert!(retry_without_reply(&Error::Timeout(
            TimeoutKind::Headers,
            limit
        )));
        assert!(!retry_without_reply(&Error::Timeout(
            TimeoutKind::Total,
            limit
        )));
        assert!(!retry_without_reply(&Error::Tls("bad certificate".into())));
        assert!(!retry_without_reply(&Error::Transport("reset".into())));
    }
}
