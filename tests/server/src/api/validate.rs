//! Chat request validation (the 400s and their order are specified in the crate docs), and the
//! body readers the embeddings and Responses routes share with it.

use serde_json::{Map, Value};

use super::errors::ApiError;
use super::images::describe_image;
use super::Parsed;

const ROLES: [&str; 5] = ["system", "user", "assistant", "tool", "developer"];

/// A valid chat request, reduced to what the replies depend on.
pub(crate) struct ChatReq {
    pub(crate) model: String,
    pub(crate) stream: bool,
    pub(crate) max_tokens: Option<usize>,
    pub(crate) n: usize,
    pub(crate) include_usage: bool,
    pub(crate) prompt_tokens: usize,
    /// What "You said:" repeats: the last user message's text plus its image descriptions.
    pub(crate) said: String,
    /// When the last message is a tool result: "The tool <tool_call_id> said: <content>",
    /// the answer the `tools` scenario gives once its call has been answered.
    pub(crate) tool_answer: Option<String>,
}

pub(crate) fn body_object(parsed: &Parsed) -> Result<&Map<String, Value>, ApiError> {
    match parsed {
        None => Err(ApiError::new(
            400,
            "invalid_request_error",
            "We could not parse the JSON body of your request: the body is empty.",
        )),
        Some(Err(e)) => Err(ApiError::new(
            400,
            "invalid_request_error",
            format!("We could not parse the JSON body of your request: {e}."),
        )),
        Some(Ok(Value::Object(obj))) => Ok(obj),
        Some(Ok(_)) => Err(ApiError::new(
            400,
            "invalid_request_error",
            "The request body must be a JSON object.",
        )),
    }
}

pub(crate) fn require_model(obj: &Map<String, Value>) -> Result<String, ApiError> {
    match obj.get("model") {
        None | Some(Value::Null) => Err(ApiError::missing("model")),
        Some(Value::String(m)) => Ok(m.clone()),
        Some(_) => Err(ApiError::wrong_type("model", "a string")),
    }
}

/// A string field that must be present (a JSON null is the wrong type here, not absent).
pub(crate) fn required_str<'a>(
    obj: &'a Map<String, Value>,
    key: &str,
    param: &str,
) -> Result<&'a str, ApiError> {
    match obj.get(key) {
        None => Err(ApiError::missing(param)),
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(ApiError::wrong_type(param, "a string")),
    }
}

/// An optional boolean; a JSON null counts as absent (false).
pub(crate) fn optional_bool(
    obj: &Map<String, Value>,
    key: &str,
    param: &str,
) -> Result<bool, ApiError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(ApiError::wrong_type(param, "a boolean")),
    }
}

pub(crate) fn positive_int(
    obj: &Map<String, Value>,
    name: &str,
) -> Result<Option<usize>, ApiError> {
    match obj.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => match v.as_u64().filter(|k| *k > 0) {
            Some(k) => Ok(Some(usize::try_from(k).unwrap_or(usize::MAX))),
            None => Err(ApiError::invalid(
                name,
                format!("Invalid '{name}': expected a positive integer."),
            )),
        },
    }
}

/// An image part: validated, and described for the reply.
fn image_part(pp: &str, part: &Map<String, Value>) -> Result<String, ApiError> {
    let ip = format!("{pp}.image_url");
    let image = match part.get("image_url") {
        Some(Value::Object(o)) => o,
        None => return Err(ApiError::missing(&ip)),
        Some(_) => return Err(ApiError::wrong_type(&ip, "an object")),
    };
    let up = format!("{ip}.url");
    let url = required_str(image, "url", &up)?;
    if let Some(detail) = image.get("detail") {
        if !detail.is_string() {
            return Err(ApiError::wrong_type(&format!("{ip}.detail"), "a string"));
        }
    }
    describe_image(&up, url)
}

/// One content part, validated: its text, or the description of its image.
pub(crate) enum Part {
    Text(String),
    Image(String),
}

/// Reads one content part given its param path (`…content[j]`), its `type` and the part.
pub(crate) type PartReader = fn(&str, &str, &Map<String, Value>) -> Result<Part, ApiError>;

/// `Invalid value for '<param>': '<value>'. Supported values are: <supported>.`
pub(crate) fn unsupported(param: &str, value: &str, supported: &str) -> ApiError {
    ApiError::invalid(
        param,
        format!("Invalid value for '{param}': '{value}'. Supported values are: {supported}."),
    )
}

/// A text part (`{"type":"text","text":…}`) or an image part (`{"type":"image_url",…}`).
fn chat_part(pp: &str, kind: &str, part: &Map<String, Value>) -> Result<Part, ApiError> {
    match kind {
        "text" => Ok(Part::Text(
            required_str(part, "text", &format!("{pp}.text"))?.to_string(),
        )),
        "image_url" => Ok(Part::Image(image_part(pp, part)?)),
        other => Err(unsupported(
            &format!("{pp}.type"),
            other,
            "'text' and 'image_url'",
        )),
    }
}

/// Validates an array of content parts, each object with a string `type` read by `read`;
/// returns its text (text parts joined with " ") and the descriptions of its images.
pub(crate) fn content_parts(
    cp: &str,
    parts: &[Value],
    read: PartReader,
) -> Result<(String, Vec<String>), ApiError> {
    let mut texts = Vec::new();
    let mut images = Vec::new();
    for (j, part) in parts.iter().enumerate() {
        let pp = format!("{cp}[{j}]");
        let Some(part) = part.as_object() else {
            return Err(ApiError::wrong_type(&pp, "an object"));
        };
        match read(
            &pp,
            required_str(part, "type", &format!("{pp}.type"))?,
            part,
        )? {
            Part::Text(text) => texts.push(text),
            Part::Image(image) => images.push(image),
        }
    }
    Ok((texts.join(" "), images))
}

