//! The `x-ratelimit-*` headers: a healthy quota on the answers of the `rate-limit-headers`
//! scenario, and an exhausted one on the 429s of the rate-limited scenarios.

use super::errors::ApiError;
use super::scenarios::Scenario;

/// Limits, then remaining quota and reset time for requests and for tokens.
const LIMIT_REQUESTS: &str = "60";
const LIMIT_TOKENS: &str = "150000";
const RESET_REQUESTS: &str = "1s";
const RESET_TOKENS: &str = "6m0s";

/// The six `x-ratelimit-*` headers with the given remaining requests and tokens.
fn quota(remaining_requests: &str, remaining_tokens: &str) -> Vec<(&'static str, String)> {
    [
        ("x-ratelimit-limit-requests", LIMIT_REQUESTS),
        ("x-ratelimit-remaining-requests", remaining_requests),
        ("x-ratelimit-reset-requests", RESET_REQUESTS),
        ("x-ratelimit-limit-tokens", LIMIT_TOKENS),
        ("x-ratelimit-remaining-tokens", remaining_tokens),
        ("x-ratelimit-reset-tokens", RESET_TOKENS),
    ]
    .into_iter()
    .map(|(name, value)| (name, value.to_string()))
    .collect()
}

/// The headers a scenario adds to a successful answer: `rate-limit-headers` sends a healthy
/// quota and one header twice (`x-webraft-repeat: a`, then `b`), so clients can test joining.
pub(crate) fn scenario_headers(scenario: Scenario) -> Vec<(&'static str, String)> {
    if scenario != Scenario::RateLimitHeaders {
        return Vec::new();
    }
    let mut headers = quota("59", "149990");
    headers.push(("x-webraft-repeat", "a".to_string()));
    headers.push(("x-webraft-repeat", "b".to_string()));
    headers
}

/// A 429 of a rate-limited scenario, with the quota it ran out of.
pub(crate) fn exhausted(err: ApiError) -> ApiError {
    quota("0", "0")
        .into_iter()
        .fold(err, |err, (name, value)| err.with_header(name, value))
}
