//! The scenarios: which request `model` selects which behaviour (on chat, Responses and
//! `/events`; each route documents which ones it honours). [`SCENARIOS`] is the one
//! place they are declared; the responders match on [`Scenario`]. The README's scenario table
//! (which is also the crate docs) describes each row (a test checks that every row is there).

use super::errors::ApiError;
use Name::{Bounded, Counted, Exact};

/// Longest pause `trickle-<ms>` accepts.
pub(crate) const TRICKLE_MAX_MS: u64 = 5000;
/// Most content chunks `big-chunks-<n>` accepts.
pub(crate) const BIG_CHUNKS_MAX: u64 = 1_000_000;
/// Largest size `huge-body-<bytes>`, `huge-line-<bytes>` and `responses-huge-<bytes>` accept
/// (256 MiB).
pub(crate) const HUGE_MAX: u64 = 256 * 1024 * 1024;

/// What a request does, as selected by its model name.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Scenario {
    /// Any model not in the table: the deterministic "Hello! You said: …" reply.
    Normal,
    Slow,
    Trickle(u64),
    StallBody,
    StallHeaders,
    Disconnect,
    Error500,
    Plain500,
    NotJson,
    FlatError,
    RateLimit,
    NoCredits,
    Flaky(u64),
    /// 503 "Loading model" for the first k attempts, as llama.cpp answers while it loads.
    Loading(u64),
    RetryAfterMs(u64),
    RetryAfterSeconds(u64),
    RetryAfterDate(u64),
    ShouldRetry(u64),
    NoRetry503,
    ErrorChunk,
    ErrorEvent,
    Tools,
    /// Two tool calls streamed at one index with their own ids, as Ollama sends them.
    ToolsSameIndex,
    /// The reply's content is a JSON document (structured output), streamed in small pieces.
    JsonContent,
    BadJsonChunk,
    BigChunks(usize),
    LlamaStyle,
    Crlf,
    HugeBody(usize),
    HugeLine(usize),
    EchoRequest,
    /// Success headers: a healthy `x-ratelimit-*` quota and a repeated header.
    RateLimitHeaders,
    ResponsesFailed,
    ResponsesIncomplete,
    ResponsesError,
    ResponsesKeepalive,
    ResponsesUnknown,
    ResponsesSplit,
    ResponsesHuge(usize),
    EventsStall,
}

/// How a row's model names are written.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Name {
    /// Exactly this string.
    Exact(&'static str),
    /// `<prefix><k>-<tag>`: the scenario fails the first k attempts of each exact model string, so
    /// tests pick a fresh tag. A name with the prefix but not this shape is a normal reply.
    Counted(&'static str),
    /// `<prefix><digits>` naming a number up to the limit (the `unit` is how the docs call it);
    /// a larger number is a 400, and a name with other characters after the prefix is normal.
    Bounded {
        prefix: &'static str,
        unit: &'static str,
        max: u64,
    },
}

/// One row of the scenario table: the names it matches, and the scenario it builds from the
/// number in the name (0 for exact names).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Row {
    pub(crate) name: Name,
    pub(crate) scenario: fn(u64) -> Scenario,
}

/// The model names (or patterns, e.g. `flaky-<k>-<tag>`) that choose a scenario, in table order.
pub(crate) fn model_patterns() -> Vec<String> {
    SCENARIOS.iter().map(|row| row.name.pattern()).collect()
}

