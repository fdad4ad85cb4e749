//! What a finished call hands back: outcome, body, text, error details, timings.

use crate::error::{ApiError, Error, Result, Status};
use serde::Deserialize;
use std::borrow::Cow;
use serde_json::Value;
use std::time::Duration;

/// Milestones of one call, measured from its start.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Timings {
    /// When the response status and headers arrived.
    pub headers: Option<Duration>,
    /// When the first stream chunk was decoded.
    pub first_chunk: Option<Duration>,
    pub total: Duration,
}

#[derive(Debug, Default)]
pub struct CallResult {
    pub error: Option<Error>,
    /// 0 when no response arrived.
    pub http_status: u16,
    /// The response body; for streams, the accumulated `chat.completion`.
    pub body: Vec<u8>,
    pub body_is_json: bool,
    /// The first choice's assistant content, for chat calls.
    pub text: Option<String>,
    /// From the `x-request-id` response header.
    pub request_id: Option<String>,
    pub timings: Timings,
    pub retries: u32,
    /// Stream chunks delivered.
    pub chunks: usize,
}

impl CallResult {
    pub fn failed(error: Error) -> CallResult {
        CallResult {
            error: Some(error),
            ..CallResult::default()
        }
    }

    pub fn status(&self) -> Status {
        self.error.as_ref().map_or(Status::Ok, Error::status)
    }

    pub fn api_error(&self) -> Option<&ApiError> {
        self.error.as_ref().and_then(Error::api_error)
    }
}

/// The first choice's `message.content`: a string, or the text parts of a
/// content-part array joined together. None when there is no text at all.
pub fn assistant_text(completion: &Value) -> Option<String> {
    let content = completion.pointer("/choices/0/message/content")?;
    match content {
        Value::String(text) => Some(text.clone()),
        Value::Array(parts) => {
            let texts: Vec<&str> = parts
                .iter()
                .filter_map(|part| part.get("text").and_then(Value::as_str))
                .collect();
            (!texts.is_empty()).then(|| texts.concat())
        }
        _ => None,
    }
}

/// The first choice's `delta.content` in a stream chunk's JSON, if it has any.
/// Reads only that field; a chunk of another shape has no text. Fails only
/// when `chunk_json` is not JSON at all.
pub fn delta_text(chunk_json: &str) -> Result<Option<Cow<'_, str>>> {
    #[derive(Deserialize)]
    struct Chunk<'a> {
        #[serde(borrow, default)]
        choices: Vec<Choice<'a>>,
    }
    #[derive(Deserialize)]
    struct Choice<'a> {
        #[serde(borrow, default)]
        delta: Option<Delta<'a>>,
    }
    #[derive(Deserialize)]
    struct Delta<'a> {
        #[serde(borrow, default)]
        content: Option<Cow<'a, str>>,
    }
    match serde_json::from_str::<Chunk>(chunk_json) {
        Ok(chunk) => Ok(chunk.choices.into_iter().next().and_then(|c| c.delta?.content)),
        Err(shape) if shape.is_data() => Ok(None),
        Err(syntax) => Err(Error::invalid_json("chunk_json", syntax)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn assistant_text_reads_strings_and_parts() {
        let plain = json!({"choices":[{"message":{"role":"assistant","content":"hi"}}]});
        assert_eq!(assistant_text(&plain).as_deref(), Some("hi"));
        let parts = json!({"choices":[{"message":{"content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}}]});
        assert_eq!(assistant_text(&parts).as_deref(), Some("ab"));
        let tools = json!({"choices":[{"message":{"content":null,"tool_calls":[]}}]});
        assert_eq!(assistant_text(&tools), None);
        assert_eq!(assistant_text(&json!({"data":[]})), None);
    }

    #[test]
    fn delta_text_reads_the_first_choice_only() {
        let text = |json: &str| delta_text(json).unwrap().map(|t| t.into_owned());
        assert_eq!(text(r#"{"choices":[{"index":0,"delta":{"content":"Hel"}},{"delta":{"content":"x"}}]}"#).as_deref(), Some("Hel"));
        assert_eq!(text(r#"{"choices":[{"delta":{"content":"a\nb \u00e9"}}],"extra":[1,{"z":null}]}"#).as_deref(), Some("a\nb é"));
        assert_eq!(text(r#"{"choices":[{"delta":{"content":null}}]}"#), None);
        assert_eq!(text(r#"{"choices":[],"usage":{}}"#), None);
        assert_eq!(text(r#"{"choices":[{"delta":{"content":7}}]}"#), None, "another shape has no text");
        assert_eq!(text(r#"[1,2]"#), None);
        assert_eq!(delta_text("{\"choices\":").unwrap_err().status(), crate::Status::InvalidJson);
    }
}
