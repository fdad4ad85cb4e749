//! Non-blocking requests: start, poll or wait, cancel, take the result, free.

use super::boundary::{handle, optional_str, required_str, write_out};
use super::client::parse_options;
use super::handles::{free, into_raw, webraft_client, webraft_request};
use super::result::{c_string, webraft_result};
use crate::client::Call;
use crate::error::{Error, Status};
use crate::request::{Delivery, DoneCallback, Next, Request};
use std::ffi::{c_char, c_int, c_void};
use std::time::Duration;

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

/// What `webraft_request_next` found.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum webraft_event {
    /// Nothing yet; the request is still running.
    Pending = 0,
    /// A stream chunk was written to `*out_chunk`.
    Chunk = 1,
    /// The request has finished and no chunks are left; take the result.
    Done = 2,
}

/// A timeout value meaning "wait as long as it takes".
pub const WEBRAFT_WAIT_FOREVER: u32 = u32::MAX;

/// C's `user_data` pointer. The caller promises it may be used from the
/// library's worker threads until the done callback returns.
pub(crate) struct UserData(pub(crate) *mut c_void);
// SAFETY: see above; the library only passes the pointer back to the caller's callbacks.
unsafe impl Send for UserData {}
// SAFETY: the library never dereferences it; concurrent use is the caller's callbacks' business.
unsafe impl Sync for UserData {}

/// Chunks for the C callback, or `fallback` when there is none.
pub(crate) fn chunk_delivery(
    on_chunk: webraft_chunk_callback,
    user_data: *mut c_void,
    fallback: Delivery,
) -> Delivery {
    let Some(on_chunk) = on_chunk else {
        return fallback;
    };
    let user_data = UserData(user_data);
    let mut buffer = Vec::new();
    Delivery::chunks(move |chunk: &str| {
        buffer.clear();
        buffer.extend_from_slice(chunk.as_bytes());
        buffer.push(0);
        let _ = &user_data;
        // SAFETY: the caller gave a valid callback and user_data for this request's lifetime.
        unsafe { on_chunk(user_data.0, buffer.as_ptr().cast(), chunk.len()) == 0 }
    })
}

pub(crate) fn done_callback(on_done: webraft_done_callback, user_data: *mut c_void) -> Option<DoneCallback> {
    let on_done = on_done?;
    let user_data = UserData(user_data);
    Some(Box::new(move |status: Status| {
        let _ = &user_data;
        // SAFETY: as for chunk callbacks.
        unsafe { on_done(user_data.0, status) }
    }))
}

fn wait_limit(timeout_ms: u32) -> Option<Duration> {
    (timeout_ms != WEBRAFT_WAIT_FOREVER).then(|| Duration::from_millis(timeout_ms.into()))
}

/// How a started request hands its stream chunks to the caller. Passed to
/// `webraft_chat_start` as a `uint32_t`; the values are fixed.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum webraft_delivery {
    /// Chunks are only accumulated into the result. The request body's own
    /// `"stream"` member decides whether the reply streams.
    None = 0,
    /// Each chunk goes to `on_chunk`, which must not be NULL. The reply streams.
    Callback = 1,
    /// Chunks are queued for `webraft_request_next` (a bounded queue: the
    /// stream pauses while it is full). The reply streams.
    Poll = 2,
}

/// The core delivery for a C delivery value, and whether it makes the reply stream.
pub(crate) fn chosen_delivery(
    delivery: u32,
    on_chunk: webraft_chunk_callback,
    user_data: *mut c_void,
) -> Result<(Delivery, bool), Error> {
    let unused_callback = || {
        Error::InvalidArgument("on_chunk must be NULL unless delivery is WEBRAFT_DELIVERY_CALLBACK".into())
    };
    match delivery {
        d if d == webraft_delivery::None as u32 => on_chunk.map_or(Ok((Delivery::Discard, false)), |_| Err(unused_callback())),
        d if d == webraft_delivery::Poll as u32 => on_chunk.map_or(Ok((Delivery::Queue, true)), |_| Err(unused_callback())),
        d if d == webraft_delivery::Callback as u32 => match on_chunk {
            Some(_) => Ok((chunk_delivery(on_chunk, user_data, Delivery::Discard), true)),
            None => Err(Error::NullArgument("on_chunk")),
        },
        other => Err(Error::InvalidArgument(format!("{other} is not a webraft_delivery value"))),
    }
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
        let (delivery, stream) = match chosen_delivery(delivery, on_chunk, user_data) {
            Ok(chosen) => chosen,
            Err(error) => return fail_start(error, out_request),
        };
        let call = || Call::chat(required_str(request_json, "request_json")?, stream);
        start(client, call, options_json, delivery, done_callback(on_done, user_data), out_request)
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
        let call = || Call::raw(required_str(method, "method")?, required_str(path, "path")?, optional_str(body_json, "body_json")?);
        start(client, call, options_json, Delivery::Discard, done_callback(on_done, user_data), out_request)
    }
}

