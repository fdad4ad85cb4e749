//! Fault injection by flag (`--latency`, `--chunk-delay`, `--stall-after`, `--disconnect-after`,
//! `--errors`): faults that apply to every request whatever its model, in serve and replay mode
//! alike, so an app can be tested against a stalling or failing API without choosing models.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crate::http::{self, Stream};
use crate::options::{Faults, InjectedError};

/// The fault flags and how far the `--errors` sequence has got.
pub(crate) struct Injector {
    pub(crate) faults: Faults,
    /// Requests that have taken an entry of the `--errors` sequence (or found it used up).
    taken: AtomicUsize,
}

impl Injector {
    pub(crate) fn new(faults: Faults) -> Injector {
        Injector {
            faults,
            taken: AtomicUsize::new(0),
        }
    }

    /// The error the next request gets, with its 1-based place in the sequence; `None` once the
    /// sequence is used up (or empty).
    pub(crate) fn next_error(&self) -> Option<(usize, InjectedError)> {
        if self.faults.errors.is_empty() {
            return None;
        }
        let i = self.taken.fetch_add(1, Ordering::SeqCst);
        self.faults.errors.get(i).map(|e| (i + 1, *e))
    }

    /// Waits the `--latency` before a response's status line.
    pub(crate) async fn latency(&self) {
        if !self.faults.latency.is_zero() {
            tokio::time::sleep(self.faults.latency).await;
        }
    }

    pub(crate) fn pacer(&self) -> Pacer {
        Pacer {
            chunk_delay: self.faults.chunk_delay,
            stall_after: self.faults.stall_after,
            disconnect_after: self.faults.disconnect_after,
            sent: 0,
        }
    }
}

/// Paces the pieces of one streamed body and cuts it where the flags say.
#[derive(Clone, Debug, Default)]
pub(crate) struct Pacer {
    chunk_delay: Duration,
    stall_after: Option<usize>,
    disconnect_after: Option<usize>,
    sent: usize,
}

/// How a flag ends a streamed body early.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Cut {
    /// Nothing more is sent; the connection is held until the client closes it.
    Stall,
    /// The connection is closed without the body's end.
    Disconnect,
}

impl Pacer {
    /// This pacer, stalling before the first piece (the `stalled-chunk` endpoint role).
    pub(crate) fn stalling_at_once(self) -> Pacer {
        Pacer { stall_after: Some(0), ..self }
    }

    /// A pacer that never waits or cuts (record mode passes the upstream's body through as is).
    pub(crate) fn none() -> Pacer {
        Pacer::default()
    }

    /// Called before each piece: `Some(cut)` when the body must end here (the smaller of
    /// `--stall-after` and `--disconnect-after` wins), else waits `--chunk-delay` and counts
    /// the piece as sent.
    pub(crate) async fn next_piece(&mut self) -> Option<Cut> {
        let reached = |limit: Option<usize>| limit.is_some_and(|n| self.sent >= n);
        let cut = match (self.stall_after, self.disconnect_after) {
            (Some(s), Some(d)) if d < s => reached(Some(d)).then_some(Cut::Disconnect),
            _ if reached(self.stall_after) => Some(Cut::Stall),
            _ => reached(self.disconnect_after).then_some(Cut::Disconnect),
        };
        if cut.is_none() {
            if !self.chunk_delay.is_zero() {
                tokio::time::sleep(self.chunk_delay).await;
            }
            self.sent += 1;
        }
        cut
    }
}

/// Carries out a cut: holds a stalled connection until the client leaves; a disconnect needs
/// nothing more, as the caller closes the connection after this.
pub(crate) async fn apply(stream: &mut dyn Stream, cut: Cut) {
    if cut == Cut::Stall {
        http::hold_until_client_gone(stream).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pacer(stall_after: Option<usize>, disconnect_after: Option<usize>) -> Pacer {
        Pacer {
            stall_after,
            disconnect_after,
            ..Pacer::default()
        }
    }

    /// The pieces a pacer lets through before its cut.
    fn run(mut p: Pacer) -> (usize, Option<Cut>) {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            for sent in 0..100 {
                if let Some(cut) = p.next_piece().await {
                    return (sent, Some(cut));
                }
            }
            (100, None)
        })
    }

    #[test]
    fn cuts_after_n_pieces() {
        assert_eq!(run(pacer(None, None)), (100, None));
        assert_eq!(run(pacer(Some(3), None)), (3, Some(Cut::Stall)));
        assert_eq!(run(pacer(None, Some(0))), (0, Some(Cut::Disconnect)));
        assert_eq!(run(pacer(Some(5), Some(2))), (2, Some(Cut::Disconnect)));
        assert_eq!(run(pacer(Some(2), Some(5))), (2, Some(Cut::Stall)));
    }

    #[test]
    fn errors_are_taken_in_order_once() {
        let e = |status| InjectedError {
            status,
            retry_after: None,
        };
        let injector = Injector::new(Faults {
            errors: vec![e(429), e(500)],
            ..Faults::default()
        });
        assert_eq!(injector.next_error(), Some((1, e(429))));
        assert_eq!(injector.next_error(), Some((2, e(500))));
        assert_eq!(injector.next_error(), None);
        assert_eq!(injector.next_error(), None);
    }
}
