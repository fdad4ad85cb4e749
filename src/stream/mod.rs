//! The pure, synchronous streaming core: bytes of a streamed chat-completions
//! body in, decoded events out ([`Decoder`]), and chunks merged into the final
//! `chat.completion` ([`Accumulator`]). No I/O happens here.
//!
//! Typical use: `Decoder::feed` each network read, `parse_chunk` every
//! [`StreamEvent::Data`], `Accumulator::push` the result, stop at
//! [`StreamEvent::Done`] or on the first error, and call `Decoder::finish` at
//! end of body.

pub mod accumulate;
mod chunk_view;
pub mod detect;
pub mod jsonl;
mod lines;
pub mod partial_json;
pub mod responses;
pub mod snapshot;
pub mod sse;
#[cfg(test)]
mod tests;

pub use accumulate::Accumulator;
pub use jsonl::JsonLinesDecoder;
pub use partial_json::PartialJson;
pub use responses::{response_text, Ending, ResponsesAccumulator};
pub use snapshot::LiveSnapshots;
pub use sse::SseDecoder;

use crate::error::Error;
use serde_json::Value;

/// One decoded unit of a streamed body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamEvent {
    /// One chunk payload: JSON text, not yet parsed (SSE `data`, or one JSON line).
    /// Per the SSE standard an event whose only data line is empty (`data:`)
    /// yields `Data("")`.
    Data(String),
    /// An SSE event with its own type (an `event:` field other than `message` and
    /// `error`), such as the Responses API's `response.output_text.delta`.
    Named { name: String, data: String },
    /// The server signalled an error outside a data chunk: an SSE `event: error` event
    /// (payload = its data) or a llama.cpp-style `error:` SSE field (payload = field value).
    Error(String),
    /// `[DONE]` was seen: the stream is over; ignore any later bytes.
    Done,
}

/// Wire format of a streamed body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `text/event-stream`.
    Sse,
    /// One JSON object per line.
    JsonLines,
}

/// The UTF-8 byte order mark.
const BOM: &[u8; 3] = b"\xEF\xBB\xBF";

#[derive(Debug)]
enum Inner {
    /// No meaningful byte yet.
    Undecided,
    Sse(SseDecoder),
    JsonLines(JsonLinesDecoder),
}

/// Decodes a streamed body of either format, detecting which (see [`detect`]).
///
/// One leading UTF-8 BOM is stripped (also when split across feeds). Until the
/// format is known, only blank bytes have arrived; blank lines among them mean
/// nothing in either format and are dropped, and only the spaces or tabs after
/// the last of them are kept for the chosen decoder.
///
/// Errors are [`Error::StreamProtocol`], or [`Error::ResponseTooLarge`] for an
/// event over `max_event_bytes`; events decoded before the error are
/// still appended to `out`. After an error every later call returns the same
/// error. After [`StreamEvent::Done`], and after `finish`, input is ignored.
#[derive(Debug)]
pub struct Decoder {
    max_event_bytes: usize,
    /// The Content-Type's verdict.
    hint: Option<Format>,
    /// Still looking for the BOM at the start of the stream.
    bom_pending: bool,
    /// BOM bytes matched so far while `bom_pending`.
    bom_matched: usize,
    /// Bytes consumed before the inner decoder started (BOM, dropped blank lines).
    skipped: u64,
    /// Blank bytes after the last line break, while undecided.
    prelude: Vec<u8>,
    /// Blank bytes of the current line beyond what `prelude` keeps. They are
    /// counted, not stored: the line is already over `max_event_bytes`, which the
    /// chosen decoder reports once it sees the kept ones, whatever the split.
    prelude_excess: usize,
    inner: Inner,
    /// The first failure, replayed by every later call.
    failed: Option<Failure>,
    finished: bool,
}

/// A decoding failure kept for replay (the error type itself is not Clone).
#[derive(Debug)]
enum Failure {
    Protocol(String),
    TooLarge(String),
}

impl Failure {
    fn to_error(&self) -> Error {
        match self {
            Failure::Protocol(message) => Error::StreamProtocol(message.clone()),
            Failure::TooLarge(message) => Error::ResponseTooLarge(message.clone()),
        }
    }
}

impl Decoder {
    /// `content_type` is the response Content-Type header if any. `max_event_bytes` bounds one event/line
    /// (exceeding it is Error::ResponseTooLarge, e.g. "stream event exceeds 8388608 bytes (max_event_bytes)").
    pub fn new(content_type: Option<&str>, max_event_bytes: usize) -> Decoder {
        Decoder {
            max_event_bytes,
            hint: content_type.and_then(detect::format_from_content_type),
            bom_pending: true,
            bom_matched: 0,
            skipped: 0,
            prelude: Vec::new(),
            prelude_excess: 0,
            inner: Inner::Undecided,
            failed: None,
            finished: false,
        }
    }

    /// Feed the next network read (any split, including mid-UTF-8 char, mid-CRLF). Appends complete events to `out`.
    pub fn feed(&mut self, bytes: &[u8], out: &mut Vec<StreamEvent>) -> Result<(), Error> {
        if let Some(failure) = &self.failed {
            return Err(failure.to_error());
        }
        if self.finished || self.is_done() {
            return Ok(());
        }
        let result = self.feed_inner(bytes, out);
        self.record(result)
    }

    /// End of body. Flushes what the format's rules allow (see [`sse`] and [`jsonl`]).
    pub fn finish(&mut self, out: &mut Vec<StreamEvent>) -> Result<(), Error> {
        if let Some(failure) = &self.failed {
            return Err(failure.to_error());
        }
        if self.finished {
            return Ok(());
        }
        self.finished = true;
        let result = self.finish_inner(out);
        self.record(result)
    }

