//! Creating and freeing clients, and the blocking calls.

use super::boundary::{handle, optional_str, out_pointer, required_str};
use super::handles::{free, into_raw, webraft_client};
use super::request::UserData;
use super::request::{chunk_delivery, webraft_chunk_callback};
use super::result::{c_string, report, webraft_result};
use crate::client::{Call, Client};
use crate::config::{ClientConfig, RequestOptions};
use crate::error::{Error, Status};
use crate::log::{LogLevel, LogSink};
use crate::request::{Delivery, Request};
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
        let created = (|| {
            let out = out_pointer(out_client, "out_client")?;
            let config = ClientConfig::from_json(optional_str(config_json, "config_json")?.unwrap_or(""))?;
            *out = into_raw(webraft_client { client: Arc::new(Client::new(config)?) });
            Ok(())
        })();
        report(created, out_error)
    }
}

/// Free a client. Requests still in flight on it are cancelled (they finish
/// with CANCELLED and their done callbacks still run); this returns at once
/// without waiting for them. Request handles stay valid until freed.
/// NULL is a no-op. Any thread, including inside a callback.
#[no_mangle]
pub unsafe extern "C" fn webraft_client_free(client: *mut webraft_client) {
    ffi_boundary! { free(client) }
}

/// Receives one log line: a summary of a request, a response, a retry or an
/// outcome. Never contains credentials, headers or bodies. `message` is
/// borrowed for the duration of the call. Runs on whichever thread did the
/// work (usually a library worker).
pub type webraft_log_callback =
    Option<unsafe extern "C" fn(user_data: *mut c_void, level: LogLevel, message: *const c_char)>;

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
        let Ok(client) = handle(client, "client") else { return Status::NullArgument };
        let Some(max_level) = LogLevel::from_value(max_level) else { return Status::InvalidArgument };
        let user_data = UserData(user_data);
        let sink = on_log.map(|on_log| -> LogSink {
            Arc::new(move |level: LogLevel, message: &str| {
                let text = c_string(message);
                let _ = &user_data;
                // SAFETY: the caller keeps the callback and user_data valid until replaced or freed.
                unsafe { on_log(user_data.0, level, text.as_ptr()) }
            })
        });
        client.client.logger().set(max_level, sink);
        Status::Ok
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
    ffi_boundary! { run_blocking(client, || Call::chat(required_str(request_json, "request_json")?, false), options_json, Delivery::Discard) }
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
        let delivery = chunk_delivery(on_chunk, user_data, Delivery::Discard);
        run_blocking(client, || Call::chat(required_str(request_json, "request_json")?, true), options_json, delivery)
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
        let call = || Call::raw(
            required_str(method, "method")?,
            required_str(path, "path")?,
            optional_str(body_json, "body_json")?,
        );
        run_blocking(client, call, options_json, Delivery::Discard)
    }
}

/// Shared by the blocking exports: check arguments, run, wrap the result.
pub(crate) unsafe fn run_blocking(
    client: *const webraft_client,
    call: impl FnOnce() -> Result<Call, Error>,
    options_json: *const c_char,
    delivery: Delivery,
) -> *mut webraft_result {
    let prepared = (|| {
        let client = handle(client, "client")?;
        let call = call()?;
        let options = parse_options(options_json)?;
        Ok((client, call, options))
    })();
    let result = match prepared {
        Ok((client, call, options)) => webraft_result::from_call(Request::run_blocking(
            &client.client,
            call,
            options,
            delivery,
        )),
        Err(error) => webraft_result::from_error(error),
    };
    result.into_raw()
}

pub(crate) unsafe fn parse_options(options_json: *const c_char) -> Result<RequestOptions, Error> {
    RequestOptions::from_json(optional_str(options_json, "options_json")?.unwrap_or(""))
}
