//! Building a Responses API `response` object from its stream events.
//!
//! Each event's JSON carries its `type` (`response.output_text.delta`, …); the
//! SSE event name is used only when the JSON has none. The accumulator keeps:
//! - the response shell from `response.created` / `response.in_progress`;
//! - output items by `output_index`, from `response.output_item.added` and
//!   `.done`, with text deltas (`response.output_text.delta`, `.refusal.delta`,
//!   `.reasoning_summary_text.delta`) and function-call argument deltas joined
//!   into them as they arrive.
//!
//! A terminal event (`response.completed`, `.failed`, `.incomplete`) that
//! carries the full `response` replaces everything accumulated: the server's
//! own object is the source of truth. `error` events and `response.failed` end
//! the stream as a failure; `response.incomplete` ends it as a success with a
//! reason. Other events (`keepalive`, unknown types) change nothing.

use super::chunk_view::{DeltaEventView, Field, Loose};
use super::parse_chunk;
use crate::error::{ApiError, Error, Result};
use serde::Deserialize;
use serde_json::{json, Map, Value};

/// How a Responses stream ended, as far as the events say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ending {
    /// No terminal event yet.
    Open,
    Completed,
    /// Completed with `incomplete_details.reason` (e.g. "max_output_tokens").
    Incomplete(String),
}

#[derive(Debug, Default)]
pub struct ResponsesAccumulator {
    shell: Map<String, Value>,
    /// Output items in `output_index` order (gaps are filled when items arrive).
    output: Vec<Value>,
    /// The terminal event's own response object.
    last_word: Option<Value>,
    ending: Option<Ending>,
    events: usize,
}

impl ResponsesAccumulator {
    pub fn new() -> ResponsesAccumulator {
        ResponsesAccumulator::default()
    }

    /// Events taken so far (keepalives and unknown events included).
    pub fn event_count(&self) -> usize {
        self.events
    }

    pub fn ending(&self) -> Ending {
        self.ending.clone().unwrap_or(Ending::Open)
    }

    /// Take one event. `name` is the SSE event name, if any. A `response.failed`
    /// or `error` event is returned as `Error::StreamError` after what it says
    /// has been kept.
    pub fn push(&mut self, name: Option<&str>, event: &Value) -> Result<()> {
        self.events += 1;
        let kind = event.get("type").and_then(Value::as_str).or(name).unwrap_or("");
        match kind {
            "response.created" | "response.in_progress" | "response.queued" => self.take_shell(event),
            "response.output_item.added" | "response.output_item.done" => self.take_item(event),
            kind if Delta::of(kind).is_some() => {
                // Reading a `Value` cannot fail: every view reads every kind of value.
                let view = Loose::<DeltaEventView>::deserialize(event).map_or(None, |Loose(view)| view);
                self.append_delta(Delta::of(kind), view.unwrap_or_default());
            }
            "response.completed" => self.end(event, Ending::Completed),
            "response.incomplete" => {
                let reason = event
                    .pointer("/response/incomplete_details/reason")
                    .and_then(Value::as_str)
                    .unwrap_or("unknown");
                self.end(event, Ending::Incomplete(reason.to_string()))
            }
            "response.failed" => {
                self.end(event, Ending::Open);
                return Err(Error::StreamError(failure(event.pointer("/response/error"), event)));
            }
            "error" => return Err(Error::StreamError(failure(Some(event), event))),
            _ => {}
        }
        Ok(())
    }

    /// Parse one event's JSON text and take it: the same as `push(name, &parse_chunk(data)?)`,
    /// but a text delta (most of a stream) is read in one pass into a borrowed view, without
    /// a `Value` tree. An untyped, unnamed event with an `error` member (LiteLLM's failed
    /// stream) fails the call.
    pub fn push_text(&mut self, name: Option<&str>, data: &str) -> Result<()> {
        if let Ok(Loose(Some(view))) = serde_json::from_str::<Loose<DeltaEventView>>(data) {
            if let Some(delta) = view.kind.as_deref().or(name).and_then(Delta::of) {
                self.events += 1;
                self.append_delta(Some(delta), view);
                return Ok(());
            }
        }
        let event = parse_chunk(data)?;
        if event.get("type").is_none() && name.is_none() {
            if let Some(api) = ApiError::from_error_member(&event) {
                return Err(Error::StreamError(ApiError { http_status: 200, ..api }));
            }
        }
        self.push(name, &event)
    }

