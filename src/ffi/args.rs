//! The arguments every request-making export takes: a client, the strings
//! that make the call, and the per-request options. Uses `boundary`,
//! `handles` and the core.

use super::boundary::{handle, optional_str, required_str};
use super::handles::{webraft_client, webraft_conversation};
use crate::client::{Call, Client};
use crate::config::RequestOptions;
use crate::error::Error;
use std::ffi::c_char;
use std::sync::Arc;

/// The C strings that make a call, not yet checked.
pub(crate) enum CallArgs {
    /// A chat completion; `stream` forces `"stream": true`.
    Chat {
        request_json: *const c_char,
        stream: bool,
    },
    /// A chat completion from a conversation's messages and parameters, as they are now.
    Conversation {
        conversation: *const webraft_conversation,
        stream: bool,
    },
    /// Any method and path under the base URL.
    Raw {
        method: *const c_char,
        path: *const c_char,
        body_json: *const c_char,
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
            CallArgs::Chat {
                request_json,
                stream,
            } => {
                // SAFETY: this function's contract, for `request_json`.
                let request_json = unsafe { required_str(request_json, "request_json") }?;
                Call::chat(request_json, stream)
            }
            CallArgs::Conversation {
                conversation,
                stream,
            } => {
                // SAFETY: this function's contract, for `conversation`.
                let conversation = unsafe { handle(conversation, "conversation") }?;
                Ok(Call::chat_body(conversation.lock().request_body(stream), stream))
            }
            CallArgs::Raw {
                method,
                path,
                body_json,
            } => {
                // SAFETY: this function's contract, for `method`.
                let method = unsafe { required_str(method, "method") }?;
                // SAFETY: this function's contract, for `path`.
                let path = unsafe { required_str(path, "path") }?;
                // SAFETY: this function's contract, for `body_json`.
                let body_json = unsafe { optional_str(body_json, "body_json") }?;
                Call::raw(method, path, body_json)
            }
        }
    }
}
