//! The JSON the chat replies are made of: completions, stream chunks, usage, and the reply's
//! tokens and choices. Key order and separators are part of the specified bytes.

use super::validate::ChatReq;
use crate::json::J;

/// The `created` timestamp of every completion, chunk and model (fixed for determinism).
pub(crate) const CREATED: i64 = 1_700_000_000;
/// The `tools` scenario's call id and function name (chat and Responses).
pub(crate) const TOOL_CALL_ID: &str = "call_1";
pub(crate) const TOOL_NAME: &str = "get_weather";
/// The `tools` scenario's call arguments, as its stream splits them.
pub(crate) const TOOL_ARGUMENTS: [&str; 3] = ["{\"city\"", ":\"Par", "is\"}"];
/// `tools-same-index`: each call's id, name and argument pieces, all sent at index 0.
pub(crate) const SAME_INDEX_CALLS: [(&str, &str, [&str; 2]); 2] = [
    ("call_a", "get_weather", ["{\"city\"", ":\"Paris\"}"]),
    ("call_b", "get_time", ["{\"zone\"", ":\"CET\"}"]),
];
/// `json-content`: the reply's content, streamed in pieces of `JSON_CONTENT_PIECE` bytes.
pub(crate) const JSON_CONTENT: &str = r#"{"name":"Ada","tags":["x","y"],"age":36,"ok":true}"#;
pub(crate) const JSON_CONTENT_PIECE: usize = 5;
/// Target size of a `big-chunks-<n>` content chunk's JSON (the chunk with empty content is ~220).
const BIG_CHUNK_JSON_LEN: usize = 256;