    fn append_delta(&mut self, delta: Option<Delta>, event: DeltaEventView<'_>) {
        match delta {
            Some(Delta::OutputText) => self.append_to_part(event, "output_text", "text"),
            Some(Delta::Refusal) => self.append_to_part(event, "refusal", "refusal"),
            Some(Delta::FunctionArguments) => self.append_to_item(event, "arguments"),
            Some(Delta::ReasoningSummary) => self.append_to_summary(event),
            None => {}
        }
    }

    /// The response object: the terminal event's own, else the one built from the events.
    pub fn response(&self) -> Value {
        if let Some(response) = &self.last_word {
            return response.clone();
        }
        let mut response = self.shell.clone();
        response.entry("object").or_insert_with(|| Value::from("response"));
        response.insert("output".into(), Value::Array(self.output.iter().filter(|item| !item.is_null()).cloned().collect()));
        Value::Object(response)
    }

    fn take_shell(&mut self, event: &Value) {
        if let Some(Value::Object(response)) = event.get("response") {
            for (key, value) in response {
                if key != "output" {
                    self.shell.insert(key.clone(), value.clone());
                }
            }
        }
    }

    fn take_item(&mut self, event: &Value) {
        if let (Some(index), Some(item)) = (output_index(event), event.get("item")) {
            *self.slot(index) = item.clone();
        }
    }

    fn slot(&mut self, index: usize) -> &mut Value {
        if self.output.len() <= index {
            self.output.resize(index + 1, Value::Null);
        }
        &mut self.output[index]
    }

    /// The item at the event's `output_index`, created with `kind` if it is not there yet.
    fn item(&mut self, event: &mut DeltaEventView<'_>, kind: &str) -> Option<&mut Map<String, Value>> {
        let index = event.output_index? as usize;
        let slot = self.slot(index);
        if slot.is_null() {
            let id = event.item_id.take().map_or(Value::Null, Field::into_value);
            *slot = json!({ "type": kind, "id": id });
        }
        slot.as_object_mut()
    }

    fn append_to_part(&mut self, mut event: DeltaEventView<'_>, part_type: &str, field: &str) {
        let Some(delta) = event.delta.take() else { return };
        let part = event.content_index.unwrap_or(0) as usize;
        let Some(item) = self.item(&mut event, "message") else { return };
        let content = array_member(item, "content");
        if content.len() <= part {
            content.resize(part + 1, Value::Null);
        }
        if content[part].is_null() {
            content[part] = json!({ "type": part_type, field: "" });
        }
        append_text(&mut content[part], field, &delta);
    }

    fn append_to_item(&mut self, mut event: DeltaEventView<'_>, field: &str) {
        let Some(delta) = event.delta.take() else { return };
        if let Some(item) = self.item(&mut event, "function_call") {
            let text = item.entry(field).or_insert_with(|| Value::from(""));
            if let Value::String(text) = text {
                text.push_str(&delta);
            }
        }
    }

    fn append_to_summary(&mut self, mut event: DeltaEventView<'_>) {
        let Some(delta) = event.delta.take() else { return };
        let part = event.summary_index.unwrap_or(0) as usize;
        let Some(item) = self.item(&mut event, "reasoning") else { return };
        let summary = array_member(item, "summary");
        if summary.len() <= part {
            summary.resize(part + 1, json!({ "type": "summary_text", "text": "" }));
        }
        append_text(&mut summary[part], "text", &delta);
    }

    fn end(&mut self, event: &Value, ending: Ending) {
        if let Some(response) = event.get("response").filter(|r| r.is_object()) {
            self.take_shell(event);
            let mut response = response.clone();
            if response.get("output").map_or(true, |o| o.as_array().is_some_and(Vec::is_empty)) {
                // A terminal event without output still ends a stream whose items arrived.
                response["output"] = self.response()["output"].take();
            }
            self.last_word = Some(response);
        }
        self.ending = Some(ending);
    }
}

fn output_index(event: &Value) -> Option<usize> {
    event.get("output_index").and_then(Value::as_u64).map(|i| i as usize)
}

/// The event types whose deltas are joined into the output.
#[derive(Clone, Copy)]
enum Delta {
    OutputText,
    Refusal,
    FunctionArguments,
    ReasoningSummary,
}