pub(crate) unsafe fn start(
    client: *const webraft_client,
    call: impl FnOnce() -> Result<Call, Error>,
    options_json: *const c_char,
    delivery: Delivery,
    on_done: Option<DoneCallback>,
    out_request: *mut *mut webraft_request,
) -> Status {
    if out_request.is_null() {
        return Status::NullArgument;
    }
    let prepared = (|| -> Result<_, Error> {
        Ok((
            handle(client, "client")?,
            call()?,
            parse_options(options_json)?,
        ))
    })();
    let started = prepared.and_then(|(client, call, options)| {
        Request::start(&client.client, call, options, delivery, on_done)
    });
    match started {
        Ok(request) => {
            write_out(out_request, into_raw(webraft_request { request }));
            Status::Ok
        }
        Err(error) => fail_start(error, out_request),
    }
}

/// Hand back an already finished request that holds `error`, and its status
/// (NULL_ARGUMENT when there is nowhere to hand it).
///
/// # Safety
/// `out_request` is NULL or valid for a write.
pub(crate) unsafe fn fail_start(error: Error, out_request: *mut *mut webraft_request) -> Status {
    if out_request.is_null() {
        return Status::NullArgument;
    }
    let status = error.status();
    write_out(out_request, into_raw(webraft_request { request: Request::failed(error) }));
    status
}

/// Take the next stream chunk, waiting up to `timeout_ms` (0: just look;
/// WEBRAFT_WAIT_FOREVER: no limit). Writes what it found to `*out_event`. For
/// WEBRAFT_EVENT_CHUNK, `*out_chunk` receives the chunk JSON, which the caller
/// frees with `webraft_string_free` (pass NULL to discard it), and `*out_len`
/// its length. A request with a chunk callback, or a plain request, only ever
/// yields PENDING then DONE, so this doubles as a wait. Any thread; several
/// threads may poll one request, each chunk goes to exactly one of them.
/// Inside the request's own chunk callback it does not wait (nothing can
/// change before the callback returns) and reports PENDING.
/// Returns NULL_ARGUMENT if `request` or `out_event` is NULL.
#[no_mangle]
pub unsafe extern "C" fn webraft_request_next(
    request: *const webraft_request,
    timeout_ms: u32,
    out_event: *mut webraft_event,
    out_chunk: *mut *mut c_char,
    out_len: *mut usize,
) -> Status {
    ffi_boundary! {
        write_out(out_chunk, std::ptr::null_mut());
        write_out(out_len, 0);
        let Ok(request) = handle(request, "request") else { return Status::NullArgument };
        if out_event.is_null() {
            return Status::NullArgument;
        }
        let event = match request.request.next(wait_limit(timeout_ms)) {
            Next::Pending => webraft_event::Pending,
            Next::Done => webraft_event::Done,
            // `next` passes over headers events.
            Next::Headers(_) => webraft_event::Pending,
            Next::Chunk { data: chunk, .. } => {
                // Chunks are parsed JSON, so they hold no raw NUL and nothing is cut.
                let chunk = c_string(&chunk);
                write_out(out_len, chunk.as_bytes().len());
                if !out_chunk.is_null() {
                    write_out(out_chunk, chunk.into_raw());
                }
                webraft_event::Chunk
            }
        };
        write_out(out_event, event);
        Status::Ok
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
    ffi_boundary! { handle(request, "request").is_ok_and(|r| r.request.wait(wait_limit(timeout_ms))) }
}

/// Whether the request's reply is streamed, so chunks reach its delivery
/// (decided when it started, from the delivery and the parsed request body).
/// False for NULL, for plain requests and for requests that failed to start.
/// Any thread.
#[no_mangle]
pub unsafe extern "C" fn webraft_request_is_stream(request: *const webraft_request) -> bool {
    ffi_boundary! { handle(request, "request").is_ok_and(|r| r.request.is_stream()) }
}

/// True once the request has finished and its result is ready; for a polled
/// stream, also once every queued chunk has been read. False for NULL.
#[no_mangle]
pub unsafe extern "C" fn webraft_request_is_finished(request: *const webraft_request) -> bool {
    ffi_boundary! { handle(request, "request").is_ok_and(|r| r.request.is_finished()) }
}

/// Ask a running request to stop; it finishes with CANCELLED promptly and
/// releases its connection. No effect if it already finished; NULL is a no-op.
/// Any thread, including inside its own callbacks.
#[no_mangle]
pub unsafe extern "C" fn webraft_request_cancel(request: *const webraft_request) {
    ffi_boundary! { if let Ok(request) = handle(request, "request") { request.request.cancel() } }
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
        handle(request, "request")
            .ok()
            .and_then(|r| r.request.take_result())
            .map_or(std::ptr::null_mut(), |result| webraft_result::from_call(result).into_raw())
    }
}

/// Free a request handle. A running request is cancelled; a callback already
/// running finishes first, and `on_done` is still called once, so `user_data`
/// must stay valid until then (without `on_done`, free only a finished request
/// if `user_data` matters). NULL is a no-op. Any thread, including inside the
/// request's own callbacks.
#[no_mangle]
pub unsafe extern "C" fn webraft_request_free(request: *mut webraft_request) {
    ffi_boundary! { free(request) }
}
