//! Where an answer goes: the request's base, request id and keep-alive, and the headers its
//! scenario adds to a successful answer (see `ratelimit`).

use super::scenarios::Scenario;
use super::{ratelimit, Base};

pub(crate) struct Out {
    pub(crate) base: Base,
    pub(crate) rid: u64,
    /// Whether the request asked to keep the connection open.
    pub(crate) keep: bool,
    /// Added after the answer's own headers; empty for most scenarios.
    pub(crate) extra_headers: Vec<(&'static str, String)>,
}

impl Out {
    pub(crate) fn new(base: Base, rid: u64, keep: bool, scenario: Scenario) -> Out {
        Out {
            base,
            rid,
            keep,
            extra_headers: ratelimit::scenario_headers(scenario),
        }
    }

    /// `own` followed by the scenario's headers.
    pub(crate) fn headers(&self, own: &[(&'static str, String)]) -> Vec<(&'static str, String)> {
        own.iter().chain(&self.extra_headers).cloned().collect()
    }
}
