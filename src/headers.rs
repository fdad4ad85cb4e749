//! A reply's headers as callers read them: by name, all at once as JSON, and
//! the rate-limit headers as numbers.

use serde_json::{Map, Value};

/// Response headers with lower-case names, in the order they arrived.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResponseHeaders {
    entries: Vec<(String, String)>,
}

impl ResponseHeaders {
    /// From name/value pairs; names are lower-cased and values not valid UTF-8 are read lossily.
    pub fn new<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a [u8])>) -> ResponseHeaders {
        let entries = pairs
            .into_iter()
            .map(|(name, value)| (name.to_ascii_lowercase(), String::from_utf8_lossy(value).into_owned()))
            .collect();
        ResponseHeaders { entries }
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The value of `name` (any case); a repeated header's values joined with ", ".
    pub fn get(&self, name: &str) -> Option<String> {
        let values: Vec<&str> = self
            .entries
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect();
        (!values.is_empty()).then(|| values.join(", "))
    }

    /// Each header name once (lower-case, in order of first arrival) with its
    /// values joined with ", ".
    pub fn joined(&self) -> Vec<(String, String)> {
        let mut joined: Vec<(String, String)> = Vec::new();
        for (name, value) in &self.entries {
            match joined.iter_mut().find(|(n, _)| n == name) {
                Some((_, values)) => {
                    values.push_str(", ");
                    values.push_str(value);
                }
                None => joined.push((name.clone(), value.clone())),
            }
        }
        joined
    }

    /// Every header as one JSON object (repeated headers joined with ", ").
    pub fn to_json(&self) -> String {
        let object: Map<String, Value> =
            self.joined().into_iter().map(|(name, value)| (name, Value::from(value))).collect();
        Value::Object(object).to_string()
    }

    /// The `x-ratelimit-*` headers; absent or unreadable ones stay None.
    pub fn rate_limit(&self) -> RateLimit {
        let count = |name: &str| self.get(name).and_then(|v| v.trim().parse::<u64>().ok());
        let reset = |name: &str| self.get(name).and_then(|v| reset_millis(v.trim()));
        RateLimit {
            limit_requests: count("x-ratelimit-limit-requests"),
            remaining_requests: count("x-ratelimit-remaining-requests"),
            reset_requests_ms: reset("x-ratelimit-reset-requests"),
            limit_tokens: count("x-ratelimit-limit-tokens"),
            remaining_tokens: count("x-ratelimit-remaining-tokens"),
            reset_tokens_ms: reset("x-ratelimit-reset-tokens"),
        }
    }
}

/// What the rate-limit headers say; None where a header is absent, never zero.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RateLimit {
    pub limit_requests: Option<u64>,
    pub remaining_requests: Option<u64>,
    pub reset_requests_ms: Option<f64>,
    pub limit_tokens: Option<u64>,
    pub remaining_tokens: Option<u64>,
    pub reset_tokens_ms: Option<f64>,
}

/// A reset time such as "6m0s", "1.5s", "20ms", "1h2m" or a bare number of seconds, in ms.
pub fn reset_millis(text: &str) -> Option<f64> {
    if let Ok(seconds) = text.parse::<f64>() {
        return (seconds.is_finite() && seconds >= 0.0).then_some(seconds * 1000.0);
    }
    let mut rest = text;
    let mut total = 0.0;
    while !rest.is_empty() {
        let number_len = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        let number: f64 = rest[..number_len].parse().ok()?;
        rest = &rest[number_len..];
        let unit_len = rest.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(rest.len());
        let scale = match &rest[..unit_len] {
            "h" => 3_600_000.0,
            "m" => 60_000.0,
            "s" => 1000.0,
            "ms" => 1.0,
            "us" | "µs" => 0.001,
            "ns" => 0.000_001,
            _ => return None,
        };
        total += number * scale;
        rest = &rest[unit_len..];
    }
    (!text.is_empty()).then_some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> ResponseHeaders {
        ResponseHeaders::new(pairs.iter().map(|(n, v)| (*n, v.as_bytes())))
    }

    #[test]
    fn names_are_case_insensitive_and_repeats_join() {
        let h = headers(&[("X-Request-Id", "r1"), ("Set-Cookie", "a=1"), ("set-cookie", "b=2")]);
        assert_eq!(h.get("x-request-id").as_deref(), Some("r1"));
        assert_eq!(h.get("SET-COOKIE").as_deref(), Some("a=1, b=2"));
        assert_eq!(h.get("missing"), None);
        assert_eq!(h.to_json(), r#"{"x-request-id":"r1","set-cookie":"a=1, b=2"}"#);
    }

    #[test]
    fn reset_values_parse_to_milliseconds() {
        assert_eq!(reset_millis("6m0s"), Some(360_000.0));
        assert_eq!(reset_millis("1.5s"), Some(1500.0));
        assert_eq!(reset_millis("20ms"), Some(20.0));
        assert_eq!(reset_millis("1h2m3s"), Some(3_723_000.0));
        assert_eq!(reset_millis("60"), Some(60_000.0));
        assert_eq!(reset_millis("soon"), None);
        assert_eq!(reset_millis("5x"), None);
        assert_eq!(reset_millis(""), None);
    }

    #[test]
    fn absent_rate_limit_headers_are_absent_not_zero() {
        let h = headers(&[("x-ratelimit-limit-requests", "60"), ("x-ratelimit-remaining-requests", "0"),
            ("x-ratelimit-reset-tokens", "6m0s")]);
        let limit = h.rate_limit();
        assert_eq!(limit.limit_requests, Some(60));
        assert_eq!(limit.remaining_requests, Some(0));
        assert_eq!(limit.reset_tokens_ms, Some(360_000.0));
        assert_eq!(limit.limit_tokens, None);
        assert_eq!(limit.reset_requests_ms, None);
    }
}
