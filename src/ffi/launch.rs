//! Running a checked call: blocking, or started with the delivery the caller
//! chose. Shared by every export that makes a request. Uses `callbacks`,
//! `args`, `result`, `handles`, `boundary` and the core.

use super::args::{prepare, CallArgs, Prepared};
use super::boundary::Out;
use super::callbacks::{done_callback, event_callback, webraft_done_callback, webraft_event_callback};
use super::handles::{into_raw, webraft_client, webraft_request};
use super::result::webraft_result;
use crate::error::{Error, Status};
use crate::request::{Delivery, DoneCallback, EventCallback, Request};
use std::ffi::{c_char, c_void};

/// How a started request hands its stream chunks (and, for event callbacks
/// and `webraft_request_next_event`, its headers) to the caller. Passed to
/// the `_start` exports as a `uint32_t`; the values are fixed.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum webraft_delivery {
    /// Chunks are only accumulated into the result. The request body's own
    /// `"stream"` member decides whether the reply streams.
    None = 0,
    /// Each chunk goes to `on_chunk`, which must not be NULL. The reply streams.
    Callback = 1,
    /// Chunks are queued for `webraft_request_next` (a bounded queue: the
    /// stream pauses while it is full). The reply streams.
    Poll = 2,
}

/// The core delivery for a C delivery value, and whether it makes the reply
/// stream. `callback` is the caller's callback, adapted, and `what` its
/// parameter's name for messages.
pub(crate) fn chosen_delivery(
    delivery: u32,
    callback: Option<EventCallback>,
    what: &'static str,
) -> Result<(Delivery, bool), Error> {
    let unused_callback = || {
        Error::InvalidArgument(format!(
            "{what} must be NULL unless delivery is WEBRAFT_DELIVERY_CALLBACK"
        ))
    };
    match delivery {
        d if d == webraft_delivery::None as u32 => {
            callback.map_or(Ok((Delivery::Discard, false)), |_| Err(unused_callback()))
        }
        d if d == webraft_delivery::Poll as u32 => {
            callback.map_or(Ok((Delivery::Queue, true)), |_| Err(unused_callback()))
        }
        d if d == webraft_delivery::Callback as u32 => callback
            .map(|callback| (Delivery::Callback(callback), true))
            .ok_or(Error::NullArgument(what)),
        other => Err(Error::InvalidArgument(format!(
            "{other} is not a webraft_delivery value"
        ))),
    }
}

/// Shared by the blocking exports: run a checked call and wrap its result.
pub(crate) fn run_blocking(prepared: Result<Prepared, Error>, delivery: Delivery) -> *mut webraft_result {
    let result = match prepared {
        Ok(Prepared {
            client,
            call,
            options,
        }) => webraft_result::from_call(Request::run_blocking(client, call, options, delivery)),
        Err(error) => webraft_result::from_error(error),
    };
    result.into_raw()
}

/// Shared by the starting exports: start a checked call and hand back its handle.
pub(crate) fn start(
    prepared: Result<Prepared, Error>,
    delivery: Delivery,
    on_done: Option<DoneCallback>,
    out_request: &Out<*mut webraft_request>,
) -> Status {
    if out_request.is_null() {
        return Status::NullArgument;
    }
    let started =
        prepared.and_then(|p| Request::start(p.client, p.call, p.options, delivery, on_done));
    match started {
        Ok(request) => {
            out_request.write(into_raw(webraft_request { request }));
            Status::Ok
        }
        Err(error) => fail_start(error, out_request),
    }
}

/// Hand back an already finished request that holds `error`, and its status
/// (NULL_ARGUMENT when there is nowhere to hand it).
pub(crate) fn fail_start(error: Error, out_request: &Out<*mut webraft_request>) -> Status {
    if out_request.is_null() {
        return Status::NullArgument;
    }
    let status = error.status();
    out_request.write(into_raw(webraft_request {
        request: Request::failed(error),
    }));
    status
}

/// Run `call` blocking, its events going to `on_event` when given.
///
/// # Safety
/// `client` is NULL or live; every pointer in `call` and `options_json` as `prepare` needs.
pub(crate) unsafe fn run_streaming(
    client: *const webraft_client,
    call: CallArgs,
    options_json: *const c_char,
    on_event: webraft_event_callback,
    user_data: *mut c_void,
) -> *mut webraft_result {
    let delivery = event_callback(on_event, user_data).map_or(Delivery::Discard, Delivery::Callback);
    // SAFETY: this function's contract.
    let prepared = unsafe { prepare(client, call, options_json) };
    run_blocking(prepared, delivery)
}

/// Start `call` (made streaming by `make_call` when the delivery asks) with the caller's delivery.
///
/// # Safety
/// As for `run_streaming`; `out_request` is NULL or writable.
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn start_streaming(
    client: *const webraft_client,
    make_call: impl FnOnce(bool) -> CallArgs,
    options_json: *const c_char,
    delivery: u32,
    on_event: webraft_event_callback,
    on_done: webraft_done_callback,
    user_data: *mut c_void,
    out_request: *mut *mut webraft_request,
) -> Status {
    let on_event = (event_callback(on_event, user_data), "on_event");
    // SAFETY: this function's contract.
    unsafe { start_delivered(client, make_call, options_json, delivery, on_event, done_callback(on_done, user_data), out_request) }
}

/// What every starting export with a delivery does: choose the delivery from `delivery` and
/// the caller's callback (named in errors), build the call (`make_call` learns whether pieces
/// reach the caller) and start it.
///
/// # Safety
/// As for `run_streaming`; `out_request` is NULL or writable.
pub(crate) unsafe fn start_delivered(
    client: *const webraft_client,
    make_call: impl FnOnce(bool) -> CallArgs,
    options_json: *const c_char,
    delivery: u32,
    (callback, callback_name): (Option<EventCallback>, &'static str),
    on_done: Option<DoneCallback>,
    out_request: *mut *mut webraft_request,
) -> Status {
    // SAFETY: this function's contract, for `out_request`.
    let out_request = unsafe { Out::new(out_request) };
    let (delivery, pieces) = match chosen_delivery(delivery, callback, callback_name) {
        Ok(chosen) => chosen,
        Err(error) => return fail_start(error, &out_request),
    };
    // SAFETY: this function's contract, for the call's pointers.
    let prepared = unsafe { prepare(client, make_call(pieces), options_json) };
    start(prepared, delivery, on_done, &out_request)
}
