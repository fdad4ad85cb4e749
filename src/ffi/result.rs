//! `webraft_result`: the outcome of a call, with every string prepared once as
//! NUL-terminated bytes that live exactly as long as the result. Uses
//! `boundary`, `handles` and the core.

use super::boundary::{c_string, handle, optional_str, OnPanic, Out};
use super::handles::{free, into_raw};
use crate::conversation::{AssistantTurn, ToolCall};
use crate::error::{Error, Status};
use crate::headers::RateLimit;
use crate::media::{embeddings, image_entries, ImageEntry};
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
    bytes_received: u64,
    endpoint_index: u32,
    endpoint_url: Option<CString>,
    endpoints_tried: u32,
    /// Each header name (lower-case) with its values joined.
    headers: Vec<(String, CString)>,
    headers_json: CString,
    rate_limit: webraft_rate_limit,
    incomplete_reason: Option<CString>,
    /// The JSON body, parsed on the first JSON Pointer read.
    document: OnceCell<Option<Value>>,
    assistant: Option<AssistantTurn>,
    tool_calls: Vec<ToolCallStrings>,
    finish_reason: Option<CString>,
    refusal: Option<CString>,
    /// An images reply's images, read on the first ask.
    images: OnceCell<Vec<ResultImage>>,
    /// An embeddings reply's vectors, decoded on the first ask.
    embeddings: OnceCell<Vec<Result<Vec<f32>, Status>>>,
}

/// One image of an images reply: its URL prepared for C, its bytes decoded on the first ask.
pub(crate) struct ResultImage {
    pub(crate) entry: ImageEntry,
    pub(crate) url: Option<CString>,
    decoded: OnceCell<Result<Vec<u8>, Status>>,
}

impl ResultImage {
    /// The image's bytes, or the status of why there are none (`index` is its place).
    pub(crate) fn bytes(&self, index: usize) -> Result<&[u8], Status> {
        let decoded = self.decoded.get_or_init(|| self.entry.decode(index).map_err(|e| e.status()));
        decoded.as_deref().map_err(|status| *status)
    }
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

/// What the `x-ratelimit-*` headers of the reply said. Counts are -1 and
/// reset times -1.0 when their header was absent or unreadable (never 0).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct webraft_rate_limit {
    pub limit_requests: i64,
    pub remaining_requests: i64,
    /// Milliseconds until the request budget resets ("6m0s" reads 360000).
    pub reset_requests_ms: f64,
    pub limit_tokens: i64,
    pub remaining_tokens: i64,
    /// Milliseconds until the token budget resets.
    pub reset_tokens_ms: f64,
}

impl webraft_rate_limit {
    fn new(limit: RateLimit) -> webraft_rate_limit {
        let count = |n: Option<u64>| n.map_or(-1, |n| i64::try_from(n).unwrap_or(i64::MAX));
        webraft_rate_limit {
            limit_requests: count(limit.limit_requests),
            remaining_requests: count(limit.remaining_requests),
            reset_requests_ms: limit.reset_requests_ms.unwrap_or(-1.0),
            limit_tokens: count(limit.limit_tokens),
            remaining_tokens: count(limit.remaining_tokens),
            reset_tokens_ms: limit.reset_tokens_ms.unwrap_or(-1.0),
        }
    }
}

/// Bytes with a NUL after them; the length excludes it, so embedded NULs survive.
struct NulTerminated(Vec<u8>);

impl NulTerminated {
    fn new(bytes: &[u8]) -> NulTerminated {
        Self::owned(bytes.to_vec())
    }

    /// Without a copy when the vector has room for the NUL (a large binary body need not
    /// exist twice).
    fn owned(mut bytes: Vec<u8>) -> NulTerminated {
        bytes.push(0);
        NulTerminated(bytes)
    }

    fn len(&self) -> usize {
        self.0.len() - 1
    }
}

fn saturated(count: usize) -> u32 {
    u32::try_from(count).unwrap_or(u32::MAX)
}

fn millis(duration: Option<Duration>) -> f64 {
    duration.map_or(-1.0, |d| d.as_secs_f64() * 1000.0)
}

