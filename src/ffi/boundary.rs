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

/// A required out-pointer, cleared to NULL so a failed call never leaves garbage in it.
///
/// # Safety
/// `out` is NULL or valid for a write of a pointer.
pub(crate) unsafe fn out_pointer<'a, T>(
    out: *mut *mut T,
    what: &'static str,
) -> Result<&'a mut *mut T, Error> {
    let slot = out.as_mut().ok_or(Error::NullArgument(what))?;
    *slot = std::ptr::null_mut();
    Ok(slot)
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

#[cfg(test)]
mod tests {
    use super::super::result::{
        webraft_result, webraft_result_error_message, webraft_result_free, webraft_result_status,
    };
    use crate::error::Status;
    use std::ffi::CStr;

    fn panicking_status() -> Status {
        ffi_boundary! { panic!("boom in status export") }
    }

    fn panicking_result() -> *mut webraft_result {
        ffi_boundary! { panic!("boom in result export") }
    }

    #[test]
    fn a_panic_becomes_the_panic_status() {
        assert_eq!(panicking_status(), Status::Panic);
    }

    #[test]
    fn a_panic_in_a_result_export_still_returns_a_result_that_says_so() {
        let result = panicking_result();
        assert!(!result.is_null());
        unsafe {
            assert_eq!(webraft_result_status(result), Status::Panic);
            let message = CStr::from_ptr(webraft_result_error_message(result))
                .to_str()
                .unwrap();
            assert!(message.contains("boom in result export"), "{message}");
            webraft_result_free(result);
        }
    }
}
