//! Non-blocking requests: start, poll or wait, cancel, take the result, free.
//! Uses `boundary`, `handles`, `callbacks`, `args`, `result` and the core.

use super::args::{prepare, Api, CallArgs};
use super::boundary::{c_string, give_bytes, give_snapshot, give_string, handle, Out};
use super::callbacks::{chunk_callback, webraft_event, 
    done_callback, webraft_chunk_callback, webraft_done_callback,
};
use super::launch::{start, start_delivered};
use super::handles::{free, webraft_client, webraft_request};
use super::result::webraft_result;
use crate::error::Status;
use crate::request::{Delivery, Next, Request};
use crate::stream::LiveSnapshots;
use std::ffi::{c_char, c_void};
use std::time::Duration;

/// A timeout value meaning "wait as long as it takes".
pub const WEBRAFT_WAIT_FOREVER: u32 = u32::MAX;

fn wait_limit(timeout_ms: u32) -> Option<Duration> {
    (timeout_ms != WEBRAFT_WAIT_FOREVER).then(|| Duration::from_millis(timeout_ms.into()))
}

/// Start a chat request and return at once. `delivery` (a `webraft_delivery`
/// value) says where stream chunks go: nowhere but the result (NONE; the
/// body's `"stream"` member decides whether the reply streams), to `on_chunk`
/// (CALLBACK), or to the queue read by `webraft_request_next` (POLL). CALLBACK
/// and POLL send `"stream": true` themselves. `on_chunk` must be NULL unless
/// delivery is CALLBACK. `webraft_request_is_stream` says whether chunks come.
/// `on_done` (may be NULL) is called exactly once when the request ends,
/// even if it is cancelled or freed; `user_data` must stay valid until then.
///
/// Always writes a request handle to `*out_request` (owned by the caller until
/// `webraft_request_free`). If the arguments are invalid, returns their status
/// (NULL_ARGUMENT for CALLBACK without `on_chunk`, INVALID_ARGUMENT for an
/// unknown delivery or a callback with another delivery), the handle is
/// already finished and holds the error result, and no callback is ever called.
#[no_mangle]
pub unsafe extern "C" fn webraft_chat_start(
    client: *const webraft_client,
    request_json: *const c_char,
    options_json: *const c_char,
    delivery: u32,
    on_chunk: webraft_chunk_callback,
    on_done: webraft_done_callback,
    user_data: *mut c_void,
    out_request: *mut *mut webraft_request,
) -> Status {
    ffi_boundary! {
        let call = |stream| CallArgs::Json { api: Api::Chat, request_json, stream };
        let on_chunk = (chunk_callback(on_chunk, user_data), "on_chunk");
        // SAFETY: `client` is NULL or a live client, the strings are NULL or NUL-terminated
        // and outlive this call, `out_request` NULL or writable (the header's contract).
        unsafe { start_delivered(client, call, options_json, delivery, on_chunk, done_callback(on_done, user_data), out_request) }
    }
}

/// Start a request to any endpoint (see `webraft_send`) and return at once.
/// Handle, callback and error rules as for `webraft_chat_start`.
#[no_mangle]
pub unsafe extern "C" fn webraft_send_start(
    client: *const webraft_client,
    method: *const c_char,
    path: *const c_char,
    body_json: *const c_char,
    options_json: *const c_char,
    on_done: webraft_done_callback,
    user_data: *mut c_void,
    out_request: *mut *mut webraft_request,
) -> Status {
    ffi_boundary! {
        // SAFETY: `out_request` is NULL or writable (the header's contract).
        let out_request = unsafe { Out::new(out_request) };
        let call = CallArgs::Raw { method, path, body_json, stream: false };
        // SAFETY: `client` is NULL or a live client, and the strings are NULL or
        // NUL-terminated and outlive this call (the header's contract).
        let prepared = unsafe { prepare(client, call, options_json) };
        start(prepared, Delivery::Discard, done_callback(on_done, user_data), &out_request)
    }
}

/// The out-pointers of `webraft_request_next` and `webraft_request_next_event`.
struct NextOut<'a> {
    event: Out<'a, webraft_event>,
    name: Out<'a, *mut c_char>,
    data: Out<'a, *mut c_char>,
    len: Out<'a, usize>,
}

