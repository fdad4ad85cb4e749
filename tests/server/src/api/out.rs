//! Where an answer goes: the request's base, request id and keep-alive, the headers its
//! scenario adds to a successful answer (see `ratelimit`), and the fault flags' pacing of a
//! streamed answer.

use super::roles::{compressed, Encoding};
use super::scenarios::Scenario;
use super::{ratelimit, Base};
use crate::inject::Pacer;
use std::time::Duration;

pub(crate) struct Out {
    pub(crate) base: Base,
    pub(crate) rid: u64,
    /// Whether the request asked to keep the connection open.
    pub(crate) keep: bool,
    /// Added after the answer's own headers; empty for most scenarios.
    pub(crate) extra_headers: Vec<(&'static str, String)>,
    /// How `--chunk-delay`, `--stall-after` and `--disconnect-after` shape a stream.
    pub(crate) pacer: Pacer,
    /// A pause before the first event (the `first-chunk-<ms>` endpoint role).
    pub(crate) first_delay: Option<Duration>,
    /// The body's compression (the `gzip` and `deflate` endpoint roles).
    pub(crate) encoding: Option<Encoding>,
}

impl Out {
    pub(crate) fn new(base: Base, rid: u64, keep: bool, scenario: Scenario, pacer: Pacer) -> Out {
        Out {
            base,
            rid,
            keep,
            extra_headers: ratelimit::scenario_headers(scenario),
            pacer,
            first_delay: None,
            encoding: None,
        }
    }

    /// `own` followed by the scenario's headers (and the encoding's).
    pub(crate) fn headers(&self, own: &[(&'static str, String)]) -> Vec<(&'static str, String)> {
        let encoding = self.encoding.map(Encoding::header);
        own.iter().chain(&self.extra_headers).cloned().chain(encoding).collect()
    }

    /// A plain body as it goes on the wire.
    pub(crate) fn encoded<'a>(&self, body: &'a [u8]) -> std::borrow::Cow<'a, [u8]> {
        match self.encoding {
            Some(encoding) => std::borrow::Cow::Owned(compressed(encoding, body)),
            None => std::borrow::Cow::Borrowed(body),
        }
    }
}
