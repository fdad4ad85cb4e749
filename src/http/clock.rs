//! The clocks of one call. The connect clock is reqwest's own (`connect_timeout`, set where
//! client.rs builds the connection pool); the other three run here: headers (per attempt),
//! idle (between two pieces of a stream) and total (the whole call, retries and their sleeps
//! included, `stream_total` for streams).

use crate::config::Timeouts;
use crate::error::{Error, Result, TimeoutKind};
use std::future::Future;
use std::time::Duration;
use tokio::time::Instant;

/// What a wait is for, which picks the clock that runs beside the total one.
#[derive(Debug, Clone, Copy)]
pub(super) enum Stage {
    /// Sending a request and waiting for its status line and headers.
    Headers,
    /// Reading a plain or error body: a slow but steady body is fine, so only the total runs.
    Body,
    /// Waiting for the next piece of a stream.
    StreamPiece,
}

/// The per-stage limits of one call plus its overall deadline.
pub(super) struct Clock {
    timeouts: Timeouts,
    total: Option<Duration>,
    deadline: Option<Instant>,
}

impl Clock {
    /// The deadline counts from `started`, so time spent before the first attempt counts too.
    pub(super) fn new(started: Instant, timeouts: Timeouts, stream: bool) -> Clock {
        let total = if stream {
            timeouts.stream_total
        } else {
            timeouts.total
        };
        Clock {
            timeouts,
            total,
            deadline: total.map(|limit| started + limit),
        }
    }

    /// Await `work`, failing with whichever runs out first: the stage's own limit or the total.
    pub(super) async fn limit<F: Future>(&self, stage: Stage, work: F) -> Result<F::Output> {
        let now = Instant::now();
        let stage_end = self
            .stage_limit(stage)
            .map(|(limit, kind)| (now + limit, kind, limit));
        let total_end = self
            .deadline
            .zip(self.total)
            .map(|(at, limit)| (at, TimeoutKind::Total, limit));
        let earliest = [stage_end, total_end]
            .into_iter()
            .flatten()
            .min_by_key(|(at, ..)| *at);
        match earliest {
            None => Ok(work.await),
            Some((at, kind, limit)) => tokio::time::timeout_at(at, work)
                .await
                .map_err(|_| Error::Timeout(kind, limit)),
        }
    }

    fn stage_limit(&self, stage: Stage) -> Option<(Duration, TimeoutKind)> {
        match stage {
            Stage::Headers => self.timeouts.headers.map(|l| (l, TimeoutKind::Headers)),
            Stage::Body => None,
            Stage::StreamPiece => self.timeouts.idle.map(|l| (l, TimeoutKind::Idle)),
        }
    }

    /// Whether sleeping `delay` would end past the deadline.
    pub(super) fn would_overrun(&self, delay: Duration) -> bool {
        self.deadline.is_some_and(|at| Instant::now() + delay >= at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHORT: Duration = Duration::from_millis(20);
    const LONG: Duration = Duration::from_secs(600);

    fn clock(total: Option<Duration>, headers: Option<Duration>, idle: Option<Duration>) -> Clock {
        let mut timeouts = Timeouts::default();
        (timeouts.total, timeouts.stream_total) = (total, None);
        (timeouts.headers, timeouts.idle) = (headers, idle);
        Clock::new(Instant::now(), timeouts, false)
    }

    async fn never_ends(clock: &Clock, stage: Stage) -> Error {
        let work = std::future::pending::<()>();
        clock.limit(stage, work).await.unwrap_err()
    }

    #[tokio::test]
    async fn the_earlier_of_stage_and_total_wins() {
        let stage_first = clock(Some(LONG), Some(SHORT), Some(SHORT));
        let headers = never_ends(&stage_first, Stage::Headers).await;
        assert!(matches!(
            headers,
            Error::Timeout(TimeoutKind::Headers, SHORT)
        ));
        let idle = never_ends(&stage_first, Stage::StreamPiece).await;
        assert!(matches!(idle, Error::Timeout(TimeoutKind::Idle, SHORT)));
        let total_first = clock(Some(SHORT), Some(LONG), Some(LONG));
        let total = never_ends(&total_first, Stage::Headers).await;
        assert!(matches!(total, Error::Timeout(TimeoutKind::Total, SHORT)));
    }

    #[tokio::test]
    async fn a_body_runs_on_the_total_clock_only() {
        let stage_limits_only = clock(None, Some(SHORT), Some(SHORT));
        let quick = async { 7 };
        assert_eq!(
            stage_limits_only.limit(Stage::Body, quick).await.unwrap(),
            7
        );
        let slow = tokio::time::sleep(SHORT * 3);
        assert!(stage_limits_only.limit(Stage::Body, slow).await.is_ok());
        let total_only = clock(Some(SHORT), None, None);
        let body = never_ends(&total_only, Stage::Body).await;
        assert!(matches!(body, Error::Timeout(TimeoutKind::Total, SHORT)));
    }

    #[test]
    fn streams_use_their_own_total_and_sleeps_respect_the_deadline() {
        let short_total = clock(Some(SHORT), None, None).timeouts;
        let stream = Clock::new(Instant::now(), short_total, true);
        assert!(stream.deadline.is_none() && !stream.would_overrun(LONG));
        let plain = Clock::new(Instant::now(), short_total, false);
        assert!(
            plain.would_overrun(SHORT),
            "a sleep ending at the deadline overruns"
        );
        assert!(!clock(Some(LONG), None, None).would_overrun(SHORT));
    }
}
