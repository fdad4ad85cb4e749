//! Running a checked call: blocking, or started with the delivery the caller
//! chose. Shared by every export that makes a request. Uses `callbacks`,
//! `args`, `result`, `handles`, `boundary` and the core.

use super::args::Prepared;
use super::boundary::Out;
use super::handles::{into_raw, webraft_request};
use super::result::webraft_result;
use crate::error::{Error, Status};
use crate::request::{Delivery, DoneCallback, EventCallback, Request};

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
