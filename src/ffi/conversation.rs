//! `webraft_conversation`: messages and request parameters built without JSON,
//! sent like a raw chat request, and fed back from results. Uses `boundary`,
//! `handles`, `callbacks`, `args`, `result`, `launch` and the core.

use super::args::{prepare, Api, CallArgs};
use super::boundary::{byte_slice, c_string, give_string, handle, optional_str, required_str, status_of, Out};
use super::callbacks::{chunk_callback, done_callback, webraft_chunk_callback, webraft_done_callback};
use super::handles::{free, into_raw, webraft_client, webraft_conversation, webraft_request};
use super::launch::{run_blocking, start_delivered};
use super::result::{report, webraft_result};
use crate::conversation::{Conversation, Role};
use crate::error::{Error, Status};
use crate::request::Delivery;
use serde_json::Value;
use std::ffi::{c_char, c_void};
use std::sync::Mutex;

/// Run `edit` on the conversation behind `conversation` (NULL: NULL_ARGUMENT).
///
/// # Safety
/// `conversation` is NULL or a live conversation.
unsafe fn edit(
    conversation: *const webraft_conversation,
    edit: impl FnOnce(&mut Conversation) -> Result<(), Error>,
) -> Result<(), Error> {
    // SAFETY: this function's contract.
    let conversation = unsafe { handle(conversation, "conversation") }?;
    edit(&mut conversation.lock())
}

/// A new, empty conversation, owned by the caller until
/// `webraft_conversation_free`. Never NULL. A conversation may be used from any
/// thread; calls on one conversation are serialised.
#[no_mangle]
pub extern "C" fn webraft_conversation_new() -> *mut webraft_conversation {
    into_raw(webraft_conversation {
        conversation: Mutex::new(Conversation::new()),
    })
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
        // SAFETY: `out_conversation` is NULL or writable (the header's contract).
        let out = unsafe { Out::new(out_conversation) };
        // SAFETY: `out_error` is NULL or writable (the header's contract).
        let out_error = unsafe { Out::new(out_error) };
        // SAFETY: `messages_json` is NULL or NUL-terminated (the header's contract).
        let text = unsafe { required_str(messages_json, "messages_json") };
        let loaded = out.required("out_conversation").and_then(|()| {
            let conversation = Conversation::from_messages_json(text?)?;
            out.write(into_raw(webraft_conversation { conversation: Mutex::new(conversation) }));
            Ok(())
        });
        report(loaded, &out_error)
    }
}

/// Free a conversation. NULL is a no-op. Requests already made from it are not
/// affected (each took a copy).
#[no_mangle]
pub unsafe extern "C" fn webraft_conversation_free(conversation: *mut webraft_conversation) {
    // SAFETY: `conversation` is NULL or came from this library and is not yet freed.
    ffi_boundary! { unsafe { free(conversation) } }
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
        // SAFETY: `out_json` is NULL or writable (the header's contract).
        let out = unsafe { Out::new(out_json) };
        // SAFETY: `out_len` is NULL or writable (the header's contract).
        let out_len = unsafe { Out::new(out_len) };
        out_len.write(0);
        // SAFETY: `conversation` is NULL or live (the header's contract).
        let exported = out.required("out_json").and_then(|()| unsafe { handle(conversation, "conversation") });
        status_of(exported.map(|c| give_string(c_string(&c.lock().messages_json()), &out, &out_len)))
    }
}

