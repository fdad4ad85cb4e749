//! JSON Pointer reads on results and on any JSON text (such as a stream
//! chunk): a string, a number, a boolean or a value's raw JSON.

use super::boundary::{handle, required_str, write_out};
use super::result::{into_raw_string, webraft_result};
use crate::error::{Error, Result, Status};
use crate::pointer;
use serde_json::Value;
use std::ffi::c_char;

/// Where a read looks: a result's JSON, or JSON text the caller holds.
enum Source {
    Result(*const webraft_result),
    Text(*const c_char, usize),
}

/// Run `read` on the document `source` names, at `pointer`.
///
/// # Safety
/// The result is NULL or live; the text is NULL or `len` readable bytes; `pointer` is NULL or a C string.
unsafe fn read<T>(source: Source, pointer: *const c_char, read: impl FnOnce(&Value, &str) -> Result<T>) -> Result<T> {
    let pointer = required_str(pointer, "pointer")?;
    match source {
        Source::Result(result) => {
            let document = handle(result, "result")?.document();
            read(document.ok_or_else(|| Error::Missing(pointer.to_string()))?, pointer)
        }
        Source::Text(json, len) => {
            if json.is_null() {
                return Err(Error::NullArgument("json"));
            }
            let bytes = std::slice::from_raw_parts(json.cast::<u8>(), len);
            let text = std::str::from_utf8(bytes).map_err(|_| Error::InvalidUtf8("json"))?;
            let document: Value = serde_json::from_str(text).map_err(|e| Error::invalid_json("json", e))?;
            read(&document, pointer)
        }
    }
}

/// Write a found value through `out` (and `out_len`), or clear them and return the failure's status.
unsafe fn answer<T>(found: Result<T>, out: *mut T, clear: T) -> Status {
    match found {
        Ok(value) => {
            write_out(out, value);
            Status::Ok
        }
        Err(error) => {
            write_out(out, clear);
            error.status()
        }
    }
}

/// Hand a found text to the caller as an owned C string.
unsafe fn answer_text(found: Result<String>, out: *mut *mut c_char, out_len: *mut usize) -> Status {
    write_out(out_len, 0);
    if out.is_null() {
        return Status::NullArgument;
    }
    let owned = found.map(|text| {
        let (raw, len) = into_raw_string(&text);
        write_out(out_len, len);
        raw
    });
    answer(owned, out, std::ptr::null_mut())
}

/// The string at JSON Pointer `pointer` (RFC 6901, e.g.
/// "/choices/0/message/content") in the result's JSON, copied to `*out`
/// (caller frees with `webraft_string_free`; cut at an embedded NUL) with its
/// length in `*out_len` (may be NULL). MISSING when nothing is there (or the
/// result has no JSON), WRONG_TYPE when the value is not a string,
/// INVALID_ARGUMENT for a pointer not starting with '/' (or empty: the whole
/// document). `*out` is NULL on failure.
#[no_mangle]
pub unsafe extern "C" fn webraft_result_get_string(
    result: *const webraft_result,
    pointer: *const c_char,
    out: *mut *mut c_char,
    out_len: *mut usize,
) -> Status {
    ffi_boundary! { answer_text(read(Source::Result(result), pointer, |d, p| pointer::string(d, p).map(str::to_string)), out, out_len) }
}

/// The number at `pointer` in the result's JSON, as a double, to `*out` (0 on
/// failure). Statuses as for `webraft_result_get_string`.
#[no_mangle]
pub unsafe extern "C" fn webraft_result_get_number(
    result: *const webraft_result,
    pointer: *const c_char,
    out: *mut f64,
) -> Status {
    ffi_boundary! { if out.is_null() { Status::NullArgument } else { answer(read(Source::Result(result), pointer, pointer::number), out, 0.0) } }
}

/// The boolean at `pointer` in the result's JSON, to `*out` (false on
/// failure). Statuses as for `webraft_result_get_string`.
#[no_mangle]
pub unsafe extern "C" fn webraft_result_get_bool(
    result: *const webraft_result,
    pointer: *const c_char,
    out: *mut bool,
) -> Status {
    ffi_boundary! { if out.is_null() { Status::NullArgument } else { answer(read(Source::Result(result), pointer, pointer::boolean), out, false) } }
}

/// The value at `pointer` in the result's JSON, whatever its type, as its own
/// JSON text (caller frees with `webraft_string_free`). Statuses as for
/// `webraft_result_get_string`, without WRONG_TYPE.
#[no_mangle]
pub unsafe extern "C" fn webraft_result_get_json(
    result: *const webraft_result,
    pointer: *const c_char,
    out: *mut *mut c_char,
    out_len: *mut usize,
) -> Status {
    ffi_boundary! { answer_text(read(Source::Result(result), pointer, pointer::json_text), out, out_len) }
}

/// As `webraft_result_get_string`, on `len` bytes of JSON text (such as a
/// stream chunk; need not be NUL-terminated). Also NULL_ARGUMENT, INVALID_UTF8
/// or INVALID_JSON for bad text.
#[no_mangle]
pub unsafe extern "C" fn webraft_json_get_string(
    json: *const c_char,
    len: usize,
    pointer: *const c_char,
    out: *mut *mut c_char,
    out_len: *mut usize,
) -> Status {
    ffi_boundary! { answer_text(read(Source::Text(json, len), pointer, |d, p| pointer::string(d, p).map(str::to_string)), out, out_len) }
}

/// As `webraft_result_get_number`, on JSON text (see `webraft_json_get_string`).
#[no_mangle]
pub unsafe extern "C" fn webraft_json_get_number(
    json: *const c_char,
    len: usize,
    pointer: *const c_char,
    out: *mut f64,
) -> Status {
    ffi_boundary! { if out.is_null() { Status::NullArgument } else { answer(read(Source::Text(json, len), pointer, pointer::number), out, 0.0) } }
}

/// As `webraft_result_get_bool`, on JSON text (see `webraft_json_get_string`).
#[no_mangle]
pub unsafe extern "C" fn webraft_json_get_bool(
    json: *const c_char,
    len: usize,
    pointer: *const c_char,
    out: *mut bool,
) -> Status {
    ffi_boundary! { if out.is_null() { Status::NullArgument } else { answer(read(Source::Text(json, len), pointer, pointer::boolean), out, false) } }
}

/// As `webraft_result_get_json`, on JSON text (see `webraft_json_get_string`).
#[no_mangle]
pub unsafe extern "C" fn webraft_json_get_json(
    json: *const c_char,
    len: usize,
    pointer: *const c_char,
    out: *mut *mut c_char,
    out_len: *mut usize,
) -> Status {
    ffi_boundary! { answer_text(read(Source::Text(json, len), pointer, pointer::json_text), out, out_len) }
}
