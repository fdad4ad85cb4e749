//! Server-sent events (WHATWG `text/event-stream`) decoding.
//!
//! Follows the HTML standard's event-stream interpretation, with the
//! tolerances chat-completion servers need:
//!
//! - `data: [DONE]` (value compared after trimming ASCII whitespace) ends the
//!   stream as soon as its line ends, without waiting for the blank line. Data
//!   already pending from earlier lines of the same event is dispatched first.
//!   Everything after it is ignored, even bytes that are not UTF-8.
//! - An `error` field (llama.cpp) is reported at once as [`StreamEvent::Error`]
//!   with the field's value; it does not touch the pending event.
//! - An event of type `error` is reported as [`StreamEvent::Error`] with its data;
//!   one of any other type but `message` as [`StreamEvent::Named`].
//! - End of stream: the standard drops an event that no blank line completed.
//!   Many servers end with `data: {...}\n` and close, so if the body ended on a
//!   line terminator, a pending event with data is dispatched anyway. If the
//!   body ended in the middle of a line, it was cut short: that line and the
//!   event it belongs to are dropped, except that a final unterminated
//!   `data: [DONE]` still ends the stream normally.
//!
//! UTF-8 policy: the standard decodes with replacement characters; chat
//! payloads are JSON, where a replacement character would silently corrupt
//! text, so every line up to `[DONE]` (comments and unknown fields included)
//! must be valid UTF-8, else [`Error::StreamProtocol`] ("invalid UTF-8 in
//! stream at byte N"). Characters split across feeds are reassembled first.
//! A BOM is not handled here: [`super::Decoder`] strips it before this decoder
//! sees the stream (a BOM anywhere else is just part of a line).
//!
//! `max_event_bytes` bounds every line and the joined data of one event.

use super::lines::{too_large, LineSplitter};
use super::StreamEvent;
use crate::error::Error;

/// Incremental SSE decoder. Usually reached through [`super::Decoder`].
#[derive(Debug)]
pub struct SseDecoder {
    lines: LineSplitter,
    state: State,
}

#[derive(Debug)]
struct State {
    /// Data lines of the pending event, joined with '\n'.
    data: String,
    /// At least one `data` field was seen (the data may still be empty).
    has_data: bool,
    event_type: String,
    last_event_id: String,
    retry: Option<u64>,
    max_event_bytes: usize,
    done: bool,
}

fn is_done_marker(value: &str) -> bool {
    value.trim_ascii() == "[DONE]"
}

/// Splits a non-empty, non-comment line into field name and value: the value
/// follows the first ':' with one leading space removed; no colon means the
/// whole line is the name and the value is empty.
fn split_field(line: &str) -> (&str, &str) {
    match line.find(':') {
        Some(colon) => {
            let value = &line[colon + 1..];
            (&line[..colon], value.strip_prefix(' ').unwrap_or(value))
        }
        None => (line, ""),
    }
}