impl Delta {
    fn of(kind: &str) -> Option<Delta> {
        match kind {
            "response.output_text.delta" => Some(Delta::OutputText),
            "response.refusal.delta" => Some(Delta::Refusal),
            "response.function_call_arguments.delta" => Some(Delta::FunctionArguments),
            "response.reasoning_summary_text.delta" => Some(Delta::ReasoningSummary),
            _ => None,
        }
    }
}

fn array_member<'a>(item: &'a mut Map<String, Value>, name: &str) -> &'a mut Vec<Value> {
    let member = item.entry(name).or_insert_with(|| Value::Array(Vec::new()));
    if !member.is_array() {
        *member = Value::Array(Vec::new());
    }
    member.as_array_mut().expect("just made an array")
}

fn append_text(part: &mut Value, field: &str, delta: &str) {
    if let Some(Value::String(text)) = part.get_mut(field) {
        text.push_str(delta);
    } else {
        part[field] = Value::from(delta);
    }
}

/// The server's failure: an error object (`code`, `message`) or the whole event.
fn failure(error: Option<&Value>, event: &Value) -> ApiError {
    let mut api = error
        .and_then(|e| ApiError::from_value(e).or_else(|| ApiError::from_value(&json!({ "error": e }))))
        .or_else(|| ApiError::from_value(event))
        .unwrap_or_else(|| ApiError { message: event.to_string(), ..ApiError::default() });
    api.http_status = 200;
    api
}

