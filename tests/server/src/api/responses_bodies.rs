//! The JSON of Responses replies: the `response` object, its output items and usage, and the
//! stream events' common shape. Key order is part of the specified bytes.

use super::bodies::{pad_to, CREATED, TOOL_ARGUMENTS, TOOL_CALL_ID, TOOL_NAME};
use super::responses::{Output, Resp, Status};
use crate::json::J;

/// The `sequence_number` of a stream's first text delta (after `response.created`,
/// `response.in_progress`, `response.output_item.added` and `response.content_part.added`).
pub(crate) const FIRST_DELTA_SEQ: usize = 4;
pub(crate) const TEXT_DELTA: &str = "response.output_text.delta";

fn response_id(rid: u64) -> String {
    format!("resp_test-{rid}")
}

/// The id of the response's one output item: a message, or the `tools` function call.
pub(crate) fn item_id(r: &Resp) -> String {
    match r.output {
        Output::Text(_) => message_id(r.out.rid),
        Output::ToolCall => format!("fc_test-{}", r.out.rid),
    }
}

fn message_id(rid: u64) -> String {
    format!("msg_test-{rid}")
}

/// A stream event: `type`, `sequence_number`, then `fields`' members.
pub(crate) fn event(kind: &str, seq: usize, fields: J) -> J {
    let mut members = vec![
        ("type".to_string(), J::from(kind)),
        ("sequence_number".to_string(), J::from(seq)),
    ];
    if let J::Obj(more) = fields {
        members.extend(more);
    }
    J::Obj(members)
}

/// The fields of a `response.output_text.delta` event.
pub(crate) fn delta_fields(item_id: &str, delta: &str) -> J {
    obj! {"item_id" => item_id, "output_index" => 0, "content_index" => 0, "delta" => delta}
}

/// `responses-huge-<bytes>`: "x" repeated so that the first delta event's JSON is `bytes` long.
pub(crate) fn huge_text(rid: u64, bytes: usize) -> String {
    let id = message_id(rid);
    pad_to(bytes, |text| {
        event(TEXT_DELTA, FIRST_DELTA_SEQ, delta_fields(&id, text)).compact()
    })
}

pub(crate) fn text_part(text: &str) -> J {
    obj! {"type" => "output_text", "text" => text, "annotations" => J::Arr(Vec::new())}
}

pub(crate) fn message(r: &Resp, status: &str, content: Vec<J>) -> J {
    obj! {
        "type" => "message",
        "id" => item_id(r),
        "role" => "assistant",
        "status" => status,
        "content" => content,
    }
}

pub(crate) fn function_call(r: &Resp, status: &str, arguments: &str) -> J {
    obj! {
        "type" => "function_call",
        "id" => item_id(r),
        "call_id" => TOOL_CALL_ID,
        "name" => TOOL_NAME,
        "arguments" => arguments,
        "status" => status,
    }
}

/// The output item as the response ends with it.
pub(crate) fn final_item(r: &Resp) -> J {
    match &r.output {
        Output::Text(tokens) => {
            let status = match r.status {
                Status::Completed => "completed",
                Status::Incomplete | Status::Failed => "incomplete",
            };
            message(r, status, vec![text_part(&tokens.concat())])
        }
        Output::ToolCall => function_call(r, "completed", &TOOL_ARGUMENTS.concat()),
    }
}

fn usage(r: &Resp) -> J {
    let output = match &r.output {
        Output::Text(tokens) => tokens.len(),
        Output::ToolCall => TOOL_ARGUMENTS.len(),
    };
    let input = r.req.input_tokens;
    obj! {
        "input_tokens" => input,
        "input_tokens_details" => obj! {"cached_tokens" => 0},
        "output_tokens" => output,
        "output_tokens_details" => obj! {"reasoning_tokens" => 0},
        "total_tokens" => input + output,
    }
}

/// The response while it streams: `in_progress`, no output, no usage.
pub(crate) fn started_response(r: &Resp) -> J {
    response_object(r, "in_progress", J::Null, J::Null, Vec::new(), J::Null)
}

/// The response as it ends (the non-stream body, and the terminal stream event's `response`).
pub(crate) fn final_response(r: &Resp) -> J {
    let (status, error, incomplete) = match r.status {
        Status::Completed => ("completed", J::Null, J::Null),
        Status::Incomplete => (
            "incomplete",
            J::Null,
            obj! {"reason" => "max_output_tokens"},
        ),
        Status::Failed => {
            let error =
                obj! {"code" => "server_error", "message" => "The model failed mid-response"};
            ("failed", error, J::Null)
        }
    };
    response_object(r, status, error, incomplete, vec![final_item(r)], usage(r))
}

fn response_object(r: &Resp, status: &str, error: J, incomplete: J, output: Vec<J>, usage: J) -> J {
    let q = r.req;
    obj! {
        "id" => response_id(r.out.rid),
        "object" => "response",
        "created_at" => CREATED,
        "status" => status,
        "error" => error,
        "incomplete_details" => incomplete,
        "instructions" => q.instructions.as_deref(),
        "max_output_tokens" => q.max_output_tokens,
        "model" => &q.model,
        "output" => output,
        "previous_response_id" => q.previous_response_id.as_deref(),
        "tools" => q.tools.clone(),
        "usage" => usage,
    }
}