impl State {
    /// Processes one complete line; `Ok(false)` once the stream is done.
    fn line(&mut self, line: &str, out: &mut Vec<StreamEvent>) -> Result<bool, Error> {
        if line.is_empty() {
            self.dispatch(out);
            return Ok(!self.done);
        }
        if line.as_bytes()[0] == b':' {
            return Ok(true);
        }
        let (name, value) = split_field(line);
        match name {
            "data" => {
                if is_done_marker(value) {
                    self.finish_with_done(out);
                    return Ok(false);
                }
                let sep = usize::from(self.has_data);
                if self.data.len() + sep + value.len() > self.max_event_bytes {
                    return Err(too_large(self.max_event_bytes));
                }
                if self.has_data {
                    self.data.push('\n');
                }
                self.data.push_str(value);
                self.has_data = true;
            }
            "event" => {
                self.event_type.clear();
                self.event_type.push_str(value);
            }
            // An id containing NUL is ignored, per the standard.
            "id" if !value.contains('\0') => {
                self.last_event_id.clear();
                self.last_event_id.push_str(value);
            }
            // Only ASCII digits count; a value too large for u64 is ignored too.
            "retry" if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                if let Ok(ms) = value.parse() {
                    self.retry = Some(ms);
                }
            }
            "error" => out.push(StreamEvent::Error(value.to_owned())),
            // Unknown fields, and ignored `id`/`retry` values.
            _ => {}
        }
        Ok(true)
    }

    /// Dispatches the pending event, if it has data, and resets it.
    fn dispatch(&mut self, out: &mut Vec<StreamEvent>) {
        if self.has_data {
            // One exact-size allocation; `data` keeps its capacity for the next event.
            let payload = self.data.as_str().to_owned();
            if self.event_type == "error" {
                out.push(StreamEvent::Error(payload));
            } else if is_done_marker(&payload) {
                out.push(StreamEvent::Done);
                self.done = true;
            } else if self.event_type.is_empty() || self.event_type == "message" {
                out.push(StreamEvent::Data(payload));
            } else {
                let name = self.event_type.clone();
                out.push(StreamEvent::Named { name, data: payload });
            }
        }
        self.data.clear();
        self.has_data = false;
        self.event_type.clear();
    }

    fn finish_with_done(&mut self, out: &mut Vec<StreamEvent>) {
        self.dispatch(out);
        if !self.done {
            out.push(StreamEvent::Done);
            self.done = true;
        }
    }

    fn discard_pending(&mut self) {
        self.data.clear();
        self.has_data = false;
        self.event_type.clear();
    }
}

impl SseDecoder {
    /// A decoder whose lines and events may not exceed `max_event_bytes`.
    pub fn new(max_event_bytes: usize) -> SseDecoder {
        SseDecoder::with_offset(max_event_bytes, 0)
    }

    /// `base_offset`: stream offset of the first byte this decoder will see
    /// (bytes skipped before it, such as a BOM), used in error messages.
    pub fn with_offset(max_event_bytes: usize, base_offset: u64) -> SseDecoder {
        SseDecoder {
            lines: LineSplitter::new(max_event_bytes, base_offset),
            state: State {
                data: String::new(),
                has_data: false,
                event_type: String::new(),
                last_event_id: String::new(),
                retry: None,
                max_event_bytes,
                done: false,
            },
        }
    }

    /// Decodes the next piece of the body; complete events are appended to `out`
    /// (also those decoded before an error is returned).
    pub fn feed(&mut self, bytes: &[u8], out: &mut Vec<StreamEvent>) -> Result<(), Error> {
        if self.state.done {
            return Ok(());
        }
        let state = &mut self.state;
        self.lines.feed(bytes, |line| state.line(line, out))
    }

    /// End of body; see the module docs for what is flushed.
    pub fn finish(&mut self, out: &mut Vec<StreamEvent>) -> Result<(), Error> {
        if self.state.done {
            return Ok(());
        }
        match self.lines.take_partial()? {
            // The body ended on a line terminator: flush the pending event
            // (a deliberate departure from the standard, see the module docs).
            None => self.state.dispatch(out),
            Some(partial) => {
                let (name, value) = if partial.starts_with(':') {
                    ("", "")
                } else {
                    split_field(&partial)
                };
                if name == "data" && is_done_marker(value) {
                    self.state.finish_with_done(out);
                } else {
                    // Cut mid-line: the last event is incomplete.
                    self.state.discard_pending();
                }
            }
        }
        Ok(())
    }

    /// True once `[DONE]` was emitted.
    pub fn is_done(&self) -> bool {
        self.state.done
    }

    /// The last `id` field seen (the standard's last event ID), "" if none.
    pub fn last_event_id(&self) -> &str {
        &self.state.last_event_id
    }

    /// The last valid `retry` field, in milliseconds.
    pub fn retry(&self) -> Option<u64> {
        self.state.retry
    }
}