/// Validates a message's content; returns its text and the descriptions of its images.
fn message_content(
    p: &str,
    role: &str,
    content: Option<&Value>,
) -> Result<(String, Vec<String>), ApiError> {
    let cp = format!("{p}.content");
    match content {
        None | Some(Value::Null) if role == "assistant" => Ok((String::new(), Vec::new())),
        None => Err(ApiError::missing(&cp)),
        Some(Value::Null) => Err(ApiError::invalid(
            &cp,
            format!(
                "Invalid value for '{cp}': null content is only allowed for assistant messages."
            ),
        )),
        Some(Value::String(s)) => Ok((s.clone(), Vec::new())),
        Some(Value::Array(parts)) => content_parts(&cp, parts, chat_part),
        Some(_) => Err(ApiError::wrong_type(
            &cp,
            "a string, null (assistant only) or an array of content parts",
        )),
    }
}

/// A message's `role`, which must be one of `roles`.
pub(crate) fn message_role<'a>(
    p: &str,
    message: &'a Map<String, Value>,
    roles: &[&str],
) -> Result<&'a str, ApiError> {
    let rp = format!("{p}.role");
    let role = required_str(message, "role", &rp)?;
    if !roles.contains(&role) {
        let quoted: Vec<String> = roles.iter().map(|r| format!("'{r}'")).collect();
        let (last, rest) = quoted.split_last().expect("at least one role");
        let supported = format!("{}, and {last}", rest.join(", "));
        return Err(unsupported(&rp, role, &supported));
    }
    Ok(role)
}

/// What the messages say, as far as the replies care.
struct MessagesRead {
    prompt_tokens: usize,
    said: String,
    tool_answer: Option<String>,
}

/// What the `tools` scenario answers once a tool result is the last message (or input item):
/// "The tool <id> said: <text>", where `id_key` (e.g. `tool_call_id`) names the call answered,
/// as OpenAI requires.
pub(crate) fn tool_answer(
    p: &str,
    item: &Map<String, Value>,
    id_key: &str,
    text: &str,
) -> Result<String, ApiError> {
    let id = required_str(item, id_key, &format!("{p}.{id_key}"))?;
    Ok(format!("The tool {id} said: {text}"))
}

/// What "You said:" repeats: the text, then ` [image N: <description>]` for each image.
pub(crate) fn said_with_images(text: String, images: &[String]) -> String {
    let mut said = text;
    for (i, image) in images.iter().enumerate() {
        said.push_str(&format!(" [image {}: {image}]", i + 1));
    }
    said
}

/// Validates `messages`; returns the prompt token count and what the reply repeats.
fn read_messages(obj: &Map<String, Value>) -> Result<MessagesRead, ApiError> {
    let messages = match obj.get("messages") {
        None | Some(Value::Null) => return Err(ApiError::missing("messages")),
        Some(Value::Array(a)) => a,
        Some(_) => return Err(ApiError::wrong_type("messages", "an array")),
    };
    if messages.is_empty() {
        return Err(ApiError::invalid(
            "messages",
            "Invalid 'messages': empty array. Expected an array with minimum length 1.",
        ));
    }
    let mut prompt_tokens = 0;
    let mut last_user: Option<(String, Vec<String>)> = None;
    let mut last_tool = None;
    for (i, message) in messages.iter().enumerate() {
        let p = format!("messages[{i}]");
        let Some(message) = message.as_object() else {
            return Err(ApiError::wrong_type(&p, "an object"));
        };
        let role = message_role(&p, message, &ROLES)?;
        let (text, images) = message_content(&p, role, message.get("content"))?;
        prompt_tokens += text.split_whitespace().count();
        last_tool = match role {
            "tool" => Some(tool_answer(&p, message, "tool_call_id", &text)?),
            _ => None,
        };
        if role == "user" {
            last_user = Some((text, images));
        }
    }
    let (text, images) = last_user.unwrap_or_default();
    let said = said_with_images(text, &images);
    Ok(MessagesRead {
        prompt_tokens,
        said,
        tool_answer: last_tool,
    })
}

fn choice_count(obj: &Map<String, Value>) -> Result<usize, ApiError> {
    match obj.get("n") {
        None | Some(Value::Null) => Ok(1),
        Some(v) => Ok(v.as_u64().filter(|n| (1..=8).contains(n)).ok_or_else(|| {
            ApiError::invalid("n", "Invalid 'n': expected an integer between 1 and 8.")
        })? as usize),
    }
}

fn include_usage(obj: &Map<String, Value>) -> Result<bool, ApiError> {
    match obj.get("stream_options") {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Object(options)) => {
            optional_bool(options, "include_usage", "stream_options.include_usage")
        }
        Some(_) => Err(ApiError::wrong_type("stream_options", "an object")),
    }
}

pub(crate) fn validate_chat(parsed: &Parsed) -> Result<ChatReq, ApiError> {
    let obj = body_object(parsed)?;
    let model = require_model(obj)?;
    let MessagesRead {
        prompt_tokens,
        said,
        tool_answer,
    } = read_messages(obj)?;
    let stream = optional_bool(obj, "stream", "stream")?;
    let max_tokens = match positive_int(obj, "max_tokens")? {
        Some(k) => Some(k),
        None => positive_int(obj, "max_completion_tokens")?,
    };
    let n = choice_count(obj)?;
    let include_usage = include_usage(obj)?;
    Ok(ChatReq {
        model,
        stream,
        max_tokens,
        n,
        include_usage,
        prompt_tokens,
        said,
        tool_answer,
    })
}
