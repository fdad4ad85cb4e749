//! Where an answer goes: the request's base, request id and keep-alive, the headers its
//! scenario adds to a successful answer (see `ratelimit`), and the fault flags' pacing of a
//! streamed answer.

use super::scenarios::Scenario;
use super::{ratelimit, Base};
use crate::inject::Pacer;

pub(crate) struct Out {
    pub(crate) base: Base,
    pub(crate) rid: u64,
    /// Whether the request asked to keep the connection open.
    pub(crate) keep: bool,
    /// Added after the answer's own headers; empty for most scenarios.
    pub(crate) extra_headers: Vec<(&'static str, String)>,
    /// How `--chunk-delay`, `--stall-after` and `--disconnect-after` shape a stream.
    pub(crate) pacer: Pacer,
}

impl Out {
    pub(crate) fn new(base: Base, rid: u64, keep: bool, scenario: Scenario, pacer: Pacer) -> Out {
        Out {
            base,
            rid,
            keep,
            extra_headers: ratelimit::scenario_headers(scenario),
            pacer,
        }
    }

    /// `own` followed by the scenario's headers.
    pub(crate) fn headers(&self, own: &[(&'static str, String)]) -> Vec<(&'static str, String)> {
        own.iter().chain(&self.extra_headers).cloned().collect()
    }
}
