//! Creating and freeing clients, and the blocking calls. Uses `boundary`,
//! `handles`, `callbacks`, `args`, `result` and the core.

use super::args::{prepare, Api, CallArgs};
use super::boundary::{handle, optional_str, required_str, status_of, Out};
use super::callbacks::{
    chunk_callback, credential_source, log_sink, webraft_chunk_callback, webraft_credential,
    webraft_credential_callback, webraft_log_callback,
};
use super::launch::run_blocking;
use super::handles::{free, into_raw, webraft_client};
use super::result::{report, webraft_result};
use crate::client::Client;
use crate::config::ClientConfig;
use crate::credentials::{bearer, credential_header};
use crate::error::{Error, Status};
use crate::log::LogLevel;
use crate::request::Delivery;
use std::ffi::{c_char, c_void};
use std::sync::Arc;

/// Create a client from a JSON config (see the README for keys; NULL or "" means
/// all defaults). On success writes the client to `*out_client` and returns OK.
/// On failure returns the status, writes NULL to `*out_client`, and, if
/// `out_error` is not NULL, a result describing the problem to `*out_error`
/// (the caller frees it). The client is owned by the caller until
/// `webraft_client_free`; it may be used from any number of threads at once.
#[no_mangle]
pub unsafe extern "C" fn webraft_client_new(
    config_json: *const c_char,
    out_client: *mut *mut webraft_client,
    out_error: *mut *mut webraft_result,
) -> Status {
    ffi_boundary! {
        // SAFETY: `out_client` is NULL or writable (the header's contract).
        let out_client = unsafe { Out::new(out_client) };
        // SAFETY: `out_error` is NULL or writable (the header's contract).
        let out_error = unsafe { Out::new(out_error) };
        // SAFETY: `config_json` is NULL or a NUL-terminated string that outlives this call.
        let config_json = unsafe { optional_str(config_json, "config_json") };
        let created = out_client.required("out_client").and_then(|()| new_client(config_json?));
        report(created.map(|client| out_client.write(into_raw(client))), &out_error)
    }
}

fn new_client(config_json: Option<&str>) -> Result<webraft_client, Error> {
    let config = ClientConfig::from_json(config_json.unwrap_or(""))?;
    Ok(webraft_client {
        client: Arc::new(Client::new(config)?),
    })
}

/// Free a client. Requests still in flight on it are cancelled (they finish
/// with CANCELLED and their done callbacks still run); this returns at once
/// without waiting for them. Request handles stay valid until freed.
/// NULL is a no-op. Any thread, including inside a callback.
#[no_mangle]
pub unsafe extern "C" fn webraft_client_free(client: *mut webraft_client) {
    ffi_boundary! {
        // SAFETY: `client` is NULL or a client from `webraft_client_new` that
        // has not been freed; the caller gives up its ownership (the header's contract).
        unsafe { free(client) }
    }
}

/// Send the client's log lines at `max_level` (a `webraft_log_level` value) and
/// more severe to `on_log`
/// (NULL switches logging off; it is off by default). Replaces any earlier
/// callback; once this returns, the earlier one is never called again, so its
/// user_data may be released. `user_data` must stay valid until the callback is
/// replaced or the client is freed. The callback must not itself call this
/// function or free its client (that would deadlock). Returns NULL_ARGUMENT for
/// a NULL client, INVALID_ARGUMENT for an unknown level. Any thread.
#[no_mangle]
pub unsafe extern "C" fn webraft_client_set_log_callback(
    client: *const webraft_client,
    on_log: webraft_log_callback,
    max_level: u32,
    user_data: *mut c_void,
) -> Status {
    ffi_boundary! {
        // SAFETY: `client` is NULL or a live client (the header's contract).
        let Ok(client) = (unsafe { handle(client, "client") }) else { return Status::NullArgument };
        let Some(max_level) = LogLevel::from_value(max_level) else { return Status::InvalidArgument };
        client.client.logger().set(max_level, log_sink(on_log, user_data));
        Status::Ok
    }
}

/// Ask `callback` for the credential of every attempt of every request made
/// after this returns (NULL removes it; see `webraft_credential_callback`).
/// Replaces any earlier one; once this returns the earlier one is never called
/// again, so its user_data may be released. `user_data` must stay valid until
/// the callback is replaced or the client is freed (`webraft_client_free`
/// waits for a call of it that is running). Not from inside the callback
/// itself (that would deadlock). Returns NULL_ARGUMENT for a NULL client. Any thread.
#[no_mangle]
pub unsafe extern "C" fn webraft_client_set_credential_callback(
    client: *const webraft_client,
    callback: webraft_credential_callback,
    user_data: *mut c_void,
) -> Status {
    ffi_boundary! {
        // SAFETY: `client` is NULL or a live client (the header's contract).
        let Ok(client) = (unsafe { handle(client, "client") }) else { return Status::NullArgument };
        client.client.credentials().set(credential_source(callback, user_data));
        Status::Ok
    }
}

/// In a credential callback: send `Authorization: Bearer <api_key>` instead
/// of the endpoint's configured key (`api_key` is copied). Returns
/// NULL_ARGUMENT, INVALID_UTF8, or INVALID_ARGUMENT for an empty key or one
/// with characters not allowed in a header (the message does not show it).
#[no_mangle]
pub unsafe extern "C" fn webraft_credential_set_key(
    credential: *mut webraft_credential,
    api_key: *const c_char,
) -> Status {
    ffi_boundary! {
        // SAFETY: `api_key` is NULL or a NUL-terminated string that outlives this call.
        let api_key = unsafe { required_str(api_key, "api_key") };
        // SAFETY: `credential` is NULL or the one the running callback was given.
        unsafe { add_credential_header(credential, api_key.and_then(bearer)) }
    }
}

