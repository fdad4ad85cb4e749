//! Merging `chat.completion.chunk` objects into one `chat.completion`.
//!
//! Rules, per choice `index` (missing index means 0; choices are output sorted by index):
//! - `role`: first seen, default "assistant".
//! - `content`: joined. Output `null` when no content string ever arrived and
//!   the choice has tool calls, else the joined string ("" if none).
//! - `refusal`, `reasoning_content` (also fed by the `reasoning` key some
//!   servers use; a delta carrying both counts once): joined, output only if seen.
//! - `logprobs.content` (and `logprobs.refusal`) arrays: concatenated; `logprobs`
//!   is `null` if no such array arrived.
//! - `finish_reason`: last non-null seen, else null.
//! - `tool_calls`: merged by `index`; `id`, `type` and `function.name` are the first
//!   non-empty values, `function.arguments` are concatenated. A delta carrying an `id`
//!   different from (non-empty) the one of the call it would join starts a new call
//!   instead, with the index one past the highest so far: without `index` the call it
//!   would join is the one started last, with `index` the newest call sent at that index
//!   (Ollama and some gateways send every call at index 0).
//!   Output ordered by index as `{"id","type","function":{"name","arguments"}}`;
//!   missing strings are "" and the type defaults to "function".
//! - A choice holding `message` instead of `delta` (a non-streamed completion
//!   sent as one line) is merged the same way.
//!
//! Chunk level: `id`, `model`, `created`, `system_fingerprint` are the first
//! non-null values (null in the output if never seen; `system_fingerprint` is
//! omitted then); the last non-null `usage` replaces any earlier one (usage is
//! never summed). Unknown fields are ignored, as are chunks that are not JSON objects.

use super::chunk_view::{ChoiceView, ChunkView, DeltaView, Field, Loose, ToolCallView};
use super::parse_chunk;
use crate::error::{ApiError, Error};
use serde::Deserialize;
use serde_json::{Map, Value};

#[derive(Debug, Clone, Default)]
struct ToolCall {
    /// In the output.
    index: u64,
    /// As the server sent it; several calls share one when the server reuses an index.
    wire_index: u64,
    id: String,
    kind: String,
    name: String,
    arguments: String,
}

#[derive(Debug, Clone, Default)]
struct Choice {
    index: u64,
    role: Option<String>,
    content: String,
    content_seen: bool,
    refusal: Option<String>,
    reasoning: Option<String>,
    logprobs_content: Option<Vec<Value>>,
    logprobs_refusal: Option<Vec<Value>>,
    finish_reason: Option<Value>,
    /// In the order the calls started.
    tool_calls: Vec<ToolCall>,
    /// Position in `tool_calls` of the call started last.
    current_call: Option<usize>,
}

/// Builds the final `chat.completion` from streamed chunks.
#[derive(Debug, Clone, Default)]
pub struct Accumulator {
    id: Option<Value>,
    model: Option<Value>,
    created: Option<Value>,
    system_fingerprint: Option<Value>,
    usage: Option<Value>,
    /// Sorted by index.
    choices: Vec<Choice>,
    chunks: usize,
}

fn keep_first(slot: &mut Option<Value>, value: Option<Field<'_>>) {
    if slot.is_none() {
        *slot = value.map(Field::into_value);
    }
}

fn append(slot: &mut Option<String>, text: &str) {
    slot.get_or_insert_with(String::new).push_str(text);
}

fn set_once(slot: &mut String, value: Option<&str>) {
    if slot.is_empty() {
        if let Some(text) = value {
            slot.push_str(text);
        }
    }
}

fn extend_array(slot: &mut Option<Vec<Value>>, items: Option<Vec<Value>>) {
    if let Some(items) = items {
        slot.get_or_insert_with(Vec::new).extend(items);
    }
}

impl Choice {
    fn merge(&mut self, choice: ChoiceView<'_>) {
        // A `delta` member that is not an object hides `message`, as it always has.
        if let Some(delta) = choice.delta {
            self.merge_delta(delta);
        }
        if let Some(logprobs) = choice.logprobs {
            extend_array(&mut self.logprobs_content, logprobs.content);
            extend_array(&mut self.logprobs_refusal, logprobs.refusal);
        }
        if let Some(reason) = choice.finish_reason {
            self.finish_reason = Some(*reason);
        }
    }

