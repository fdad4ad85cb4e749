//! A cancel flag that async code can wait on and any thread can set.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tokio::sync::Notify;

#[derive(Clone, Default, Debug)]
pub struct CancelToken(Arc<Inner>);

#[derive(Default, Debug)]
struct Inner {
    cancelled: AtomicBool,
    notify: Notify,
}

impl CancelToken {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn cancel(&self) {
        self.0.cancelled.store(true, Ordering::SeqCst);
        self.0.notify.notify_waiters();
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.cancelled.load(Ordering::SeqCst)
    }

    /// Completes once `cancel` has been called.
    pub async fn cancelled(&self) {
        loop {
            let notified = self.0.notify.notified();
            tokio::pin!(notified);
            // Register before checking the flag so a cancel in between is not missed.
            notified.as_mut().enable();
            if self.is_cancelled() {
                return;
            }
            notified.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn cancel_wakes_a_waiter_on_another_thread() {
        let token = CancelToken::new();
        let remote = token.clone();
        let waiter = crate::runtime::handle()
            .unwrap()
            .spawn(async move { remote.cancelled().await });
        std::thread::sleep(Duration::from_millis(20));
        assert!(!waiter.is_finished());
        token.cancel();
        crate::runtime::handle()
            .unwrap()
            .block_on(async { tokio::time::timeout(Duration::from_secs(5), waiter).await })
            .expect("waiter woke")
            .unwrap();
        assert!(token.is_cancelled());
    }
}