impl NextOut<'_> {
    /// Check the out-pointers, and clear the name, data and length so they
    /// read NULL and 0 unless something is written.
    ///
    /// # Safety
    /// Each pointer is NULL or writable for the rest of the export's call.
    unsafe fn new(
        event: *mut webraft_event,
        name: *mut *mut c_char,
        data: *mut *mut c_char,
        len: *mut usize,
    ) -> Self {
        let out = NextOut {
            // SAFETY: this function's contract, for `event`.
            event: unsafe { Out::new(event) },
            // SAFETY: this function's contract, for `name`.
            name: unsafe { Out::new(name) },
            // SAFETY: this function's contract, for `data`.
            data: unsafe { Out::new(data) },
            // SAFETY: this function's contract, for `len`.
            len: unsafe { Out::new(len) },
        };
        out.name.write(std::ptr::null_mut());
        out.data.write(std::ptr::null_mut());
        out.len.write(0);
        out
    }

    fn write(&self, next: Next) {
        let event = match next {
            Next::Pending => webraft_event::Pending,
            Next::Done => webraft_event::Done,
            Next::Headers(json) => {
                give_string(c_string(&json), &self.data, &self.len);
                webraft_event::Headers
            }
            Next::Chunk { name, data } => {
                if let Some(name) = name.filter(|_| !self.name.is_null()) {
                    self.name.write(c_string(&name).into_raw());
                }
                // An event's data is text without NULs (the decoder reads UTF-8 lines).
                give_string(c_string(&data), &self.data, &self.len);
                webraft_event::Chunk
            }
            Next::Bytes(_) => unreachable!("take() hands text readers no download"),
        };
        self.event.write(event);
    }

    /// Wait for the next item of `request` and write it out.
    ///
    /// # Safety
    /// `request` is NULL or a live request.
    unsafe fn take(
        &self,
        request: *const webraft_request,
        timeout_ms: u32,
        next: fn(&Request, Option<Duration>) -> Next,
    ) -> Status {
        // SAFETY: this function's contract.
        let Ok(request) = (unsafe { handle(request, "request") }) else { return Status::NullArgument };
        if self.event.is_null() {
            return Status::NullArgument;
        }
        if request.request.yields_bytes() {
            self.event.write(webraft_event::Pending);
            return Status::InvalidArgument;
        }
        self.write(next(&request.request, wait_limit(timeout_ms)));
        Status::Ok
    }
}

/// Take the next stream chunk, waiting up to `timeout_ms` (0: just look;
/// WEBRAFT_WAIT_FOREVER: no limit). Writes what it found to `*out_event`. For
/// WEBRAFT_EVENT_CHUNK, `*out_chunk` receives the chunk's data (JSON for chat
/// streams), which the caller frees with `webraft_string_free` (pass NULL to
/// discard it), and `*out_len` its length. Headers events are passed over
/// (see `webraft_request_next_event`). A request with a chunk callback, or a
/// plain request, only ever yields PENDING then DONE, so this doubles as a
/// wait. Any thread; several threads may poll one request, each chunk goes to
/// exactly one of them. Inside the request's own chunk callback it does not
/// wait (nothing can change before the callback returns) and reports PENDING.
/// Returns NULL_ARGUMENT if `request` or `out_event` is NULL, INVALID_ARGUMENT
/// for a download whose pieces are bytes (see `webraft_request_next_bytes`).
#[no_mangle]
pub unsafe extern "C" fn webraft_request_next(
    request: *const webraft_request,
    timeout_ms: u32,
    out_event: *mut webraft_event,
    out_chunk: *mut *mut c_char,
    out_len: *mut usize,
) -> Status {
    ffi_boundary! {
        // SAFETY: each out-pointer is NULL or writable (the header's contract).
        let out = unsafe { NextOut::new(out_event, std::ptr::null_mut(), out_chunk, out_len) };
        // SAFETY: `request` is NULL or a live request (the header's contract).
        unsafe { out.take(request, timeout_ms, Request::next) }
    }
}

/// As `webraft_request_next`, with headers and event names: a polled request
/// first yields WEBRAFT_EVENT_HEADERS once the final reply's headers arrive
/// (`*out_data`: one JSON object of them), then its chunks as
/// WEBRAFT_EVENT_CHUNK with `*out_name` the SSE event name (NULL when the
/// event has none) and `*out_data` its data, then DONE. The caller frees the
/// name and the data with `webraft_string_free`; either out-pointer may be
/// NULL to discard it.
#[no_mangle]
pub unsafe extern "C" fn webraft_request_next_event(
    request: *const webraft_request,
    timeout_ms: u32,
    out_event: *mut webraft_event,
    out_name: *mut *mut c_char,
    out_data: *mut *mut c_char,
    out_len: *mut usize,
) -> Status {
    ffi_boundary! {
        // SAFETY: each out-pointer is NULL or writable (the header's contract).
        let out = unsafe { NextOut::new(out_event, out_name, out_data, out_len) };
        // SAFETY: `request` is NULL or a live request (the header's contract).
        unsafe { out.take(request, timeout_ms, Request::next_event) }
    }
}

