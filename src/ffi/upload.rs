//! Multipart/form-data uploads: building a form, and sending it plain or with
//! a streamed reply (transcription with `stream=true`). Uses `boundary`,
//! `handles`, `callbacks`, `args`, `result`, `launch` and the core.

use super::args::{prepare, CallArgs};
use super::boundary::{byte_slice, handle, optional_str, required_path, required_str, status_of, Out};
use super::callbacks::{done_callback, webraft_done_callback, webraft_event_callback};
use super::handles::{free, into_raw, webraft_client, webraft_form, webraft_request};
use super::launch::{run_blocking, run_streaming, start, start_streaming};
use super::result::{report, webraft_result};
use crate::error::{Error, Status};
use crate::request::Delivery;
use crate::upload::Form;
use std::ffi::{c_char, c_void};
use std::sync::Mutex;

/// Change the form `form` names.
///
/// # Safety
/// `form` is NULL or a live form.
unsafe fn edit(form: *const webraft_form, edit: impl FnOnce(&mut Form) -> Result<(), Error>) -> Result<(), Error> {
    // SAFETY: this function's contract.
    let form = unsafe { handle(form, "form") }?;
    edit(&mut form.lock())
}

/// A new, empty multipart form, owned by the caller until `webraft_form_free`.
/// Never NULL. Sending a form takes a snapshot of its parts, so it may be
/// changed, sent again or freed as soon as the sending call returns. Any thread.
#[no_mangle]
pub extern "C" fn webraft_form_new() -> *mut webraft_form {
    into_raw(webraft_form { form: Mutex::new(Form::new()) })
}

/// Free a form. NULL is a no-op. Requests already sending it are not affected.
#[no_mangle]
pub unsafe extern "C" fn webraft_form_free(form: *mut webraft_form) {
    // SAFETY: `form` is NULL or came from this library and is not yet freed.
    ffi_boundary! { unsafe { free(form) } }
}

/// Append a text field `name` = `value` (both UTF-8).
#[no_mangle]
pub unsafe extern "C" fn webraft_form_add_text(
    form: *const webraft_form,
    name: *const c_char,
    value: *const c_char,
) -> Status {
    ffi_boundary! {
        // SAFETY: `name` and `value` are NULL or NUL-terminated (the header's contract).
        let field = unsafe { (required_str(name, "name"), required_str(value, "value")) };
        // SAFETY: `form` is NULL or live (the header's contract).
        status_of(unsafe {
            edit(form, |f| {
                f.add_text(field.0?, field.1?);
                Ok(())
            })
        })
    }
}

/// Append a file part read from `path` when the form is sent: streamed from
/// disk (never read whole into memory) and re-opened for every attempt, so a
/// retry sends it whole again. `path` is bytes as the OS takes them (names
/// that are not UTF-8 work on Unix). `filename` NULL: the path's last
/// component. `content_type` NULL: from the file's first bytes, else its
/// extension, else application/octet-stream. The file is checked now and
/// again when sent: a missing, unreadable or non-regular file or a directory
/// is INVALID_ARGUMENT naming the path, and a form whose files together exceed
/// the client's `max_upload_bytes` fails when sent, before anything is sent.
/// Failures are described in `*out_error` when that is not NULL (caller frees).
#[no_mangle]
pub unsafe extern "C" fn webraft_form_add_file_path(
    form: *const webraft_form,
    name: *const c_char,
    path: *const c_char,
    filename: *const c_char,
    content_type: *const c_char,
    out_error: *mut *mut webraft_result,
) -> Status {
    ffi_boundary! {
        // SAFETY: `out_error` is NULL or writable (the header's contract).
        let out_error = unsafe { Out::new(out_error) };
        // SAFETY: the strings are NULL or NUL-terminated (the header's contract).
        let (name, path, filename, content_type) = unsafe {
            (required_str(name, "name"), required_path(path, "path"),
             optional_str(filename, "filename"), optional_str(content_type, "content_type"))
        };
        // SAFETY: `form` is NULL or live (the header's contract).
        let added = unsafe { edit(form, |f| f.add_file_path(name?, path?, filename?, content_type?)) };
        report(added, &out_error)
    }
}

