//! The state every connection of one server shares: its key, counters, fault flags, limits and
//! what answers its requests.

use std::collections::HashMap;
use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

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
    /// Requests per endpoint role (`/role/<role>`), counted on arrival.
    roles: Mutex<HashMap<String, u64>>,
    /// Replies the client left before their end (`/debug/stats`).
    pub(crate) abandoned: Arc<AtomicU64>,
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
            roles: Mutex::new(HashMap::new()),
            abandoned: Arc::default(),
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

    pub(crate) fn count_role(&self, role: &str) {
        let mut map = self.roles.lock().unwrap_or_else(|e| e.into_inner());
        *map.entry(role.to_string()).or_insert(0) += 1;
    }

    /// The `/debug/stats` body: requests so far, abandoned replies, requests per role.
    pub(crate) fn stats_json(&self) -> String {
        let map = self.roles.lock().unwrap_or_else(|e| e.into_inner());
        let mut roles: Vec<(String, u64)> = map.iter().map(|(k, v)| (k.clone(), *v)).collect();
        roles.sort();
        let requests = self.next_rid.load(Ordering::SeqCst);
        crate::api::stats_body(requests, self.abandoned.load(Ordering::SeqCst), roles)
    }

    /// Records one more attempt for a model that fails its first k; returns its 1-based number.
    pub(crate) fn attempt(&self, model: &str) -> u64 {
        let mut map = self.attempts.lock().unwrap_or_else(|e| e.into_inner());
        let n = map.entry(model.to_string()).or_insert(0);
        *n += 1;
        *n
    }
}