    fn merge_delta(&mut self, delta: DeltaView<'_>) {
        if self.role.is_none() {
            self.role = delta.role.map(|role| role.into_owned());
        }
        if let Some(text) = delta.content {
            self.content.push_str(&text);
            self.content_seen = true;
        }
        if let Some(text) = delta.refusal {
            append(&mut self.refusal, &text);
        }
        if let Some(text) = delta.reasoning_content.or(delta.reasoning) {
            append(&mut self.reasoning, &text);
        }
        for call in delta.tool_calls.map(|calls| calls.0).unwrap_or_default() {
            self.merge_tool_call(call);
        }
    }

    fn merge_tool_call(&mut self, call: ToolCallView<'_>) {
        let id = call.id.as_deref().filter(|s| !s.is_empty());
        let wire_index = call.index;
        let joined = match wire_index {
            Some(index) => self.tool_calls.iter().rposition(|c| c.wire_index == index),
            None => self.current_call,
        };
        let continues = |call: &ToolCall| id.is_none() || call.id.is_empty() || id == Some(call.id.as_str());
        let slot = match joined {
            Some(pos) if continues(&self.tool_calls[pos]) => pos,
            _ => self.start_call(wire_index),
        };
        let target = &mut self.tool_calls[slot];
        set_once(&mut target.id, call.id.as_deref());
        set_once(&mut target.kind, call.kind.as_deref());
        if let Some(function) = call.function {
            set_once(&mut target.name, function.name.as_deref());
            match function.arguments {
                Some(Field::Text(text)) => target.arguments.push_str(&text),
                // Some servers send the arguments as a JSON object.
                Some(Field::Other(other)) => target.arguments.push_str(&other.to_string()),
                None => {}
            }
        }
    }

    /// A new call, at its wire index when that is free in the output, else one past the
    /// highest index so far.
    fn start_call(&mut self, wire_index: Option<u64>) -> usize {
        let next = self.tool_calls.iter().map(|c| c.index + 1).max().unwrap_or(0);
        let index = wire_index
            .filter(|&wanted| self.tool_calls.iter().all(|c| c.index != wanted))
            .unwrap_or(next);
        self.tool_calls.push(ToolCall {
            index,
            wire_index: wire_index.unwrap_or(index),
            ..ToolCall::default()
        });
        let pos = self.tool_calls.len() - 1;
        self.current_call = Some(pos);
        pos
    }

    fn into_json(self) -> Value {
        let mut message = Map::new();
        message.insert(
            "role".into(),
            Value::from(self.role.as_deref().unwrap_or("assistant")),
        );
        let content = if !self.content_seen && !self.tool_calls.is_empty() {
            Value::Null
        } else {
            Value::String(self.content)
        };
        message.insert("content".into(), content);
        if let Some(refusal) = self.refusal {
            message.insert("refusal".into(), Value::String(refusal));
        }
        if let Some(reasoning) = self.reasoning {
            message.insert("reasoning_content".into(), Value::String(reasoning));
        }
        if !self.tool_calls.is_empty() {
            let mut calls: Vec<&ToolCall> = self.tool_calls.iter().collect();
            calls.sort_by_key(|c| c.index);
            let calls = calls
                .into_iter()
                .map(|c| {
                    let kind = if c.kind.is_empty() {
                        "function"
                    } else {
                        &c.kind
                    };
                    serde_json::json!({
                        "id": c.id,
                        "type": kind,
                        "function": {"name": c.name, "arguments": c.arguments},
                    })
                })
                .collect();
            message.insert("tool_calls".into(), Value::Array(calls));
        }
        let logprobs = if self.logprobs_content.is_none() && self.logprobs_refusal.is_none() {
            Value::Null
        } else {
            let mut logprobs = Map::new();
            if let Some(content) = self.logprobs_content {
                logprobs.insert("content".into(), Value::Array(content));
            }
            if let Some(refusal) = self.logprobs_refusal {
                logprobs.insert("refusal".into(), Value::Array(refusal));
            }
            Value::Object(logprobs)
        };
        serde_json::json!({
            "index": self.index,
            "message": message,
            "logprobs": logprobs,
            "finish_reason": self.finish_reason.unwrap_or(Value::Null),
        })
    }
}

