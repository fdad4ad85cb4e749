//! JSON-lines decoding (the WebraftAI streaming format): one bare JSON object
//! per line, possibly with blank lines in between.
//!
//! Tolerances: CR, LF and CRLF all end lines; surrounding ASCII whitespace is
//! trimmed; blank lines and `:` comment lines (SSE pings from a mislabelled
//! server) are skipped; a `data:` prefix is stripped; a `[DONE]` line (also
//! `data: [DONE]`) ends the stream and everything after it is ignored. The
//! last line is dispatched at end of stream even without a terminator. Lines
//! are not parsed here: each becomes [`StreamEvent::Data`] with the trimmed text.
//!
//! A value may also span several lines, as a server that ignores `"stream": true`
//! and answers with one pretty-printed JSON body does. Each line is first checked
//! as one whole JSON value; only when the check runs out of input does the line
//! start a value that the following lines join with '\n'. From then on brackets
//! are counted outside strings, and the value ends at the first line that closes
//! them all and completes it (so a long value costs time linear in its size).
//!
//! UTF-8 policy as for SSE: every line up to `[DONE]` must be valid UTF-8, else
//! [`Error::StreamProtocol`]. `max_event_bytes` bounds each line and each
//! multi-line value.

use super::lines::{too_large, LineSplitter};
use super::StreamEvent;
use crate::error::Error;
use serde::de::IgnoredAny;

/// Incremental JSON-lines decoder. Usually reached through [`super::Decoder`].
#[derive(Debug)]
pub struct JsonLinesDecoder {
    lines: LineSplitter,
    value: OpenValue,
    done: bool,
}

/// A JSON value whose lines have not all arrived yet.
#[derive(Debug)]
struct OpenValue {
    text: String,
    depth: usize,
    in_string: bool,
    escaped: bool,
    max_bytes: usize,
}

impl OpenValue {
    fn is_open(&self) -> bool {
        !self.text.is_empty()
    }

    /// Add a line of the value (the first or a following one); returns whether the value is
    /// complete: every bracket opened so far is closed and the text no longer runs out.
    fn push_line(&mut self, line: &str) -> Result<bool, Error> {
        if self.is_open() {
            self.text.push('\n');
        }
        if self.text.len() + line.len() > self.max_bytes {
            return Err(too_large(self.max_bytes));
        }
        self.text.push_str(line);
        self.count_brackets(line);
        Ok(self.depth == 0 && !self.in_string && !runs_out(&self.text))
    }

    fn count_brackets(&mut self, line: &str) {
        for byte in line.bytes() {
            match (self.in_string, self.escaped, byte) {
                (true, true, _) => self.escaped = false,
                (true, false, b'\\') => self.escaped = true,
                (true, false, b'"') => self.in_string = false,
                (true, false, _) => {}
                (false, _, b'"') => self.in_string = true,
                (false, _, b'{' | b'[') => self.depth += 1,
                // A stray closer ends the value; parsing will report it.
                (false, _, b'}' | b']') => self.depth = self.depth.saturating_sub(1),
                (false, _, _) => {}
            }
        }
    }

    fn take(&mut self) -> String {
        self.depth = 0;
        self.in_string = false;
        self.escaped = false;
        std::mem::take(&mut self.text)
    }
}

/// Whether `text` is the start of a JSON value that more input could complete: the parser
/// ran out of input. A whole value, or text that is wrong before its end, is not.
fn runs_out(text: &str) -> bool {
    matches!(serde_json::from_str::<IgnoredAny>(text), Err(e) if e.is_eof())
}

/// Processes one line; returns false once the stream is done.
fn line(
    raw: &str,
    value: &mut OpenValue,
    done: &mut bool,
    out: &mut Vec<StreamEvent>,
) -> Result<bool, Error> {
    if value.is_open() {
        if value.push_line(raw)? {
            out.push(StreamEvent::Data(value.take()));
        }
        return Ok(true);
    }
    let mut text = raw.trim_ascii();
    if let Some(rest) = text.strip_prefix("data:") {
        text = rest.trim_ascii();
    }
    if text.is_empty() || text.starts_with(':') {
        return Ok(true);
    }
    if text == "[DONE]" {
        out.push(StreamEvent::Done);
        *done = true;
        return Ok(false);
    }
    if text.len() > value.max_bytes {
        return Err(too_large(value.max_bytes));
    }
    if runs_out(text) {
        value.push_line(text)?;
    } else {
        out.push(StreamEvent::Data(text.to_owned()));
    }
    Ok(true)
}

impl JsonLinesDecoder {
    /// A decoder whose lines may not exceed `max_event_bytes`.
    pub fn new(max_event_bytes: usize) -> JsonLinesDecoder {
        JsonLinesDecoder::with_offset(max_event_bytes, 0)
    }

    /// `base_offset`: stream offset of the first byte this decoder will see, for messages.
    pub fn with_offset(max_event_bytes: usize, base_offset: u64) -> JsonLinesDecoder {
        JsonLinesDecoder {
            lines: LineSplitter::new(max_event_bytes, base_offset),
            value: OpenValue {
                text: String::new(),
                depth: 0,
                in_string: false,
                escaped: false,
                max_bytes: max_event_bytes,
            },
            done: false,
        }
    }

    /// Decodes the next piece of the body; complete lines are appended to `out`.
    pub fn feed(&mut self, bytes: &[u8], out: &mut Vec<StreamEvent>) -> Result<(), Error> {
        if self.done {
            return Ok(());
        }
        let (value, done) = (&mut self.value, &mut self.done);
        self.lines.feed(bytes, |text| line(text, value, done, out))
    }

    /// End of body: an unterminated last line is dispatched if it is not blank,
    /// and so is a value still open (parsing it will then report the truncation).
    pub fn finish(&mut self, out: &mut Vec<StreamEvent>) -> Result<(), Error> {
        if self.done {
            return Ok(());
        }
        if let Some(partial) = self.lines.take_partial()? {
            line(&partial, &mut self.value, &mut self.done, out)?;
        }
        if self.value.is_open() {
            out.push(StreamEvent::Data(self.value.take()));
        }
        Ok(())
    }

    /// True once `[DONE]` was emitted.
    pub fn is_done(&self) -> bool {
        self.done
    }
}
