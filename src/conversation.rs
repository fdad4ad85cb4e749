//! A chat conversation kept as the OpenAI `messages` array, with the request
//! parameters that go with it, so callers never write request JSON by hand.
//!
//! The messages are stored as the JSON objects that will be sent: exporting
//! them gives back exactly what a later import (or the server) reads.

use crate::error::{Error, Result};
use crate::image;
use serde_json::{json, Map, Value};

/// Who speaks a message. The values are part of the C ABI and never change.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    System = 0,
    Developer = 1,
    User = 2,
    Assistant = 3,
    Tool = 4,
}

impl Role {
    pub fn from_value(value: u32) -> Option<Role> {
        [Role::System, Role::Developer, Role::User, Role::Assistant, Role::Tool]
            .into_iter()
            .find(|role| *role as u32 == value)
    }

    pub fn name(self) -> &'static str {
        match self {
            Role::System => "system",
            Role::Developer => "developer",
            Role::User => "user",
            Role::Assistant => "assistant",
            Role::Tool => "tool",
        }
    }
}

/// One tool call the assistant asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolCall {
    pub id: String,
    pub name: String,
    /// The arguments exactly as the model sent them (usually JSON text).
    pub arguments: String,
}

/// The assistant turn of a completion: what goes back into the history and
/// what callers ask of it.
#[derive(Debug, Clone, PartialEq)]
pub struct AssistantTurn {
    /// `{"role":"assistant","content":…}` plus `tool_calls`, `reasoning_content`
    /// and `refusal` when the server sent them.
    pub message: Map<String, Value>,
    pub tool_calls: Vec<ToolCall>,
    pub finish_reason: Option<String>,
    pub refusal: Option<String>,
}

/// The assistant message fields a follow-up request carries back.
const KEPT_ASSISTANT_FIELDS: [&str; 4] = ["content", "tool_calls", "reasoning_content", "refusal"];

impl AssistantTurn {
    /// The first choice of a `chat.completion`; None when it has no message.
    pub fn from_completion(completion: &Value) -> Option<AssistantTurn> {
        let choice = completion.pointer("/choices/0")?;
        let received = choice.get("message")?.as_object()?;
        let mut message = Map::new();
        message.insert("role".into(), Value::from("assistant"));
        for field in KEPT_ASSISTANT_FIELDS {
            match received.get(field) {
                Some(Value::Null) | None if field != "content" => {}
                value => {
                    message.insert(field.into(), value.cloned().unwrap_or(Value::Null));
                }
            }
        }
        let text = |value: Option<&Value>| value.and_then(Value::as_str).map(str::to_string);
        Some(AssistantTurn {
            tool_calls: tool_calls(received.get("tool_calls")),
            finish_reason: text(choice.get("finish_reason")),
            refusal: text(received.get("refusal")),
            message,
        })
    }
}

impl AssistantTurn {
    /// The assistant turn of a Responses API `response`: its output text and
    /// refusal, and its `function_call` items as tool calls, kept in the chat
    /// shape so a conversation can go on with either API. The finish reason is
    /// the response's `status`.
    pub fn from_response(response: &Value) -> Option<AssistantTurn> {
        let output = response.get("output")?.as_array()?;
        let text = |item: &Value, part_type: &str, field: &str| -> Option<String> {
            let parts = item.get("content")?.as_array()?;
            let texts: Vec<&str> = parts
                .iter()
                .filter(|p| p.get("type").and_then(Value::as_str) == Some(part_type))
                .filter_map(|p| p.get(field).and_then(Value::as_str))
                .collect();
            (!texts.is_empty()).then(|| texts.concat())
        };
        let messages = || output.iter().filter(|i| i.get("type").and_then(Value::as_str) == Some("message"));
        let content: Option<String> = messages().filter_map(|m| text(m, "output_text", "text")).reduce(|a, b| a + &b);
        let refusal = messages().find_map(|m| text(m, "refusal", "refusal"));
        let calls: Vec<Value> = output
            .iter()
            .filter(|i| i.get("type").and_then(Value::as_str) == Some("function_call"))
            .map(|call| json!({ "id": call.get("call_id").cloned().unwrap_or(Value::Null), "type": "function",
                "function": { "name": call.get("name").cloned().unwrap_or(Value::Null),
                              "arguments": call.get("arguments").cloned().unwrap_or(Value::Null) } }))
            .collect();
        let mut message = Map::new();
        message.insert("role".into(), Value::from("assistant"));
        message.insert("content".into(), content.map_or(Value::Null, Value::from));
        if !calls.is_empty() {
            message.insert("tool_calls".into(), Value::Array(calls.clone()));
        }
        if let Some(refusal) = &refusal {
            message.insert("refusal".into(), Value::from(refusal.as_str()));
        }
        Some(AssistantTurn {
            tool_calls: tool_calls(Some(&Value::Array(calls))),
            finish_reason: response.get("status").and_then(Value::as_str).map(str::to_string),
            refusal,
            message,
        })
    }
}

