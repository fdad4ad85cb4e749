//! Responses request validation (the 400s and their order are specified in the crate docs): the
//! options, and the `input` items reduced to what the replies repeat.

use serde_json::{Map, Value};

use super::errors::ApiError;
use super::images::describe_image;
use super::validate::{
    body_object, content_parts, message_role, optional_bool, positive_int, require_model,
    required_str, said_with_images, tool_answer, unsupported, Part,
};
use super::Parsed;
use crate::json::J;

const ROLES: [&str; 4] = ["user", "assistant", "system", "developer"];

/// A valid Responses request, reduced to what the replies depend on.
pub(crate) struct ResponsesReq {
    pub(crate) model: String,
    pub(crate) stream: bool,
    pub(crate) max_output_tokens: Option<usize>,
    pub(crate) instructions: Option<String>,
    pub(crate) previous_response_id: Option<String>,
    /// The request's `tools`, echoed in the response (`[]` when absent).
    pub(crate) tools: J,
    /// Words over `instructions`, every message's text and every tool output.
    pub(crate) input_tokens: usize,
    /// What "You said:" repeats: the last user message's text plus its image descriptions.
    pub(crate) said: String,
    /// When the last input item is a `function_call_output`: "The tool <call_id> said: <output>".
    pub(crate) tool_answer: Option<String>,
}

/// What the input says, as far as the replies care.
#[derive(Default)]
struct InputRead {
    words: usize,
    said: String,
    tool_answer: Option<String>,
}

fn words(text: &str) -> usize {
    text.split_whitespace().count()
}

/// An optional string; a JSON null counts as absent.
fn optional_str(obj: &Map<String, Value>, key: &str) -> Result<Option<String>, ApiError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ApiError::wrong_type(key, "a string")),
    }
}

/// An `input_text` / `output_text` part, or an `input_image` with an `image_url` (an http(s) or
/// data URL) or a `file_id`.
fn input_part(pp: &str, kind: &str, part: &Map<String, Value>) -> Result<Part, ApiError> {
    match kind {
        "input_text" | "output_text" => Ok(Part::Text(
            required_str(part, "text", &format!("{pp}.text"))?.to_string(),
        )),
        "input_image" => match (part.get("image_url"), part.get("file_id")) {
            (None | Some(Value::Null), Some(Value::String(id))) => {
                Ok(Part::Image(format!("file {id}")))
            }
            _ => {
                let up = format!("{pp}.image_url");
                Ok(Part::Image(describe_image(
                    &up,
                    required_str(part, "image_url", &up)?,
                )?))
            }
        },
        other => Err(unsupported(
            &format!("{pp}.type"),
            other,
            "'input_text', 'input_image' and 'output_text'",
        )),
    }
}

/// A message item's role and content: its text and the descriptions of its images.
fn message_item(
    p: &str,
    item: &Map<String, Value>,
) -> Result<(bool, (String, Vec<String>)), ApiError> {
    let role = message_role(p, item, &ROLES)?;
    let cp = format!("{p}.content");
    let content = match item.get("content") {
        None | Some(Value::Null) => return Err(ApiError::missing(&cp)),
        Some(Value::String(s)) => (s.clone(), Vec::new()),
        Some(Value::Array(parts)) => content_parts(&cp, parts, input_part)?,
        Some(_) => {
            return Err(ApiError::wrong_type(
                &cp,
                "a string or an array of content parts",
            ))
        }
    };
    Ok((role == "user", content))
}

/// An item's kind: its `type`, or `message` when it has none but a `role`.
fn item_kind<'a>(p: &str, item: &'a Map<String, Value>) -> Result<&'a str, ApiError> {
    let tp = format!("{p}.type");
    match item.get("type") {
        None | Some(Value::Null) if item.contains_key("role") => Ok("message"),
        _ => required_str(item, "type", &tp),
    }
}

/// Reads one input item into `read`; a `function_call_output` answers a call, anything after
/// it does not.
fn read_item(p: &str, item: &Map<String, Value>, read: &mut InputRead) -> Result<(), ApiError> {
    let answer = match item_kind(p, item)? {
        "message" => {
            let (from_user, (text, images)) = message_item(p, item)?;
            read.words += words(&text);
            if from_user {
                read.said = said_with_images(text, &images);
            }
            None
        }
        "function_call" => {
            for key in ["call_id", "name", "arguments"] {
                required_str(item, key, &format!("{p}.{key}"))?;
            }
            None
        }
        "function_call_output" => {
            let output = required_str(item, "output", &format!("{p}.output"))?;
            read.words += words(output);
            Some(tool_answer(p, item, "call_id", output)?)
        }
        other => {
            let supported = "'message', 'function_call' and 'function_call_output'";
            return Err(unsupported(&format!("{p}.type"), other, supported));
        }
    };
    read.tool_answer = answer;
    Ok(())
}

/// Validates `input`: a string (one user message) or a non-empty array of items.
fn read_input(obj: &Map<String, Value>) -> Result<InputRead, ApiError> {
    let items = match obj.get("input") {
        None | Some(Value::Null) => return Err(ApiError::missing("input")),
        Some(Value::String(s)) => {
            let said = s.clone();
            return Ok(InputRead {
                words: words(s),
                said,
                tool_answer: None,
            });
        }
        Some(Value::Array(items)) => items,
        Some(_) => {
            return Err(ApiError::wrong_type(
                "input",
                "a string or an array of input items",
            ))
        }
    };
    if items.is_empty() {
        return Err(ApiError::invalid(
            "input",
            "Invalid 'input': empty array. Expected an array with minimum length 1.",
        ));
    }
    let mut read = InputRead::default();
    for (i, item) in items.iter().enumerate() {
        let p = format!("input[{i}]");
        let Some(item) = item.as_object() else {
            return Err(ApiError::wrong_type(&p, "an object"));
        };
        read_item(&p, item, &mut read)?;
    }
    Ok(read)
}

/// Validates `tools`: an array of objects with a string `type`; function tools (Responses
/// style, flat) need a string `name`. Returns them for the echo.
fn read_tools(obj: &Map<String, Value>) -> Result<J, ApiError> {
    let tools = match obj.get("tools") {
        None | Some(Value::Null) => return Ok(J::Arr(Vec::new())),
        Some(Value::Array(tools)) => tools,
        Some(_) => return Err(ApiError::wrong_type("tools", "an array")),
    };
    for (i, tool) in tools.iter().enumerate() {
        let p = format!("tools[{i}]");
        let Some(tool) = tool.as_object() else {
            return Err(ApiError::wrong_type(&p, "an object"));
        };
        if required_str(tool, "type", &format!("{p}.type"))? == "function" {
            required_str(tool, "name", &format!("{p}.name"))?;
        }
    }
    Ok(J::Arr(tools.iter().map(J::from).collect()))
}

pub(crate) fn validate_responses(parsed: &Parsed) -> Result<ResponsesReq, ApiError> {
    let obj = body_object(parsed)?;
    let model = require_model(obj)?;
    let input = read_input(obj)?;
    let instructions = optional_str(obj, "instructions")?;
    let previous_response_id = optional_str(obj, "previous_response_id")?;
    let max_output_tokens = positive_int(obj, "max_output_tokens")?;
    let tools = read_tools(obj)?;
    let stream = optional_bool(obj, "stream", "stream")?;
    let input_tokens = input.words + instructions.as_deref().map_or(0, words);
    Ok(ResponsesReq {
        model,
        stream,
        max_output_tokens,
        instructions,
        previous_response_id,
        tools,
        input_tokens,
        said: input.said,
        tool_answer: input.tool_answer,
    })
}
