//! The Responses API and streams from any endpoint: each event reaches the
//! caller with its name, through an event callback or the poll queue. Uses
//! `boundary`, `handles`, `callbacks`, `args`, `result`, `launch` and the core.

use super::args::{Api, CallArgs};
use super::callbacks::{webraft_done_callback, webraft_event_callback};
use super::handles::{webraft_client, webraft_conversation, webraft_request};
use super::launch::{run_streaming, start_streaming};
use super::result::webraft_result;
use crate::error::Status;
use std::ffi::{c_char, c_void};

/// Blocking Responses API call: `POST /responses` with `request_json` (an
/// OpenAI Responses request body, sent as is; if it sets `"stream": true` the
/// events are read and the response built from them). The result's JSON is
/// the `response` object, its text the output text, its tool calls the
/// `function_call` items. A `failed` response or an `error` event fails with
/// the server's code and message and keeps the output that arrived; an
/// `incomplete` one succeeds and `webraft_result_incomplete_reason` says why.
/// Returns a result the caller must free; never NULL.
#[no_mangle]
pub unsafe extern "C" fn webraft_responses(
    client: *const webraft_client,
    request_json: *const c_char,
    options_json: *const c_char,
) -> *mut webraft_result {
    ffi_boundary! {
        let call = CallArgs::Json { api: Api::Responses, request_json, stream: false };
        // SAFETY: `client` is NULL or live, the strings NULL or NUL-terminated (the header's contract).
        unsafe { run_streaming(client, call, options_json, None, std::ptr::null_mut()) }
    }
}

/// Blocking streamed Responses API call (sets `"stream": true` itself).
/// `on_event` (may be NULL) gets the headers, then each event with its name
/// (`response.output_text.delta`, `keepalive`, unknown ones too) while this
/// call blocks; see `webraft_event_callback`. An event that fails the call
/// (`response.failed`, `error`) is not handed on: what it says is in the
/// result's error (server message, code). Result as for `webraft_responses`.
#[no_mangle]
pub unsafe extern "C" fn webraft_responses_stream(
    client: *const webraft_client,
    request_json: *const c_char,
    options_json: *const c_char,
    on_event: webraft_event_callback,
    user_data: *mut c_void,
) -> *mut webraft_result {
    ffi_boundary! {
        let call = CallArgs::Json { api: Api::Responses, request_json, stream: true };
        // SAFETY: `client` is NULL or live, the strings NULL or NUL-terminated (the header's contract).
        unsafe { run_streaming(client, call, options_json, on_event, user_data) }
    }
}

/// Start a Responses API call and return at once. Delivery, handle and error
/// rules as for `webraft_chat_start`, with `on_event` in place of `on_chunk`
/// (it also gets the headers); polled, read the events with
/// `webraft_request_next_event`.
#[no_mangle]
pub unsafe extern "C" fn webraft_responses_start(
    client: *const webraft_client,
    request_json: *const c_char,
    options_json: *const c_char,
    delivery: u32,
    on_event: webraft_event_callback,
    on_done: webraft_done_callback,
    user_data: *mut c_void,
    out_request: *mut *mut webraft_request,
) -> Status {
    ffi_boundary! {
        let call = |stream| CallArgs::Json { api: Api::Responses, request_json, stream };
        // SAFETY: the header's contract for every pointer.
        unsafe { start_streaming(client, call, options_json, delivery, on_event, on_done, user_data, out_request) }
    }
}

/// Blocking Responses API call from a conversation: its messages become
/// `input` items (a single plain user message is sent as the input text), its
/// parameters the request's (`max_tokens` as `max_output_tokens`). Set
/// `instructions` or `previous_response_id` with `webraft_conversation_set_param`.
/// With `on_event` the reply streams; otherwise it is plain. The
/// conversation is not changed; `webraft_conversation_add_assistant_turn`
/// appends the reply. Result as for `webraft_responses`.
#[no_mangle]
pub unsafe extern "C" fn webraft_conversation_responses(
    client: *const webraft_client,
    conversation: *const webraft_conversation,
    options_json: *const c_char,
    on_event: webraft_event_callback,
    user_data: *mut c_void,
) -> *mut webraft_result {
    ffi_boundary! {
        let call = CallArgs::Conversation { api: Api::Responses, conversation, stream: on_event.is_some() };
        // SAFETY: `client` and `conversation` are NULL or live, `options_json` NULL or NUL-terminated.
        unsafe { run_streaming(client, call, options_json, on_event, user_data) }
    }
}

/// Start a Responses API call from a conversation and return at once; rules
/// as for `webraft_responses_start`.
#[no_mangle]
pub unsafe extern "C" fn webraft_conversation_responses_start(
    client: *const webraft_client,
    conversation: *const webraft_conversation,
    options_json: *const c_char,
    delivery: u32,
    on_event: webraft_event_callback,
    on_done: webraft_done_callback,
    user_data: *mut c_void,
    out_request: *mut *mut webraft_request,
) -> Status {
    ffi_boundary! {
        let call = |stream| CallArgs::Conversation { api: Api::Responses, conversation, stream };
        // SAFETY: the header's contract for every pointer.
        unsafe { start_streaming(client, call, options_json, delivery, on_event, on_done, user_data, out_request) }
    }
}

/// Blocking streamed request to any endpoint under the base URL (method and
/// path as for `webraft_send`; `body_json` may be NULL). The reply is read as
/// SSE (named events too) or JSON lines, and each event goes to `on_event`
/// (may be NULL) as it arrives; `[DONE]` ends it. Nothing is accumulated: the
/// result holds the status, headers and event count. Timeouts, retries
/// (before the first event), cancellation and the event size limit work as for
/// chat streams. Returns a result the caller must free; never NULL.
#[no_mangle]
pub unsafe extern "C" fn webraft_send_stream(
    client: *const webraft_client,
    method: *const c_char,
    path: *const c_char,
    body_json: *const c_char,
    options_json: *const c_char,
    on_event: webraft_event_callback,
    user_data: *mut c_void,
) -> *mut webraft_result {
    ffi_boundary! {
        let call = CallArgs::Raw { method, path, body_json, stream: true };
        // SAFETY: `client` is NULL or live, the strings NULL or NUL-terminated (the header's contract).
        unsafe { run_streaming(client, call, options_json, on_event, user_data) }
    }
}

/// Start a streamed request to any endpoint and return at once; delivery,
/// handle and error rules as for `webraft_responses_start` (the reply is read
/// as a stream whatever the delivery).
#[no_mangle]
pub unsafe extern "C" fn webraft_send_stream_start(
    client: *const webraft_client,
    method: *const c_char,
    path: *const c_char,
    body_json: *const c_char,
    options_json: *const c_char,
    delivery: u32,
    on_event: webraft_event_callback,
    on_done: webraft_done_callback,
    user_data: *mut c_void,
    out_request: *mut *mut webraft_request,
) -> Status {
    ffi_boundary! {
        let call = |_| CallArgs::Raw { method, path, body_json, stream: true };
        // SAFETY: the header's contract for every pointer.
        unsafe { start_streaming(client, call, options_json, delivery, on_event, on_done, user_data, out_request) }
    }
}