fn tool_calls(calls: Option<&Value>) -> Vec<ToolCall> {
    let Some(calls) = calls.and_then(Value::as_array) else {
        return Vec::new();
    };
    let text = |call: &Value, pointer: &str| {
        call.pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    calls
        .iter()
        .map(|call| ToolCall {
            id: text(call, "/id"),
            name: text(call, "/function/name"),
            arguments: text(call, "/function/arguments"),
        })
        .collect()
}

/// Messages plus request parameters; turns into a chat request body.
#[derive(Debug, Clone, Default)]
pub struct Conversation {
    messages: Vec<Value>,
    /// Every request member but `messages`, `stream` and `stream_options`, in the order set.
    params: Map<String, Value>,
    /// Ask a streamed reply for its usage (`stream_options.include_usage`).
    stream_usage: bool,
    /// Keep `"content": null` on assistant turns that only call tools.
    keep_null_content: bool,
}

impl Conversation {
    pub fn new() -> Conversation {
        Conversation::default()
    }

    /// Import an OpenAI `messages` array (as saved by `messages_json`).
    pub fn from_messages_json(text: &str) -> Result<Conversation> {
        let value: Value =
            serde_json::from_str(text).map_err(|e| Error::invalid_json("messages_json", e))?;
        let Value::Array(messages) = value else {
            return Err(Error::InvalidArgument("messages_json must be a JSON array of messages".into()));
        };
        for (index, message) in messages.iter().enumerate() {
            if !message.get("role").is_some_and(Value::is_string) {
                return Err(Error::InvalidArgument(format!(
                    "message {index} is not an object with a string \"role\""
                )));
            }
        }
        Ok(Conversation { messages, ..Conversation::default() })
    }

    /// The messages as the OpenAI `messages` array.
    pub fn messages_json(&self) -> String {
        Value::Array(self.messages.clone()).to_string()
    }

    pub fn len(&self) -> usize {
        self.messages.len()
    }

    pub fn is_empty(&self) -> bool {
        self.messages.is_empty()
    }

    pub fn has_role(&self, role: Role) -> bool {
        self.messages.iter().any(|m| m.get("role").and_then(Value::as_str) == Some(role.name()))
    }

    /// Append a message with plain text content.
    pub fn add_message(&mut self, role: Role, text: &str) {
        self.messages.push(json!({ "role": role.name(), "content": text }));
    }

    /// Put a system message first, unless the conversation already has one
    /// (a loaded dialogue keeps its own). Returns whether it was added.
    pub fn add_system_if_missing(&mut self, text: &str) -> bool {
        if self.has_role(Role::System) {
            return false;
        }
        self.messages.insert(0, json!({ "role": "system", "content": text }));
        true
    }

    /// Append the result of tool call `tool_call_id`.
    pub fn add_tool_result(&mut self, tool_call_id: &str, content: &str) {
        self.messages.push(json!({ "role": "tool", "tool_call_id": tool_call_id, "content": content }));
    }

    /// Append the assistant turn as received. A tool-call-only turn's null
    /// content becomes "" unless `keep_null_content` is set, because some
    /// servers (llama-cpp-python) refuse a null content.
    pub fn add_assistant_turn(&mut self, turn: &AssistantTurn) {
        let mut message = turn.message.clone();
        if !self.keep_null_content && message.get("content") == Some(&Value::Null) {
            message.insert("content".into(), Value::from(""));
        }
        self.messages.push(Value::Object(message));
    }

    /// Add a text part to the last message (its text content becomes a part list).
    pub fn add_text_part(&mut self, text: &str) -> Result<()> {
        self.add_part(json!({ "type": "text", "text": text }))
    }

    /// Add an image part with a URL (http(s) or data:) to the last message.
    pub fn add_image_url(&mut self, url: &str, detail: Option<&str>) -> Result<()> {
        self.add_part(image::url_part(url, detail)?)
    }

    /// Add a local image file, sent as a data URL, to the last message.
    pub fn add_image_file(&mut self, path: &str, detail: Option<&str>) -> Result<()> {
        self.add_part(image::image_content_part(path, detail)?)
    }

    /// Add an image held in memory, sent as a data URL, to the last message.
    pub fn add_image_bytes(&mut self, bytes: &[u8], detail: Option<&str>) -> Result<()> {
        self.add_part(image::url_part(&image::bytes_data_url(bytes)?, detail)?)
    }

    fn add_part(&mut self, part: Value) -> Result<()> {
        let last = self.messages.last_mut().ok_or_else(|| {
            Error::InvalidArgument("add a message before adding content parts to it".into())
        })?;
        let content = last
            .as_object_mut()
            .expect("messages are objects")
            .entry("content")
            .or_insert(Value::Null);
        let mut parts = match content.take() {
            Value::Array(parts) => parts,
            Value::String(text) if text.is_empty() => Vec::new(),
            Value::String(text) => vec![json!({ "type": "text", "text": text })],
            _ => Vec::new(),
        };
        parts.push(part);
        *content = Value::Array(parts);
        Ok(())
    }

    /// Set any request member from its JSON text (`model`, `tools`, a provider's own field…).
    pub fn set_param_json(&mut self, name: &str, json_text: &str) -> Result<()> {
        let value = serde_json::from_str(json_text).map_err(|e| Error::invalid_json("value_json", e))?;
        self.set_param(name, value)
    }

    /// Set a request member. `messages`, `stream` and `stream_options` are the
    /// conversation's own business and are refused.
    pub fn set_param(&mut self, name: &str, value: Value) -> Result<()> {
        if matches!(name, "messages" | "stream" | "stream_options") {
            return Err(Error::InvalidArgument(format!(
                "{name:?} is set by the conversation itself, not as a parameter"
            )));
        }
        if name == "tools" && !value.is_array() {
            return Err(Error::InvalidArgument("tools must be a JSON array of tool definitions".into()));
        }
        self.params.insert(name.to_string(), value);
        Ok(())
    }

    pub fn set_stream_usage(&mut self, on: bool) {
        self.stream_usage = on;
    }

    pub fn set_keep_null_content(&mut self, on: bool) {
        self.keep_null_content = on;
    }

    /// The Responses API request body: the parameters (`max_tokens` becomes
    /// `max_output_tokens`, chat-style function tools are flattened), then
    /// `input`: the messages as input items, or the text alone when the
    /// conversation is a single plain user message.
    pub fn responses_body(&self, stream: bool) -> Vec<u8> {
        let mut body = Map::new();
        for (name, value) in &self.params {
            match name.as_str() {
                "max_tokens" | "max_completion_tokens" => body.insert("max_output_tokens".into(), value.clone()),
                "tools" => body.insert(name.clone(), responses_tools(value)),
                _ => body.insert(name.clone(), value.clone()),
            };
        }
        body.insert("input".into(), self.input());
        if stream {
            body.insert("stream".into(), Value::Bool(true));
        }
        serde_json::to_vec(&body).expect("a JSON value always serializes")
    }

    fn input(&self) -> Value {
        if let [only] = self.messages.as_slice() {
            if only.get("role").and_then(Value::as_str) == Some("user") {
                if let Some(text) = only.get("content").and_then(Value::as_str) {
                    return Value::from(text);
                }
            }
        }
        Value::Array(self.messages.iter().flat_map(input_items).collect())
    }

    /// The chat request body: parameters, then `messages`, then the stream members.
    pub fn request_body(&self, stream: bool) -> Vec<u8> {
        let mut body = self.params.clone();
        body.insert("messages".into(), Value::Array(self.messages.clone()));
        if stream {
            body.insert("stream".into(), Value::Bool(true));
            if self.stream_usage {
                body.insert("stream_options".into(), json!({ "include_usage": true }));
            }
        }
        serde_json::to_vec(&body).expect("a JSON value always serializes")
    }
}

/// One chat message as Responses input items: a tool result becomes a
/// `function_call_output`, an assistant's tool calls become `function_call`
/// items after its text, and content parts take their Responses names.
fn input_items(message: &Value) -> Vec<Value> {
    let role = message.get("role").and_then(Value::as_str).unwrap_or("user");
    if role == "tool" {
        let field = |name: &str| message.get(name).cloned().unwrap_or(Value::Null);
        return vec![json!({ "type": "function_call_output", "call_id": field("tool_call_id"), "output": field("content") })];
    }
    let mut items = Vec::new();
    match message.get("content") {
        Some(Value::String(text)) if !(text.is_empty() && role == "assistant") => {
            items.push(json!({ "role": role, "content": text }))
        }
        Some(Value::Array(parts)) => {
            let parts: Vec<Value> = parts.iter().map(|part| input_part(part, role)).collect();
            items.push(json!({ "role": role, "content": parts }));
        }
        _ => {}
    }
    let calls = message.get("tool_calls").and_then(Value::as_array).into_iter().flatten();
    items.extend(calls.map(|call| {
        let get = |pointer: &str| call.pointer(pointer).cloned().unwrap_or(Value::Null);
        json!({ "type": "function_call", "call_id": get("/id"), "name": get("/function/name"), "arguments": get("/function/arguments") })
    }));
    items
}

fn input_part(part: &Value, role: &str) -> Value {
    match part.get("type").and_then(Value::as_str) {
        Some("text") => {
            let kind = if role == "assistant" { "output_text" } else { "input_text" };
            json!({ "type": kind, "text": part.get("text").cloned().unwrap_or(Value::Null) })
        }
        Some("image_url") => {
            let mut image = json!({ "type": "input_image", "image_url": part.pointer("/image_url/url").cloned().unwrap_or(Value::Null) });
            if let Some(detail) = part.pointer("/image_url/detail") {
                image["detail"] = detail.clone();
            }
            image
        }
        _ => part.clone(),
    }
}

/// Chat-style `{"type":"function","function":{…}}` tools as the Responses API's flat ones.
fn responses_tools(tools: &Value) -> Value {
    let Some(tools) = tools.as_array() else { return tools.clone() };
    let flat = tools.iter().map(|tool| match tool.get("function").and_then(Value::as_object) {
        Some(function) => {
            let mut flat = function.clone();
            flat.insert("type".into(), Value::from("function"));
            Value::Object(flat)
        }
        None => tool.clone(),
    });
    Value::Array(flat.collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(conversation: &Conversation, stream: bool) -> Value {
        serde_json::from_slice(&conversation.request_body(stream)).unwrap()
    }

    #[test]
    fn builds_a_request_with_params_messages_and_parts() {
        let mut c = Conversation::new();
        c.set_param("model", Value::from("gpt-4o")).unwrap();
        c.set_param_json("temperature", "0.5").unwrap();
        c.add_message(Role::System, "be brief");
        c.add_message(Role::User, "what is this?");
        c.add_image_url("https://example.com/a.png", Some("low")).unwrap();
        let sent = body(&c, false);
        assert_eq!(sent["model"], "gpt-4o");
        assert_eq!(sent["temperature"], 0.5);
        assert!(sent.get("stream").is_none());
        assert_eq!(sent["messages"][0], json!({"role":"system","content":"be brief"}));
        assert_eq!(sent["messages"][1]["content"][0], json!({"type":"text","text":"what is this?"}));
        assert_eq!(sent["messages"][1]["content"][1]["image_url"]["detail"], "low");
        c.set_stream_usage(true);
        let streamed = body(&c, true);
        assert_eq!(streamed["stream"], true);
        assert_eq!(streamed["stream_options"], json!({"include_usage": true}));
    }

    #[test]
    fn the_responses_body_uses_input_items_and_responses_names() {
        let mut c = Conversation::new();
        c.set_param("model", Value::from("m")).unwrap();
        c.set_param("max_tokens", Value::from(50)).unwrap();
        c.add_message(Role::User, "weather?");
        let single: Value = serde_json::from_slice(&c.responses_body(true)).unwrap();
        assert_eq!(single, json!({"model":"m","max_output_tokens":50,"input":"weather?","stream":true}));
        c.set_param_json("tools", r#"[{"type":"function","function":{"name":"get_weather","parameters":{}}}]"#).unwrap();
        let turn = AssistantTurn::from_completion(&json!({"choices":[{"message":{"content":null,
            "tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{}"}}]}}]})).unwrap();
        c.add_assistant_turn(&turn);
        c.add_tool_result("call_1", "22 C");
        c.add_message(Role::User, "and?");
        c.add_image_url("https://x/a.png", Some("low")).unwrap();
        let body: Value = serde_json::from_slice(&c.responses_body(false)).unwrap();
        assert_eq!(body["tools"], json!([{"type":"function","name":"get_weather","parameters":{}}]));
        assert_eq!(body["input"], json!([
            {"role":"user","content":"weather?"},
            {"type":"function_call","call_id":"call_1","name":"get_weather","arguments":"{}"},
            {"type":"function_call_output","call_id":"call_1","output":"22 C"},
            {"role":"user","content":[{"type":"input_text","text":"and?"},{"type":"input_image","image_url":"https://x/a.png","detail":"low"}]}
        ]));
    }

    #[test]
    fn a_responses_reply_becomes_a_chat_shaped_assistant_turn() {
        let response = json!({"status":"completed","output":[
            {"type":"message","content":[{"type":"output_text","text":"Hi"}]},
            {"type":"function_call","call_id":"call_9","name":"f","arguments":"{\"a\":1}"}]});
        let turn = AssistantTurn::from_response(&response).unwrap();
        assert_eq!(turn.tool_calls, vec![ToolCall { id: "call_9".into(), name: "f".into(), arguments: "{\"a\":1}".into() }]);
        assert_eq!(turn.finish_reason.as_deref(), Some("completed"));
        assert_eq!(turn.message["content"], "Hi");
        assert_eq!(turn.message["tool_calls"][0]["function"]["name"], "f");
    }

    #[test]
    fn reserved_and_malformed_params_are_refused() {
        let mut c = Conversation::new();
        assert_eq!(c.set_param("stream", Value::Bool(true)).unwrap_err().status(), crate::error::Status::InvalidArgument);
        assert_eq!(c.set_param_json("tools", "{}").unwrap_err().status(), crate::error::Status::InvalidArgument);
        assert_eq!(c.set_param_json("x", "{").unwrap_err().status(), crate::error::Status::InvalidJson);
        assert_eq!(c.add_text_part("no message yet").unwrap_err().status(), crate::error::Status::InvalidArgument);
    }

    #[test]
    fn assistant_turn_is_kept_as_received_with_null_content_made_empty() {
        let completion = json!({"choices":[{"finish_reason":"tool_calls","message":{
            "role":"assistant","content":null,"reasoning_content":"think","annotations":[],
            "tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]}}]});
        let turn = AssistantTurn::from_completion(&completion).unwrap();
        assert_eq!(turn.finish_reason.as_deref(), Some("tool_calls"));
        assert_eq!(turn.tool_calls, vec![ToolCall {
            id: "call_1".into(),
            name: "get_weather".into(),
            arguments: r#"{"city":"Paris"}"#.into(),
        }]);
        let mut c = Conversation::new();
        c.add_assistant_turn(&turn);
        c.set_keep_null_content(true);
        c.add_assistant_turn(&turn);
        let messages: Value = serde_json::from_str(&c.messages_json()).unwrap();
        assert_eq!(messages[0]["content"], "");
        assert_eq!(messages[0]["reasoning_content"], "think");
        assert!(messages[0].get("annotations").is_none());
        assert!(messages[0].get("refusal").is_none());
        assert_eq!(messages[1]["content"], Value::Null);
        assert_eq!(messages[1]["tool_calls"], completion["choices"][0]["message"]["tool_calls"]);
    }

    #[test]
    fn messages_round_trip_and_bad_imports_are_refused() {
        let mut c = Conversation::new();
        c.add_message(Role::User, "hi");
        c.add_tool_result("call_1", "22 C");
        let saved = c.messages_json();
        let loaded = Conversation::from_messages_json(&saved).unwrap();
        assert_eq!(loaded.messages_json(), saved);
        assert!(loaded.has_role(Role::Tool) && !loaded.has_role(Role::System));
        let mut with_system = loaded.clone();
        assert!(with_system.add_system_if_missing("first"));
        assert!(!with_system.add_system_if_missing("second"));
        let messages: Value = serde_json::from_str(&with_system.messages_json()).unwrap();
        assert_eq!(messages[0]["content"], "first");
        assert_eq!(messages.as_array().unwrap().len(), 3);
        assert_eq!(Conversation::from_messages_json("{}").unwrap_err().status(), crate::error::Status::InvalidArgument);
        assert_eq!(Conversation::from_messages_json("[1]").unwrap_err().status(), crate::error::Status::InvalidArgument);
        assert_eq!(Conversation::from_messages_json("[").unwrap_err().status(), crate::error::Status::InvalidJson);
    }
}
