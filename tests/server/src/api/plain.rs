//! Non-stream chat replies: the completion body each scenario gets, and when and how much of it
//! is sent.

use std::io;
use std::time::Duration;

use super::bodies::{
    big_chunk_width, choices, completion_json, content_chunk, llama_completion, pad_to,
    same_index_message, text_completion, text_message, tool_message, usage, JSON_CONTENT,
    TOOL_ARGUMENTS,
};
use super::chat::Reply;
use super::out::Out;
use super::scenarios::Scenario;
use super::{json_header, next, Next};
use crate::http::{self, BodyLen, Stream};

/// The normal completion: every choice, usage over all of them.
fn normal_body(r: &Reply) -> String {
    let c = r.chat;
    let all = choices(c, &r.text, c.n);
    let completion = all.iter().map(|ch| ch.tokens.len()).sum();
    let list = all
        .iter()
        .map(|ch| (text_message(ch.text()), ch.finish))
        .collect();
    completion_json(&r.id, &c.model, list, usage(c.prompt_tokens, completion))
}

fn body(r: &Reply) -> String {
    let (id, c) = (r.id.as_str(), r.chat);
    let model = c.model.as_str();
    match r.scenario {
        Scenario::Tools => completion_json(
            id,
            model,
            vec![(tool_message(), "tool_calls")],
            usage(c.prompt_tokens, TOOL_ARGUMENTS.len()),
        ),
        Scenario::ToolsSameIndex => completion_json(
            id,
            model,
            vec![(same_index_message(), "tool_calls")],
            usage(c.prompt_tokens, 4),
        ),
        Scenario::JsonContent => text_completion(id, model, JSON_CONTENT, c.prompt_tokens, 1),
        Scenario::BigChunks(n) => {
            let text = "x".repeat(big_chunk_width(id, model) * n);
            text_completion(id, model, &text, c.prompt_tokens, n)
        }
        Scenario::HugeBody(bytes) => {
            let body_for = |text: &str| text_completion(id, model, text, c.prompt_tokens, 1);
            body_for(&pad_to(bytes, body_for))
        }
        Scenario::HugeLine(bytes) => {
            let text = pad_to(bytes, |text| content_chunk(id, model, text));
            text_completion(id, model, &text, c.prompt_tokens, 1)
        }
        Scenario::LlamaStyle => {
            llama_completion(id, model, c.prompt_tokens, &choices(c, &r.text, 1)[0])
        }
        _ => normal_body(r),
    }
}

pub(crate) async fn send(stream: &mut dyn Stream, r: &Reply<'_>) -> io::Result<Next> {
    send_body(stream, &r.out, r.scenario, &body(r)).await
}

/// Sends a non-stream body (chat or Responses) as the pacing scenarios shape it: `slow` and
/// `trickle-<ms>` wait first, `stall-body` and `disconnect` send half of it.
pub(crate) async fn send_body(
    stream: &mut dyn Stream,
    out: &Out,
    scenario: Scenario,
    body: &str,
) -> io::Result<Next> {
    let headers = out.headers(&[json_header()]);
    match scenario {
        Scenario::Slow => {
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        Scenario::Trickle(ms) => {
            tokio::time::sleep(Duration::from_millis(ms)).await;
        }
        Scenario::StallBody | Scenario::Disconnect => {
            // The full Content-Length, then half the body: the client sees a truncated body.
            let bytes = body.as_bytes();
            let mut head = http::head(
                200,
                out.rid,
                out.keep,
                &headers,
                BodyLen::Fixed(bytes.len()),
            );
            head.extend_from_slice(&bytes[..bytes.len() / 2]);
            http::write_now(stream, &head).await?;
            if scenario == Scenario::StallBody {
                http::hold_until_client_gone(stream).await;
            }
            return Ok(Next::Close);
        }
        _ => {}
    }
    http::send(stream, 200, out.rid, out.keep, &headers, &out.encoded(body.as_bytes())).await?;
    Ok(next(out.keep))
}
