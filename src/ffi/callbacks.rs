//! The caller's callbacks: their C types, and how each becomes the closure
//! the core calls. Uses `boundary` and the core.

use super::boundary::c_string;
use crate::error::Status;
use crate::log::{LogLevel, LogSink};
use crate::request::{ChunkCallback, DoneCallback};
use std::ffi::{c_char, c_int, c_void};
use std::sync::Arc;

/// Receives one log line: a summary of a request, a response, a retry or an
/// outcome. Never contains credentials, headers or bodies. `message` is
/// borrowed for the duration of the call. Runs on whichever thread did the
/// work (usually a library worker).
pub type webraft_log_callback =
    Option<unsafe extern "C" fn(user_data: *mut c_void, level: LogLevel, message: *const c_char)>;

/// Receives one stream chunk: its JSON text (NUL-terminated, borrowed for the
/// duration of the call) and length. Runs on a library worker thread, one call
/// at a time per request, in stream order. Return 0 to continue, non-zero to cancel.
pub type webraft_chunk_callback = Option<
    unsafe extern "C" fn(user_data: *mut c_void, chunk_json: *const c_char, len: usize) -> c_int,
>;

/// Told once that a started request has ended, with its final status, after
/// its last chunk callback. Runs on a library worker thread. The result can be
/// taken with `webraft_request_take_result`, here or later (for a polled stream,
/// once its queued chunks have been read). After this returns
/// the library never touches `user_data` again, so this is the place to release it.
pub type webraft_done_callback =
    Option<unsafe extern "C" fn(user_data: *mut c_void, status: Status)>;

/// C's `user_data` pointer. The caller promises it may be used from the
/// library's worker threads until the done callback returns (or, for a log
/// callback, until it is replaced or its client freed).
struct UserData(*mut c_void);

// SAFETY: see above; the library only passes the pointer back to the caller's callbacks.
unsafe impl Send for UserData {}
// SAFETY: the library never dereferences it; concurrent use is the caller's callbacks' business.
unsafe impl Sync for UserData {}

impl UserData {
    /// The pointer. A method, so a closure captures the whole `UserData`
    /// (which is Send) rather than only its raw pointer field.
    fn get(&self) -> *mut c_void {
        self.0
    }
}

/// The log sink for a C log callback; None switches logging off.
pub(crate) fn log_sink(on_log: webraft_log_callback, user_data: *mut c_void) -> Option<LogSink> {
    let on_log = on_log?;
    let user_data = UserData(user_data);
    Some(Arc::new(move |level: LogLevel, message: &str| {
        let text = c_string(message);
        // SAFETY: the caller keeps the callback and user_data valid until the
        // callback is replaced or the client freed, and the logger calls no
        // sink after either; `text` is NUL-terminated and outlives the call.
        unsafe { on_log(user_data.get(), level, text.as_ptr()) }
    }))
}

/// The chunk callback for a C chunk callback, if there is one.
pub(crate) fn chunk_callback(
    on_chunk: webraft_chunk_callback,
    user_data: *mut c_void,
) -> Option<ChunkCallback> {
    let on_chunk = on_chunk?;
    let user_data = UserData(user_data);
    let mut buffer = Vec::new();
    Some(Box::new(move |chunk: &str| {
        buffer.clear();
        buffer.extend_from_slice(chunk.as_bytes());
        buffer.push(0);
        // SAFETY: the caller gave a valid callback and user_data for this
        // request's lifetime; `buffer` is NUL-terminated, `chunk.len()` bytes
        // precede the NUL, and it outlives the call.
        unsafe { on_chunk(user_data.get(), buffer.as_ptr().cast(), chunk.len()) == 0 }
    }))
}

/// The done callback for a C done callback, if there is one.
pub(crate) fn done_callback(
    on_done: webraft_done_callback,
    user_data: *mut c_void,
) -> Option<DoneCallback> {
    let on_done = on_done?;
    let user_data = UserData(user_data);
    Some(Box::new(move |status: Status| {
        // SAFETY: the caller gave a valid callback and user_data that stay
        // valid until this, the last call to either, returns.
        unsafe { on_done(user_data.get(), status) }
    }))
}