/// Take the next piece of a download's binary reply, waiting up to
/// `timeout_ms` (0: just look; WEBRAFT_WAIT_FOREVER: no limit). Writes
/// PENDING, WEBRAFT_EVENT_BYTES or DONE to `*out_event`. For BYTES,
/// `*out_data` receives a new buffer of `*out_len` (> 0) bytes that the caller
/// frees with `webraft_bytes_free(data, len)` (pass NULL to discard it).
/// Headers are passed over. A request whose reply is not binary pieces (a
/// plain call, or a download whose body is kept) only yields PENDING then
/// DONE. Returns NULL_ARGUMENT if `request` or `out_event` is NULL, and
/// INVALID_ARGUMENT for a stream of text events (read those with
/// `webraft_request_next_event`). Any thread; each piece goes to one caller.
#[no_mangle]
pub unsafe extern "C" fn webraft_request_next_bytes(
    request: *const webraft_request,
    timeout_ms: u32,
    out_event: *mut webraft_event,
    out_data: *mut *mut u8,
    out_len: *mut usize,
) -> Status {
    ffi_boundary! {
        // SAFETY: each out-pointer is NULL or writable (the header's contract).
        let (event, data, len) = unsafe { (Out::new(out_event), Out::new(out_data), Out::new(out_len)) };
        data.write(std::ptr::null_mut());
        len.write(0);
        // SAFETY: `request` is NULL or a live request (the header's contract).
        let Ok(request) = (unsafe { handle(request, "request") }) else { return Status::NullArgument };
        if event.is_null() {
            return Status::NullArgument;
        }
        if request.request.is_stream() && !request.request.yields_bytes() {
            event.write(webraft_event::Pending);
            return Status::InvalidArgument;
        }
        event.write(match request.request.next(wait_limit(timeout_ms)) {
            Next::Bytes(piece) => {
                give_bytes(piece, &data, &len);
                webraft_event::Bytes
            }
            Next::Done => webraft_event::Done,
            Next::Pending | Next::Headers(_) | Next::Chunk { .. } => webraft_event::Pending,
        });
        Status::Ok
    }
}

