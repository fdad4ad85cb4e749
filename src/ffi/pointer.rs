//! JSON Pointer reads on results and on any JSON text (such as a stream
//! chunk): a string, a number, a boolean or a value's raw JSON. Uses
//! `boundary`, `result` and the core.

use super::boundary::{c_string, give_string, handle, required_str, Out};
use super::result::webraft_result;
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
/// The result is NULL or live; the text is NULL or `len` readable bytes;
/// `pointer` is NULL or NUL-terminated.
unsafe fn read<T>(
    source: Source,
    pointer: *const c_char,
    read: impl FnOnce(&Value, &str) -> Result<T>,
) -> Result<T> {
    // SAFETY: this function's contract, for `pointer`.
    let pointer = unsafe { required_str(pointer, "pointer") }?;
    match source {
        Source::Result(result) => {
            // SAFETY: this function's contract, for the result.
            let result = unsafe { handle(result, "result") }?;
            let document = result.document().ok_or_else(|| Error::Missing(pointer.to_string()))?;
            read(document, pointer)
        }
        Source::Text(json, len) => {
            if json.is_null() {
                return Err(Error::NullArgument("json"));
            }
            // SAFETY: this function's contract, for the text.
            let bytes = unsafe { std::slice::from_raw_parts(json.cast::<u8>(), len) };
            let text = std::str::from_utf8(bytes).map_err(|_| Error::InvalidUtf8("json"))?;
            let document: Value =
                serde_json::from_str(text).map_err(|e| Error::invalid_json("json", e))?;
            read(&document, pointer)
        }
    }
}

/// Write a found value through `out`, or `cleared` and the failure's status.
///
/// # Safety
/// `out` is NULL or writable.
unsafe fn answer<T>(found: Result<T>, out: *mut T, cleared: T) -> Status {
    // SAFETY: this function's contract.
    let out = unsafe { Out::new(out) };
    if out.is_null() {
        return Status::NullArgument;
    }
    match found {
        Ok(value) => {
            out.write(value);
            Status::Ok
        }
        Err(error) => {
            out.write(cleared);
            error.status()
        }
    }
}

/// Hand a found text to the caller as a C string it owns.
///
/// # Safety
/// `out` and `out_len` are NULL or writable.
unsafe fn answer_text(found: Result<String>, out: *mut *mut c_char, out_len: *mut usize) -> Status {
    // SAFETY: this function's contract, for `out`.
    let out = unsafe { Out::new(out) };
    // SAFETY: this function's contract, for `out_len`.
    let out_len = unsafe { Out::new(out_len) };
    out_len.write(0);
    let given = out.required("out").and_then(|()| found);
    given.map_or_else(|e| e.status(), |text| {
        give_string(c_string(&text), &out, &out_len);
        Status::Ok
    })
}

fn string(document: &Value, at: &str) -> Result<String> {
    pointer::string(document, at).map(str::to_string)
}

/// The string at JSON Pointer `pointer` (RFC 6901, e.g.
/// "/choices/0/message/content") in the result's JSON, copied to `*out`
/// (caller frees with `webraft_string_free`; cut at an embedded NUL) with its
/// length in `*out_len` (may be NULL). MISSING when nothing is there (or the
/// result has no JSON), WRONG_TYPE when the value is not a string,
/// INVALID_ARGUMENT for a pointer that is not empty (the whole document) and
/// does not start with '/'. `*out` is NULL on failure. Any thread.
#[no_mangle]
pub unsafe extern "C" fn webraft_result_get_string(
    result: *const webraft_result,
    pointer: *const c_char,
    out: *mut *mut c_char,
    out_len: *mut usize,
) -> Status {
    ffi_boundary! {
        // SAFETY: `result` is NULL or live, `pointer` NULL or NUL-terminated.
        let found = unsafe { read(Source::Result(result), pointer, string) };
        // SAFETY: `out` and `out_len` are NULL or writable (the header's contract).
        unsafe { answer_text(found, out, out_len) }
    }
}

/// The number at `pointer` in the result's JSON, as a double, to `*out` (0 on
/// failure). Statuses as for `webraft_result_get_string`.
#[no_mangle]
pub unsafe extern "C" fn webraft_result_get_number(
    result: *const webraft_result,
    pointer: *const c_char,
    out: *mut f64,
) -> Status {
    ffi_boundary! {
        // SAFETY: `result` is NULL or live, `pointer` NULL or NUL-terminated.
        let found = unsafe { read(Source::Result(result), pointer, pointer::number) };
        // SAFETY: `out` is NULL or writable (the header's contract).
        unsafe { answer(found, out, 0.0) }
    }
}

/// The boolean at `pointer` in the result's JSON, to `*out` (false on
/// failure). Statuses as for `webraft_result_get_string`.
#[no_mangle]
pub unsafe extern "C" fn webraft_result_get_bool(
    result: *const webraft_result,
    pointer: *const c_char,
    out: *mut bool,
) -> Status {
    ffi_boundary! {
        // SAFETY: `result` is NULL or live, `pointer` NULL or NUL-terminated.
        let found = unsafe { read(Source::Result(result), pointer, pointer::boolean) };
        // SAFETY: `out` is NULL or writable (the header's contract).
        unsafe { answer(found, out, false) }
    }
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
    ffi_boundary! {
        // SAFETY: `result` is NULL or live, `pointer` NULL or NUL-terminated.
        let found = unsafe { read(Source::Result(result), pointer, pointer::json_text) };
        // SAFETY: `out` and `out_len` are NULL or writable (the header's contract).
        unsafe { answer_text(found, out, out_len) }
    }
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
    ffi_boundary! {
        // SAFETY: `json` is NULL or `len` readable bytes, `pointer` NULL or NUL-terminated.
        let found = unsafe { read(Source::Text(json, len), pointer, string) };
        // SAFETY: `out` and `out_len` are NULL or writable (the header's contract).
        unsafe { answer_text(found, out, out_len) }
    }
}

/// As `webraft_result_get_number`, on JSON text (see `webraft_json_get_string`).
#[no_mangle]
pub unsafe extern "C" fn webraft_json_get_number(
    json: *const c_char,
    len: usize,
    pointer: *const c_char,
    out: *mut f64,
) -> Status {
    ffi_boundary! {
        // SAFETY: `json` is NULL or `len` readable bytes, `pointer` NULL or NUL-terminated.
        let found = unsafe { read(Source::Text(json, len), pointer, pointer::number) };
        // SAFETY: `out` is NULL or writable (the header's contract).
        unsafe { answer(found, out, 0.0) }
    }
}

/// As `webraft_result_get_bool`, on JSON text (see `webraft_json_get_string`).
#[no_mangle]
pub unsafe extern "C" fn webraft_json_get_bool(
    json: *const c_char,
    len: usize,
    pointer: *const c_char,
    out: *mut bool,
) -> Status {
    ffi_boundary! {
        // SAFETY: `json` is NULL or `len` readable bytes, `pointer` NULL or NUL-terminated.
        let found = unsafe { read(Source::Text(json, len), pointer, pointer::boolean) };
        // SAFETY: `out` is NULL or writable (the header's contract).
        unsafe { answer(found, out, false) }
    }
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
    ffi_boundary! {
        // SAFETY: `json` is NULL or `len` readable bytes, `pointer` NULL or NUL-terminated.
        let found = unsafe { read(Source::Text(json, len), pointer, pointer::json_text) };
        // SAFETY: `out` and `out_len` are NULL or writable (the header's contract).
        unsafe { answer_text(found, out, out_len) }
    }
}
