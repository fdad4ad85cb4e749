//! `/chat/completions`: validation, then the scenario the model selects, then a fault or a reply.

use std::io;

use super::admit::{admit, Call, Modelled};
use super::out::Out;
use super::scenarios::Scenario;
use super::validate::{validate_chat, ChatReq};
use super::{echo, plain, stream, Next};
use super::faults::stall;
use super::roles::Role;
use crate::http::{self, Stream};

/// Everything the reply writers need to answer one valid chat request.
pub(crate) struct Reply<'a> {
    pub(crate) out: Out,
    pub(crate) chat: &'a ChatReq,
    pub(crate) scenario: Scenario,
    /// `chatcmpl-test-<rid>`.
    pub(crate) id: String,
    /// The text of choice 0 before `max_tokens` truncates it.
    pub(crate) text: String,
}

impl Modelled for ChatReq {
    fn model(&self) -> Option<&str> {
        Some(&self.model)
    }
}

pub(crate) async fn chat(stream: &mut dyn Stream, call: &Call<'_>) -> io::Result<Next> {
    let (c, sc) = match admit(stream, call, validate_chat(call.parsed)).await? {
        Ok(v) => v,
        Err(done) => return Ok(done),
    };
    // The tools scenario asks for a tool call until the last message answers one.
    let (sc, text) = match (sc, &c.tool_answer) {
        (Scenario::Tools, Some(answer)) => (Scenario::Normal, answer.clone()),
        (Scenario::EchoRequest, _) => (sc, echo::describe_request(call.req).compact()),
        _ => (sc, format!("Hello! You said: {}", c.said)),
    };
    let reply = Reply {
        out: call.out(sc),
        chat: &c,
        scenario: sc,
        id: format!("chatcmpl-test-{}", call.rid),
        text,
    };
    if c.stream {
        return stream::send(stream, &reply).await;
    }
    // A plain reply's first chunk is the reply itself.
    match call.role {
        Some(Role::StalledChunk) => return stall(stream).await,
        Some(Role::FirstChunk(pause)) if !http::pause_unless_client_gone(stream, pause).await => {
            return Ok(Next::Close);
        }
        _ => {}
    }
    plain::send(stream, &reply).await
}
