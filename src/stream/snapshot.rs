//! Live snapshots of a chat stream's structured output: the first choice's content and each
//! of its tool calls' arguments so far, as valid JSON ([`PartialJson`]), kept up to date
//! from the [`Accumulator`] after every chunk. Only the bytes added since the last chunk
//! are scanned, so a chunk costs time in proportion to its own delta.

use super::{Accumulator, PartialJson};

/// One growing text and the scanner that has seen its first `fed` bytes.
#[derive(Debug, Default)]
struct Fed {
    json: PartialJson,
    fed: usize,
}

impl Fed {
    /// Scan what `text` (the whole text so far, which only ever grows) added.
    fn catch_up(&mut self, text: &str) {
        if let Some(added) = text.get(self.fed..).filter(|added| !added.is_empty()) {
            self.json.push(added);
            self.fed = text.len();
        }
    }
}

/// The snapshots of one chat stream.
#[derive(Debug, Default)]
pub struct LiveSnapshots {
    content: Fed,
    /// In the order the calls started.
    tool_arguments: Vec<Fed>,
}

impl LiveSnapshots {
    pub fn new() -> LiveSnapshots {
        LiveSnapshots::default()
    }

    /// Take in what the accumulator gained since the last update.
    pub fn update(&mut self, accumulator: &Accumulator) {
        self.content.catch_up(accumulator.text());
        for (place, arguments) in accumulator.tool_arguments().enumerate() {
            if place == self.tool_arguments.len() {
                self.tool_arguments.push(Fed::default());
            }
            self.tool_arguments[place].catch_up(arguments);
        }
    }

    /// The content so far as valid JSON; None until a JSON value has begun.
    pub fn content(&self) -> Option<String> {
        self.content.json.snapshot()
    }

    /// How many tool calls have started.
    pub fn tool_call_count(&self) -> usize {
        self.tool_arguments.len()
    }

    /// Tool call `place`'s arguments so far as valid JSON; None when there is no such call
    /// or no JSON value has begun.
    pub fn tool_arguments(&self, place: usize) -> Option<String> {
        self.tool_arguments.get(place)?.json.snapshot()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn content_and_tool_arguments_grow_chunk_by_chunk() {
        let mut accumulator = Accumulator::new();
        let mut live = LiveSnapshots::new();
        let delta = |delta: serde_json::Value| json!({"choices": [{"index": 0, "delta": delta}]});
        accumulator.push(&delta(json!({"content": "{\"name\":\"Ad"}))).unwrap();
        live.update(&accumulator);
        assert_eq!(live.content().as_deref(), Some(r#"{"name":"Ad"}"#));
        assert_eq!((live.tool_call_count(), live.tool_arguments(0)), (0, None));
        let call = json!({"tool_calls": [{"index": 0, "id": "a", "function": {"name": "f", "arguments": "{\"x\":[1,"}}]});
        accumulator.push(&delta(call)).unwrap();
        accumulator.push(&delta(json!({"content": "a\"}"}))).unwrap();
        live.update(&accumulator);
        assert_eq!(live.content().as_deref(), Some(r#"{"name":"Ada"}"#));
        assert_eq!(live.tool_arguments(0).as_deref(), Some(r#"{"x":[1]}"#));
        let second = json!({"tool_calls": [{"index": 0, "id": "b", "function": {"name": "g", "arguments": "{\"y\""}}]});
        accumulator.push(&delta(second)).unwrap();
        live.update(&accumulator);
        assert_eq!(live.tool_call_count(), 2, "a new id at index 0 is a new call");
        assert_eq!(live.tool_arguments(1).as_deref(), Some("{}"), "a dangling key is dropped");
    }

    #[test]
    fn content_that_is_not_json_has_no_snapshot() {
        let mut accumulator = Accumulator::new();
        let mut live = LiveSnapshots::new();
        accumulator.push(&json!({"choices": [{"delta": {"content": "Hello there"}}]})).unwrap();
        live.update(&accumulator);
        assert_eq!(live.content(), None);
    }
}
