//! Library-wide exports: versions, status names, caller-owned strings, images.

use super::boundary::{optional_str, out_pointer, required_str, write_out};
use super::result::{c_string, report, webraft_result};
use crate::error::{Error, Status};
use crate::image::image_content_part;
use crate::result::delta_text;
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
        let built = (|| {
            let out = out_pointer(out_json, "out_json")?;
            let part = image_content_part(required_str(path, "path")?, optional_str(detail, "detail")?)?;
            *out = c_string(&part.to_string()).into_raw();
            Ok(())
        })();
        report(built, out_error)
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
        write_out(out_text, std::ptr::null_mut());
        write_out(out_len, 0);
        if chunk_json.is_null() || out_text.is_null() {
            return Status::NullArgument;
        }
        let bytes = std::slice::from_raw_parts(chunk_json.cast::<u8>(), len);
        let parsed = std::str::from_utf8(bytes)
            .map_err(|_| Error::InvalidUtf8("chunk_json"))
            .and_then(delta_text);
        match parsed {
            Ok(text) => {
                let text = c_string(text.as_deref().unwrap_or(""));
                write_out(out_len, text.as_bytes().len());
                write_out(out_text, text.into_raw());
                Status::Ok
            }
            Err(error) => error.status(),
        }
    }
}

/// Free a string the library handed to the caller (chunks from
/// `webraft_request_next`, text from `webraft_chunk_text`, JSON from
/// `webraft_image_content_part`). NULL is a no-op. Any thread.
#[no_mangle]
pub unsafe extern "C" fn webraft_string_free(string: *mut c_char) {
    ffi_boundary! {
        if !string.is_null() {
            drop(CString::from_raw(string));
        }
    }
}
