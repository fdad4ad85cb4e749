//! `/responses` (the Responses API): validation, then the scenario the model selects, then a
//! fault or a response, plain or streamed.

use std::io;

use super::admit::{admit, Call, Modelled};
use super::bodies::split_tokens;
use super::errors::ApiError;
use super::out::Out;
use super::ratelimit::exhausted;
use super::responses_bodies::{final_response, huge_text};
use super::responses_input::{validate_responses, ResponsesReq};
use super::scenarios::Scenario;
use super::{echo, plain, responses_events, stream, Next};
use crate::http::Stream;

/// Deltas the `responses-failed`, `responses-error` and `responses-incomplete` scenarios send
/// before they end.
const CUT_AFTER: usize = 2;

/// What the response outputs.
pub(crate) enum Output {
    /// A message with these text tokens (already truncated).
    Text(Vec<String>),
    /// The `tools` scenario's function call.
    ToolCall,
}

/// How the response ends.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Status {
    Completed,
    /// Cut short by `max_output_tokens` (or the `responses-incomplete` scenario).
    Incomplete,
    /// `responses-failed`, and `responses-error` whose stream ends in an `error` event.
    Failed,
}

/// Everything the response writers need to answer one valid Responses request.
pub(crate) struct Resp<'a> {
    pub(crate) out: Out,
    pub(crate) req: &'a ResponsesReq,
    pub(crate) scenario: Scenario,
    pub(crate) output: Output,
    pub(crate) status: Status,
}

impl Modelled for ResponsesReq {
    fn model(&self) -> Option<&str> {
        Some(&self.model)
    }
}

pub(crate) async fn responses(stream: &mut dyn Stream, call: &Call<'_>) -> io::Result<Next> {
    let (q, sc) = match admit(stream, call, validate_responses(call.parsed)).await? {
        Ok(v) => v,
        Err(done) => return Ok(done),
    };
    if sc == Scenario::ResponsesError && !q.stream {
        return call.reject(stream, &mid_stream_error()).await;
    }
    let (output, status) = plan(call, &q, sc);
    let r = Resp {
        out: call.out(sc),
        req: &q,
        scenario: sc,
        output,
        status,
    };
    if q.stream {
        stream::play(stream, &r.out, &responses_events::script(&r)).await
    } else {
        plain::send_body(stream, &r.out, sc, &final_response(&r).compact()).await
    }
}

/// `responses-error` without `stream`: the error its stream ends with, as a 429.
fn mid_stream_error() -> ApiError {
    exhausted(
        ApiError::new(429, "rate_limit_exceeded", "Too many tokens mid-stream")
            .with_code("rate_limit_exceeded"),
    )
}

/// The output and how it ends: the `tools` call until its output comes back, else the reply
/// text's tokens, cut by `max_output_tokens` or by the scenario.
fn plan(call: &Call, q: &ResponsesReq, sc: Scenario) -> (Output, Status) {
    let text = match (sc, &q.tool_answer) {
        (Scenario::Tools, None) => return (Output::ToolCall, Status::Completed),
        (Scenario::Tools, Some(answer)) => answer.clone(),
        (Scenario::ResponsesHuge(bytes), _) => {
            return (
                Output::Text(vec![huge_text(call.rid, bytes)]),
                Status::Completed,
            )
        }
        (Scenario::EchoRequest, _) => echo::describe_request(call.req).compact(),
        _ => format!("Hello! You said: {}", q.said),
    };
    let mut tokens = split_tokens(&text);
    let (keep, status) = match sc {
        Scenario::ResponsesFailed | Scenario::ResponsesError => (CUT_AFTER, Status::Failed),
        Scenario::ResponsesIncomplete => (
            q.max_output_tokens.map_or(CUT_AFTER, |k| k.min(CUT_AFTER)),
            Status::Incomplete,
        ),
        _ => match q.max_output_tokens {
            Some(k) if k < tokens.len() => (k, Status::Incomplete),
            _ => (tokens.len(), Status::Completed),
        },
    };
    tokens.truncate(keep);
    (Output::Text(tokens), status)
}
