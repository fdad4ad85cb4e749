//! `webraft_conversation`: messages and request parameters built without JSON,
//! sent like a raw chat request, and fed back from results.

use super::boundary::{handle, optional_str, out_pointer, required_str, write_out};
use super::client::run_blocking;
use super::handles::{free, into_raw, webraft_client, webraft_conversation, webraft_request};
use super::request::{
    chosen_delivery, chunk_delivery, done_callback, fail_start, start, webraft_chunk_callback,
    webraft_done_callback,
};
use super::result::{into_raw_string, report, webraft_result};
use crate::client::Call;
use crate::conversation::{Conversation, Role};
use crate::error::{Error, Status};
use crate::request::Delivery;
use serde_json::Value;
use std::ffi::{c_char, c_void};
use std::sync::{Mutex, MutexGuard};

impl webraft_conversation {
    fn lock(&self) -> MutexGuard<'_, Conversation> {
        self.conversation.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Run `edit` on the conversation behind `conversation`, reporting a failure
/// through `out_error` (may be NULL) as well as the returned status.
unsafe fn edit(
    conversation: *const webraft_conversation,
    out_error: *mut *mut webraft_result,
    edit: impl FnOnce(&mut Conversation) -> Result<(), Error>,
) -> Status {
    let edited = handle(conversation, "conversation").and_then(|c| edit(&mut c.lock()));
    report(edited, out_error)
}

/// A new, empty conversation, owned by the caller until
/// `webraft_conversation_free`. Never NULL. A conversation may be used from any
/// thread; calls on one conversation are serialised.
#[no_mangle]
pub extern "C" fn webraft_conversation_new() -> *mut webraft_conversation {
    into_raw(webraft_conversation { conversation: Mutex::new(Conversation::new()) })
}

/// A conversation loaded from an OpenAI `messages` array (as written by
/// `webraft_conversation_to_json`). On success writes it to `*out_conversation`
/// (caller frees). INVALID_JSON for bad JSON, INVALID_ARGUMENT when it is not
/// an array of objects with a string "role"; the reason goes to `*out_error`
/// when that is not NULL (caller frees).
#[no_mangle]
pub unsafe extern "C" fn webraft_conversation_from_json(
    messages_json: *const c_char,
    out_conversation: *mut *mut webraft_conversation,
    out_error: *mut *mut webraft_result,
) -> Status {
    ffi_boundary! {
        let loaded = out_pointer(out_conversation, "out_conversation").and_then(|out| {
            let conversation = Conversation::from_messages_json(required_str(messages_json, "messages_json")?)?;
            *out = into_raw(webraft_conversation { conversation: Mutex::new(conversation) });
            Ok(())
        });
        report(loaded, out_error)
    }
}

/// Free a conversation. NULL is a no-op. Requests already started from it are
/// not affected (they took a copy).
#[no_mangle]
pub unsafe extern "C" fn webraft_conversation_free(conversation: *mut webraft_conversation) {
    ffi_boundary! { free(conversation) }
}

/// The messages as an OpenAI `messages` array, written to `*out_json` (caller
/// frees with `webraft_string_free`) with its length in `*out_len` (may be NULL).
#[no_mangle]
pub unsafe extern "C" fn webraft_conversation_to_json(
    conversation: *const webraft_conversation,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> Status {
    ffi_boundary! {
        write_out(out_len, 0);
        let exported = out_pointer(out_json, "out_json").and_then(|out| {
            let (json, len) = into_raw_string(&handle(conversation, "conversation")?.lock().messages_json());
            write_out(out_len, len);
            *out = json;
            Ok(())
        });
        exported.err().map_or(Status::Ok, |e| e.status())
    }
}

/// How many messages the conversation holds (0 for NULL).
#[no_mangle]
pub unsafe extern "C" fn webraft_conversation_len(conversation: *const webraft_conversation) -> usize {
    ffi_boundary! { handle(conversation, "conversation").map_or(0, |c| c.lock().len()) }
}

/// Append a message of `role` (a `webraft_role` value) with text content.
/// Returns INVALID_ARGUMENT for an unknown role.
#[no_mangle]
pub unsafe extern "C" fn webraft_conversation_add_message(
    conversation: *const webraft_conversation,
    role: u32,
    text: *const c_char,
) -> Status {
    ffi_boundary! {
        edit(conversation, std::ptr::null_mut(), |c| {
            let role = Role::from_value(role)
                .ok_or_else(|| Error::InvalidArgument(format!("{role} is not a webraft_role value")))?;
            c.add_message(role, required_str(text, "text")?);
            Ok(())
        })
    }
}

/// Put a system message with `text` first, unless the conversation already
/// has a system message (a loaded dialogue keeps its own).
#[no_mangle]
pub unsafe extern "C" fn webraft_conversation_add_system_if_missing(
    conversation: *const webraft_conversation,
    text: *const c_char,
) -> Status {
    ffi_boundary! {
        edit(conversation, std::ptr::null_mut(), |c| {
            c.add_system_if_missing(required_str(text, "text")?);
            Ok(())
        })
    }
}

/// Append a tool result: `{"role":"tool","tool_call_id":…,"content":…}`.
#[no_mangle]
pub unsafe extern "C" fn webraft_conversation_add_tool_result(
    conversation: *const webraft_conversation,
    tool_call_id: *const c_char,
    content: *const c_char,
) -> Status {
    ffi_boundary! {
        edit(conversation, std::ptr::null_mut(), |c| {
            c.add_tool_result(required_str(tool_call_id, "tool_call_id")?, required_str(content, "content")?);
            Ok(())
        })
    }
}

/// Append the assistant turn of `result` as received (content, tool_calls,
/// reasoning_content, refusal). A null content beside tool calls is stored as
/// "" unless `webraft_conversation_set_keep_null_content` asked otherwise.
/// INVALID_ARGUMENT when the result holds no assistant message.
#[no_mangle]
pub unsafe extern "C" fn webraft_conversation_add_assistant_turn(
    conversation: *const webraft_conversation,
    result: *const webraft_result,
) -> Status {
    ffi_boundary! {
        edit(conversation, std::ptr::null_mut(), |c| {
            let turn = handle(result, "result")?.assistant_turn().ok_or_else(|| {
                Error::InvalidArgument("the result holds no assistant message".into())
            })?;
            c.add_assistant_turn(turn);
            Ok(())
        })
    }
}

/// Add a text part to the last message. INVALID_ARGUMENT when there is none.
#[no_mangle]
pub unsafe extern "C" fn webraft_conversation_add_text_part(
    conversation: *const webraft_conversation,
    text: *const c_char,
) -> Status {
    ffi_boundary! { edit(conversation, std::ptr::null_mut(), |c| c.add_text_part(required_str(text, "text")?)) }
}

/// Add an image part with a URL (`https://…` or `data:…`) to the last message.
/// `detail` ("auto", "low", "high") may be NULL. Failures are described in
/// `*out_error` when that is not NULL (caller frees).
#[no_mangle]
pub unsafe extern "C" fn webraft_conversation_add_image_url(
    conversation: *const webraft_conversation,
    url: *const c_char,
    detail: *const c_char,
    out_error: *mut *mut webraft_result,
) -> Status {
    ffi_boundary! {
        edit(conversation, out_error, |c| c.add_image_url(required_str(url, "url")?, optional_str(detail, "detail")?))
    }
}

/// Add a local image file (PNG, JPEG, GIF, WebP), sent as a data URL, to the
/// last message. IO for an unreadable file; errors as for `_add_image_url`.
#[no_mangle]
pub unsafe extern "C" fn webraft_conversation_add_image_file(
    conversation: *const webraft_conversation,
    path: *const c_char,
    detail: *const c_char,
    out_error: *mut *mut webraft_result,
) -> Status {
    ffi_boundary! {
        edit(conversation, out_error, |c| c.add_image_file(required_str(path, "path")?, optional_str(detail, "detail")?))
    }
}

/// Add an image held in memory (`len` bytes at `bytes`, copied), sent as a
/// data URL, to the last message. Errors as for `_add_image_url`.
#[no_mangle]
pub unsafe extern "C" fn webraft_conversation_add_image_bytes(
    conversation: *const webraft_conversation,
    bytes: *const u8,
    len: usize,
    detail: *const c_char,
    out_error: *mut *mut webraft_result,
) -> Status {
    ffi_boundary! {
        edit(conversation, out_error, |c| {
            if bytes.is_null() {
                return Err(Error::NullArgument("bytes"));
            }
            c.add_image_bytes(std::slice::from_raw_parts(bytes, len), optional_str(detail, "detail")?)
        })
    }
}

/// Set any request member from JSON text, e.g. ("tools", "[…]"),
/// ("tool_choice", "\"auto\""), ("response_format", "{…}") or a provider's own
/// field. "messages", "stream" and "stream_options" are refused
/// (INVALID_ARGUMENT); "tools" must be an array. Errors go to `*out_error`
/// when that is not NULL (caller frees).
#[no_mangle]
pub unsafe extern "C" fn webraft_conversation_set_param(
    conversation: *const webraft_conversation,
    name: *const c_char,
    value_json: *const c_char,
    out_error: *mut *mut webraft_result,
) -> Status {
    ffi_boundary! {
        edit(conversation, out_error, |c| c.set_param_json(required_str(name, "name")?, required_str(value_json, "value_json")?))
    }
}

/// Set the `model` request member.
#[no_mangle]
pub unsafe extern "C" fn webraft_conversation_set_model(
    conversation: *const webraft_conversation,
    model: *const c_char,
) -> Status {
    ffi_boundary! { edit(conversation, std::ptr::null_mut(), |c| c.set_param("model", Value::from(required_str(model, "model")?))) }
}

/// Set the `temperature` request member. INVALID_ARGUMENT for NaN or infinity.
#[no_mangle]
pub unsafe extern "C" fn webraft_conversation_set_temperature(
    conversation: *const webraft_conversation,
    temperature: f64,
) -> Status {
    ffi_boundary! {
        edit(conversation, std::ptr::null_mut(), |c| {
            let value = serde_json::Number::from_f64(temperature)
                .ok_or_else(|| Error::InvalidArgument("temperature must be a finite number".into()))?;
            c.set_param("temperature", Value::Number(value))
        })
    }
}

/// Set the `max_tokens` request member.
#[no_mangle]
pub unsafe extern "C" fn webraft_conversation_set_max_tokens(
    conversation: *const webraft_conversation,
    max_tokens: u64,
) -> Status {
    ffi_boundary! { edit(conversation, std::ptr::null_mut(), |c| c.set_param("max_tokens", Value::from(max_tokens))) }
}

/// Ask streamed replies for their token usage: adds
/// `"stream_options":{"include_usage":true}` to streamed requests. Off by
/// default, since some servers refuse unknown members.
#[no_mangle]
pub unsafe extern "C" fn webraft_conversation_set_stream_usage(
    conversation: *const webraft_conversation,
    on: bool,
) -> Status {
    ffi_boundary! { edit(conversation, std::ptr::null_mut(), |c| { c.set_stream_usage(on); Ok(()) }) }
}

/// Keep `"content": null` on tool-call-only assistant turns instead of "".
#[no_mangle]
pub unsafe extern "C" fn webraft_conversation_set_keep_null_content(
    conversation: *const webraft_conversation,
    on: bool,
) -> Status {
    ffi_boundary! { edit(conversation, std::ptr::null_mut(), |c| { c.set_keep_null_content(on); Ok(()) }) }
}

/// The chat call for the conversation as it is now (a copy: later edits do
/// not change a request already made).
unsafe fn conversation_call(
    conversation: *const webraft_conversation,
    stream: bool,
) -> Result<Call, Error> {
    let body = handle(conversation, "conversation")?.lock().request_body(stream);
    Ok(Call::chat_body(body, stream))
}

/// Blocking chat with the conversation's messages and parameters (not
/// streamed). Like `webraft_chat`; the conversation is not changed: append
/// the reply with `webraft_conversation_add_assistant_turn`.
#[no_mangle]
pub unsafe extern "C" fn webraft_conversation_chat(
    client: *const webraft_client,
    conversation: *const webraft_conversation,
    options_json: *const c_char,
) -> *mut webraft_result {
    ffi_boundary! { run_blocking(client, || conversation_call(conversation, false), options_json, Delivery::Discard) }
}

/// Blocking streamed chat with the conversation; callback rules as for
/// `webraft_chat_stream`.
#[no_mangle]
pub unsafe extern "C" fn webraft_conversation_chat_stream(
    client: *const webraft_client,
    conversation: *const webraft_conversation,
    options_json: *const c_char,
    on_chunk: webraft_chunk_callback,
    user_data: *mut c_void,
) -> *mut webraft_result {
    ffi_boundary! {
        let delivery = chunk_delivery(on_chunk, user_data, Delivery::Discard);
        run_blocking(client, || conversation_call(conversation, true), options_json, delivery)
    }
}

/// Start a chat with the conversation and return at once. `delivery`,
/// callbacks, the handle and error rules are those of `webraft_chat_start`;
/// with WEBRAFT_DELIVERY_NONE the reply is not streamed.
#[no_mangle]
pub unsafe extern "C" fn webraft_conversation_chat_start(
    client: *const webraft_client,
    conversation: *const webraft_conversation,
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
        let call = || conversation_call(conversation, stream);
        start(client, call, options_json, delivery, done_callback(on_done, user_data), out_request)
    }
}
