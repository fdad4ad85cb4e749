//! The first steps every route with scenarios takes (chat, Responses, `/events`): the validated
//! request's model selects a scenario, and validation errors, a model over its scenario's limit
//! and the fault scenarios are answered here.

use std::io;

use super::errors::{reject, ApiError};
use super::out::Out;
use super::roles::Role;
use super::scenarios::{scenario, Scenario};
use super::{faults, Base, Next, Parsed};
use crate::ctx::Ctx;
use crate::http::{Request, Stream};

/// One request, routed and authorised, as its route's handler gets it.
pub(crate) struct Call<'a> {
    pub(crate) base: Base,
    pub(crate) req: &'a Request,
    pub(crate) parsed: &'a Parsed,
    pub(crate) rid: u64,
    pub(crate) ctx: &'a Ctx,
    /// The endpoint role the path asked for, if any.
    pub(crate) role: Option<Role>,
}

impl Call<'_> {
    /// Where the answer goes, with the headers `scenario` adds.
    pub(crate) fn out(&self, scenario: Scenario) -> Out {
        let mut pacer = self.ctx.injector.pacer();
        if self.role == Some(Role::StalledChunk) {
            pacer = pacer.stalling_at_once();
        }
        let mut out = Out::new(self.base, self.rid, self.req.keep_alive, scenario, pacer);
        match self.role {
            Some(Role::FirstChunk(pause)) => out.first_delay = Some(pause),
            Some(Role::Compressed(encoding)) => out.encoding = Some(encoding),
            _ => {}
        }
        out
    }

    /// Sends `err` as the whole answer.
    pub(crate) async fn reject(&self, stream: &mut dyn Stream, err: &ApiError) -> io::Result<Next> {
        reject(stream, self.base, err, self.rid, self.req.keep_alive).await
    }
}

/// A validated request that may name a model.
pub(crate) trait Modelled {
    fn model(&self) -> Option<&str>;
}

/// The validated request and its scenario, or `Err(next)` once the request has been answered
/// (a validation error, a model over its limit, or a fault). No model: the normal scenario.
pub(crate) async fn admit<T: Modelled>(
    stream: &mut dyn Stream,
    call: &Call<'_>,
    checked: Result<T, ApiError>,
) -> io::Result<Result<(T, Scenario), Next>> {
    let found = checked.and_then(|t| {
        let sc = t.model().map(scenario).transpose()?;
        Ok((t, sc.unwrap_or(Scenario::Normal)))
    });
    let (t, sc) = match found {
        Ok(v) => v,
        Err(err) => return call.reject(stream, &err).await.map(Err),
    };
    if let Some(model) = t.model() {
        let (base, rid, keep) = (call.base, call.rid, call.req.keep_alive);
        if let Some(done) = faults::respond(stream, base, model, sc, rid, keep, call.ctx).await? {
            return Ok(Err(done));
        }
    }
    Ok(Ok((t, sc)))
}