/// Every scenario, in the order of the crate docs. No two rows match the same model name.
#[rustfmt::skip]
pub(crate) const SCENARIOS: [Row; 39] = [
    Row { name: Exact("slow"), scenario: |_| Scenario::Slow },
    Row { name: Bounded { prefix: "trickle-", unit: "ms", max: TRICKLE_MAX_MS }, scenario: Scenario::Trickle },
    Row { name: Exact("stall-body"), scenario: |_| Scenario::StallBody },
    Row { name: Exact("stall-headers"), scenario: |_| Scenario::StallHeaders },
    Row { name: Exact("disconnect"), scenario: |_| Scenario::Disconnect },
    Row { name: Exact("error-500"), scenario: |_| Scenario::Error500 },
    Row { name: Exact("plain-500"), scenario: |_| Scenario::Plain500 },
    Row { name: Exact("not-json"), scenario: |_| Scenario::NotJson },
    Row { name: Exact("flat-error"), scenario: |_| Scenario::FlatError },
    Row { name: Exact("rate-limit"), scenario: |_| Scenario::RateLimit },
    Row { name: Exact("no-credits"), scenario: |_| Scenario::NoCredits },
    Row { name: Counted("flaky-"), scenario: Scenario::Flaky },
    Row { name: Counted("loading-"), scenario: Scenario::Loading },
    Row { name: Counted("retry-after-ms-"), scenario: Scenario::RetryAfterMs },
    Row { name: Counted("retry-after-s-"), scenario: Scenario::RetryAfterSeconds },
    Row { name: Counted("retry-after-date-"), scenario: Scenario::RetryAfterDate },
    Row { name: Counted("should-retry-"), scenario: Scenario::ShouldRetry },
    Row { name: Exact("no-retry-503"), scenario: |_| Scenario::NoRetry503 },
    Row { name: Exact("error-chunk"), scenario: |_| Scenario::ErrorChunk },
    Row { name: Exact("error-event"), scenario: |_| Scenario::ErrorEvent },
    Row { name: Exact("tools"), scenario: |_| Scenario::Tools },
    Row { name: Exact("tools-same-index"), scenario: |_| Scenario::ToolsSameIndex },
    Row { name: Exact("json-content"), scenario: |_| Scenario::JsonContent },
    Row { name: Exact("bad-json-chunk"), scenario: |_| Scenario::BadJsonChunk },
    Row { name: Bounded { prefix: "big-chunks-", unit: "n", max: BIG_CHUNKS_MAX }, scenario: |n| Scenario::BigChunks(n as usize) },
    Row { name: Exact("llama-style"), scenario: |_| Scenario::LlamaStyle },
    Row { name: Exact("crlf"), scenario: |_| Scenario::Crlf },
    Row { name: Bounded { prefix: "huge-body-", unit: "bytes", max: HUGE_MAX }, scenario: |n| Scenario::HugeBody(n as usize) },
    Row { name: Bounded { prefix: "huge-line-", unit: "bytes", max: HUGE_MAX }, scenario: |n| Scenario::HugeLine(n as usize) },
    Row { name: Exact("echo-request"), scenario: |_| Scenario::EchoRequest },
    Row { name: Exact("rate-limit-headers"), scenario: |_| Scenario::RateLimitHeaders },
    Row { name: Exact("responses-failed"), scenario: |_| Scenario::ResponsesFailed },
    Row { name: Exact("responses-incomplete"), scenario: |_| Scenario::ResponsesIncomplete },
    Row { name: Exact("responses-error"), scenario: |_| Scenario::ResponsesError },
    Row { name: Exact("responses-keepalive"), scenario: |_| Scenario::ResponsesKeepalive },
    Row { name: Exact("responses-unknown"), scenario: |_| Scenario::ResponsesUnknown },
    Row { name: Exact("responses-split"), scenario: |_| Scenario::ResponsesSplit },
    Row { name: Bounded { prefix: "responses-huge-", unit: "bytes", max: HUGE_MAX }, scenario: |n| Scenario::ResponsesHuge(n as usize) },
    Row { name: Exact("events-stall"), scenario: |_| Scenario::EventsStall },
];

/// How a model name relates to one row.
enum Match {
    /// Not this row's name.
    Miss,
    /// This row's name with this number (0 for exact names).
    Hit(u64),
    /// This row's prefix, but not its shape: a normal reply.
    Normal,
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// The k of `<k>-<tag>` (k digits, tag non-empty); `None` when the rest does not match.
fn count_and_tag(rest: &str) -> Option<u64> {
    match rest.split_once('-') {
        Some((k, tag)) if all_digits(k) && !tag.is_empty() => k.parse().ok(),
        _ => None,
    }
}

impl Name {
    fn matches(&self, model: &str) -> Result<Match, ApiError> {
        match *self {
            Exact(name) => Ok(if model == name {
                Match::Hit(0)
            } else {
                Match::Miss
            }),
            Counted(prefix) => Ok(match model.strip_prefix(prefix) {
                Some(rest) => count_and_tag(rest).map_or(Match::Normal, Match::Hit),
                None => Match::Miss,
            }),
            Bounded { prefix, max, .. } => {
                let Some(n) = model.strip_prefix(prefix).filter(|n| all_digits(n)) else {
                    return Ok(Match::Miss);
                };
                match n.parse::<u64>() {
                    Ok(n) if n <= max => Ok(Match::Hit(n)),
                    _ => Err(ApiError::invalid(
                        "model",
                        format!("Invalid 'model': {prefix}<n> allows at most n = {max}."),
                    )),
                }
            }
        }
    }

