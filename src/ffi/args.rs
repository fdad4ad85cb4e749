//! The arguments every request-making export takes: a client, the strings
//! that make the call, and the per-request options. Uses `boundary`,
//! `handles` and the core.

use super::boundary::{handle, optional_str, required_str};
use super::handles::{webraft_client, webraft_conversation, webraft_form};
use crate::client::{Call, Client};
use crate::config::RequestOptions;
use crate::error::Error;
use std::ffi::c_char;
use std::sync::Arc;

/// Which JSON API a request body or conversation is for.
#[derive(Clone, Copy)]
pub(crate) enum Api {
    /// `POST /chat/completions`.
    Chat,
    /// `POST /responses`.
    Responses,
}

/// The C strings that make a call, not yet checked.
pub(crate) enum CallArgs {
    /// A request body for `api`; `stream` forces `"stream": true`.
    Json {
        api: Api,
        request_json: *const c_char,
        stream: bool,
    },
    /// A request for `api` from a conversation's messages and parameters, as they are now.
    Conversation {
        api: Api,
        conversation: *const webraft_conversation,
        stream: bool,
    },
    /// Any method and path under the base URL; `stream` reads the reply as events.
    Raw {
        method: *const c_char,
        path: *const c_char,
        body_json: *const c_char,
        stream: bool,
    },
    /// A form posted to a path as multipart/form-data; `stream` forces a streamed reply.
    Form {
        path: *const c_char,
        form: *const webraft_form,
        stream: bool,
    },
    /// A binary reply from any method and path, kept whole or handed on in `pieces`.
    Download {
        method: *const c_char,
        path: *const c_char,
        body_json: *const c_char,
        pieces: bool,
    },
}

/// A call whose arguments passed every check, ready to run.
pub(crate) struct Prepared<'a> {
    pub(crate) client: &'a Arc<Client>,
    pub(crate) call: Call,
    pub(crate) options: RequestOptions,
}

/// Check a call's arguments in the order the header names them: the client,
/// the call's strings, then the options; the first failure is the error.
///
/// # Safety
/// `client` is NULL or a live client handle; a conversation in `call` is NULL
/// or live; every string in `call` and
/// `options_json` is NULL or NUL-terminated; all of them outlive `'a`.
pub(crate) unsafe fn prepare<'a>(
    client: *const webraft_client,
    call: CallArgs,
    options_json: *const c_char,
) -> Result<Prepared<'a>, Error> {
    // SAFETY: this function's contract, for `client`.
    let client = unsafe { handle(client, "client") }?;
    // SAFETY: this function's contract, for the call's strings.
    let call = unsafe { call.checked() }?;
    // SAFETY: this function's contract, for `options_json`.
    let options = unsafe { optional_str(options_json, "options_json") }?;
    Ok(Prepared {
        client: &client.client,
        call,
        options: RequestOptions::from_json(options.unwrap_or(""))?,
    })
}

impl CallArgs {
    /// # Safety
    /// Every string is NULL or NUL-terminated and outlives the returned call's
    /// construction (the call copies what it keeps).
    unsafe fn checked(self) -> Result<Call, Error> {
        match self {
            CallArgs::Json {
                api,
                request_json,
                stream,
            } => {
                // SAFETY: this function's contract, for `request_json`.
                let request_json = unsafe { required_str(request_json, "request_json") }?;
                match api {
                    Api::Chat => Call::chat(request_json, stream),
                    Api::Responses => Call::responses(request_json, stream),
                }
            }
            CallArgs::Conversation {
                api,
                conversation,
                stream,
            } => {
                // SAFETY: this function's contract, for `conversation`.
                let conversation = unsafe { handle(conversation, "conversation") }?.lock();
                Ok(match api {
                    Api::Chat => Call::chat_body(conversation.request_body(stream), stream),
                    Api::Responses => Call::responses_body(conversation.responses_body(stream), stream),
                })
            }
            CallArgs::Raw {
                method,
                path,
                body_json,
                stream,
            } => {
                // SAFETY: this function's contract, for the strings.
                let (method, path, body_json) = unsafe { raw_strings(method, path, body_json) }?;
                match stream {
                    true => Call::raw_stream(method, path, body_json),
                    false => Call::raw(method, path, body_json),
                }
            }
            CallArgs::Form { path, form, stream } => {
                // SAFETY: this function's contract, for `path`.
                let path = unsafe { required_str(path, "path") }?;
                // SAFETY: this function's contract, for `form`.
                let form = unsafe { handle(form, "form") }?;
                Call::upload(path, &form.lock(), stream)
            }
            CallArgs::Download { method, path, body_json, pieces } => {
                // SAFETY: this function's contract, for the strings.
                let (method, path, body_json) = unsafe { raw_strings(method, path, body_json) }?;
                Call::download(method, path, body_json, pieces)
            }
        }
    }
}

/// The method, path and optional JSON body of a call to any endpoint, in that order.
///
/// # Safety
/// Each pointer is NULL or NUL-terminated and outlives `'a`.
unsafe fn raw_strings<'a>(
    method: *const c_char,
    path: *const c_char,
    body_json: *const c_char,
) -> Result<(&'a str, &'a str, Option<&'a str>), Error> {
    // SAFETY: this function's contract, for `method`.
    let method = unsafe { required_str(method, "method") }?;
    // SAFETY: this function's contract, for `path`.
    let path = unsafe { required_str(path, "path") }?;
    // SAFETY: this function's contract, for `body_json`.
    let body_json = unsafe { optional_str(body_json, "body_json") }?;
    Ok((method, path, body_json))
}
