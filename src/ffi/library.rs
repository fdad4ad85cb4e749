//! Library-wide exports: versions, status names, caller-owned strings, images.
//! Uses `boundary`, `result` and the core.

use super::boundary::{c_string, give_snapshot, give_string, optional_str, required_str, status_of, Out};
use super::handles::{free, into_raw, webraft_partial_json};
use super::result::{report, webraft_result};
use crate::error::{Error, Status};
use crate::image::image_content_part;
use crate::result::delta_text;
use crate::stream::PartialJson;
use once_cell::sync::Lazy;
use std::ffi::{c_char, CString};

const VERSION_C: &str = concat!(env!("CARGO_PKG_VERSION"), "\0");

/// The library's version, e.g. "0.1.0" (compare with WEBRAFT_VERSION).
/// Static: never freed, valid forever. Any thread.
#[no_mangle]
pub extern "C" fn webraft_version() -> *const c_char {
    VERSION_C.as_ptr().cast()
}

/// Bumped on any incompatible change to the C ABI.
pub const WEBRAFT_ABI_VERSION: u32 = 2;

/// The ABI version of the loaded library; a program built against this header
/// should check it equals WEBRAFT_ABI_VERSION.
#[no_mangle]
pub extern "C" fn webraft_abi_version() -> u32 {
    WEBRAFT_ABI_VERSION
}

/// The upper-case name of a status value, e.g. "HTTP_STATUS"; "UNKNOWN" for
/// values this library does not know. Static: valid forever. Any thread.
#[no_mangle]
pub extern "C" fn webraft_status_name(status: u32) -> *const c_char {
    ffi_boundary! {
        STATUS_NAMES
            .iter()
            .find(|(value, _)| *value == status)
            .map_or(c"UNKNOWN".as_ptr(), |(_, name)| name.as_ptr())
    }
}

/// Every status with its name as a C string, made once from `Status::name`.
static STATUS_NAMES: Lazy<Vec<(u32, CString)>> = Lazy::new(|| {
    Status::all()
        .iter()
        .map(|status| {
            (
                *status as u32,
                CString::new(status.name()).expect("names have no NUL"),
            )
        })
        .collect()
});

/// Build an image content part from a local file:
/// `{"type":"image_url","image_url":{"url":"data:image/png;base64,...","detail":...}}`.
/// The MIME type comes from the file's bytes, else its extension. `detail`
/// ("auto", "low" or "high") may be NULL. On success writes the JSON to
/// `*out_json` (caller frees with `webraft_string_free`). On failure (IO for
/// a missing or unreadable file) returns the status, and if `out_error` is not
/// NULL writes a result describing it (caller frees). Any thread.
#[no_mangle]
pub unsafe extern "C" fn webraft_image_content_part(
    path: *const c_char,
    detail: *const c_char,
    out_json: *mut *mut c_char,
    out_error: *mut *mut webraft_result,
) -> Status {
    ffi_boundary! {
        // SAFETY: `out_json` is NULL or writable (the header's contract).
        let out_json = unsafe { Out::new(out_json) };
        // SAFETY: `out_error` is NULL or writable (the header's contract).
        let out_error = unsafe { Out::new(out_error) };
        // SAFETY: `path` is NULL or a NUL-terminated string that outlives this call.
        let path = unsafe { required_str(path, "path") };
        // SAFETY: `detail` is NULL or a NUL-terminated string that outlives this call.
        let detail = unsafe { optional_str(detail, "detail") };
        let built = out_json.required("out_json").and_then(|()| image_content_part(path?, detail?));
        report(built.map(|part| out_json.write(c_string(&part.to_string()).into_raw())), &out_error)
    }
}

/// The text a stream chunk adds: its first choice's `delta.content`, copied to
/// `*out_text` (caller frees with `webraft_string_free`; "" when the chunk adds
/// none, e.g. a role or usage chunk; cut at an embedded NUL, should the text
/// hold one) with its length in `*out_len` (may be NULL).
/// `chunk_json` need not be NUL-terminated: `len` bytes are read.
/// Returns NULL_ARGUMENT, INVALID_UTF8 or INVALID_JSON for bad input. Any thread.
#[no_mangle]
pub unsafe extern "C" fn webraft_chunk_text(
    chunk_json: *const c_char,
    len: usize,
    out_text: *mut *mut c_char,
    out_len: *mut usize,
) -> Status {
    ffi_boundary! {
        // SAFETY: `out_text` is NULL or writable (the header's contract).
        let out_text = unsafe { Out::new(out_text) };
        // SAFETY: `out_len` is NULL or writable (the header's contract).
        let out_len = unsafe { Out::new(out_len) };
        out_len.write(0);
        if out_text.required("out_text").is_err() || chunk_json.is_null() {
            return Status::NullArgument;
        }
        // SAFETY: not NULL (checked above), so `len` readable bytes that
        // outlive this call (the header's contract).
        let chunk = unsafe { std::slice::from_raw_parts(chunk_json.cast::<u8>(), len) };
        status_of(chunk_text(chunk).map(|text| give_string(text, &out_text, &out_len)))
    }
}

