//! Helpers shared by the integration test files.

use std::time::Duration;

/// The shortest of `tries` measurements. Latency checks use it so that one
/// descheduled thread on a loaded machine cannot fail a test of a fast path.
pub fn fastest_of(tries: usize, mut measure: impl FnMut() -> Duration) -> Duration {
    (0..tries)
        .map(|_| measure())
        .min()
        .expect("at least one try")
}
