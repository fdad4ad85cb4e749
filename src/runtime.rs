//! The one tokio runtime behind every client, created on first use.

use crate::error::{Error, Result};
use once_cell::sync::Lazy;
use tokio::runtime::{Handle, Runtime, RuntimeFlavor};

/// The runtime and the process that started it: its threads do not survive fork().
static RUNTIME: Lazy<(Runtime, u32)> = Lazy::new(|| {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .thread_name("webraft-worker")
        .on_thread_start(block_sigpipe)
        .enable_all()
        .build()
        .expect("cannot start the webraft runtime");
    (runtime, std::process::id())
});

/// A write to a socket the peer closed raises SIGPIPE in the writing thread,
/// and its default action kills the process. Rust programs ignore it at
/// start-up, but a C host that loads us usually has not, so block it on every
/// runtime thread; the write then just fails with EPIPE.
fn block_sigpipe() {
    crate::sys::block_sigpipe_on_this_thread();
}

/// The runtime's handle, unless this is a child forked after the runtime
/// started: the child has no worker threads, so a request would hang forever.
pub fn handle() -> Result<&'static Handle> {
    let (runtime, owner) = &*RUNTIME;
    if std::process::id() != *owner {
        return Err(Error::InvalidState(
            "webraft was started before fork(); a forked child must exec, or start using webraft only after the fork".into(),
        ));
    }
    Ok(runtime.handle())
}

/// Run a blocking wait on the calling thread. When that thread is a runtime
/// worker (a callback calling back into the library), its queued tasks are
/// handed to another worker first, so the wait cannot starve the request it
/// waits for.
pub fn blocking_wait<R>(wait: impl FnOnce() -> R) -> R {
    match Handle::try_current() {
        Ok(current) if current.runtime_flavor() == RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(wait)
        }
        _ => wait(),
    }
}
