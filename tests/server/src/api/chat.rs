//! `/chat/completions`: validation, then the scenario the model selects, then a fault or a reply.

use std::io;

use super::errors::reject;
use super::scenarios::{scenario, Scenario};
use super::validate::{validate_chat, ChatReq};
use super::{echo, faults, plain, stream, Base, Next, Parsed};
use crate::http::{Request, Stream};
use crate::Ctx;

/// Everything the reply writers need to answer one valid chat request.
pub(crate) struct Reply<'a> {
    pub(crate) base: Base,
    pub(crate) rid: u64,
    pub(crate) keep: bool,
    pub(crate) chat: &'a ChatReq,
    pub(crate) scenario: Scenario,
    /// `chatcmpl-test-<rid>`.
    pub(crate) id: String,
    /// The text of choice 0 before `max_tokens` truncates it.
    pub(crate) text: String,
}

pub(crate) async fn chat(
    stream: &mut dyn Stream,
    base: Base,
    req: &Request,
    parsed: &Parsed,
    rid: u64,
    ctx: &Ctx,
) -> io::Result<Next> {
    let keep = req.keep_alive;
    let (c, sc) = match validate_chat(parsed).and_then(|c| scenario(&c.model).map(|sc| (c, sc))) {
        Ok(v) => v,
        Err(err) => return reject(stream, base, &err, rid, keep).await,
    };
    if let Some(done) = faults::respond(stream, base, &c.model, sc, rid, keep, ctx).await? {
        return Ok(done);
    }
    // The tools scenario asks for a tool call until the last message answers one.
    let (sc, text) = match (sc, &c.tool_answer) {
        (Scenario::Tools, Some(answer)) => (Scenario::Normal, answer.clone()),
        (Scenario::EchoRequest, _) => (sc, echo::describe_request(req).compact()),
        _ => (sc, format!("Hello! You said: {}", c.said)),
    };
    let reply = Reply {
        base,
        rid,
        keep,
        chat: &c,
        scenario: sc,
        id: format!("chatcmpl-test-{rid}"),
        text,
    };
    if c.stream {
        stream::send(stream, &reply).await
    } else {
        plain::send(stream, &reply).await
    }
}
