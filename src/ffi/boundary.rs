//! The panic boundary every export runs inside, and how C arguments are checked.

use crate::error::{Error, Status};
use std::ffi::{c_char, CStr};

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
on_panic_default!((), bool, u16, u32, usize);

/// Run an export's body, turning a panic into the return type's panic value.
/// No panic ever unwinds into C.
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

/// Borrow a required C string argument.
///
/// # Safety
/// `ptr` is NULL or points to a NUL-terminated string that outlives `'a`.
pub(crate) unsafe fn required_str<'a>(
    ptr: *const c_char,
    what: &'static str,
) -> Result<&'a str, Error> {
    optional_str(ptr, what)?.ok_or(Error::NullArgument(what))
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
    CStr::from_ptr(ptr)
        .to_str()
        .map(Some)
        .map_err(|_| Error::InvalidUtf8(what))
}

/// Borrow a handle argument.
///
/// # Safety
/// `ptr` is NULL or a live handle of type `T` that outlives `'a`.
pub(crate) unsafe fn handle<'a, T>(ptr: *const T, what: &'static str) -> Result<&'a T, Error> {
    ptr.as_ref().ok_or(Error::NullArgument(what))
}

/// Write through an optional out-pointer.
///
/// # Safety
/// `out` is NULL or valid for a write of `T`.
pub(crate) unsafe fn write_out<T>(out: *mut T, value: T) {
    if let Some(slot) = out.as_mut() {
        *slot = value;
    }
}