/// A chunk's delta text as a C string; "" when it adds none.
fn chunk_text(chunk: &[u8]) -> Result<CString, Error> {
    let chunk = std::str::from_utf8(chunk).map_err(|_| Error::InvalidUtf8("chunk_json"))?;
    Ok(c_string(delta_text(chunk)?.as_deref().unwrap_or("")))
}

/// A new snapshot parser for one growing JSON document (such as a model's
/// structured output, fed each chunk's `webraft_chunk_text`), owned by the
/// caller until `webraft_partial_json_free`. Never NULL. One thread at a time.
#[no_mangle]
pub extern "C" fn webraft_partial_json_new() -> *mut webraft_partial_json {
    into_raw(webraft_partial_json { parser: PartialJson::new() })
}

/// Take the next `len` bytes of the document: whole UTF-8 characters, cut
/// anywhere else (mid-string, mid-number). `*out_changed` (may be NULL) says
/// whether the snapshot changed. Returns NULL_ARGUMENT for a NULL parser or
/// NULL `text` with `len` > 0, INVALID_UTF8 (nothing taken).
#[no_mangle]
pub unsafe extern "C" fn webraft_partial_json_push(
    parser: *mut webraft_partial_json,
    text: *const c_char,
    len: usize,
    out_changed: *mut bool,
) -> Status {
    ffi_boundary! {
        let bytes: &[u8] = match (text.is_null(), len) {
            (_, 0) => &[],
            (true, _) => return Status::NullArgument,
            // SAFETY: not NULL, so `len` readable bytes that outlive this call (the header's contract).
            (false, _) => unsafe { std::slice::from_raw_parts(text.cast::<u8>(), len) },
        };
        let piece = std::str::from_utf8(bytes).map_err(|_| Status::InvalidUtf8);
        // SAFETY: the header's contract, passed on.
        unsafe { feed(parser, out_changed, |parser| Ok(parser.push(piece?))) }
    }
}

/// The document has ended: a top-level number still open counts as whole.
/// `*out_changed` as for `webraft_partial_json_push`. NULL_ARGUMENT for NULL.
#[no_mangle]
pub unsafe extern "C" fn webraft_partial_json_finish(
    parser: *mut webraft_partial_json,
    out_changed: *mut bool,
) -> Status {
    ffi_boundary! {
        // SAFETY: the header's contract, passed on.
        unsafe { feed(parser, out_changed, |parser| Ok(parser.finish())) }
    }
}

/// What push and finish share: check the parser, run `step` on it, and write
/// whether the snapshot changed (false on any failure).
///
/// # Safety
/// `parser` is NULL or a live parser no other thread uses now; `out_changed` is NULL or writable.
unsafe fn feed(
    parser: *mut webraft_partial_json,
    out_changed: *mut bool,
    step: impl FnOnce(&mut PartialJson) -> Result<bool, Status>,
) -> Status {
    // SAFETY: this function's contract, for `out_changed`.
    let out_changed = unsafe { Out::new(out_changed) };
    out_changed.write(false);
    // SAFETY: this function's contract, for `parser`.
    let Some(parser) = (unsafe { parser.as_mut() }) else { return Status::NullArgument };
    match step(&mut parser.parser) {
        Ok(changed) => {
            out_changed.write(changed);
            Status::Ok
        }
        Err(status) => status,
    }
}

/// The document so far as valid JSON (the rules of
/// `webraft_request_snapshot_content`), written to `*out_json` (caller frees
/// with `webraft_string_free`) with its length in `*out_len` (may be NULL).
/// MISSING (NULL written) while no value has begun; NULL_ARGUMENT.
#[no_mangle]
pub unsafe extern "C" fn webraft_partial_json_snapshot(
    parser: *const webraft_partial_json,
    out_json: *mut *mut c_char,
    out_len: *mut usize,
) -> Status {
    ffi_boundary! {
        // SAFETY: `out_json` and `out_len` are NULL or writable (the header's contract).
        let (out_json, out_len) = unsafe { (Out::new(out_json), Out::new(out_len)) };
        // SAFETY: `parser` is NULL or a live parser.
        let (Some(parser), false) = (unsafe { parser.as_ref() }, out_json.is_null()) else { return Status::NullArgument };
        give_snapshot(parser.parser.snapshot(), &out_json, &out_len)
    }
}

/// Free a snapshot parser. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn webraft_partial_json_free(parser: *mut webraft_partial_json) {
    ffi_boundary! {
        // SAFETY: `parser` is NULL or a parser from `webraft_partial_json_new`
        // not yet freed; the caller gives up its ownership (the header's contract).
        unsafe { free(parser) }
    }
}

/// Free a string the library handed to the caller (chunks from
/// `webraft_request_next`, text from `webraft_chunk_text`, JSON from
/// `webraft_image_content_part`). NULL is a no-op. Any thread.
#[no_mangle]
pub unsafe extern "C" fn webraft_string_free(string: *mut c_char) {
    ffi_boundary! {
        if !string.is_null() {
            // SAFETY: not NULL, so a string this library handed out (made by
            // `CString::into_raw`) that the caller has not freed (the header's contract).
            drop(unsafe { CString::from_raw(string) });
        }
    }
}