/// In a credential callback: send the header `name: value` (both copied)
/// instead of the endpoint's configured key, e.g. "api-key" for Azure or
/// "Authorization" with "Bearer <token>"; the configured key is then not sent.
/// May be called again for more headers. Returns NULL_ARGUMENT, INVALID_UTF8,
/// or INVALID_ARGUMENT for a bad header name or value.
#[no_mangle]
pub unsafe extern "C" fn webraft_credential_set_header(
    credential: *mut webraft_credential,
    name: *const c_char,
    value: *const c_char,
) -> Status {
    ffi_boundary! {
        // SAFETY: `name` is NULL or a NUL-terminated string that outlives this call.
        let name = unsafe { required_str(name, "name") };
        // SAFETY: `value` is NULL or a NUL-terminated string that outlives this call.
        let value = unsafe { required_str(value, "value") };
        let header = name.and_then(|name| credential_header(name, value?));
        // SAFETY: `credential` is NULL or the one the running callback was given.
        unsafe { add_credential_header(credential, header) }
    }
}

/// What the credential setters share: a NULL credential first, then the
/// header's own problem, else the header is kept.
///
/// # Safety
/// `credential` is NULL or the one a running credential callback was given.
unsafe fn add_credential_header(
    credential: *mut webraft_credential,
    header: Result<(String, String), Error>,
) -> Status {
    // SAFETY: this function's contract.
    let Some(credential) = (unsafe { credential.as_mut() }) else { return Status::NullArgument };
    status_of(header.map(|header| credential.headers.push(header)))
}

/// In a credential callback: the message (copied) of the CREDENTIALS failure
/// the callback reports by returning non-zero. Returns NULL_ARGUMENT, INVALID_UTF8.
#[no_mangle]
pub unsafe extern "C" fn webraft_credential_fail(
    credential: *mut webraft_credential,
    message: *const c_char,
) -> Status {
    ffi_boundary! {
        // SAFETY: `credential` is NULL or the one the running callback was given.
        let Some(credential) = (unsafe { credential.as_mut() }) else { return Status::NullArgument };
        // SAFETY: `message` is NULL or a NUL-terminated string that outlives this call.
        let message = unsafe { required_str(message, "message") };
        status_of(message.map(|message| credential.failure = Some(message.to_string())))
    }
}

/// Blocking chat completion. `request_json` is an OpenAI chat request body,
/// sent as is (if it sets `"stream": true` the reply is streamed and
/// accumulated). `options_json` may be NULL (see the README). Blocks the calling
/// thread until done. Returns a result the caller must free; never NULL.
#[no_mangle]
pub unsafe extern "C" fn webraft_chat(
    client: *const webraft_client,
    request_json: *const c_char,
    options_json: *const c_char,
) -> *mut webraft_result {
    ffi_boundary! {
        let call = CallArgs::Json { api: Api::Chat, request_json, stream: false };
        // SAFETY: `client` is NULL or a live client, and the strings are NULL or
        // NUL-terminated and outlive this call (the header's contract).
        let prepared = unsafe { prepare(client, call, options_json) };
        run_blocking(prepared, Delivery::Discard)
    }
}

/// Blocking streaming chat. Sets `"stream": true` itself. `on_chunk` (may be
/// NULL) is called with each chunk's JSON in order, one call at a time, on a
/// library worker thread, while this call blocks; return 0 to go on, non-zero
/// to cancel. The chunk string is borrowed for the duration of the callback.
/// The returned result (caller frees, never NULL) holds the accumulated
/// `chat.completion`, and on failure the partial one.
#[no_mangle]
pub unsafe extern "C" fn webraft_chat_stream(
    client: *const webraft_client,
    request_json: *const c_char,
    options_json: *const c_char,
    on_chunk: webraft_chunk_callback,
    user_data: *mut c_void,
) -> *mut webraft_result {
    ffi_boundary! {
        let delivery = chunk_callback(on_chunk, user_data).map_or(Delivery::Discard, Delivery::Callback);
        let call = CallArgs::Json { api: Api::Chat, request_json, stream: true };
        // SAFETY: `client` is NULL or a live client, and the strings are NULL or
        // NUL-terminated and outlive this call (the header's contract).
        let prepared = unsafe { prepare(client, call, options_json) };
        run_blocking(prepared, delivery)
    }
}

/// Blocking request to any endpoint under the base URL: `method` such as
/// "GET" or "POST", `path` such as "/models", `body_json` may be NULL.
/// Returns a result the caller must free; never NULL. Its body is the
/// response body (`webraft_result_json` when it is JSON).
#[no_mangle]
pub unsafe extern "C" fn webraft_send(
    client: *const webraft_client,
    method: *const c_char,
    path: *const c_char,
    body_json: *const c_char,
    options_json: *const c_char,
) -> *mut webraft_result {
    ffi_boundary! {
        let call = CallArgs::Raw { method, path, body_json, stream: false };
        // SAFETY: `client` is NULL or a live client, and the strings are NULL or
        // NUL-terminated and outlive this call (the header's contract).
        let prepared = unsafe { prepare(client, call, options_json) };
        run_blocking(prepared, Delivery::Discard)
    }
}
