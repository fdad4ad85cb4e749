//! The C ABI. Every `extern "C"` function and every `unsafe` block of the
//! library lives under this folder; each export only checks and converts its
//! arguments, calls the core, and converts the answer back.

// C names: the handle types are spelled as the header spells them.
#![allow(non_camel_case_types)]

#[macro_use]
mod boundary;
mod client;
mod conversation;
mod handles;
mod library;
mod pointer;
mod request;
mod result;

/// Block SIGPIPE for the calling thread (see `runtime`). Lives here because it
/// needs `unsafe`.
pub(crate) fn block_sigpipe_on_this_thread() {
    // SAFETY: plain libc calls on a local, zero-initialised signal set.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGPIPE);
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
    }
}
