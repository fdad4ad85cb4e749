//! `webraft_result`: the outcome of a call, with every string prepared once as
//! NUL-terminated bytes that live exactly as long as the result.

use super::boundary::{handle, write_out};
use super::handles::free;
use crate::conversation::{AssistantTurn, ToolCall};
use crate::error::{Error, Status};
use crate::result::{CallResult, Usage};
use once_cell::sync::OnceCell;
use serde_json::Value;
use std::ffi::{c_char, CString};
use std::time::Duration;

/// The outcome of one call. Owned by the caller; free with `webraft_result_free`.
pub struct webraft_result {
    status: Status,
    http_status: u16,
    body: Option<NulTerminated>,
    body_is_json: bool,
    text: Option<NulTerminated>,
    error_message: Option<CString>,
    server_message: Option<CString>,
    quota_exhausted: bool,
    error_type: Option<CString>,
    error_code: Option<CString>,
    error_param: Option<CString>,
    request_id: Option<CString>,
    timings: webraft_timings,
    usage: Option<Usage>,
    retries: u32,
    chunks: usize,
    /// The JSON body, parsed on the first JSON Pointer read.
    document: OnceCell<Option<Value>>,
    assistant: Option<AssistantTurn>,
    tool_calls: Vec<ToolCallStrings>,
    finish_reason: Option<CString>,
    refusal: Option<CString>,
}

/// One tool call's strings, prepared once for borrowing.
struct ToolCallStrings {
    id: CString,
    name: CString,
    arguments: NulTerminated,
}

impl ToolCallStrings {
    fn new(call: &ToolCall) -> ToolCallStrings {
        ToolCallStrings {
            id: c_string(&call.id),
            name: c_string(&call.name),
            arguments: NulTerminated::new(call.arguments.as_bytes()),
        }
    }
}

/// When a call reached its milestones, in milliseconds from its start; -1 if never.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct webraft_timings {
    /// Response status line and headers received.
    pub headers_ms: f64,
    /// First stream chunk decoded.
    pub first_chunk_ms: f64,
    /// The call finished.
    pub total_ms: f64,
}

/// Bytes with a NUL after them; the length excludes it, so embedded NULs survive.
struct NulTerminated(Vec<u8>);

impl NulTerminated {
    fn new(bytes: &[u8]) -> NulTerminated {
        let mut owned = Vec::with_capacity(bytes.len() + 1);
        owned.extend_from_slice(bytes);
        owned.push(0);
        NulTerminated(owned)
    }

    fn len(&self) -> usize {
        self.0.len() - 1
    }
}

/// A C string for a message; an embedded NUL cuts it there.
pub(crate) fn c_string(text: &str) -> CString {
    let end = text.find('\0').unwrap_or(text.len());
    CString::new(&text[..end]).expect("cut at the first NUL")
}

/// `text` as a C string the caller owns (freed by `webraft_string_free`), with its length.
pub(crate) fn into_raw_string(text: &str) -> (*mut c_char, usize) {
    let owned = c_string(text);
    let len = owned.as_bytes().len();
    (owned.into_raw(), len)
}

fn millis(duration: Option<Duration>) -> f64 {
    duration.map_or(-1.0, |d| d.as_secs_f64() * 1000.0)
}

impl webraft_result {
    pub(crate) fn from_call(call: CallResult) -> webraft_result {
        let api = call.api_error();
        let owned = |field: Option<&String>| field.map(|s| c_string(s));
        let assistant = call.assistant_turn();
        let turn = assistant.as_ref();
        webraft_result {
            tool_calls: turn.map_or(Vec::new(), |t| t.tool_calls.iter().map(ToolCallStrings::new).collect()),
            finish_reason: owned(turn.and_then(|t| t.finish_reason.as_ref())),
            refusal: owned(turn.and_then(|t| t.refusal.as_ref())),
            status: call.status(),
            http_status: call.http_status,
            body: (!call.body.is_empty() || call.body_is_json)
                .then(|| NulTerminated::new(&call.body)),
            body_is_json: call.body_is_json,
            text: call
                .text
                .as_deref()
                .map(|t| NulTerminated::new(t.as_bytes())),
            error_message: call.error.as_ref().map(|e| c_string(&e.to_string())),
            server_message: owned(api.map(|a| &a.message).filter(|m| !m.is_empty())),
            quota_exhausted: api.is_some_and(|a| a.is_quota_exhausted()),
            error_type: owned(api.and_then(|a| a.error_type.as_ref())),
            error_code: owned(api.and_then(|a| a.code.as_ref())),
            error_param: owned(api.and_then(|a| a.param.as_ref())),
            request_id: owned(call.request_id.as_ref()),
            timings: webraft_timings {
                headers_ms: millis(call.timings.headers),
                first_chunk_ms: millis(call.timings.first_chunk),
                total_ms: millis(Some(call.timings.total)),
            },
            usage: call.usage,
            retries: call.retries,
            chunks: call.chunks,
            document: OnceCell::new(),
            assistant,
        }
    }