impl webraft_result {
    pub(crate) fn from_call(mut call: CallResult) -> webraft_result {
        let assistant = call.assistant_turn();
        let body = std::mem::take(&mut call.body);
        // The parsed body has served; the result keeps only the text.
        call.reply = None;
        let api = call.api_error();
        let owned = |field: Option<&String>| field.map(|s| c_string(s));
        let turn = assistant.as_ref();
        webraft_result {
            tool_calls: turn.map_or(Vec::new(), |t| t.tool_calls.iter().map(ToolCallStrings::new).collect()),
            finish_reason: owned(turn.and_then(|t| t.finish_reason.as_ref())),
            refusal: owned(turn.and_then(|t| t.refusal.as_ref())),
            status: call.status(),
            http_status: call.http_status,
            body: (!body.is_empty() || call.body_is_json).then(|| NulTerminated::owned(body)),
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
            bytes_received: call.bytes_received,
            endpoint_index: call.answered.as_ref().map_or(0, |a| saturated(a.index)),
            endpoint_url: call.answered.as_ref().map(|a| c_string(&a.base_url)),
            endpoints_tried: call.answered.as_ref().map_or(0, |a| saturated(a.tried)),
            headers_json: c_string(&call.headers.to_json()),
            rate_limit: webraft_rate_limit::new(call.headers.rate_limit()),
            incomplete_reason: owned(call.incomplete_reason.as_ref()),
            headers: call.headers.joined().into_iter().map(|(name, value)| (name, c_string(&value))).collect(),
            document: OnceCell::new(),
            assistant,
            images: OnceCell::new(),
            embeddings: OnceCell::new(),
        }
    }

    pub(crate) fn images(&self) -> &[ResultImage] {
        self.images.get_or_init(|| {
            let entries = self.document().map_or_else(Vec::new, image_entries);
            let image = |entry: ImageEntry| ResultImage {
                url: entry.url.as_deref().map(c_string),
                entry,
                decoded: OnceCell::new(),
            };
            entries.into_iter().map(image).collect()
        })
    }

    pub(crate) fn embeddings(&self) -> &[Result<Vec<f32>, Status>] {
        self.embeddings.get_or_init(|| {
            let vectors = self.document().map_or_else(Vec::new, embeddings);
            vectors.into_iter().map(|v| v.map_err(|e| e.status())).collect()
        })
    }

    pub(crate) fn bytes_received(&self) -> u64 {
        self.bytes_received
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
        into_raw(self)
    }
}

/// The status of `outcome`; a failure is also described in a new result written
/// to `out_error` when that is not NULL (the caller frees it).
pub(crate) fn report(outcome: Result<(), Error>, out_error: &Out<*mut webraft_result>) -> Status {
    out_error.write(std::ptr::null_mut());
    match outcome {
        Ok(()) => Status::Ok,
        Err(error) => {
            let status = error.status();
            if !out_error.is_null() {
                out_error.write(webraft_result::from_error(error).into_raw());
            }
            status
        }
    }
}

impl OnPanic for *mut webraft_result {
    /// A result-returning export that panicked still returns a result, saying so.
    fn on_panic(message: String) -> Self {
        webraft_result::from_error(Error::Panic(message)).into_raw()
    }
}

/// Borrow the result an accessor was given; None for NULL.
///
/// # Safety
/// `result` is NULL or a live result that outlives `'a`.
pub(crate) unsafe fn borrow<'a>(result: *const webraft_result) -> Option<&'a webraft_result> {
    // SAFETY: this function's contract.
    unsafe { handle(result, "result") }.ok()
}

/// Bytes borrowed from a result, with their length written to `out_len`.
fn bytes_out(bytes: Option<&NulTerminated>, out_len: &Out<usize>) -> *const c_char {
    out_len.write(bytes.map_or(0, NulTerminated::len));
    bytes.map_or(std::ptr::null(), |b| b.0.as_ptr().cast())
}

fn c_str_out(text: &Option<CString>) -> *const c_char {
    text.as_ref().map_or(std::ptr::null(), |s| s.as_ptr())
}

/// Status of the call: WEBRAFT_STATUS_OK on success. NULL result: WEBRAFT_STATUS_NULL_ARGUMENT.
#[no_mangle]
pub unsafe extern "C" fn webraft_result_status(result: *const webraft_result) -> Status {
    ffi_boundary! {
        // SAFETY: `result` is NULL or a live result (the header's contract).
        let result = unsafe { borrow(result) };
        result.map_or(Status::NullArgument, |r| r.status)
    }
}