/// How many messages the conversation holds (0 for NULL).
#[no_mangle]
pub unsafe extern "C" fn webraft_conversation_len(conversation: *const webraft_conversation) -> usize {
    ffi_boundary! {
        // SAFETY: `conversation` is NULL or live (the header's contract).
        let conversation = unsafe { handle(conversation, "conversation") };
        conversation.map_or(0, |c| c.lock().len())
    }
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
        // SAFETY: `text` is NULL or NUL-terminated (the header's contract).
        let text = unsafe { required_str(text, "text") };
        let role = Role::from_value(role).ok_or_else(|| Error::InvalidArgument(format!("{role} is not a webraft_role value")));
        // SAFETY: `conversation` is NULL or live (the header's contract).
        status_of(unsafe { edit(conversation, |c| Ok(c.add_message(role?, text?))) })
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
        // SAFETY: `text` is NULL or NUL-terminated (the header's contract).
        let text = unsafe { required_str(text, "text") };
        // SAFETY: `conversation` is NULL or live (the header's contract).
        status_of(unsafe { edit(conversation, |c| text.map(|text| { c.add_system_if_missing(text); })) })
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
        // SAFETY: `tool_call_id` is NULL or NUL-terminated (the header's contract).
        let id = unsafe { required_str(tool_call_id, "tool_call_id") };
        // SAFETY: `content` is NULL or NUL-terminated (the header's contract).
        let content = unsafe { required_str(content, "content") };
        // SAFETY: `conversation` is NULL or live (the header's contract).
        status_of(unsafe { edit(conversation, |c| Ok(c.add_tool_result(id?, content?))) })
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
        // SAFETY: `result` is NULL or a live result (the header's contract).
        let turn = unsafe { handle(result, "result") }.and_then(|r| {
            r.assistant_turn().ok_or_else(|| Error::InvalidArgument("the result holds no assistant message".into()))
        });
        // SAFETY: `conversation` is NULL or live (the header's contract).
        status_of(unsafe { edit(conversation, |c| Ok(c.add_assistant_turn(turn?))) })
    }
}

/// Add a text part to the last message. INVALID_ARGUMENT when there is none.
#[no_mangle]
pub unsafe extern "C" fn webraft_conversation_add_text_part(
    conversation: *const webraft_conversation,
    text: *const c_char,
) -> Status {
    ffi_boundary! {
        // SAFETY: `text` is NULL or NUL-terminated (the header's contract).
        let text = unsafe { required_str(text, "text") };
        // SAFETY: `conversation` is NULL or live (the header's contract).
        status_of(unsafe { edit(conversation, |c| c.add_text_part(text?)) })
    }
}