    /// The JSON body as a document; None when the result has no JSON.
    pub(crate) fn document(&self) -> Option<&Value> {
        self.document
            .get_or_init(|| {
                let body = self.body.as_ref().filter(|_| self.body_is_json)?;
                serde_json::from_slice(&body.0[..body.len()]).ok()
            })
            .as_ref()
    }

    pub(crate) fn assistant_turn(&self) -> Option<&AssistantTurn> {
        self.assistant.as_ref()
    }

    pub(crate) fn from_error(error: Error) -> webraft_result {
        Self::from_call(CallResult::failed(error))
    }

    pub(crate) fn into_raw(self) -> *mut webraft_result {
        super::handles::into_raw(self)
    }
}

/// The status of `outcome`; a failure is also described in a new result written
/// to `*out_error` when that is not NULL (the caller frees it).
///
/// # Safety
/// `out_error` is NULL or valid for a write.
pub(crate) unsafe fn report(
    outcome: Result<(), Error>,
    out_error: *mut *mut webraft_result,
) -> Status {
    write_out(out_error, std::ptr::null_mut());
    match outcome {
        Ok(()) => Status::Ok,
        Err(error) => {
            let status = error.status();
            if !out_error.is_null() {
                write_out(out_error, webraft_result::from_error(error).into_raw());
            }
            status
        }
    }
}

impl super::boundary::OnPanic for *mut webraft_result {
    /// A result-returning export that panicked still returns a result, saying so.
    fn on_panic(message: String) -> Self {
        webraft_result::from_error(Error::Panic(message)).into_raw()
    }
}

fn bytes_out(bytes: Option<&NulTerminated>, out_len: *mut usize) -> *const c_char {
    let len = bytes.map_or(0, NulTerminated::len);
    // SAFETY: callers pass an out_len that is NULL or writable.
    unsafe { write_out(out_len, len) };
    bytes.map_or(std::ptr::null(), |b| b.0.as_ptr().cast())
}

fn c_str_out(text: &Option<CString>) -> *const c_char {
    text.as_ref().map_or(std::ptr::null(), |s| s.as_ptr())
}

/// Status of the call: WEBRAFT_STATUS_OK on success. NULL result: WEBRAFT_STATUS_NULL_ARGUMENT.
#[no_mangle]
pub unsafe extern "C" fn webraft_result_status(result: *const webraft_result) -> Status {
    ffi_boundary! { handle(result, "result").map_or(Status::NullArgument, |r| r.status) }
}

/// HTTP status of the last response received, or 0 if none arrived (or `result` is NULL).
#[no_mangle]
pub unsafe extern "C" fn webraft_result_http_status(result: *const webraft_result) -> u16 {
    ffi_boundary! { handle(result, "result").map_or(0, |r| r.http_status) }
}

/// The response JSON: the `chat.completion` for chat calls (accumulated from the
/// chunks for streams, partial if the stream failed), the body for other calls,
/// and the error body of a non-2xx reply when that is JSON.
/// NULL when there is no JSON body. Borrowed: valid until `webraft_result_free`.
/// NUL-terminated; its length is written to `out_len` if that is not NULL.
#[no_mangle]
pub unsafe extern "C" fn webraft_result_json(
    result: *const webraft_result,
    out_len: *mut usize,
) -> *const c_char {
    ffi_boundary! {
        let body = handle(result, "result").ok().and_then(|r| r.body.as_ref().filter(|_| r.body_is_json));
        bytes_out(body, out_len)
    }
}

