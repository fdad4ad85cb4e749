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
//! UTF-8 policy as for SSE: every line up to `[DONE]` must be valid UTF-8, else
//! [`Error::StreamProtocol`]. `max_event_bytes` bounds each line.

use super::lines::LineSplitter;
use super::StreamEvent;
use crate::error::Error;

/// Incremental JSON-lines decoder. Usually reached through [`super::Decoder`].
pub struct JsonLinesDecoder {
    lines: LineSplitter,
    done: bool,
}

/// Processes one line; returns false once the stream is done.
fn line(line: &str, done: &mut bool, out: &mut Vec<StreamEvent>) -> bool {
    let mut text = line.trim_ascii();
    if let Some(rest) = text.strip_prefix("data:") {
        text = rest.trim_ascii();
    }
    if text.is_empty() || text.starts_with(':') {
        return true;
    }
    if text == "[DONE]" {
        out.push(StreamEvent::Done);
        *done = true;
        return false;
    }
    out.push(StreamEvent::Data(text.to_owned()));
    true
}

impl JsonLinesDecoder {
    pub fn new(max_event_bytes: usize) -> JsonLinesDecoder {
        JsonLinesDecoder::with_offset(max_event_bytes, 0)
    }

    /// `base_offset`: stream offset of the first byte this decoder will see, for messages.
    pub fn with_offset(max_event_bytes: usize, base_offset: u64) -> JsonLinesDecoder {
        JsonLinesDecoder {
            lines: LineSplitter::new(max_event_bytes, base_offset),
            done: false,
        }
    }

    /// Decodes the next piece of the body; complete lines are appended to `out`.
    pub fn feed(&mut self, bytes: &[u8], out: &mut Vec<StreamEvent>) -> Result<(), Error> {
        if self.done {
            return Ok(());
        }
        let done = &mut self.done;
        self.lines.feed(bytes, |text| Ok(line(text, done, out)))
    }

    /// End of body: an unterminated last line is dispatched if it is not blank.
    pub fn finish(&mut self, out: &mut Vec<StreamEvent>) -> Result<(), Error> {
        if self.done {
            return Ok(());
        }
        if let Some(partial) = self.lines.take_partial()? {
            line(&partial, &mut self.done, out);
        }
        Ok(())
    }

    /// True once `[DONE]` was emitted.
    pub fn is_done(&self) -> bool {
        self.done
    }
}
