//! What each scenario's stream says (its events) and how it is shaped (framing, pacing, end).
//! `big-chunks-<n>` is written by `stream` directly, as it is too large to list.

use std::time::Duration;

use super::bodies::{
    choices, content_chunk, delta_chunk, finish_chunk, llama_chunk, pad_to, role_chunk,
    same_index_delta, tool_call_arguments, tool_call_start, usage, usage_chunk, JSON_CONTENT,
    JSON_CONTENT_PIECE, SAME_INDEX_CALLS, TOOL_ARGUMENTS,
};
use super::chat::Reply;
use super::scenarios::Scenario;
use super::stream::{default_framing, pacing, End, Ev, Framing, Script};
use crate::json::J;

/// The llama-style keep-alive comment (the timestamp is `CREATED` as UTC).
const PING_COMMENT: &str = ": ping - 2023-11-14 22:13:20.000000+00:00";
/// Content per event of a streamed `huge-body-<bytes>`.
const HUGE_BODY_STREAM_PIECE: usize = 64 * 1024;

pub(crate) fn script(r: &Reply) -> Script {
    let (framing, end, delay) = shape(r);
    Script {
        framing,
        end,
        delay,
        piece: None,
        events: events(r),
    }
}

fn shape(r: &Reply) -> (Framing, End, Option<Duration>) {
    let framing = default_framing(r.out.base);
    let sse = Framing::Sse { crlf: false };
    match r.scenario {
        Scenario::StallBody => (framing, End::Stall, None),
        Scenario::Disconnect => (framing, End::Abrupt, None),
        Scenario::ErrorEvent => (sse, End::CloseAfter, None),
        Scenario::LlamaStyle => (sse, End::Normal, None),
        Scenario::Crlf => (Framing::Sse { crlf: true }, End::Normal, None),
        _ => (framing, End::Normal, pacing(r.scenario)),
    }
}

fn events(r: &Reply) -> Vec<Ev> {
    let (id, model) = (r.id.as_str(), r.chat.model.as_str());
    let role = || Ev::Data(role_chunk(id, model, 0));
    let content = |text: &str| Ev::Data(content_chunk(id, model, text));
    match r.scenario {
        Scenario::StallBody => vec![role()],
        Scenario::Disconnect => vec![role(), content("Hello"), content(" there")],
        Scenario::ErrorChunk => {
            let error = obj! {"error" => obj! {"message" => "upstream overloaded", "type" => "server_error", "code" => "overloaded"}};
            vec![
                role(),
                content("partial"),
                Ev::Data(error.compact()),
                Ev::Done,
            ]
        }
        Scenario::ErrorEvent => {
            let error = obj! {"error" => obj! {"message" => "event stream failure", "type" => "server_error"}};
            let event = format!("event: error\ndata: {}\n\n", error.compact());
            vec![role(), content("partial"), Ev::Raw(event)]
        }
        Scenario::BadJsonChunk => vec![
            role(),
            content("ok"),
            Ev::Data("{not json".to_string()),
            Ev::Done,
        ],
        Scenario::HugeBody(bytes) => huge_body(r, bytes),
        Scenario::HugeLine(bytes) => huge_line(r, bytes),
        Scenario::Tools => tools(r),
        Scenario::ToolsSameIndex => tools_same_index(r),
        Scenario::JsonContent => json_content(r),
        Scenario::LlamaStyle => llama(r),
        _ => normal(r),
    }
}

/// The end of a completed stream: a finish chunk per choice, the usage chunk if asked, `[DONE]`.
fn ending(r: &Reply, finishes: &[&str], completion_tokens: usize) -> Vec<Ev> {
    let (id, model) = (r.id.as_str(), r.chat.model.as_str());
    let mut events: Vec<Ev> = finishes
        .iter()
        .enumerate()
        .map(|(i, finish)| Ev::Data(finish_chunk(id, model, i, finish)))
        .collect();
    if r.chat.include_usage {
        let usage = usage(r.chat.prompt_tokens, completion_tokens);
        events.push(Ev::Data(usage_chunk(id, model, usage)));
    }
    events.push(Ev::Done);
    events
}