/// Append a file part of the `len` bytes at `data` (copied into the form;
/// `data` must not be NULL, even for 0 bytes). `filename` is required: servers
/// read the format from it. `content_type` NULL: from the bytes, else the
/// file name's extension, else application/octet-stream.
#[no_mangle]
pub unsafe extern "C" fn webraft_form_add_file_bytes(
    form: *const webraft_form,
    name: *const c_char,
    data: *const u8,
    len: usize,
    filename: *const c_char,
    content_type: *const c_char,
) -> Status {
    ffi_boundary! {
        // SAFETY: the strings are NULL or NUL-terminated and `data` is NULL or
        // `len` readable bytes (the header's contract).
        let (name, data, filename, content_type) = unsafe {
            (required_str(name, "name"), byte_slice(data, len, "data"),
             required_str(filename, "filename"), optional_str(content_type, "content_type"))
        };
        // SAFETY: `form` is NULL or live (the header's contract).
        status_of(unsafe { edit(form, |f| f.add_file_bytes(name?, data?, filename?, content_type?)) })
    }
}

/// Blocking `POST {base}{path}` of `form` as multipart/form-data (a fresh
/// boundary, Content-Length set). A text field `stream` saying `true` makes
/// the reply be read as a stream and accumulated. The result's text is the
/// transcript (see `webraft_result_text`); a 4xx/5xx reply is an API error
/// like any other. Retries send the whole form again. A file part whose file
/// is now gone, unreadable or not regular, or files together over
/// `max_upload_bytes`, fail with INVALID_ARGUMENT naming the path before
/// anything is sent. Returns a result the caller must free; never NULL.
#[no_mangle]
pub unsafe extern "C" fn webraft_send_form(
    client: *const webraft_client,
    path: *const c_char,
    form: *const webraft_form,
    options_json: *const c_char,
) -> *mut webraft_result {
    ffi_boundary! {
        let call = CallArgs::Form { path, form, stream: false };
        // SAFETY: `client` and `form` are NULL or live, the strings NULL or NUL-terminated.
        run_blocking(unsafe { prepare(client, call, options_json) }, Delivery::Discard)
    }
}

/// Start `webraft_send_form` and return at once; handle, callback and error
/// rules as for `webraft_send_start`.
#[no_mangle]
pub unsafe extern "C" fn webraft_send_form_start(
    client: *const webraft_client,
    path: *const c_char,
    form: *const webraft_form,
    options_json: *const c_char,
    on_done: webraft_done_callback,
    user_data: *mut c_void,
    out_request: *mut *mut webraft_request,
) -> Status {
    ffi_boundary! {
        // SAFETY: `out_request` is NULL or writable (the header's contract).
        let out_request = unsafe { Out::new(out_request) };
        let call = CallArgs::Form { path, form, stream: false };
        // SAFETY: `client` and `form` are NULL or live, the strings NULL or NUL-terminated.
        let prepared = unsafe { prepare(client, call, options_json) };
        start(prepared, Delivery::Discard, done_callback(on_done, user_data), &out_request)
    }
}

/// Blocking `POST` of `form` with a streamed reply (a transcription with
/// `stream=true`): adds the text field `stream` = `true` unless the form has a
/// `stream` field. Each event goes to `on_event` (may be NULL) as for
/// `webraft_send_stream`. The result's text accumulates the `delta` of each
/// `transcript.text.delta` event (named so by its SSE event or its JSON
/// `type`); a `transcript.text.done` event's `text` replaces it, as does the
/// `text` of an event without a type (a server that answered with its plain
/// reply). Returns a result the caller must free; never NULL.
#[no_mangle]
pub unsafe extern "C" fn webraft_send_form_stream(
    client: *const webraft_client,
    path: *const c_char,
    form: *const webraft_form,
    options_json: *const c_char,
    on_event: webraft_event_callback,
    user_data: *mut c_void,
) -> *mut webraft_result {
    ffi_boundary! {
        let call = CallArgs::Form { path, form, stream: true };
        // SAFETY: `client` and `form` are NULL or live, the strings NULL or NUL-terminated.
        unsafe { run_streaming(client, call, options_json, on_event, user_data) }
    }
}

/// Start `webraft_send_form_stream` and return at once; delivery, handle and
/// error rules as for `webraft_send_stream_start` (polled, read the events
/// with `webraft_request_next_event`).
#[no_mangle]
pub unsafe extern "C" fn webraft_send_form_stream_start(
    client: *const webraft_client,
    path: *const c_char,
    form: *const webraft_form,
    options_json: *const c_char,
    delivery: u32,
    on_event: webraft_event_callback,
    on_done: webraft_done_callback,
    user_data: *mut c_void,
    out_request: *mut *mut webraft_request,
) -> Status {
    ffi_boundary! {
        let call = |_| CallArgs::Form { path, form, stream: true };
        // SAFETY: the header's contract for every pointer.
        unsafe { start_streaming(client, call, options_json, delivery, on_event, on_done, user_data, out_request) }
    }
}