/// HTTP status of the last response received, or 0 if none arrived (or `result` is NULL).
#[no_mangle]
pub unsafe extern "C" fn webraft_result_http_status(result: *const webraft_result) -> u16 {
    ffi_boundary! {
        // SAFETY: `result` is NULL or a live result (the header's contract).
        let result = unsafe { borrow(result) };
        result.map_or(0, |r| r.http_status)
    }
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
        // SAFETY: `result` is NULL or a live result (the header's contract).
        let result = unsafe { borrow(result) };
        // SAFETY: `out_len` is NULL or writable (the header's contract).
        let out_len = unsafe { Out::new(out_len) };
        bytes_out(result.and_then(|r| r.body.as_ref().filter(|_| r.body_is_json)), &out_len)
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
    ffi_boundary! {
        // SAFETY: `result` is NULL or a live result (the header's contract).
        let result = unsafe { borrow(result) };
        // SAFETY: `out_len` is NULL or writable (the header's contract).
        let out_len = unsafe { Out::new(out_len) };
        bytes_out(result.and_then(|r| r.body.as_ref()), &out_len)
    }
}

/// The response body as bytes, length-delimited: binary replies (speech
/// audio from `webraft_download`) come whole, NULs and all, never read as
/// text. `*out_len` (if not NULL) gets the length; a NUL follows the bytes but
/// is not part of them. NULL when there is no body. Borrowed: valid until
/// `webraft_result_free`. The same bytes as `webraft_result_body`.
#[no_mangle]
pub unsafe extern "C" fn webraft_result_body_bytes(
    result: *const webraft_result,
    out_len: *mut usize,
) -> *const u8 {
    // SAFETY: the header's contract, passed on.
    ffi_boundary! { unsafe { webraft_result_body(result, out_len) }.cast() }
}

/// The assistant text of the first choice, for chat calls (joined from the
/// chunks for streams; what arrived so far if the stream failed); for forms
/// (`webraft_send_form*`), the transcript: a JSON reply's `text` member, a
/// text reply's body, or a transcript stream's deltas. NULL when the
/// reply has no text (e.g. only tool calls) or the call failed before any.
/// Borrowed: valid until `webraft_result_free`. Length to `out_len` if not NULL.
#[no_mangle]
pub unsafe extern "C" fn webraft_result_text(
    result: *const webraft_result,
    out_len: *mut usize,
) -> *const c_char {
    ffi_boundary! {
        // SAFETY: `result` is NULL or a live result (the header's contract).
        let result = unsafe { borrow(result) };
        // SAFETY: `out_len` is NULL or writable (the header's contract).
        let out_len = unsafe { Out::new(out_len) };
        bytes_out(result.and_then(|r| r.text.as_ref()), &out_len)
    }
}

/// A one-line description of the failure (it includes the server's own
/// message for HTTP_STATUS and STREAM_ERROR), or NULL on success.
/// Borrowed: valid until `webraft_result_free`.
#[no_mangle]
pub unsafe extern "C" fn webraft_result_error_message(
    result: *const webraft_result,
) -> *const c_char {
    ffi_boundary! {
        // SAFETY: `result` is NULL or a live result (the header's contract).
        let result = unsafe { borrow(result) };
        result.map_or(std::ptr::null(), |r| c_str_out(&r.error_message))
    }
}

/// The server's own error message, exactly as it sent it (no "HTTP 401: "
/// prefix), for HTTP_STATUS and STREAM_ERROR failures; NULL when the failure
/// did not come from the server or it sent no message. A non-JSON error body
/// is its trimmed text (up to 1 KiB). Borrowed: valid until `webraft_result_free`.
#[no_mangle]
pub unsafe extern "C" fn webraft_result_server_message(
    result: *const webraft_result,
) -> *const c_char {
    ffi_boundary! {
        // SAFETY: `result` is NULL or a live result (the header's contract).
        let result = unsafe { borrow(result) };
        result.map_or(std::ptr::null(), |r| c_str_out(&r.server_message))
    }
}

/// True when the failure means the account is out of credits or quota
/// (HTTP 402, an `insufficient_quota` type or code, or an "Insufficient
/// Credits" message): retrying will not help. False otherwise and for NULL.
#[no_mangle]
pub unsafe extern "C" fn webraft_result_is_quota_exhausted(result: *const webraft_result) -> bool {
    ffi_boundary! {
        // SAFETY: `result` is NULL or a live result (the header's contract).
        let result = unsafe { borrow(result) };
        result.is_some_and(|r| r.quota_exhausted)
    }
}

