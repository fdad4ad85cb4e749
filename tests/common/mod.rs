//! Helpers shared by the integration test files.
#![allow(dead_code)] // each test file uses its own part of it

use std::time::Duration;
use webraft::CallResult;

/// The shortest of `tries` measurements. Latency checks use it so that one
/// descheduled thread on a loaded machine cannot fail a test of a fast path.
pub fn fastest_of(tries: usize, mut measure: impl FnMut() -> Duration) -> Duration {
    (0..tries)
        .map(|_| measure())
        .min()
        .expect("at least one try")
}

/// The error's message, or "" for a success: for assertion output.
pub fn message(result: &CallResult) -> String {
    result
        .error
        .as_ref()
        .map(|e| e.to_string())
        .unwrap_or_default()
}