/// Role chunks for every choice, then their tokens interleaved across choices, then the ending.
fn normal(r: &Reply) -> Vec<Ev> {
    let (id, model) = (r.id.as_str(), r.chat.model.as_str());
    let all = choices(r.chat, &r.text, r.chat.n);
    let mut events: Vec<Ev> = (0..all.len())
        .map(|i| Ev::Data(role_chunk(id, model, i)))
        .collect();
    let longest = all.iter().map(|ch| ch.tokens.len()).max().unwrap_or(0);
    for t in 0..longest {
        for (i, ch) in all.iter().enumerate() {
            if let Some(token) = ch.tokens.get(t) {
                events.push(Ev::Data(delta_chunk(
                    id,
                    model,
                    i,
                    obj! {"content" => token},
                )));
            }
        }
    }
    let finishes: Vec<&str> = all.iter().map(|ch| ch.finish).collect();
    let completion = all.iter().map(|ch| ch.tokens.len()).sum();
    events.extend(ending(r, &finishes, completion));
    events
}

fn huge_body(r: &Reply, bytes: usize) -> Vec<Ev> {
    let (id, model) = (r.id.as_str(), r.chat.model.as_str());
    let mut events = vec![Ev::Data(role_chunk(id, model, 0))];
    let mut left = bytes;
    while left > 0 {
        let piece = left.min(HUGE_BODY_STREAM_PIECE);
        events.push(Ev::Data(content_chunk(id, model, &"x".repeat(piece))));
        left -= piece;
    }
    events.extend(ending(r, &["stop"], 1));
    events
}

fn huge_line(r: &Reply, bytes: usize) -> Vec<Ev> {
    let (id, model) = (r.id.as_str(), r.chat.model.as_str());
    let text = pad_to(bytes, |text| content_chunk(id, model, text));
    let mut events = vec![
        Ev::Data(role_chunk(id, model, 0)),
        Ev::Data(content_chunk(id, model, &text)),
    ];
    events.extend(ending(r, &["stop"], 1));
    events
}

fn tools(r: &Reply) -> Vec<Ev> {
    let (id, model) = (r.id.as_str(), r.chat.model.as_str());
    let mut events = vec![Ev::Data(delta_chunk(id, model, 0, tool_call_start()))];
    for fragment in TOOL_ARGUMENTS {
        events.push(Ev::Data(delta_chunk(
            id,
            model,
            0,
            tool_call_arguments(fragment),
        )));
    }
    events.extend(ending(r, &["tool_calls"], TOOL_ARGUMENTS.len()));
    events
}

/// Two calls, every delta at index 0: a new id starts the second call.
fn tools_same_index(r: &Reply) -> Vec<Ev> {
    let (id, model) = (r.id.as_str(), r.chat.model.as_str());
    let mut events = vec![Ev::Data(role_chunk(id, model, 0))];
    for (call_id, name, [first, rest]) in SAME_INDEX_CALLS {
        let start = same_index_delta(Some((call_id, name)), first);
        events.push(Ev::Data(delta_chunk(id, model, 0, start)));
        events.push(Ev::Data(delta_chunk(id, model, 0, same_index_delta(None, rest))));
    }
    events.extend(ending(r, &["tool_calls"], 2 * SAME_INDEX_CALLS.len()));
    events
}

/// A JSON document as content, a few bytes per chunk.
fn json_content(r: &Reply) -> Vec<Ev> {
    let (id, model) = (r.id.as_str(), r.chat.model.as_str());
    let mut events = vec![Ev::Data(role_chunk(id, model, 0))];
    let pieces = JSON_CONTENT.as_bytes().chunks(JSON_CONTENT_PIECE);
    for piece in pieces.map(|p| std::str::from_utf8(p).expect("ASCII")) {
        events.push(Ev::Data(delta_chunk(id, model, 0, obj! {"content" => piece})));
    }
    let count = JSON_CONTENT.len().div_ceil(JSON_CONTENT_PIECE);
    events.extend(ending(r, &["stop"], count));
    events
}

/// llama-cpp-python's stream: its chunk format, a keep-alive comment halfway through the
/// tokens, and no usage chunk.
fn llama(r: &Reply) -> Vec<Ev> {
    let (id, model) = (r.id.as_str(), r.chat.model.as_str());
    let choice = &choices(r.chat, &r.text, 1)[0];
    let first = obj! {"role" => "assistant", "content" => J::Null};
    let mut events = vec![Ev::Data(llama_chunk(id, model, first, None))];
    let ping_after = choice.tokens.len() / 2;
    for (i, token) in choice.tokens.iter().enumerate() {
        if i == ping_after {
            events.push(Ev::Raw(format!("{PING_COMMENT}\n\n")));
        }
        events.push(Ev::Data(llama_chunk(
            id,
            model,
            obj! {"content" => token},
            None,
        )));
    }
    events.push(Ev::Data(llama_chunk(
        id,
        model,
        obj! {},
        Some(choice.finish),
    )));
    events.push(Ev::Done);
    events
}