    /// The name as the crate docs write it, e.g. `flaky-<k>-<tag>`.
    pub(crate) fn pattern(&self) -> String {
        match *self {
            Exact(name) => name.to_string(),
            Counted(prefix) => format!("{prefix}<k>-<tag>"),
            Bounded { prefix, unit, .. } => format!("{prefix}<{unit}>"),
        }
    }
}

/// The scenario a model name selects; a number over its row's limit is a 400 naming `model`.
pub(crate) fn scenario(model: &str) -> Result<Scenario, ApiError> {
    for row in &SCENARIOS {
        match row.name.matches(model)? {
            Match::Miss => continue,
            Match::Hit(n) => return Ok((row.scenario)(n)),
            Match::Normal => return Ok(Scenario::Normal),
        }
    }
    Ok(Scenario::Normal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scenario_names() {
        assert_eq!(scenario("flaky-2-a").unwrap(), Scenario::Flaky(2));
        assert_eq!(scenario("flaky-x-a").unwrap(), Scenario::Normal);
        assert_eq!(scenario("big-chunks-10").unwrap(), Scenario::BigChunks(10));
        assert!(scenario("big-chunks-1000001").is_err());
        assert_eq!(scenario("gpt-4o").unwrap(), Scenario::Normal);
    }

    #[test]
    fn new_scenario_names() {
        let found = [
            ("retry-after-ms-2-a", Scenario::RetryAfterMs(2)),
            ("retry-after-s-1-a", Scenario::RetryAfterSeconds(1)),
            ("retry-after-date-3-a", Scenario::RetryAfterDate(3)),
            ("should-retry-1-x-y", Scenario::ShouldRetry(1)),
            ("should-retry-1-", Scenario::Normal),
            ("no-retry-503", Scenario::NoRetry503),
            ("trickle-250", Scenario::Trickle(250)),
            ("trickle-x", Scenario::Normal),
            ("huge-body-1000", Scenario::HugeBody(1000)),
            ("huge-line-268435456", Scenario::HugeLine(HUGE_MAX as usize)),
            ("rate-limit-headers", Scenario::RateLimitHeaders),
            ("responses-huge-5000", Scenario::ResponsesHuge(5000)),
            ("responses-huge-", Scenario::Normal),
            ("responses-split", Scenario::ResponsesSplit),
            ("events-stall", Scenario::EventsStall),
        ];
        for (name, expected) in found {
            assert_eq!(scenario(name).unwrap(), expected, "{name}");
        }
        for too_large in [
            "trickle-5001",
            "huge-line-268435457",
            "responses-huge-268435457",
        ] {
            assert!(scenario(too_large).is_err(), "{too_large}");
        }
    }

    /// The lookup stops at the first row that knows a name, so the table's order must not matter:
    /// no name may start with another row's prefix, and no exact name may repeat.
    #[test]
    fn rows_are_disjoint() {
        let names = model_patterns();
        for (i, row) in SCENARIOS.iter().enumerate() {
            for (j, other) in names.iter().enumerate() {
                let overlaps = match row.name {
                    Exact(name) => other == name,
                    Counted(prefix) | Bounded { prefix, .. } => other.starts_with(prefix),
                };
                assert!(i == j || !overlaps, "{other} overlaps {}", names[i]);
            }
        }
    }

    #[test]
    fn every_row_is_documented() {
        let docs = include_str!("../../README.md");
        for row in &SCENARIOS {
            let cell = format!("\n| `{}`", row.name.pattern());
            assert!(docs.contains(&cell), "{cell} is missing from the README");
        }
    }
}