/// The provider's error `type` (e.g. "invalid_request_error"), or NULL.
/// Borrowed: valid until `webraft_result_free`.
#[no_mangle]
pub unsafe extern "C" fn webraft_result_error_type(result: *const webraft_result) -> *const c_char {
    ffi_boundary! {
        // SAFETY: `result` is NULL or a live result (the header's contract).
        let result = unsafe { borrow(result) };
        result.map_or(std::ptr::null(), |r| c_str_out(&r.error_type))
    }
}

/// The provider's error `code` as text (numbers are formatted), or NULL.
/// Borrowed: valid until `webraft_result_free`.
#[no_mangle]
pub unsafe extern "C" fn webraft_result_error_code(result: *const webraft_result) -> *const c_char {
    ffi_boundary! {
        // SAFETY: `result` is NULL or a live result (the header's contract).
        let result = unsafe { borrow(result) };
        result.map_or(std::ptr::null(), |r| c_str_out(&r.error_code))
    }
}

/// The provider's error `param`, or NULL. Borrowed: valid until `webraft_result_free`.
#[no_mangle]
pub unsafe extern "C" fn webraft_result_error_param(
    result: *const webraft_result,
) -> *const c_char {
    ffi_boundary! {
        // SAFETY: `result` is NULL or a live result (the header's contract).
        let result = unsafe { borrow(result) };
        result.map_or(std::ptr::null(), |r| c_str_out(&r.error_param))
    }
}

/// The `x-request-id` response header, or NULL. Borrowed: valid until `webraft_result_free`.
#[no_mangle]
pub unsafe extern "C" fn webraft_result_request_id(result: *const webraft_result) -> *const c_char {
    ffi_boundary! {
        // SAFETY: `result` is NULL or a live result (the header's contract).
        let result = unsafe { borrow(result) };
        result.map_or(std::ptr::null(), |r| c_str_out(&r.request_id))
    }
}