impl Accumulator {
    /// An empty accumulator (same as `Default`).
    pub fn new() -> Accumulator {
        Accumulator::default()
    }

    /// Merge one parsed chunk. If the chunk carries an `error` member (object or string), return
    /// Err(Error::StreamError(api_error)) and merge nothing; the caller ends the stream.
    /// The error's `http_status` is 200 (it came inside a successful reply).
    pub fn push(&mut self, chunk: &Value) -> Result<(), Error> {
        // Every view reads every kind of value, so reading a `Value` cannot fail.
        let view = Loose::<ChunkView>::deserialize(chunk).map_or(None, |Loose(view)| view);
        let Some(view) = view else {
            return Ok(());
        };
        if view.error {
            if let Some(mut api) = ApiError::from_error_member(chunk) {
                api.http_status = 200;
                return Err(Error::StreamError(api));
            }
        }
        self.merge(view);
        Ok(())
    }

    /// Parse one chunk's JSON text and merge it: the same as `push(&parse_chunk(text)?)`, but
    /// reading only what the completion needs, in one pass and without a `Value` tree.
    pub fn push_text(&mut self, text: &str) -> Result<(), Error> {
        match serde_json::from_str::<Loose<ChunkView>>(text) {
            Ok(Loose(Some(view))) if !view.error => {
                self.merge(view);
                Ok(())
            }
            Ok(Loose(None)) => Ok(()),
            // An error member needs the whole chunk; bad JSON gets `parse_chunk`'s message.
            _ => self.push(&parse_chunk(text)?),
        }
    }

    fn merge(&mut self, chunk: ChunkView<'_>) {
        keep_first(&mut self.id, chunk.id);
        keep_first(&mut self.model, chunk.model);
        keep_first(&mut self.created, chunk.created);
        keep_first(&mut self.system_fingerprint, chunk.system_fingerprint);
        if let Some(usage) = chunk.usage {
            self.usage = Some(*usage);
        }
        for choice in chunk.choices.map(|choices| choices.0).unwrap_or_default() {
            let index = choice.index.unwrap_or(0);
            let pos = match self.choices.binary_search_by_key(&index, |c| c.index) {
                Ok(pos) => pos,
                Err(pos) => {
                    self.choices.insert(
                        pos,
                        Choice {
                            index,
                            ..Choice::default()
                        },
                    );
                    pos
                }
            };
            self.choices[pos].merge(choice);
        }
        self.chunks += 1;
    }

    /// Number of chunks merged so far.
    pub fn chunk_count(&self) -> usize {
        self.chunks
    }

    /// The final `chat.completion` object built so far (valid also for a partial stream).
    pub fn completion(&self) -> Value {
        self.clone().into_completion()
    }

    /// The same, taking the accumulator: the joined texts move into it rather than being copied.
    pub fn into_completion(self) -> Value {
        let mut out = Map::new();
        out.insert("id".into(), self.id.unwrap_or(Value::Null));
        out.insert("object".into(), Value::from("chat.completion"));
        out.insert("created".into(), self.created.unwrap_or(Value::Null));
        out.insert("model".into(), self.model.unwrap_or(Value::Null));
        if let Some(fingerprint) = self.system_fingerprint {
            out.insert("system_fingerprint".into(), fingerprint);
        }
        let choices = self.choices.into_iter().map(Choice::into_json).collect();
        out.insert("choices".into(), Value::Array(choices));
        if let Some(usage) = self.usage {
            out.insert("usage".into(), usage);
        }
        Value::Object(out)
    }

    /// The arguments so far of each tool call of the choice with index 0, in the order the
    /// calls started.
    pub fn tool_arguments(&self) -> impl Iterator<Item = &str> {
        let calls = match self.choices.first() {
            Some(choice) if choice.index == 0 => choice.tool_calls.as_slice(),
            _ => &[],
        };
        calls.iter().map(|call| call.arguments.as_str())
    }

    /// Content of the choice with index 0 so far ("" if none).
    pub fn text(&self) -> &str {
        match self.choices.first() {
            Some(choice) if choice.index == 0 => &choice.content,
            _ => "",
        }
    }
}
