//! The state every connection of one server shares: its key, counters, fault flags, limits and
//! what answers its requests.

use std::collections::HashMap;
use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use crate::inject::Injector;
use crate::options::{MockOptions, Mode};
use crate::record::Recorder;
use crate::replay::Replayer;

/// What answers requests.
pub(crate) enum Backend {
    /// The scenarios of `api`.
    Scenarios,
    Record(Recorder),
    Replay(Replayer),
}

pub(crate) struct Ctx {
    pub(crate) api_key: String,
    next_rid: AtomicU64,
    /// Chat requests per model, counted on arrival.
    arrivals: Mutex<HashMap<String, usize>>,
    /// Attempts per model for the scenarios that fail the first k (`flaky-…`, `retry-after-…`,
    /// `should-retry-…`), counted after auth and validation.
    attempts: Mutex<HashMap<String, u64>>,
    pub(crate) injector: Injector,
    pub(crate) max_body: usize,
    pub(crate) backend: Backend,
}

impl Ctx {
    /// Opens what the mode needs (the cassette to write or to read) before anything is served.
    pub(crate) fn new(options: MockOptions) -> io::Result<Ctx> {
        let backend = match &options.mode {
            Mode::Serve => Backend::Scenarios,
            Mode::Record(record) => Backend::Record(Recorder::new(record)?),
            Mode::Replay(replay) => Backend::Replay(Replayer::load(replay)?),
        };
        Ok(Ctx {
            api_key: options.server.api_key,
            next_rid: AtomicU64::new(0),
            arrivals: Mutex::new(HashMap::new()),
            attempts: Mutex::new(HashMap::new()),
            injector: Injector::new(options.faults),
            max_body: options.max_body,
            backend,
        })
    }

    pub(crate) fn next_rid(&self) -> u64 {
        self.next_rid.fetch_add(1, Ordering::SeqCst) + 1
    }

    pub(crate) fn count_request(&self, model: &str) {
        let mut map = self.arrivals.lock().unwrap_or_else(|e| e.into_inner());
        *map.entry(model.to_string()).or_insert(0) += 1;
    }

    pub(crate) fn request_count(&self, model: &str) -> usize {
        let map = self.arrivals.lock().unwrap_or_else(|e| e.into_inner());
        map.get(model).copied().unwrap_or(0)
    }

    /// Records one more attempt for a model that fails its first k; returns its 1-based number.
    pub(crate) fn attempt(&self, model: &str) -> u64 {
        let mut map = self.attempts.lock().unwrap_or_else(|e| e.into_inner());
        let n = map.entry(model.to_string()).or_insert(0);
        *n += 1;
        *n
    }
}
