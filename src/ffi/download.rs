//! Binary replies (speech audio and any other download): kept in the result,
//! handed on in pieces as they arrive, or written to a file atomically. Uses
//! `boundary`, `handles`, `callbacks`, `args`, `result`, `launch` and the core.

use super::args::{prepare, CallArgs, Prepared};
use super::boundary::{free_bytes, required_path, Out};
use super::callbacks::{bytes_callback, done_callback, webraft_bytes_callback, webraft_done_callback};
use super::handles::{webraft_client, webraft_request};
use super::launch::{run_blocking, start, start_delivered};
use super::result::webraft_result;
use crate::error::{Error, Status};
use crate::file::AtomicFile;
use crate::request::Delivery;
use std::ffi::{c_char, c_void};

/// Blocking request to any endpoint (method, path and `body_json` as for
/// `webraft_send`; it accepts any reply type) whose reply body is kept as
/// bytes, up to `max_body_bytes`: never parsed as JSON or text, never cut at a
/// NUL. Read it with `webraft_result_body_bytes`. A body the server cuts short
/// fails (TRANSPORT) and keeps what arrived (`webraft_result_bytes_received`).
/// Returns a result the caller must free; never NULL.
#[no_mangle]
pub unsafe extern "C" fn webraft_download(
    client: *const webraft_client,
    method: *const c_char,
    path: *const c_char,
    body_json: *const c_char,
    options_json: *const c_char,
) -> *mut webraft_result {
    ffi_boundary! {
        let call = CallArgs::Download { method, path, body_json, pieces: false };
        // SAFETY: `client` is NULL or live, the strings NULL or NUL-terminated (the header's contract).
        run_blocking(unsafe { prepare(client, call, options_json) }, Delivery::Discard)
    }
}

/// Start a download and return at once. `delivery` NONE keeps the body in the
/// result as `webraft_download` does (`on_bytes` must be NULL); CALLBACK hands
/// each piece to `on_bytes` as it arrives (it must not be NULL); POLL queues
/// the pieces for `webraft_request_next_bytes` (at most 256 pieces wait; the
/// download pauses while the queue is full). With CALLBACK and POLL nothing
/// is kept (`webraft_result_bytes_received` says how much arrived) and
/// `max_body_bytes` does not apply; the clocks are a stream's (idle between
/// pieces, `stream_timeout_ms`). Handle, callback and error rules as for
/// `webraft_chat_start`.
#[no_mangle]
pub unsafe extern "C" fn webraft_download_start(
    client: *const webraft_client,
    method: *const c_char,
    path: *const c_char,
    body_json: *const c_char,
    options_json: *const c_char,
    delivery: u32,
    on_bytes: webraft_bytes_callback,
    on_done: webraft_done_callback,
    user_data: *mut c_void,
    out_request: *mut *mut webraft_request,
) -> Status {
    ffi_boundary! {
        let call = |pieces| CallArgs::Download { method, path, body_json, pieces };
        let on_bytes = (bytes_callback(on_bytes, user_data), "on_bytes");
        // SAFETY: `client` is NULL or live, the strings NULL or NUL-terminated, `out_request`
        // NULL or writable (the header's contract).
        unsafe { start_delivered(client, call, options_json, delivery, on_bytes, done_callback(on_done, user_data), out_request) }
    }
}

/// A download into the file at `file_path`, checked, with its temporary file created.
///
/// # Safety
/// `client` is NULL or live; the strings are NULL or NUL-terminated and outlive `'a`.
unsafe fn to_file<'a>(
    client: *const webraft_client,
    (method, path, body_json): (*const c_char, *const c_char, *const c_char),
    options_json: *const c_char,
    file_path: *const c_char,
) -> (Result<Prepared<'a>, Error>, Delivery) {
    let call = CallArgs::Download { method, path, body_json, pieces: true };
    // SAFETY: this function's contract.
    let prepared = unsafe { prepare(client, call, options_json) };
    if prepared.is_err() {
        return (prepared, Delivery::Discard);
    }
    // SAFETY: this function's contract, for `file_path`.
    match unsafe { required_path(file_path, "file_path") }.and_then(AtomicFile::create) {
        Ok(file) => (prepared, Delivery::File(file)),
        Err(error) => (Err(error), Delivery::Discard),
    }
}

/// Blocking download written to `file_path` (bytes as the OS takes them)
/// atomically: into a temporary file beside it, renamed over it only once the
/// whole body arrived with a 2xx status. On any failure (an error reply, a cut
/// body, a timeout, cancellation) `file_path` is untouched and no temporary
/// file is left. A directory is INVALID_ARGUMENT and a place that cannot be
/// written IO, each naming the path, before anything is sent.
/// `max_body_bytes` does not apply. Returns a result the caller must free
/// (`webraft_result_bytes_received` says how much arrived); never NULL.
#[no_mangle]
pub unsafe extern "C" fn webraft_download_to_file(
    client: *const webraft_client,
    method: *const c_char,
    path: *const c_char,
    body_json: *const c_char,
    options_json: *const c_char,
    file_path: *const c_char,
) -> *mut webraft_result {
    ffi_boundary! {
        // SAFETY: `client` is NULL or live, the strings NULL or NUL-terminated (the header's contract).
        let (prepared, delivery) = unsafe { to_file(client, (method, path, body_json), options_json, file_path) };
        run_blocking(prepared, delivery)
    }
}

/// Start `webraft_download_to_file` and return at once; handle, callback and
/// error rules as for `webraft_send_start`. The file is in place (or not)
/// before `on_done` runs.
#[no_mangle]
pub unsafe extern "C" fn webraft_download_to_file_start(
    client: *const webraft_client,
    method: *const c_char,
    path: *const c_char,
    body_json: *const c_char,
    options_json: *const c_char,
    file_path: *const c_char,
    on_done: webraft_done_callback,
    user_data: *mut c_void,
    out_request: *mut *mut webraft_request,
) -> Status {
    ffi_boundary! {
        // SAFETY: `out_request` is NULL or writable (the header's contract).
        let out_request = unsafe { Out::new(out_request) };
        // SAFETY: `client` is NULL or live, the strings NULL or NUL-terminated (the header's contract).
        let (prepared, delivery) = unsafe { to_file(client, (method, path, body_json), options_json, file_path) };
        start(prepared, delivery, done_callback(on_done, user_data), &out_request)
    }
}

/// Free a buffer `webraft_request_next_bytes` handed out, given with the
/// length it came with. NULL is a no-op. Any thread.
#[no_mangle]
pub unsafe extern "C" fn webraft_bytes_free(data: *mut u8, len: usize) {
    // SAFETY: `data` is NULL or a buffer this library handed out with `len` bytes, not yet freed.
    ffi_boundary! { unsafe { free_bytes(data, len) } }
}
