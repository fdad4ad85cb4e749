//! Creating and freeing clients, and the blocking calls.

use super::boundary::{handle, optional_str, required_str, write_out};
use super::handles::{free, into_raw, webraft_client};
use super::request::{chunk_delivery, webraft_chunk_callback};
use super::result::webraft_result;
use crate::client::{Call, Client};
use crate::config::{ClientConfig, RequestOptions};
use crate::error::{Error, Status};
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
        write_out(out_client, std::ptr::null_mut());
        write_out(out_error, std::ptr::null_mut());
        let created = (|| {
            if out_client.is_null() {
                return Err(Error::NullArgument("out_client"));
            }
            let config = ClientConfig::from_json(optional_str(config_json, "config_json")?.unwrap_or(""))?;
            Client::new(config)
        })();
        match created {
            Ok(client) => {
                write_out(out_client, into_raw(webraft_client { client: Arc::new(client) }));
                Status::Ok
            }
            Err(error) => {
                let status = error.status();
                write_out(out_error, webraft_result::from_error(error).into_raw());
                status
            }
        }
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
unsafe fn run_blocking(
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
