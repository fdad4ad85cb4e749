//! The operating-system calls the core needs, and the only module outside
//! `ffi` allowed `unsafe`. It uses nothing of the crate. Keep it small: a
//! safe function per call, each unsafe operation in its own block with the
//! reason it holds.

#![allow(unsafe_code)]

/// Block SIGPIPE for the calling thread, so a write to a socket the peer
/// closed fails with EPIPE instead of killing the process (see `runtime`).
pub(crate) fn block_sigpipe_on_this_thread() {
    // SAFETY: `sigset_t` is plain data (an integer array on every libc we
    // build for), so all zeroes is a valid value; sigemptyset then sets it
    // properly.
    let mut set: libc::sigset_t = unsafe { std::mem::zeroed() };
    // SAFETY: `set` is a live local, valid for writes.
    unsafe { libc::sigemptyset(&mut set) };
    // SAFETY: `set` is a live, initialised local and SIGPIPE a valid signal.
    unsafe { libc::sigaddset(&mut set, libc::SIGPIPE) };
    // SAFETY: `set` is a valid set; the old mask is not wanted, and NULL is
    // allowed for it. SIG_BLOCK cannot fail with these arguments.
    let failed = unsafe { libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()) };
    debug_assert_eq!(failed, 0, "pthread_sigmask(SIG_BLOCK) failed");
}