/// The output text of a response: every `output_text` part of its message items, joined.
pub fn response_text(response: &Value) -> Option<String> {
    let parts = response.get("output")?.as_array()?.iter()
        .filter(|item| item.get("type").and_then(Value::as_str) == Some("message"))
        .filter_map(|item| item.get("content").and_then(Value::as_array))
        .flatten()
        .filter(|part| part.get("type").and_then(Value::as_str) == Some("output_text"))
        .filter_map(|part| part.get("text").and_then(Value::as_str));
    let texts: Vec<&str> = parts.collect();
    (!texts.is_empty()).then(|| texts.concat())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Takes the events as parsed values and as text (`push_text`); both must agree.
    fn run(events: &[(&str, Value)]) -> (ResponsesAccumulator, Option<Error>) {
        let by_value = run_with(events, |acc, name, event| acc.push(Some(name), event));
        let by_text = run_with(events, |acc, name, event| acc.push_text(Some(name), &event.to_string()));
        assert_eq!(by_text.0.response(), by_value.0.response(), "push_text and push disagree");
        assert_eq!(by_text.0.event_count(), by_value.0.event_count());
        assert_eq!(format!("{:?}", by_text.1), format!("{:?}", by_value.1));
        by_value
    }

    fn run_with(
        events: &[(&str, Value)],
        push: impl Fn(&mut ResponsesAccumulator, &str, &Value) -> Result<()>,
    ) -> (ResponsesAccumulator, Option<Error>) {
        let mut acc = ResponsesAccumulator::new();
        for (name, event) in events {
            if let Err(error) = push(&mut acc, name, event) {
                return (acc, Some(error));
            }
        }
        (acc, None)
    }

    #[test]
    fn deltas_read_from_text_as_from_values() {
        let delta = "response.output_text.delta";
        run(&[
            (delta, json!({"type": delta, "output_index": 0, "item_id": {"odd": [1]}, "delta": "a"})),
            (delta, json!({"type": delta, "output_index": 0, "content_index": 2, "delta": "b\u{e9}"})),
            (delta, json!({"type": 5, "output_index": 1.0, "delta": "ignored: a float index"})),
            (delta, json!({"output_index": 0, "delta": ["not text"]})),
            (delta, json!([1, 2])),
            ("response.refusal.delta", json!({"output_index": 3, "item_id": "r", "delta": "no"})),
            ("response.reasoning_summary_text.delta", json!({"output_index": 4, "summary_index": 1, "delta": "why"})),
            ("named", json!({"type": "response.function_call_arguments.delta", "output_index": 5, "delta": "{}"})),
        ]);
        let mut acc = ResponsesAccumulator::new();
        let repeated = r#"{"type":"response.output_text.delta","output_index":0,"delta":"first","delta":"last"}"#;
        acc.push_text(None, repeated).unwrap();
        assert_eq!(response_text(&acc.response()).as_deref(), Some("last"), "the last repeated key wins");
        let bad = acc.push_text(None, r#"{"type":"response.output_text.delta","delta":1e400}"#).unwrap_err();
        assert_eq!(bad.status(), crate::error::Status::StreamProtocol);
        let litellm = acc.push_text(None, r#"{"error":{"message":"quota"}}"#).unwrap_err();
        assert_eq!(litellm.api_error().map(|api| (api.http_status, api.message.as_str())), Some((200, "quota")));
    }

    #[test]
    fn text_and_function_call_deltas_build_the_output() {
        let (acc, error) = run(&[
            ("response.created", json!({"type":"response.created","response":{"id":"resp_1","status":"in_progress","output":[]}})),
            ("keepalive", json!({"type":"keepalive"})),
            ("response.output_text.delta", json!({"type":"response.output_text.delta","output_index":0,"content_index":0,"item_id":"msg_1","delta":"Hel"})),
            ("response.output_text.delta", json!({"type":"response.output_text.delta","output_index":0,"content_index":0,"delta":"lo"})),
            ("x.unknown", json!({"type":"x.unknown"})),
            ("response.output_item.added", json!({"type":"response.output_item.added","output_index":1,"item":{"type":"function_call","call_id":"call_1","name":"get_weather","arguments":""}})),
            ("response.function_call_arguments.delta", json!({"type":"response.function_call_arguments.delta","output_index":1,"delta":"{\"city\":"})),
            ("response.function_call_arguments.delta", json!({"output_index":1,"delta":"\"Paris\"}"})),
        ]);
        assert!(error.is_none());
        let response = acc.response();
        assert_eq!(response["id"], "resp_1");
        assert_eq!(response_text(&response).as_deref(), Some("Hello"));
        assert_eq!(response["output"][1]["arguments"], "{\"city\":\"Paris\"}");
        assert_eq!(acc.ending(), Ending::Open);
        assert_eq!(acc.event_count(), 8);
    }

    #[test]
    fn the_terminal_response_is_the_source_of_truth() {
        let (acc, _) = run(&[
            ("response.output_text.delta", json!({"type":"response.output_text.delta","output_index":0,"delta":"partial"})),
            ("response.completed", json!({"type":"response.completed","response":{"id":"r","status":"completed",
                "output":[{"type":"message","content":[{"type":"output_text","text":"final"}]}],"usage":{"total_tokens":3}}})),
        ]);
        assert_eq!(acc.ending(), Ending::Completed);
        assert_eq!(response_text(&acc.response()).as_deref(), Some("final"));
        assert_eq!(acc.response()["usage"]["total_tokens"], 3);
    }

    #[test]
    fn failed_error_and_incomplete_endings() {
        let (acc, error) = run(&[
            ("response.output_text.delta", json!({"type":"response.output_text.delta","output_index":0,"delta":"kept"})),
            ("response.failed", json!({"type":"response.failed","response":{"status":"failed","error":{"code":"server_error","message":"boom"}}})),
        ]);
        let Some(Error::StreamError(api)) = error else { panic!("{error:?}") };
        assert_eq!((api.message.as_str(), api.code.as_deref()), ("boom", Some("server_error")));
        assert_eq!(response_text(&acc.response()).as_deref(), Some("kept"));

        let (_, error) = run(&[("error", json!({"type":"error","code":"rate_limited","message":"slow down"}))]);
        let Some(Error::StreamError(api)) = error else { panic!("{error:?}") };
        assert_eq!((api.message.as_str(), api.code.as_deref()), ("slow down", Some("rate_limited")));

        let (acc, error) = run(&[("response.incomplete", json!({"type":"response.incomplete",
            "response":{"status":"incomplete","incomplete_details":{"reason":"max_output_tokens"}}}))]);
        assert!(error.is_none());
        assert_eq!(acc.ending(), Ending::Incomplete("max_output_tokens".into()));
    }

    #[test]
    fn an_unnamed_event_is_read_by_its_type_and_litellm_style_errors_fail() {
        let mut acc = ResponsesAccumulator::new();
        acc.push(None, &json!({"type":"response.output_text.delta","output_index":0,"delta":"a"})).unwrap();
        assert_eq!(response_text(&acc.response()).as_deref(), Some("a"));
        let error = acc.push(None, &json!({"error":{"message":"mock failed","type":"internal_server_error","code":"500"}}));
        // No type and no name: nothing this accumulator knows; the transport reads `error` members.
        assert!(error.is_ok());
    }
}