/// Copy the call's timings into `*out`. Returns NULL_ARGUMENT if either pointer is NULL.
#[no_mangle]
pub unsafe extern "C" fn webraft_result_timings(
    result: *const webraft_result,
    out: *mut webraft_timings,
) -> Status {
    ffi_boundary! {
        // SAFETY: `result` is NULL or a live result (the header's contract).
        let result = unsafe { borrow(result) };
        // SAFETY: `out` is NULL or writable (the header's contract).
        let out = unsafe { Out::new(out) };
        match result {
            Some(r) if !out.is_null() => { out.write(r.timings); Status::Ok }
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
        // SAFETY: `result` is NULL or a live result (the header's contract).
        let Some(usage) = unsafe { borrow(result) }.and_then(|r| r.usage) else { return false };
        // SAFETY: `out_prompt_tokens` is NULL or writable (the header's contract).
        unsafe { Out::new(out_prompt_tokens) }.write(usage.prompt_tokens);
        // SAFETY: `out_completion_tokens` is NULL or writable (the header's contract).
        unsafe { Out::new(out_completion_tokens) }.write(usage.completion_tokens);
        // SAFETY: `out_total_tokens` is NULL or writable (the header's contract).
        unsafe { Out::new(out_total_tokens) }.write(usage.total_tokens);
        true
    }
}

/// How many retries the call took (0 when the first attempt was final).
#[no_mangle]
pub unsafe extern "C" fn webraft_result_retries(result: *const webraft_result) -> u32 {
    ffi_boundary! {
        // SAFETY: `result` is NULL or a live result (the header's contract).
        let result = unsafe { borrow(result) };
        result.map_or(0, |r| r.retries)
    }
}

/// Which endpoint gave the result: 0 for the client's own base URL, i for
/// `fallback[i - 1]`; for a call that failed on every endpoint, the last one
/// that failed. 0 for NULL or a call that reached no endpoint.
#[no_mangle]
pub unsafe extern "C" fn webraft_result_endpoint_index(result: *const webraft_result) -> u32 {
    ffi_boundary! {
        // SAFETY: `result` is NULL or a live result (the header's contract).
        let result = unsafe { borrow(result) };
        result.map_or(0, |r| r.endpoint_index)
    }
}

/// That endpoint's base URL as configured (no trailing slash), or NULL when the
/// call reached no endpoint or `result` is NULL. Borrowed: valid until
/// `webraft_result_free`.
#[no_mangle]
pub unsafe extern "C" fn webraft_result_endpoint_url(result: *const webraft_result) -> *const c_char {
    ffi_boundary! {
        // SAFETY: `result` is NULL or a live result (the header's contract).
        let result = unsafe { borrow(result) };
        result.map_or(std::ptr::null(), |r| c_str_out(&r.endpoint_url))
    }
}

/// How many endpoints the call started (1 without fallback; a hedged loser
/// counts). 0 for NULL or a call that failed before any attempt.
#[no_mangle]
pub unsafe extern "C" fn webraft_result_endpoints_tried(result: *const webraft_result) -> u32 {
    ffi_boundary! {
        // SAFETY: `result` is NULL or a live result (the header's contract).
        let result = unsafe { borrow(result) };
        result.map_or(0, |r| r.endpoints_tried)
    }
}

/// How many stream chunks were delivered (0 for plain calls).
#[no_mangle]
pub unsafe extern "C" fn webraft_result_chunk_count(result: *const webraft_result) -> usize {
    ffi_boundary! {
        // SAFETY: `result` is NULL or a live result (the header's contract).
        let result = unsafe { borrow(result) };
        result.map_or(0, |r| r.chunks)
    }
}

/// How many tool calls the reply's first choice asked for (0 for NULL).
#[no_mangle]
pub unsafe extern "C" fn webraft_result_tool_call_count(result: *const webraft_result) -> usize {
    ffi_boundary! {
        // SAFETY: `result` is NULL or a live result (the header's contract).
        let result = unsafe { borrow(result) };
        result.map_or(0, |r| r.tool_calls.len())
    }
}

/// Tool call `index` of a borrowed result, if there is one.
fn tool_call(result: Option<&webraft_result>, index: usize) -> Option<&ToolCallStrings> {
    result.and_then(|r| r.tool_calls.get(index))
}

/// The id of tool call `index` (from 0), or NULL when out of range.
/// Borrowed: valid until `webraft_result_free`.
#[no_mangle]
pub unsafe extern "C" fn webraft_result_tool_call_id(
    result: *const webraft_result,
    index: usize,
) -> *const c_char {
    ffi_boundary! {
        // SAFETY: `result` is NULL or a live result (the header's contract).
        let result = unsafe { borrow(result) };
        tool_call(result, index).map_or(std::ptr::null(), |c| c.id.as_ptr())
    }
}

/// The function name of tool call `index`, or NULL when out of range.
/// Borrowed: valid until `webraft_result_free`.
#[no_mangle]
pub unsafe extern "C" fn webraft_result_tool_call_name(
    result: *const webraft_result,
    index: usize,
) -> *const c_char {
    ffi_boundary! {
        // SAFETY: `result` is NULL or a live result (the header's contract).
        let result = unsafe { borrow(result) };
        tool_call(result, index).map_or(std::ptr::null(), |c| c.name.as_ptr())
    }
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
    ffi_boundary! {
        // SAFETY: `result` is NULL or a live result (the header's contract).
        let result = unsafe { borrow(result) };
        // SAFETY: `out_len` is NULL or writable (the header's contract).
        let out_len = unsafe { Out::new(out_len) };
        bytes_out(tool_call(result, index).map(|c| &c.arguments), &out_len)
    }
}

/// The first choice's `finish_reason` ("stop", "length", "tool_calls", …),
/// or NULL. Borrowed: valid until `webraft_result_free`.
#[no_mangle]
pub unsafe extern "C" fn webraft_result_finish_reason(result: *const webraft_result) -> *const c_char {
    ffi_boundary! {
        // SAFETY: `result` is NULL or a live result (the header's contract).
        let result = unsafe { borrow(result) };
        result.map_or(std::ptr::null(), |r| c_str_out(&r.finish_reason))
    }
}

/// The assistant's refusal text, when the model refused, or NULL.
/// Borrowed: valid until `webraft_result_free`.
#[no_mangle]
pub unsafe extern "C" fn webraft_result_refusal(result: *const webraft_result) -> *const c_char {
    ffi_boundary! {
        // SAFETY: `result` is NULL or a live result (the header's contract).
        let result = unsafe { borrow(result) };
        result.map_or(std::ptr::null(), |r| c_str_out(&r.refusal))
    }
}

/// The value of the reply's header `name` (any case; repeated headers joined
/// with ", "), or NULL when the reply had no such header or no reply arrived.
/// Borrowed: valid until `webraft_result_free`. Any thread.
#[no_mangle]
pub unsafe extern "C" fn webraft_result_header(
    result: *const webraft_result,
    name: *const c_char,
) -> *const c_char {
    ffi_boundary! {
        // SAFETY: `result` is NULL or a live result (the header's contract).
        let result = unsafe { borrow(result) };
        // SAFETY: `name` is NULL or NUL-terminated (the header's contract).
        let name = unsafe { optional_str(name, "name") }.ok().flatten();
        let (Some(result), Some(name)) = (result, name) else { return std::ptr::null() };
        let found = result.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name));
        found.map_or(std::ptr::null(), |(_, value)| value.as_ptr())
    }
}

