//! The panic boundary every export runs inside, how C arguments are checked,
//! and how values are handed back to C. Uses only the core.

use crate::error::{Error, Status};
use std::ffi::{c_char, CStr, CString};
use std::marker::PhantomData;
use std::path::Path;

/// What an export returns when a panic was caught inside it.
pub(crate) trait OnPanic {
    fn on_panic(message: String) -> Self;
}

impl OnPanic for Status {
    fn on_panic(_: String) -> Self {
        Status::Panic
    }
}

impl<T> OnPanic for *const T {
    fn on_panic(_: String) -> Self {
        std::ptr::null()
    }
}

macro_rules! on_panic_default {
    ($($ty:ty),*) => { $(impl OnPanic for $ty { fn on_panic(_: String) -> Self { Default::default() } })* };
}
on_panic_default!((), bool, u16, u32, u64, usize);

/// Run an export's body, turning a panic into the return type's panic value.
/// No panic ever unwinds into C. The body is an ordinary closure, not an
/// `unsafe` context: each unsafe operation in it has its own block.
macro_rules! ffi_boundary {
    ($($body:tt)*) => {
        match ::std::panic::catch_unwind(::std::panic::AssertUnwindSafe(|| { $($body)* })) {
            Ok(value) => value,
            Err(payload) => $crate::ffi::boundary::OnPanic::on_panic(
                $crate::request::panic_message(&*payload),
            ),
        }
    };
}

/// The status of an outcome that has no other way to report its error.
pub(crate) fn status_of(outcome: Result<(), Error>) -> Status {
    outcome.map_or_else(|error| error.status(), |()| Status::Ok)
}

/// A C string for a message; an embedded NUL cuts it there.
pub(crate) fn c_string(text: &str) -> CString {
    let end = text.find('\0').unwrap_or(text.len());
    CString::new(&text[..end]).expect("cut at the first NUL")
}

/// Borrow a required C string argument.
///
/// # Safety
/// `ptr` is NULL or points to a NUL-terminated string that outlives `'a`.
pub(crate) unsafe fn required_str<'a>(
    ptr: *const c_char,
    what: &'static str,
) -> Result<&'a str, Error> {
    // SAFETY: this function's own contract, passed on unchanged.
    unsafe { optional_str(ptr, what) }?.ok_or(Error::NullArgument(what))
}

/// Borrow an optional C string argument; NULL is None.
///
/// # Safety
/// As for `required_str`.
pub(crate) unsafe fn optional_str<'a>(
    ptr: *const c_char,
    what: &'static str,
) -> Result<Option<&'a str>, Error> {
    if ptr.is_null() {
        return Ok(None);
    }
    // SAFETY: not NULL (checked above), so by this function's contract a
    // NUL-terminated string that outlives 'a.
    let text = unsafe { CStr::from_ptr(ptr) };
    text.to_str()
        .map(Some)
        .map_err(|_| Error::InvalidUtf8(what))
}

/// Borrow `len` bytes at `ptr` (NULL is NULL_ARGUMENT, even for no bytes).
///
/// # Safety
/// `ptr` is NULL or points to `len` readable bytes that outlive `'a`.
pub(crate) unsafe fn byte_slice<'a>(ptr: *const u8, len: usize, what: &'static str) -> Result<&'a [u8], Error> {
    if ptr.is_null() {
        return Err(Error::NullArgument(what));
    }
    // SAFETY: not NULL, so by this function's contract `len` readable bytes.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// Borrow a required file path argument: bytes as the OS takes them, so names that are not
/// UTF-8 work where the OS allows them (Unix); elsewhere a path must be UTF-8.
///
/// # Safety
/// As for `required_str`.
pub(crate) unsafe fn required_path<'a>(ptr: *const c_char, what: &'static str) -> Result<&'a Path, Error> {
    if ptr.is_null() {
        return Err(Error::NullArgument(what));
    }
    // SAFETY: not NULL, so by this function's contract a NUL-terminated string that outlives 'a.
    let bytes = unsafe { CStr::from_ptr(ptr) }.to_bytes();
    if bytes.is_empty() {
        return Err(Error::InvalidArgument(format!("{what} is empty")));
    }
    #[cfg(unix)]
    let path = Path::new(<std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(bytes));
    #[cfg(not(unix))]
    let path = Path::new(std::str::from_utf8(bytes).map_err(|_| Error::InvalidUtf8(what))?);
    Ok(path)
}