/// The raw response body, JSON or not (e.g. audio from a generic request);
/// for a non-2xx reply, its error body (up to 64 KiB).
/// NULL when empty. Borrowed: valid until `webraft_result_free`. A NUL follows
/// the `*out_len` bytes, but the body itself may contain NULs.
#[no_mangle]
pub unsafe extern "C" fn webraft_result_body(
    result: *const webraft_result,
    out_len: *mut usize,
) -> *const c_char {
    ffi_boundary! { bytes_out(handle(result, "result").ok().and_then(|r| r.body.as_ref()), out_len) }
}

/// The assistant text of the first choice, for chat calls (joined from the
/// chunks for streams; what arrived so far if the stream failed). NULL when the
/// reply has no text (e.g. only tool calls) or the call failed before any.
/// Borrowed: valid until `webraft_result_free`. Length to `out_len` if not NULL.
#[no_mangle]
pub unsafe extern "C" fn webraft_result_text(
    result: *const webraft_result,
    out_len: *mut usize,
) -> *const c_char {
    ffi_boundary! { bytes_out(handle(result, "result").ok().and_then(|r| r.text.as_ref()), out_len) }
}

/// A one-line description of the failure (it includes the server's own
/// message for HTTP_STATUS and STREAM_ERROR), or NULL on success.
/// Borrowed: valid until `webraft_result_free`.
#[no_mangle]
pub unsafe extern "C" fn webraft_result_error_message(
    result: *const webraft_result,
) -> *const c_char {
    ffi_boundary! { handle(result, "result").map_or(std::ptr::null(), |r| c_str_out(&r.error_message)) }
}

/// The server's own error message, exactly as it sent it (no "HTTP 401: "
/// prefix), for HTTP_STATUS and STREAM_ERROR failures; NULL when the failure
/// did not come from the server or it sent no message. A non-JSON error body
/// is its trimmed text (up to 1 KiB). Borrowed: valid until `webraft_result_free`.
#[no_mangle]
pub unsafe extern "C" fn webraft_result_server_message(
    result: *const webraft_result,
) -> *const c_char {
    ffi_boundary! { handle(result, "result").map_or(std::ptr::null(), |r| c_str_out(&r.server_message)) }
}

/// True when the failure means the account is out of credits or quota
/// (HTTP 402, an `insufficient_quota` type or code, or an "Insufficient
/// Credits" message): retrying will not help. False otherwise and for NULL.
#[no_mangle]
pub unsafe extern "C" fn webraft_result_is_quota_exhausted(result: *const webraft_result) -> bool {
    ffi_boundary! { handle(result, "result").is_ok_and(|r| r.quota_exhausted) }
}

/// The provider's error `type` (e.g. "invalid_request_error"), or NULL.
/// Borrowed: valid until `webraft_result_free`.
#[no_mangle]
pub unsafe extern "C" fn webraft_result_error_type(result: *const webraft_result) -> *const c_char {
    ffi_boundary! { handle(result, "result").map_or(std::ptr::null(), |r| c_str_out(&r.error_type)) }
}

/// The provider's error `code` as text (numbers are formatted), or NULL.
/// Borrowed: valid until `webraft_result_free`.
#[no_mangle]
pub unsafe extern "C" fn webraft_result_error_code(result: *const webraft_result) -> *const c_char {
    ffi_boundary! { handle(result, "result").map_or(std::ptr::null(), |r| c_str_out(&r.error_code)) }
}

/// The provider's error `param`, or NULL. Borrowed: valid until `webraft_result_free`.
#[no_mangle]
pub unsafe extern "C" fn webraft_result_error_param(
    result: *const webraft_result,
) -> *const c_char {
    ffi_boundary! { handle(result, "result").map_or(std::ptr::null(), |r| c_str_out(&r.error_param)) }
}

/// The `x-request-id` response header, or NULL. Borrowed: valid until `webraft_result_free`.
#[no_mangle]
pub unsafe extern "C" fn webraft_result_request_id(result: *const webraft_result) -> *const c_char {
    ffi_boundary! { handle(result, "result").map_or(std::ptr::null(), |r| c_str_out(&r.request_id)) }
}

/// Copy the call's timings into `*out`. Returns NULL_ARGUMENT if either pointer is NULL.
#[no_mangle]
pub unsafe extern "C" fn webraft_result_timings(
    result: *const webraft_result,
    out: *mut webraft_timings,
) -> Status {
    ffi_boundary! {
        match (handle(result, "result"), out.is_null()) {
            (Ok(r), false) => { write_out(out, r.timings); Status::Ok }
            _ => Status::NullArgument,
        }
    }
}

