//! The opaque handle types C sees. Each is heap-allocated with `Box` and has
//! exactly one owner: the caller, from the function that returns it to its `_free`.
//! Uses only the core.

use crate::client::Client;
use crate::conversation::Conversation;
use crate::log::LogLevel;
use crate::request::Request;
use crate::upload::Form;
use crate::stream::PartialJson;
use std::sync::{Arc, Mutex};

/// A configured client: connection pool, defaults and credentials.
pub struct webraft_client {
    pub(crate) client: Arc<Client>,
}

/// A started, non-blocking request.
pub struct webraft_request {
    pub(crate) request: Request,
}

/// Chat messages and request parameters. Calls on one conversation are
/// serialised, so it may be shared between threads.
pub struct webraft_conversation {
    pub(crate) conversation: Mutex<Conversation>,
}

impl webraft_conversation {
    /// The conversation; a panic while it was held cannot leave it half-edited
    /// in a way that matters more than losing the caller's dialogue.
    pub(crate) fn lock(&self) -> std::sync::MutexGuard<'_, Conversation> {
        self.conversation.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A multipart/form-data body being built: text fields and file parts. Calls
/// on one form are serialised, so it may be shared between threads.
pub struct webraft_form {
    pub(crate) form: Mutex<Form>,
}

impl webraft_form {
    /// The form; a panic while it was held leaves at worst a part half-added,
    /// which is still a form.
    pub(crate) fn lock(&self) -> std::sync::MutexGuard<'_, Form> {
        self.form.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A snapshot parser for one growing JSON document.
pub struct webraft_partial_json {
    pub(crate) parser: PartialJson,
}

/// Move `value` to the heap and hand its ownership to C.
pub(crate) fn into_raw<T>(value: T) -> *mut T {
    Box::into_raw(Box::new(value))
}

/// Take back ownership of a handle from C and drop it. NULL is a no-op.
///
/// # Safety
/// `ptr` is NULL or came from `into_raw::<T>` and has not been freed.
pub(crate) unsafe fn free<T>(ptr: *mut T) {
    if !ptr.is_null() {
        // SAFETY: not NULL, so by this function's contract a box from
        // `into_raw::<T>` that nobody has freed: ours to take back.
        drop(unsafe { Box::from_raw(ptr) });
    }
}

impl Drop for webraft_client {
    /// Releasing the client cancels whatever is still in flight on it, and
    /// stops its log and credential callbacks before the caller's user_data may go away.
    fn drop(&mut self) {
        self.client.close();
        self.client.logger().set(LogLevel::Error, None);
        self.client.credentials().set(None);
    }
}

impl Drop for webraft_request {
    /// Releasing a running request cancels it.
    fn drop(&mut self) {
        self.request.cancel();
    }
}