/// Borrow a handle argument.
///
/// # Safety
/// `ptr` is NULL or a live handle of type `T` that outlives `'a`.
pub(crate) unsafe fn handle<'a, T>(ptr: *const T, what: &'static str) -> Result<&'a T, Error> {
    // SAFETY: by this function's contract `ptr` is NULL, which `as_ref` turns
    // into None, or a live `T` that outlives 'a.
    unsafe { ptr.as_ref() }.ok_or(Error::NullArgument(what))
}

/// An out-pointer argument, checked once: from then on writing through it is
/// safe. NULL means the caller does not want the value.
pub(crate) struct Out<'a, T> {
    ptr: *mut T,
    slot: PhantomData<&'a mut T>,
}

impl<'a, T> Out<'a, T> {
    /// # Safety
    /// `ptr` is NULL or valid for writes of a `T` throughout `'a`.
    pub(crate) unsafe fn new(ptr: *mut T) -> Self {
        Out {
            ptr,
            slot: PhantomData,
        }
    }

    pub(crate) fn is_null(&self) -> bool {
        self.ptr.is_null()
    }

    /// Write `value`, unless the pointer is NULL.
    pub(crate) fn write(&self, value: T) {
        if !self.ptr.is_null() {
            // SAFETY: not NULL, so valid for a write (the promise `new` was
            // given). `write` neither reads nor drops what C left there.
            unsafe { self.ptr.write(value) }
        }
    }
}

impl<T> Out<'_, *mut T> {
    /// A required out-pointer for a handle or string: cleared to NULL first,
    /// so a failed call never leaves garbage in it.
    pub(crate) fn required(&self, what: &'static str) -> Result<(), Error> {
        self.write(std::ptr::null_mut());
        if self.is_null() {
            return Err(Error::NullArgument(what));
        }
        Ok(())
    }
}

/// Hand the caller a string it frees with `webraft_string_free`, and its
/// length. A NULL `out` discards the string (nothing leaks).
pub(crate) fn give_string(text: CString, out: &Out<*mut c_char>, out_len: &Out<usize>) {
    out_len.write(text.as_bytes().len());
    if !out.is_null() {
        out.write(text.into_raw());
    }
}

/// Hand the caller bytes it frees with `webraft_bytes_free(data, len)`. A NULL `out`
/// discards them.
pub(crate) fn give_bytes(bytes: Vec<u8>, out: &Out<*mut u8>, out_len: &Out<usize>) {
    out_len.write(bytes.len());
    if !out.is_null() {
        let raw: *mut [u8] = Box::into_raw(bytes.into_boxed_slice());
        out.write(raw.cast());
    }
}

/// Take back bytes `give_bytes` handed out, and drop them. NULL is a no-op.
///
/// # Safety
/// `data` is NULL, or came from `give_bytes` with this `len` and has not been freed.
pub(crate) unsafe fn free_bytes(data: *mut u8, len: usize) {
    if !data.is_null() {
        // SAFETY: by this function's contract, a boxed slice of `len` bytes we handed out.
        drop(unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(data, len)) });
    }
}

/// Hand the caller a JSON snapshot (see `give_string`), or say MISSING when
/// there is none yet (then NULL and 0 are written).
pub(crate) fn give_snapshot(snapshot: Option<String>, out: &Out<*mut c_char>, out_len: &Out<usize>) -> Status {
    out.write(std::ptr::null_mut());
    out_len.write(0);
    match snapshot {
        Some(json) => {
            give_string(c_string(&json), out, out_len);
            Status::Ok
        }
        None => Status::Missing,
    }
}

#[cfg(test)]
mod tests {
    use crate::error::Status;

    fn panicking_status() -> Status {
        ffi_boundary! { panic!("boom in status export") }
    }

    #[test]
    fn a_panic_becomes_the_panic_status() {
        assert_eq!(panicking_status(), Status::Panic);
    }
}