/// The reply's token counts (for a stream: from its usage chunk, which many
/// servers send only when the request sets `stream_options.include_usage`).
/// Writes each count through its pointer when that is not NULL, and returns
/// true; returns false (writing nothing) when the reply had no usage or
/// `result` is NULL.
#[no_mangle]
pub unsafe extern "C" fn webraft_result_usage(
    result: *const webraft_result,
    out_prompt_tokens: *mut u64,
    out_completion_tokens: *mut u64,
    out_total_tokens: *mut u64,
) -> bool {
    ffi_boundary! {
        let Some(usage) = handle(result, "result").ok().and_then(|r| r.usage) else { return false };
        write_out(out_prompt_tokens, usage.prompt_tokens);
        write_out(out_completion_tokens, usage.completion_tokens);
        write_out(out_total_tokens, usage.total_tokens);
        true
    }
}

/// How many retries the call took (0 when the first attempt was final).
#[no_mangle]
pub unsafe extern "C" fn webraft_result_retries(result: *const webraft_result) -> u32 {
    ffi_boundary! { handle(result, "result").map_or(0, |r| r.retries) }
}

/// How many stream chunks were delivered (0 for plain calls).
#[no_mangle]
pub unsafe extern "C" fn webraft_result_chunk_count(result: *const webraft_result) -> usize {
    ffi_boundary! { handle(result, "result").map_or(0, |r| r.chunks) }
}

/// How many tool calls the reply's first choice asked for (0 for NULL).
#[no_mangle]
pub unsafe extern "C" fn webraft_result_tool_call_count(result: *const webraft_result) -> usize {
    ffi_boundary! { handle(result, "result").map_or(0, |r| r.tool_calls.len()) }
}

fn tool_call(result: *const webraft_result, index: usize) -> Option<&'static ToolCallStrings> {
    // SAFETY: callers pass a NULL or live result; the borrow ends before it can be freed.
    unsafe { handle(result, "result") }.ok().and_then(|r| r.tool_calls.get(index))
}

/// The id of tool call `index` (from 0), or NULL when out of range.
/// Borrowed: valid until `webraft_result_free`.
#[no_mangle]
pub unsafe extern "C" fn webraft_result_tool_call_id(
    result: *const webraft_result,
    index: usize,
) -> *const c_char {
    ffi_boundary! { tool_call(result, index).map_or(std::ptr::null(), |c| c.id.as_ptr()) }
}

/// The function name of tool call `index`, or NULL when out of range.
/// Borrowed: valid until `webraft_result_free`.
#[no_mangle]
pub unsafe extern "C" fn webraft_result_tool_call_name(
    result: *const webraft_result,
    index: usize,
) -> *const c_char {
    ffi_boundary! { tool_call(result, index).map_or(std::ptr::null(), |c| c.name.as_ptr()) }
}

/// The arguments of tool call `index` exactly as the model sent them (usually
/// JSON text; "" when none), or NULL when out of range. Length to `out_len` if
/// not NULL. Borrowed: valid until `webraft_result_free`.
#[no_mangle]
pub unsafe extern "C" fn webraft_result_tool_call_arguments(
    result: *const webraft_result,
    index: usize,
    out_len: *mut usize,
) -> *const c_char {
    ffi_boundary! { bytes_out(tool_call(result, index).map(|c| &c.arguments), out_len) }
}

/// The first choice's `finish_reason` ("stop", "length", "tool_calls", …),
/// or NULL. Borrowed: valid until `webraft_result_free`.
#[no_mangle]
pub unsafe extern "C" fn webraft_result_finish_reason(result: *const webraft_result) -> *const c_char {
    ffi_boundary! { handle(result, "result").map_or(std::ptr::null(), |r| c_str_out(&r.finish_reason)) }
}

/// The assistant's refusal text, when the model refused, or NULL.
/// Borrowed: valid until `webraft_result_free`.
#[no_mangle]
pub unsafe extern "C" fn webraft_result_refusal(result: *const webraft_result) -> *const c_char {
    ffi_boundary! { handle(result, "result").map_or(std::ptr::null(), |r| c_str_out(&r.refusal)) }
}

/// Free a result and every string borrowed from it. NULL is a no-op. Any thread.
#[no_mangle]
pub unsafe extern "C" fn webraft_result_free(result: *mut webraft_result) {
    ffi_boundary! { free(result) }
}