/// Every header of the reply as one JSON object (lower-case names, repeated
/// headers joined with ", "); "{}" when no reply arrived. Length to `out_len`
/// if not NULL. Borrowed: valid until `webraft_result_free`. NULL for NULL.
#[no_mangle]
pub unsafe extern "C" fn webraft_result_headers_json(
    result: *const webraft_result,
    out_len: *mut usize,
) -> *const c_char {
    ffi_boundary! {
        // SAFETY: `result` is NULL or a live result (the header's contract).
        let result = unsafe { borrow(result) };
        // SAFETY: `out_len` is NULL or writable (the header's contract).
        let out_len = unsafe { Out::new(out_len) };
        out_len.write(result.map_or(0, |r| r.headers_json.as_bytes().len()));
        result.map_or(std::ptr::null(), |r| r.headers_json.as_ptr())
    }
}

/// Copy the reply's rate-limit view into `*out` (absent values -1). Returns
/// NULL_ARGUMENT if either pointer is NULL.
#[no_mangle]
pub unsafe extern "C" fn webraft_result_rate_limit(
    result: *const webraft_result,
    out: *mut webraft_rate_limit,
) -> Status {
    ffi_boundary! {
        // SAFETY: `result` is NULL or a live result (the header's contract).
        let result = unsafe { borrow(result) };
        // SAFETY: `out` is NULL or writable (the header's contract).
        let out = unsafe { Out::new(out) };
        match result {
            Some(r) if !out.is_null() => { out.write(r.rate_limit); Status::Ok }
            _ => Status::NullArgument,
        }
    }
}

/// Why a Responses API reply stopped short (e.g. "max_output_tokens") when
/// it ended `incomplete`, else NULL. Borrowed: valid until `webraft_result_free`.
#[no_mangle]
pub unsafe extern "C" fn webraft_result_incomplete_reason(result: *const webraft_result) -> *const c_char {
    ffi_boundary! {
        // SAFETY: `result` is NULL or a live result (the header's contract).
        let result = unsafe { borrow(result) };
        result.map_or(std::ptr::null(), |r| c_str_out(&r.incomplete_reason))
    }
}

/// Free a result and every string borrowed from it. NULL is a no-op. Any thread.
#[no_mangle]
pub unsafe extern "C" fn webraft_result_free(result: *mut webraft_result) {
    ffi_boundary! {
        // SAFETY: `result` is NULL or a result this library returned and the
        // caller has not freed; the caller gives up its ownership and every
        // string borrowed from it (the header's contract).
        unsafe { free(result) }
    }
}

#[cfg(test)]
mod tests {
    use super::{
        webraft_result, webraft_result_error_message, webraft_result_free, webraft_result_status,
    };
    use crate::error::Status;
    use std::ffi::CStr;

    fn panicking_result() -> *mut webraft_result {
        ffi_boundary! { panic!("boom in result export") }
    }

    #[test]
    fn a_panic_in_a_result_export_still_returns_a_result_that_says_so() {
        let result = panicking_result();
        assert!(!result.is_null());
        // SAFETY: `result` is a live result from this library.
        assert_eq!(unsafe { webraft_result_status(result) }, Status::Panic);
        // SAFETY: as above.
        let message = unsafe { webraft_result_error_message(result) };
        assert!(!message.is_null());
        // SAFETY: a non-NULL message is NUL-terminated and lives as long as `result`.
        let message = unsafe { CStr::from_ptr(message) }.to_str().unwrap();
        assert!(message.contains("boom in result export"), "{message}");
        // SAFETY: freed once, and not used after.
        unsafe { webraft_result_free(result) };
    }
}