/// Splits after every space, so the tokens concatenate back to the text.
pub(crate) fn split_tokens(text: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut current = String::new();
    for ch in text.chars() {
        current.push(ch);
        if ch == ' ' {
            tokens.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        tokens.push(current);
    }
    tokens
}

pub(crate) struct Choice {
    pub(crate) tokens: Vec<String>,
    pub(crate) finish: &'static str,
}

impl Choice {
    pub(crate) fn text(&self) -> String {
        self.tokens.concat()
    }
}

/// The n choices for `text`: choice i > 0 is prefixed with `[i] `; max_tokens truncates each.
pub(crate) fn choices(c: &ChatReq, text: &str, n: usize) -> Vec<Choice> {
    (0..n)
        .map(|i| {
            let text = if i == 0 {
                text.to_string()
            } else {
                format!("[{i}] {text}")
            };
            let mut tokens = split_tokens(&text);
            let mut finish = "stop";
            if let Some(k) = c.max_tokens {
                if tokens.len() > k {
                    tokens.truncate(k);
                    finish = "length";
                }
            }
            Choice { tokens, finish }
        })
        .collect()
}

pub(crate) fn usage(prompt: usize, completion: usize) -> J {
    obj! {
        "prompt_tokens" => prompt,
        "completion_tokens" => completion,
        "total_tokens" => prompt + completion,
        "completion_tokens_details" => obj! {
            "reasoning_tokens" => 0,
            "accepted_prediction_tokens" => 0,
            "rejected_prediction_tokens" => 0,
        },
    }
}

/// A `chat.completion` with one choice per (message, finish_reason).
pub(crate) fn completion_json(id: &str, model: &str, choices: Vec<(J, &str)>, usage: J) -> String {
    let choices: Vec<J> = choices
        .into_iter()
        .enumerate()
        .map(|(i, (message, finish))| {
            obj! {"index" => i, "message" => message, "logprobs" => J::Null, "finish_reason" => finish}
        })
        .collect();
    obj! {
        "id" => id,
        "object" => "chat.completion",
        "created" => CREATED,
        "model" => model,
        "system_fingerprint" => "fp_test",
        "choices" => choices,
        "usage" => usage,
    }
    .compact()
}

pub(crate) fn text_message(text: String) -> J {
    obj! {"role" => "assistant", "content" => text}
}

/// A one-choice completion of `text` that stopped normally.
pub(crate) fn text_completion(
    id: &str,
    model: &str,
    text: &str,
    prompt_tokens: usize,
    completion_tokens: usize,
) -> String {
    let message = text_message(text.to_string());
    let usage = usage(prompt_tokens, completion_tokens);
    completion_json(id, model, vec![(message, "stop")], usage)
}

/// The message of `tools-same-index`: both calls, whole.
pub(crate) fn same_index_message() -> J {
    let calls: Vec<J> = SAME_INDEX_CALLS
        .iter()
        .map(|(id, name, pieces)| {
            obj! {"id" => *id, "type" => "function", "function" => obj! {"name" => *name, "arguments" => pieces.concat()}}
        })
        .collect();
    obj! {"role" => "assistant", "content" => J::Null, "tool_calls" => calls}
}

/// One `tools-same-index` delta: a call's start (with its id and name) or a later piece, at index 0.
pub(crate) fn same_index_delta(call: Option<(&str, &str)>, arguments: &str) -> J {
    let delta = match call {
        Some((id, name)) => obj! {"index" => 0, "id" => id, "type" => "function", "function" => obj! {"name" => name, "arguments" => arguments}},
        None => obj! {"index" => 0, "function" => obj! {"arguments" => arguments}},
    };
    obj! {"tool_calls" => vec![delta]}
}

pub(crate) fn tool_message() -> J {
    obj! {
        "role" => "assistant",
        "content" => J::Null,
        "tool_calls" => vec![obj! {
            "id" => TOOL_CALL_ID,
            "type" => "function",
            "function" => obj! {"name" => TOOL_NAME, "arguments" => TOOL_ARGUMENTS.concat()},
        }],
    }
}

/// llama-cpp-python's completion: no system_fingerprint, message keys in its order, usage
/// without details.
pub(crate) fn llama_completion(
    id: &str,
    model: &str,
    prompt_tokens: usize,
    choice: &Choice,
) -> String {
    let completion = choice.tokens.len();
    obj! {
        "id" => id,
        "object" => "chat.completion",
        "created" => CREATED,
        "model" => model,
        "choices" => vec![obj! {
            "index" => 0,
            "message" => obj! {"content" => choice.text(), "role" => "assistant"},
            "logprobs" => J::Null,
            "finish_reason" => choice.finish,
        }],
        "usage" => obj! {
            "prompt_tokens" => prompt_tokens,
            "completion_tokens" => completion,
            "total_tokens" => prompt_tokens + completion,
        },
    }
    .compact()
}

pub(crate) fn chunk(id: &str, model: &str, choices: Vec<J>) -> J {
    obj! {
        "id" => id,
        "object" => "chat.completion.chunk",
        "created" => CREATED,
        "model" => model,
        "system_fingerprint" => "fp_test",
        "choices" => choices,
    }
}

pub(crate) fn delta(index: usize, delta: J, finish: Option<&str>) -> J {
    obj! {"index" => index, "delta" => delta, "logprobs" => J::Null, "finish_reason" => finish}
}

/// The JSON of a chunk with one delta for choice `index`.
pub(crate) fn delta_chunk(id: &str, model: &str, index: usize, d: J) -> String {
    chunk(id, model, vec![delta(index, d, None)]).compact()
}

pub(crate) fn usage_chunk(id: &str, model: &str, usage: J) -> String {
    let mut j = chunk(id, model, Vec::new());
    if let J::Obj(fields) = &mut j {
        fields.push(("usage".to_string(), usage));
    }
    j.compact()
}

/// The JSON of a content chunk for choice 0.
pub(crate) fn content_chunk(id: &str, model: &str, content: &str) -> String {
    delta_chunk(id, model, 0, obj! {"content" => content})
}

pub(crate) fn role_chunk(id: &str, model: &str, index: usize) -> String {
    delta_chunk(
        id,
        model,
        index,
        obj! {"role" => "assistant", "content" => ""},
    )
}

pub(crate) fn finish_chunk(id: &str, model: &str, index: usize, finish: &str) -> String {
    chunk(id, model, vec![delta(index, obj! {}, Some(finish))]).compact()
}

/// The first `tools` stream delta: the call with its name and empty arguments.
pub(crate) fn tool_call_start() -> J {
    obj! {
        "role" => "assistant",
        "content" => J::Null,
        "tool_calls" => vec![obj! {
            "index" => 0,
            "id" => TOOL_CALL_ID,
            "type" => "function",
            "function" => obj! {"name" => TOOL_NAME, "arguments" => ""},
        }],
    }
}

/// A later `tools` stream delta: one fragment of the call's arguments.
pub(crate) fn tool_call_arguments(fragment: &str) -> J {
    obj! {"tool_calls" => vec![obj! {"index" => 0, "function" => obj! {"arguments" => fragment}}]}
}

/// A llama-cpp-python stream chunk: its key order, no system_fingerprint, `", "` / `": "`
/// separators.
pub(crate) fn llama_chunk(id: &str, model: &str, d: J, finish: Option<&str>) -> String {
    obj! {
        "id" => id,
        "model" => model,
        "created" => CREATED,
        "object" => "chat.completion.chunk",
        "choices" => vec![obj! {"index" => 0, "delta" => d, "logprobs" => J::Null, "finish_reason" => finish}],
    }
    .spaced()
}

/// `big-chunks-<n>`: "x" repeated so that a content chunk's JSON is `BIG_CHUNK_JSON_LEN` bytes
/// (at least one "x").
pub(crate) fn big_chunk_width(id: &str, model: &str) -> usize {
    BIG_CHUNK_JSON_LEN
        .saturating_sub(content_chunk(id, model, "").len())
        .max(1)
}

/// `"x"` repeated so that `json_for(content)` is `target` bytes long (or as short as it gets);
/// `json_for` must grow by one byte per `"x"`.
pub(crate) fn pad_to(target: usize, json_for: impl Fn(&str) -> String) -> String {
    "x".repeat(target.saturating_sub(json_for("").len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_concatenate() {
        let t = split_tokens("Hello! You said:  hi");
        assert_eq!(t, vec!["Hello! ", "You ", "said: ", " ", "hi"]);
        assert_eq!(t.concat(), "Hello! You said:  hi");
    }

    #[test]
    fn padding_is_exact() {
        let body_for = |t: &str| text_completion("chatcmpl-test-1", "m", t, 3, 1);
        assert_eq!(body_for(&pad_to(5000, body_for)).len(), 5000);
        assert_eq!(pad_to(10, body_for), "");
    }

    #[test]
    fn big_chunk_json_is_256_bytes() {
        let w = big_chunk_width("chatcmpl-test-7", "big-chunks-5");
        assert_eq!(
            content_chunk("chatcmpl-test-7", "big-chunks-5", &"x".repeat(w)).len(),
            256
        );
        let w = big_chunk_width("chatcmpl-test-1234567", "big-chunks-1000000");
        assert_eq!(
            content_chunk(
                "chatcmpl-test-1234567",
                "big-chunks-1000000",
                &"x".repeat(w)
            )
            .len(),
            256
        );
    }
}