/// The image source an `_add_image_*` export was given.
enum Image<'a> {
    Url(&'a str),
    File(&'a str),
    Bytes(&'a [u8]),
}

/// Add an image part to the last message, reporting a failure through `out_error`.
///
/// # Safety
/// `conversation` is NULL or live; `detail` is NULL or NUL-terminated; `out_error` is NULL or writable.
unsafe fn add_image(
    conversation: *const webraft_conversation,
    image: Result<Image, Error>,
    detail: *const c_char,
    out_error: *mut *mut webraft_result,
) -> Status {
    // SAFETY: this function's contract, for `out_error`.
    let out_error = unsafe { Out::new(out_error) };
    // SAFETY: this function's contract, for `detail`.
    let detail = unsafe { optional_str(detail, "detail") };
    // SAFETY: this function's contract, for `conversation`.
    let added = unsafe {
        edit(conversation, |c| match image? {
            Image::Url(url) => c.add_image_url(url, detail?),
            Image::File(path) => c.add_image_file(path, detail?),
            Image::Bytes(bytes) => c.add_image_bytes(bytes, detail?),
        })
    };
    report(added, &out_error)
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
        // SAFETY: `url` is NULL or NUL-terminated (the header's contract).
        let url = unsafe { required_str(url, "url") }.map(Image::Url);
        // SAFETY: the header's contract for the other arguments.
        unsafe { add_image(conversation, url, detail, out_error) }
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
        // SAFETY: `path` is NULL or NUL-terminated (the header's contract).
        let path = unsafe { required_str(path, "path") }.map(Image::File);
        // SAFETY: the header's contract for the other arguments.
        unsafe { add_image(conversation, path, detail, out_error) }
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
        // SAFETY: `bytes` is NULL or points to `len` readable bytes (the header's contract).
        let bytes = unsafe { byte_slice(bytes, len, "bytes") }.map(Image::Bytes);
        // SAFETY: the header's contract for the other arguments.
        unsafe { add_image(conversation, bytes, detail, out_error) }
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
        // SAFETY: `out_error` is NULL or writable (the header's contract).
        let out_error = unsafe { Out::new(out_error) };
        // SAFETY: `name` is NULL or NUL-terminated (the header's contract).
        let name = unsafe { required_str(name, "name") };
        // SAFETY: `value_json` is NULL or NUL-terminated (the header's contract).
        let value = unsafe { required_str(value_json, "value_json") };
        // SAFETY: `conversation` is NULL or live (the header's contract).
        report(unsafe { edit(conversation, |c| c.set_param_json(name?, value?)) }, &out_error)
    }
}

/// Set the `model` request member.
#[no_mangle]
pub unsafe extern "C" fn webraft_conversation_set_model(
    conversation: *const webraft_conversation,
    model: *const c_char,
) -> Status {
    ffi_boundary! {
        // SAFETY: `model` is NULL or NUL-terminated (the header's contract).
        let model = unsafe { required_str(model, "model") };
        // SAFETY: `conversation` is NULL or live (the header's contract).
        status_of(unsafe { edit(conversation, |c| c.set_param("model", Value::from(model?))) })
    }
}

/// Set the `temperature` request member. INVALID_ARGUMENT for NaN or infinity.
#[no_mangle]
pub unsafe extern "C" fn webraft_conversation_set_temperature(
    conversation: *const webraft_conversation,
    temperature: f64,
) -> Status {
    ffi_boundary! {
        let value = serde_json::Number::from_f64(temperature)
            .ok_or_else(|| Error::InvalidArgument("temperature must be a finite number".into()));
        // SAFETY: `conversation` is NULL or live (the header's contract).
        status_of(unsafe { edit(conversation, |c| c.set_param("temperature", Value::Number(value?))) })
    }
}

/// Set the `max_tokens` request member.
#[no_mangle]
pub unsafe extern "C" fn webraft_conversation_set_max_tokens(
    conversation: *const webraft_conversation,
    max_tokens: u64,
) -> Status {
    ffi_boundary! {
        // SAFETY: `conversation` is NULL or live (the header's contract).
        status_of(unsafe { edit(conversation, |c| c.set_param("max_tokens", Value::from(max_tokens))) })
    }
}

/// Ask streamed replies for their token usage: adds
/// `"stream_options":{"include_usage":true}` to streamed requests. Off by
/// default, since some servers refuse unknown members.
#[no_mangle]
pub unsafe extern "C" fn webraft_conversation_set_stream_usage(
    conversation: *const webraft_conversation,
    on: bool,
) -> Status {
    ffi_boundary! {
        // SAFETY: `conversation` is NULL or live (the header's contract).
        status_of(unsafe { edit(conversation, |c| Ok(c.set_stream_usage(on))) })
    }
}

/// Keep `"content": null` on tool-call-only assistant turns instead of "".
#[no_mangle]
pub unsafe extern "C" fn webraft_conversation_set_keep_null_content(
    conversation: *const webraft_conversation,
    on: bool,
) -> Status {
    ffi_boundary! {
        // SAFETY: `conversation` is NULL or live (the header's contract).
        status_of(unsafe { edit(conversation, |c| Ok(c.set_keep_null_content(on))) })
    }
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
    ffi_boundary! {
        let call = CallArgs::Conversation { api: Api::Chat, conversation, stream: false };
        // SAFETY: `client` and `conversation` are NULL or live, `options_json` NULL or NUL-terminated.
        let prepared = unsafe { prepare(client, call, options_json) };
        run_blocking(prepared, Delivery::Discard)
    }
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
        let delivery = chunk_callback(on_chunk, user_data).map_or(Delivery::Discard, Delivery::Callback);
        let call = CallArgs::Conversation { api: Api::Chat, conversation, stream: true };
        // SAFETY: `client` and `conversation` are NULL or live, `options_json` NULL or NUL-terminated.
        let prepared = unsafe { prepare(client, call, options_json) };
        run_blocking(prepared, delivery)
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
        let call = |stream| CallArgs::Conversation { api: Api::Chat, conversation, stream };
        let on_chunk = (chunk_callback(on_chunk, user_data), "on_chunk");
        // SAFETY: `client` and `conversation` are NULL or live, `options_json` NULL or
        // NUL-terminated, `out_request` NULL or writable (the header's contract).
        unsafe { start_delivered(client, call, options_json, delivery, on_chunk, done_callback(on_done, user_data), out_request) }
    }
}