/// The first choice's content so far as valid JSON: cut at the last safe
/// point and closed (unfinished strings, arrays and objects closed, a key
/// without its value dropped, numbers and literals only once whole), so each
/// snapshot extends the one before and the last equals the full parse. Text
/// that stops being JSON freezes it at its last valid value. Inside the
/// request's chunk callback it includes that chunk; polled, it may be ahead of
/// the chunks read. Writes it to `*out_json` (caller frees with
/// `webraft_string_free`) and its length to `*out_len` (may be NULL). Returns
/// MISSING (writing NULL) while no JSON value has begun, and for requests that
/// are not chat streams; NULL_ARGUMENT for a NULL request or `out_json`. Any
/// thread, any time until `webraft_request_free`.
#[no_mangle]
pub unsafe extern "C" fn webraft_request_snapshot_content(
    request: *const webraft_request,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> Status {
    ffi_boundary! {
        // SAFETY: the header's contract, passed on.
        unsafe { give_request_snapshot(request, out_json, out_len, LiveSnapshots::content) }
    }
}

/// What the snapshot exports share: check the request and `out_json`, take
/// one snapshot with `take` and hand it out.
///
/// # Safety
/// `request` is NULL or a live request; `out_json` and `out_len` are NULL or writable.
unsafe fn give_request_snapshot(
    request: *const webraft_request,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
    take: impl FnOnce(&LiveSnapshots) -> Option<String>,
) -> Status {
    // SAFETY: this function's contract, for the out-pointers.
    let (out_json, out_len) = unsafe { (Out::new(out_json), Out::new(out_len)) };
    // SAFETY: this function's contract, for `request`.
    let request = unsafe { handle(request, "request") };
    let (Ok(request), false) = (request, out_json.is_null()) else { return Status::NullArgument };
    give_snapshot(request.request.snapshots(take).flatten(), &out_json, &out_len)
}

/// How many tool calls the first choice of a chat stream has started so far
/// (0 for NULL and for requests that are not chat streams). Any thread.
#[no_mangle]
pub unsafe extern "C" fn webraft_request_snapshot_tool_call_count(request: *const webraft_request) -> usize {
    ffi_boundary! {
        // SAFETY: `request` is NULL or a live request (the header's contract).
        let request = unsafe { handle(request, "request") };
        request.ok().and_then(|r| r.request.snapshots(|live| live.tool_call_count())).unwrap_or(0)
    }
}

/// Tool call `index`'s arguments so far as valid JSON, by the rules of
/// `webraft_request_snapshot_content` (caller frees). MISSING when there is
/// no such call or its arguments have no JSON value yet.
#[no_mangle]
pub unsafe extern "C" fn webraft_request_snapshot_tool_arguments(
    request: *const webraft_request,
    index: usize,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> Status {
    ffi_boundary! {
        // SAFETY: the header's contract, passed on.
        unsafe { give_request_snapshot(request, out_json, out_len, |live| live.tool_arguments(index)) }
    }
}

/// Wait up to `timeout_ms` (WEBRAFT_WAIT_FOREVER: no limit) for the request to
/// finish. Returns true once finished, false on timeout or a NULL request.
/// A polled stream counts as finished only once its queued chunks have been
/// read (see `webraft_request_next`); since its queue is bounded, waiting
/// without reading can time out. Any thread, including callbacks; inside the
/// request's own chunk callback it returns false at once instead of stalling.
#[no_mangle]
pub unsafe extern "C" fn webraft_request_wait(
    request: *const webraft_request,
    timeout_ms: u32,
) -> bool {
    ffi_boundary! {
        // SAFETY: `request` is NULL or a live request (the header's contract).
        let request = unsafe { handle(request, "request") };
        request.is_ok_and(|r| r.request.wait(wait_limit(timeout_ms)))
    }
}

/// Whether the request's reply is streamed, so chunks reach its delivery
/// (decided when it started, from the delivery and the parsed request body).
/// False for NULL, for plain requests and for requests that failed to start.
/// Any thread.
#[no_mangle]
pub unsafe extern "C" fn webraft_request_is_stream(request: *const webraft_request) -> bool {
    ffi_boundary! {
        // SAFETY: `request` is NULL or a live request (the header's contract).
        let request = unsafe { handle(request, "request") };
        request.is_ok_and(|r| r.request.is_stream())
    }
}

/// True once the request has finished and its result is ready; for a polled
/// stream, also once every queued chunk has been read. False for NULL.
#[no_mangle]
pub unsafe extern "C" fn webraft_request_is_finished(request: *const webraft_request) -> bool {
    ffi_boundary! {
        // SAFETY: `request` is NULL or a live request (the header's contract).
        let request = unsafe { handle(request, "request") };
        request.is_ok_and(|r| r.request.is_finished())
    }
}

/// Ask a running request to stop; it finishes with CANCELLED promptly and
/// releases its connection. No effect if it already finished; NULL is a no-op.
/// Any thread, including inside its own callbacks.
#[no_mangle]
pub unsafe extern "C" fn webraft_request_cancel(request: *const webraft_request) {
    ffi_boundary! {
        // SAFETY: `request` is NULL or a live request (the header's contract).
        if let Ok(request) = unsafe { handle(request, "request") } {
            request.request.cancel();
        }
    }
}

/// Take the finished request's result; the caller frees it with
/// `webraft_result_free`. Returns NULL if the request has not finished (see
/// `webraft_request_is_finished`), if the result was already taken, or if
/// `request` is NULL.
#[no_mangle]
pub unsafe extern "C" fn webraft_request_take_result(
    request: *const webraft_request,
) -> *mut webraft_result {
    ffi_boundary! {
        // SAFETY: `request` is NULL or a live request (the header's contract).
        let request = unsafe { handle(request, "request") };
        let taken = request.ok().and_then(|r| r.request.take_result());
        taken.map_or(std::ptr::null_mut(), |result| webraft_result::from_call(result).into_raw())
    }
}

/// Free a request handle. A running request is cancelled; a callback already
/// running finishes first, and `on_done` is still called once, so `user_data`
/// must stay valid until then (without `on_done`, free only a finished request
/// if `user_data` matters). NULL is a no-op. Any thread, including inside the
/// request's own callbacks.
#[no_mangle]
pub unsafe extern "C" fn webraft_request_free(request: *mut webraft_request) {
    ffi_boundary! {
        // SAFETY: `request` is NULL or a request handle this library wrote
        // and the caller has not freed; the caller gives up its ownership (the
        // header's contract).
        unsafe { free(request) }
    }
}
