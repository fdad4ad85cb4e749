//! Line splitting shared by the SSE and JSON-lines decoders.
//!
//! CR, LF and CRLF each end a line, also when the CR and the LF arrive in
//! different feeds. Complete lines are handed out as `&str`: every line is
//! validated as UTF-8 once it is complete, so a multi-byte character split
//! across feeds is reassembled first (CR and LF never occur inside a UTF-8
//! sequence, so splitting on them is safe).

use crate::error::Error;

/// The error for a line or event larger than the configured bound.
pub(crate) fn too_large(max: usize) -> Error {
    Error::ResponseTooLarge(format!(
        "stream event exceeds {max} bytes (max_event_bytes)"
    ))
}

/// Position of the first CR or LF in `bytes`. Scans eight bytes at a time
/// (SWAR zero-byte test), then finishes byte by byte.
#[inline]
fn find_eol(bytes: &[u8]) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let has_zero = |x: u64| x.wrapping_sub(LO) & !x & HI;
    let mut start = 0;
    let mut words = bytes.chunks_exact(8);
    for word in &mut words {
        let x = u64::from_le_bytes(word.try_into().expect("8 bytes"));
        if has_zero(x ^ (LO * u64::from(b'\n'))) | has_zero(x ^ (LO * u64::from(b'\r'))) != 0 {
            break;
        }
        start += 8;
    }
    bytes[start..]
        .iter()
        .position(|&b| b == b'\n' || b == b'\r')
        .map(|i| start + i)
}

fn to_str(line: &[u8], line_start: u64) -> Result<&str, Error> {
    std::str::from_utf8(line).map_err(|e| {
        Error::StreamProtocol(format!(
            "invalid UTF-8 in stream at byte {}",
            line_start + e.valid_up_to() as u64
        ))
    })
}

#[derive(Debug)]
pub(crate) struct LineSplitter {
    /// The unterminated tail of the stream so far (never holds a terminator).
    buf: Vec<u8>,
    /// The last byte seen was a CR: an LF at the start of the next feed belongs to it.
    after_cr: bool,
    max_line: usize,
    /// Stream offset of the first byte of the current (unfinished) line; used in messages.
    line_start: u64,
}

impl LineSplitter {
    pub(crate) fn new(max_line: usize, base_offset: u64) -> LineSplitter {
        LineSplitter {
            buf: Vec::new(),
            after_cr: false,
            max_line,
            line_start: base_offset,
        }
    }

    /// Splits `bytes` and calls `on_line` with each complete line, terminator removed.
    /// `on_line` returns `Ok(false)` to stop: the rest of `bytes` is then dropped.
    /// Lines that lie wholly inside `bytes` are passed without copying.
    pub(crate) fn feed<F>(&mut self, mut bytes: &[u8], mut on_line: F) -> Result<(), Error>
    where
        F: FnMut(&str) -> Result<bool, Error>,
    {
        if self.after_cr && !bytes.is_empty() {
            self.after_cr = false;
            if bytes[0] == b'\n' {
                bytes = &bytes[1..];
                self.line_start += 1;
            }
        }
        while let Some(pos) = find_eol(bytes) {
            let term_len = if bytes[pos] == b'\n' {
                1
            } else if pos + 1 == bytes.len() {
                // A CR ends this feed: its LF, if any, comes with the next one.
                self.after_cr = true;
                1
            } else if bytes[pos + 1] == b'\n' {
                2
            } else {
                1
            };
            let line_len = self.buf.len() + pos;
            if line_len > self.max_line {
                return Err(too_large(self.max_line));
            }
            let keep_going = if self.buf.is_empty() {
                on_line(to_str(&bytes[..pos], self.line_start)?)?
            } else {
                self.buf.extend_from_slice(&bytes[..pos]);
                let result = match to_str(&self.buf, self.line_start) {
                    Ok(line) => on_line(line),
                    Err(e) => Err(e),
                };
                self.buf.clear();
                result?
            };
            self.line_start += (line_len + term_len) as u64;
            bytes = &bytes[pos + term_len..];
            if !keep_going {
                return Ok(());
            }
        }
        if self.buf.len() + bytes.len() > self.max_line {
            return Err(too_large(self.max_line));
        }
        self.buf.extend_from_slice(bytes);
        Ok(())
    }

    /// At end of stream: the unterminated last line, if the stream did not end
    /// with a line terminator. Validated as UTF-8. Leaves the splitter empty.
    pub(crate) fn take_partial(&mut self) -> Result<Option<String>, Error> {
        if self.buf.is_empty() {
            return Ok(None);
        }
        let line = to_str(&self.buf, self.line_start)?.to_owned();
        self.line_start += self.buf.len() as u64;
        self.buf.clear();
        Ok(Some(line))
    }
}
