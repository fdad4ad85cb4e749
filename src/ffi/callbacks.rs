//! The caller's callbacks: their C types, and how each becomes the closure
//! the core calls. Uses `boundary` and the core.

use super::boundary::c_string;
use crate::credentials::{CredentialAnswer, CredentialSource};
use crate::error::Status;
use crate::log::{LogLevel, LogSink};
use crate::request::{DoneCallback, Event, EventCallback};
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

/// What an event callback or `webraft_request_next_event` was given.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum webraft_event {
    /// Nothing yet; the request is still running.
    Pending = 0,
    /// A stream chunk or event: its data (and, for an SSE event with its own
    /// type, its name).
    Chunk = 1,
    /// The request has finished and no chunks are left; take the result.
    Done = 2,
    /// The final reply's headers arrived: the data is one JSON object of them
    /// (lower-case names, repeated headers joined with ", "). Comes before any
    /// chunk, also for a reply that is a failure.
    Headers = 3,
    /// A piece of a binary reply (only from `webraft_request_next_bytes`).
    Bytes = 4,
}

/// Receives one event of a request: WEBRAFT_EVENT_HEADERS (`name` NULL, `data`
/// the headers as a JSON object) or WEBRAFT_EVENT_CHUNK (`name` the SSE event
/// name or NULL, `data` the event's data: JSON for chat and Responses streams,
/// any text for other endpoints). `name` and `data` are NUL-terminated and
/// borrowed for the duration of the call; `len` is the data's length. Runs on
/// a library worker thread, one call at a time per request, in order. Return
/// 0 to continue, non-zero to cancel.
pub type webraft_event_callback = Option<
    unsafe extern "C" fn(
        user_data: *mut c_void,
        kind: webraft_event,
        name: *const c_char,
        data: *const c_char,
        len: usize,
    ) -> c_int,
>;

/// A reusable NUL-terminated copy of borrowed text, for handing to C.
#[derive(Default)]
struct CText(Vec<u8>);

impl CText {
    fn set(&mut self, text: &str) -> *const c_char {
        self.0.clear();
        self.0.extend_from_slice(text.as_bytes());
        self.0.push(0);
        self.0.as_ptr().cast()
    }
}

/// The chunk callback for a C chunk callback, if there is one: it gets each
/// chunk's data; headers and event names are not its business.
pub(crate) fn chunk_callback(
    on_chunk: webraft_chunk_callback,
    user_data: *mut c_void,
) -> Option<EventCallback> {
    let on_chunk = on_chunk?;
    let user_data = UserData(user_data);
    let mut buffer = CText::default();
    Some(Box::new(move |event| {
        let Event::Chunk { data, .. } = event else { return true };
        let text = buffer.set(data);
        // SAFETY: the caller gave a valid callback and user_data for this
        // request's lifetime; `text` is NUL-terminated after `data.len()`
        // bytes and outlives the call.
        unsafe { on_chunk(user_data.get(), text, data.len()) == 0 }
    }))
}

/// The event callback for a C event callback, if there is one.
pub(crate) fn event_callback(
    on_event: webraft_event_callback,
    user_data: *mut c_void,
) -> Option<EventCallback> {
    let on_event = on_event?;
    let user_data = UserData(user_data);
    let (mut name_text, mut data_text) = (CText::default(), CText::default());
    Some(Box::new(move |event| {
        let (kind, name, data) = match event {
            Event::Headers(json) => (webraft_event::Headers, None, json),
            Event::Chunk { name, data } => (webraft_event::Chunk, name, data),
            // Text streams have no binary pieces; downloads take a bytes callback.
            Event::Bytes(_) => return true,
        };
        let name = name.map_or(std::ptr::null(), |name| name_text.set(name));
        let text = data_text.set(data);
        // SAFETY: the caller gave a valid callback and user_data for this
        // request's lifetime; `name` is NULL or NUL-terminated, `text` is
        // NUL-terminated after `data.len()` bytes, and both outlive the call.
        unsafe { on_event(user_data.get(), kind, name, text, data.len()) == 0 }
    }))
}

/// Receives one piece of a binary reply, in order, as it arrives. `data` is
/// borrowed for the duration of the call (not NUL-terminated; it may contain
/// NULs) and `len` is more than 0. Runs on a library worker thread, one call
/// at a time per request. Return 0 to continue, non-zero to cancel.
pub type webraft_bytes_callback =
    Option<unsafe extern "C" fn(user_data: *mut c_void, data: *const u8, len: usize) -> c_int>;

/// The piece callback for a C bytes callback, if there is one: headers are not its business.
pub(crate) fn bytes_callback(on_bytes: webraft_bytes_callback, user_data: *mut c_void) -> Option<EventCallback> {
    let on_bytes = on_bytes?;
    let user_data = UserData(user_data);
    Some(Box::new(move |event| {
        let Event::Bytes(piece) = event else { return true };
        // SAFETY: the caller gave a valid callback and user_data for this
        // request's lifetime; `piece` is readable for its length during the call.
        unsafe { on_bytes(user_data.get(), piece.as_ptr(), piece.len()) == 0 }
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

/// Where a credential callback puts the credential for one attempt. Valid
/// only during the callback; the library copies what is set.
#[derive(Default)]
pub struct webraft_credential {
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) failure: Option<String>,
}

/// Asked for the credential of one attempt (every attempt: retries, fallback
/// endpoints and hedges each ask again). `endpoint_index` (0 = the client's
/// own base URL, i = `fallback[i - 1]`) and `base_url` (borrowed for the call)
/// say which endpoint. Set a key with `webraft_credential_set_key` or headers
/// with `webraft_credential_set_header`, then return 0; setting nothing sends
/// the endpoint's configured key. Non-zero ends the call with
/// WEBRAFT_STATUS_CREDENTIALS (not retried, no fallback), with the message
/// given to `webraft_credential_fail`. Runs on a library thread that is not a
/// runtime worker, so it may block (e.g. to fetch a token); calls for
/// different attempts may run at the same time on different threads.
pub type webraft_credential_callback = Option<
    unsafe extern "C" fn(
        user_data: *mut c_void,
        endpoint_index: u32,
        base_url: *const c_char,
        credential: *mut webraft_credential,
    ) -> c_int,
>;

/// The credential source for a C credential callback; None removes it.
pub(crate) fn credential_source(
    callback: webraft_credential_callback,
    user_data: *mut c_void,
) -> Option<CredentialSource> {
    let callback = callback?;
    let user_data = UserData(user_data);
    Some(Arc::new(move |index: usize, base_url: &str| -> CredentialAnswer {
        let url = c_string(base_url);
        let mut credential = webraft_credential::default();
        let index = u32::try_from(index).unwrap_or(u32::MAX);
        // SAFETY: the caller keeps the callback and user_data valid until the
        // callback is replaced or the client freed, and neither happens while
        // a call runs (the source's lock); `url` and `credential` outlive the call.
        let refused = unsafe { callback(user_data.get(), index, url.as_ptr(), &mut credential) } != 0;
        match (refused, credential.failure) {
            (false, _) => Ok(credential.headers),
            (true, failure) => Err(failure.unwrap_or_else(|| "the credential callback failed".into())),
        }
    }))
}
