//! What a Responses stream says (its named events, numbered by `sequence_number`) and how it is
//! shaped (framing, pacing, splitting, end). OpenAI ends these streams with no `[DONE]`.

use super::bodies::TOOL_ARGUMENTS;
use super::responses::{Output, Resp, Status};
use super::responses_bodies::{
    delta_fields, event, final_item, final_response, function_call, item_id, message,
    started_response, text_part, TEXT_DELTA,
};
use super::scenarios::Scenario;
use super::stream::{default_framing, pacing, End, Ev, Script};
use crate::json::J;

/// `responses-split`: bytes per piece of an event.
const SPLIT_PIECE: usize = 8;
/// `disconnect`: events sent before the connection drops (up to the first text delta).
const DISCONNECT_AFTER: usize = 5;

pub(crate) fn script(r: &Resp) -> Script {
    let mut events = events(r);
    let end = match r.scenario {
        Scenario::StallBody => {
            events.truncate(1);
            End::Stall
        }
        Scenario::Disconnect => {
            events.truncate(DISCONNECT_AFTER);
            End::Abrupt
        }
        _ => End::Normal,
    };
    Script {
        framing: default_framing(r.out.base),
        end,
        delay: pacing(r.scenario),
        piece: (r.scenario == Scenario::ResponsesSplit).then_some(SPLIT_PIECE),
        events,
    }
}

/// The events of one stream as they are built, numbered as they are added.
struct Seq<'r> {
    r: &'r Resp<'r>,
    events: Vec<Ev>,
    /// The next `sequence_number`.
    next: usize,
}

impl Seq<'_> {
    /// Adds event `kind` with the next `sequence_number` and `fields`.
    fn push(&mut self, kind: &'static str, fields: J) {
        let json = event(kind, self.next, fields).compact();
        self.next += 1;
        self.events.push(Ev::Named(kind, json));
    }

    fn response(&mut self, kind: &'static str, response: J) {
        self.push(kind, obj! {"response" => response});
    }

    fn item(&mut self, kind: &'static str, item: J) {
        self.push(kind, obj! {"output_index" => 0, "item" => item});
    }

    fn part(&mut self, kind: &'static str, text: &str) {
        let id = item_id(self.r);
        let fields = obj! {"item_id" => id, "output_index" => 0, "content_index" => 0, "part" => text_part(text)};
        self.push(kind, fields);
    }

    /// An event without a `sequence_number` (its JSON is exactly `json`).
    fn unnumbered(&mut self, kind: &'static str, json: J) {
        self.events.push(Ev::Named(kind, json.compact()));
    }
}

fn events(r: &Resp) -> Vec<Ev> {
    let mut s = Seq {
        r,
        events: Vec::new(),
        next: 0,
    };
    s.response("response.created", started_response(r));
    s.response("response.in_progress", started_response(r));
    match &r.output {
        Output::ToolCall => tool_call(&mut s),
        Output::Text(tokens) => text(&mut s, tokens),
    }
    s.events
}

fn tool_call(s: &mut Seq) {
    let (r, id) = (s.r, item_id(s.r));
    s.item(
        "response.output_item.added",
        function_call(r, "in_progress", ""),
    );
    for fragment in TOOL_ARGUMENTS {
        let fields = obj! {"item_id" => &id, "output_index" => 0, "delta" => fragment};
        s.push("response.function_call_arguments.delta", fields);
    }
    let arguments = TOOL_ARGUMENTS.concat();
    let fields = obj! {"item_id" => &id, "output_index" => 0, "arguments" => arguments};
    s.push("response.function_call_arguments.done", fields);
    s.item("response.output_item.done", final_item(r));
    s.response("response.completed", final_response(r));
}

fn text(s: &mut Seq, tokens: &[String]) {
    let r = s.r;
    s.item(
        "response.output_item.added",
        message(r, "in_progress", Vec::new()),
    );
    s.part("response.content_part.added", "");
    deltas(s, tokens);
    match (r.scenario, r.status) {
        (Scenario::ResponsesError, _) => s.unnumbered(
            "error",
            obj! {"type" => "error", "code" => "rate_limit_exceeded", "message" => "Too many tokens mid-stream", "param" => J::Null},
        ),
        (_, Status::Failed) => s.response("response.failed", final_response(r)),
        (_, status) => {
            let text = tokens.concat();
            let id = item_id(r);
            let fields = obj! {"item_id" => id, "output_index" => 0, "content_index" => 0, "text" => &text};
            s.push("response.output_text.done", fields);
            s.part("response.content_part.done", &text);
            s.item("response.output_item.done", final_item(r));
            let kind = match status {
                Status::Incomplete => "response.incomplete",
                _ => "response.completed",
            };
            s.response(kind, final_response(r));
        }
    }
}

/// One delta per token, with what the scenario puts between them: `responses-keepalive` a
/// `keepalive` event and a `: ping` comment after every delta but the last,
/// `responses-unknown` an event of an unknown type after the first.
fn deltas(s: &mut Seq, tokens: &[String]) {
    let id = item_id(s.r);
    for (i, token) in tokens.iter().enumerate() {
        s.push(TEXT_DELTA, delta_fields(&id, token));
        match s.r.scenario {
            Scenario::ResponsesKeepalive if i + 1 < tokens.len() => {
                s.unnumbered("keepalive", obj! {"type" => "keepalive"});
                s.events.push(Ev::SseOnly(": ping\n\n".to_string()));
            }
            Scenario::ResponsesUnknown if i == 0 => s.unnumbered(
                "response.future_feature",
                obj! {"type" => "response.future_feature", "x" => 1},
            ),
            _ => {}
        }
    }
}