    /// The detected format, once known.
    pub fn format(&self) -> Option<Format> {
        match self.inner {
            Inner::Sse(_) => Some(Format::Sse),
            Inner::JsonLines(_) => Some(Format::JsonLines),
            // A JSON Content-Type is final; event-stream still waits for the first byte.
            Inner::Undecided => self.hint.filter(|f| *f == Format::JsonLines),
        }
    }

    /// True after Done was emitted.
    pub fn is_done(&self) -> bool {
        match &self.inner {
            Inner::Sse(d) => d.is_done(),
            Inner::JsonLines(d) => d.is_done(),
            Inner::Undecided => false,
        }
    }

    fn record(&mut self, result: Result<(), Error>) -> Result<(), Error> {
        self.failed = match &result {
            Err(Error::StreamProtocol(message)) => Some(Failure::Protocol(message.clone())),
            Err(Error::ResponseTooLarge(message)) => Some(Failure::TooLarge(message.clone())),
            _ => self.failed.take(),
        };
        result
    }

    fn feed_inner(&mut self, mut bytes: &[u8], out: &mut Vec<StreamEvent>) -> Result<(), Error> {
        if self.bom_pending {
            let before = self.bom_matched;
            let mut matched = before;
            let mut used = 0;
            while matched < BOM.len() && used < bytes.len() && bytes[used] == BOM[matched] {
                matched += 1;
                used += 1;
            }
            if matched == BOM.len() {
                self.bom_pending = false;
                self.skipped += BOM.len() as u64;
                bytes = &bytes[used..];
            } else if used == bytes.len() {
                // Still a prefix of the BOM: wait for more.
                self.bom_matched = matched;
                return Ok(());
            } else {
                // Not a BOM: replay what earlier feeds matched, then all of this feed.
                self.bom_pending = false;
                self.route(&BOM[..before], out)?;
            }
        }
        self.route(bytes, out)
    }

    fn finish_inner(&mut self, out: &mut Vec<StreamEvent>) -> Result<(), Error> {
        if self.bom_pending {
            self.bom_pending = false;
            let matched = self.bom_matched;
            self.route(&BOM[..matched], out)?;
        }
        match &mut self.inner {
            Inner::Sse(d) => d.finish(out),
            Inner::JsonLines(d) => d.finish(out),
            Inner::Undecided => Ok(()),
        }
    }

    /// A line break ended the blank line held so far, plus `more` bytes of this feed.
    fn skip_prelude(&mut self, more: usize) {
        self.skipped += (self.prelude.len() + self.prelude_excess + more) as u64;
        self.prelude.clear();
        self.prelude_excess = 0;
    }

    /// Hold blank bytes of a line whose format is not known yet; never fails, so
    /// the outcome cannot depend on where the network split the bytes.
    fn keep_blank(&mut self, blank: &[u8]) {
        let room = (self.max_event_bytes + 1).saturating_sub(self.prelude.len());
        let kept = blank.len().min(room);
        self.prelude.extend_from_slice(&blank[..kept]);
        self.prelude_excess += blank.len() - kept;
    }

    fn route(&mut self, bytes: &[u8], out: &mut Vec<StreamEvent>) -> Result<(), Error> {
        match &mut self.inner {
            Inner::Sse(d) => return d.feed(bytes, out),
            Inner::JsonLines(d) => return d.feed(bytes, out),
            Inner::Undecided => {}
        }
        if bytes.is_empty() {
            return Ok(());
        }
        let is_eol = |b: &u8| *b == b'\n' || *b == b'\r';
        let first = if self.hint == Some(Format::JsonLines) {
            None
        } else {
            match bytes.iter().position(|&b| !detect::is_blank(b)) {
                Some(i) => Some(i),
                None => {
                    // Only blank bytes: keep what follows the last line break.
                    let tail = match bytes.iter().rposition(is_eol) {
                        Some(p) => {
                            self.skip_prelude(p + 1);
                            &bytes[p + 1..]
                        }
                        None => bytes,
                    };
                    self.keep_blank(tail);
                    return Ok(());
                }
            }
        };
        let mut rest = bytes;
        let format = match first {
            None => Format::JsonLines,
            Some(i) => {
                if let Some(p) = bytes[..i].iter().rposition(is_eol) {
                    self.skip_prelude(p + 1);
                    rest = &bytes[p + 1..];
                }
                detect::sniff(bytes[i], self.hint)
            }
        };
        // Uncounted excess blanks count as dropped from the line's front.
        let base = self.skipped + std::mem::take(&mut self.prelude_excess) as u64;
        let prelude = std::mem::take(&mut self.prelude);
        self.inner = match format {
            Format::Sse => Inner::Sse(SseDecoder::with_offset(self.max_event_bytes, base)),
            Format::JsonLines => {
                Inner::JsonLines(JsonLinesDecoder::with_offset(self.max_event_bytes, base))
            }
        };
        self.route(&prelude, out)?;
        self.route(rest, out)
    }
}

/// Parses one [`StreamEvent::Data`] payload. Bad JSON is
/// [`Error::StreamProtocol`] naming the problem and quoting the payload's start.
pub fn parse_chunk(payload: &str) -> Result<Value, Error> {
    serde_json::from_str(payload).map_err(|e| {
        const PREVIEW_CHARS: usize = 60;
        let preview: String = payload.chars().take(PREVIEW_CHARS).collect();
        let more = if payload.chars().nth(PREVIEW_CHARS).is_some() {
            "..."
        } else {
            ""
        };
        Error::StreamProtocol(format!(
            "stream chunk is not valid JSON ({e}): {preview:?}{more}"
        ))
    })
}
