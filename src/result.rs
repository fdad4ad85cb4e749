//! What a finished call hands back: outcome, body, text, error details, timings.

use crate::conversation::AssistantTurn;
use crate::headers::ResponseHeaders;
use crate::error::{ApiError, Error, Result, Status};
use serde::Deserialize;
use serde_json::Value;
use std::borrow::Cow;
use std::time::Duration;

mod progress;
pub use progress::Progress;

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
    /// Token counts, when the reply (or the stream's last usage chunk) had them.
    pub usage: Option<Usage>,
    /// From the `x-request-id` response header.
    pub request_id: Option<String>,
    /// The final reply's headers (empty when none arrived).
    pub headers: ResponseHeaders,
    /// A Responses API reply that stopped short: its `incomplete_details.reason`.
    pub incomplete_reason: Option<String>,
    pub timings: Timings,
    pub retries: u32,
    /// Stream chunks (or binary pieces) delivered.
    pub chunks: usize,
    /// The body as parsed while the call read it, so `assistant_turn` need not parse it again.
    pub(crate) reply: Option<Value>,
    /// Body bytes of the final reply that arrived, whether kept, written or handed on; for a
    /// body cut short, what came before the cut.
    pub bytes_received: u64,
    /// Which endpoint answered (or failed last); None when the call reached none.
    pub answered: Option<Answered>,
}

/// The endpoint a call ended on, and how many it started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answered {
    /// 0 for the client's own base URL, i for `fallback[i - 1]`.
    pub index: usize,
    pub base_url: String,
    pub tried: usize,
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

    /// The completion's first assistant message (partial for a broken
    /// stream); None for bodies that are not completions, such as error bodies.
    pub fn assistant_turn(&self) -> Option<AssistantTurn> {
        if !self.body_is_json {
            return None;
        }
        let parsed;
        let reply = match &self.reply {
            Some(reply) => reply,
            None => {
                parsed = serde_json::from_slice::<Value>(&self.body).ok()?;
                &parsed
            }
        };
        // A Responses API `response` has `output` items where a completion has `choices`.
        if reply.get("choices").is_none() && reply.get("output").is_some_and(Value::is_array) {
            AssistantTurn::from_response(&reply)
        } else {
            AssistantTurn::from_completion(&reply)
        }
    }
}

/// Token counts from a completion's `usage` object.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub total_tokens: u64,
}

impl Usage {
    /// A Responses API `usage` (`input_tokens`, `output_tokens`, `total_tokens`).
    pub fn of_response(response: &Value) -> Option<Usage> {
        let usage = response.get("usage")?.as_object()?;
        let count = |key: &str| usage.get(key).and_then(Value::as_u64).unwrap_or(0);
        Some(Usage {
            prompt_tokens: count("input_tokens"),
            completion_tokens: count("output_tokens"),
            total_tokens: count("total_tokens"),
        })
    }

    /// None when the completion has no usage object; a missing count is 0.
    pub fn of(completion: &Value) -> Option<Usage> {
        let usage = completion.get("usage")?.as_object()?;
        let count = |key: &str| usage.get(key).and_then(Value::as_u64).unwrap_or(0);
        Some(Usage {
            prompt_tokens: count("prompt_tokens"),
            completion_tokens: count("completion_tokens"),
            total_tokens: count("total_tokens"),
        })
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
        Ok(chunk) => Ok(chunk
            .choices
            .into_iter()
            .next()
            .and_then(|c| c.delta?.content)),
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
    fn usage_is_read_when_present() {
        let completion = json!({"usage":{"prompt_tokens":9,"completion_tokens":12,"total_tokens":21,"cost":0.1}});
        assert_eq!(
            Usage::of(&completion),
            Some(Usage {
                prompt_tokens: 9,
                completion_tokens: 12,
                total_tokens: 21
            })
        );
        assert_eq!(Usage::of(&json!({"usage":null})), None);
        assert_eq!(Usage::of(&json!({"choices":[]})), None);
    }

    #[test]
    fn delta_text_reads_the_first_choice_only() {
        let text = |json: &str| delta_text(json).unwrap().map(|t| t.into_owned());
        assert_eq!(
            text(
                r#"{"choices":[{"index":0,"delta":{"content":"Hel"}},{"delta":{"content":"x"}}]}"#
            )
            .as_deref(),
            Some("Hel")
        );
        assert_eq!(
            text(r#"{"choices":[{"delta":{"content":"a\nb \u00e9"}}],"extra":[1,{"z":null}]}"#)
                .as_deref(),
            Some("a\nb é")
        );
        assert_eq!(text(r#"{"choices":[{"delta":{"content":null}}]}"#), None);
        assert_eq!(text(r#"{"choices":[],"usage":{}}"#), None);
        assert_eq!(
            text(r#"{"choices":[{"delta":{"content":7}}]}"#),
            None,
            "another shape has no text"
        );
        assert_eq!(text(r#"[1,2]"#), None);
        assert_eq!(
            delta_text("{\"choices\":").unwrap_err().status(),
            crate::error::Status::InvalidJson
        );
    }
}
