//! What binary, image and embedding replies hold, read from a result: bytes
//! received, decoded images (borrowed, or saved to a file) and float vectors.
//! Uses `boundary`, `result` and the core.

use super::boundary::{required_path, Out};
use super::result::{borrow, report, webraft_result};
use crate::error::{Error, Status};
use crate::file::write_atomically;
use std::ffi::c_char;

/// Hand out the slice `find` borrows from the result, or the status of why there is none; the
/// out-pointers are cleared first, so a failure leaves NULL and 0.
///
/// # Safety
/// `result` is NULL or a live result; the out-pointers are NULL or writable.
unsafe fn slice_out<T>(
    result: *const webraft_result,
    out_data: *mut *const T,
    out_len: *mut usize,
    find: impl FnOnce(&webraft_result) -> Result<&[T], Status>,
) -> Status {
    // SAFETY: this function's contract, for the out-pointers.
    let (out_data, out_len) = unsafe { (Out::new(out_data), Out::new(out_len)) };
    out_data.write(std::ptr::null());
    out_len.write(0);
    // SAFETY: this function's contract, for `result`.
    let Some(result) = (unsafe { borrow(result) }) else { return Status::NullArgument };
    if out_data.is_null() {
        return Status::NullArgument;
    }
    match find(result) {
        Ok(slice) => {
            out_data.write(slice.as_ptr());
            out_len.write(slice.len());
            Status::Ok
        }
        Err(status) => status,
    }
}

/// How many body bytes of the final reply arrived, whether kept in the
/// result, written to a file or handed to a callback; for a body the server
/// cut short, how much came before the cut. 0 for NULL. Any thread.
#[no_mangle]
pub unsafe extern "C" fn webraft_result_bytes_received(result: *const webraft_result) -> u64 {
    // SAFETY: `result` is NULL or a live result (the header's contract).
    ffi_boundary! { unsafe { borrow(result) }.map_or(0, |r| r.bytes_received()) }
}

/// How many images an images reply (`/images/generations`, `/images/edits`)
/// holds: its `data` array's length. 0 for other replies and NULL.
#[no_mangle]
pub unsafe extern "C" fn webraft_result_image_count(result: *const webraft_result) -> usize {
    // SAFETY: `result` is NULL or a live result (the header's contract).
    ffi_boundary! { unsafe { borrow(result) }.map_or(0, |r| r.images().len()) }
}

/// Image `index`'s bytes, decoded from its `b64_json` (once, on the first
/// ask): `*out_data` is borrowed until `webraft_result_free`, `*out_len` its
/// length. Both are cleared on failure. MISSING when `index` is out of range
/// or the image came as a URL (see `webraft_result_image_url`);
/// INVALID_RESPONSE when its `b64_json` is not base64. Any thread.
#[no_mangle]
pub unsafe extern "C" fn webraft_result_image_bytes(
    result: *const webraft_result,
    index: usize,
    out_data: *mut *const u8,
    out_len: *mut usize,
) -> Status {
    ffi_boundary! {
        // SAFETY: the header's contract for every pointer.
        unsafe {
            slice_out(result, out_data, out_len, |r| {
                r.images().get(index).ok_or(Status::Missing).and_then(|image| image.bytes(index))
            })
        }
    }
}

/// Image `index`'s `url`, or NULL when it is out of range or came as
/// `b64_json`. Borrowed: valid until `webraft_result_free`. Any thread.
#[no_mangle]
pub unsafe extern "C" fn webraft_result_image_url(result: *const webraft_result, index: usize) -> *const c_char {
    ffi_boundary! {
        // SAFETY: `result` is NULL or a live result (the header's contract).
        let image = unsafe { borrow(result) }.and_then(|r| r.images().get(index));
        image.and_then(|i| i.url.as_ref()).map_or(std::ptr::null(), |url| url.as_ptr())
    }
}

/// Write image `index`'s decoded bytes to `file_path` (bytes as the OS takes
/// them) atomically: through a temporary file beside it, renamed over it once
/// complete, so on any failure the file is untouched and nothing is left.
/// Statuses as for `webraft_result_image_bytes`, plus INVALID_ARGUMENT for a
/// directory and IO when it cannot be written; failures are described in
/// `*out_error` when that is not NULL (caller frees). Any thread.
#[no_mangle]
pub unsafe extern "C" fn webraft_result_image_save(
    result: *const webraft_result,
    index: usize,
    file_path: *const c_char,
    out_error: *mut *mut webraft_result,
) -> Status {
    ffi_boundary! {
        // SAFETY: `out_error` is NULL or writable (the header's contract).
        let out_error = unsafe { Out::new(out_error) };
        // SAFETY: `result` is NULL or a live result (the header's contract).
        let result = unsafe { borrow(result) }.ok_or(Error::NullArgument("result"));
        // SAFETY: `file_path` is NULL or NUL-terminated (the header's contract).
        let file_path = unsafe { required_path(file_path, "file_path") };
        let saved = result.and_then(|result| {
            let file_path = file_path?;
            let missing = || Error::Missing(format!("/data/{index}/b64_json"));
            let bytes = result.images().get(index).ok_or_else(missing)?.entry.decode(index)?;
            write_atomically(file_path, &bytes)
        });
        report(saved, &out_error)
    }
}

/// How many vectors an `/embeddings` reply holds: its `data` array's length.
/// 0 for other replies and NULL.
#[no_mangle]
pub unsafe extern "C" fn webraft_result_embedding_count(result: *const webraft_result) -> usize {
    // SAFETY: `result` is NULL or a live result (the header's contract).
    ffi_boundary! { unsafe { borrow(result) }.map_or(0, |r| r.embeddings().len()) }
}

/// Vector `index` of an `/embeddings` reply as floats, whichever way it came:
/// base64 of little-endian float32s (`"encoding_format": "base64"`) or an
/// array of numbers. `*out_values` is borrowed until `webraft_result_free`,
/// `*out_len` the number of values; both are cleared on failure. MISSING when
/// `index` is out of range; INVALID_RESPONSE when the vector is neither (bad
/// base64, a length that is not a whole number of floats, a non-number). Any thread.
#[no_mangle]
pub unsafe extern "C" fn webraft_result_embedding(
    result: *const webraft_result,
    index: usize,
    out_values: *mut *const f32,
    out_len: *mut usize,
) -> Status {
    ffi_boundary! {
        // SAFETY: the header's contract for every pointer.
        unsafe {
            slice_out(result, out_values, out_len, |r| match r.embeddings().get(index) {
                Some(vector) => vector.as_deref().map_err(|status| *status),
                None => Err(Status::Missing),
            })
        }
    }
}
