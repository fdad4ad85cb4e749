//! Valid-JSON snapshots of a JSON document that is still arriving, such as a
//! model's structured output or a tool call's arguments mid-stream.
//!
//! The document is fed in pieces; after each, [`PartialJson::snapshot`] is the
//! text so far cut at the last safe point and closed: unfinished strings get
//! their quote, unfinished arrays and objects their brackets. A key whose value
//! has not started is left out, and so are numbers, `true`, `false` and `null`
//! until they are complete, so each snapshot extends the one before: strings
//! only grow, containers only gain members, and no value ever changes.
//!
//! Each byte is looked at once (the state is a stack of open containers), so a
//! piece costs time in proportion to its own length.

/// Where the scanner is inside the innermost open container.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// At the top level, before the document's value.
    Document,
    /// After `{` or `,` in an object: a key (or `}` right after `{`).
    Key,
    /// After a key: `:`.
    Colon,
    /// After `[`, `,` in an array, or `:`: a value (or `]` right after `[`).
    Value,
    /// After a value: `,` or the closing bracket.
    Separator,
    /// The top-level value is complete.
    End,
}

/// The token being read, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    None,
    /// Inside a string; `key` for an object key.
    String { key: bool, escape: Escape },
    /// A number that began at byte `start`; it is complete when something else follows.
    Number { start: usize },
    /// `true`, `false` or `null`, `matched` letters in.
    Literal { word: &'static [u8], matched: usize },
}

/// Where an escape sequence inside a string stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Escape {
    None,
    /// Just after `\`.
    Started,
    /// In `\u`, `digits` hex digits read so far, worth `value`.
    Unicode { digits: u8, value: u16 },
    /// After a `\u` high surrogate, which only a `\u` low surrogate may follow.
    AwaitingLow,
    /// The `\` after a high surrogate.
    LowStarted,
    /// In the low surrogate's `\u`.
    LowUnicode { digits: u8, value: u16 },
}

/// Builds valid-JSON snapshots of a growing document; see the module docs.
#[derive(Debug, Clone)]
pub struct PartialJson {
    text: String,
    /// Open containers, innermost last: `b'}'` or `b']'`.
    stack: Vec<u8>,
    expect: Expect,
    token: Token,
    /// `text[..safe_len] + safe_closing` is the latest snapshot.
    safe_len: usize,
    safe_closing: String,
    has_snapshot: bool,
    failed: bool,
}

impl Default for PartialJson {
    fn default() -> Self {
        PartialJson {
            text: String::new(),
            stack: Vec::new(),
            expect: Expect::Document,
            token: Token::None,
            safe_len: 0,
            safe_closing: String::new(),
            has_snapshot: false,
            failed: false,
        }
    }
}

impl PartialJson {
    pub fn new() -> PartialJson {
        PartialJson::default()
    }

    /// Take the next piece of the document. Returns whether the snapshot
    /// changed. Text that cannot continue a JSON document stops the snapshots
    /// where they were (the last one stays valid).
    pub fn push(&mut self, piece: &str) -> bool {
        if self.failed {
            return false;
        }
        let before = (self.safe_len, self.safe_closing.len(), self.has_snapshot);
        let mut at = self.text.len();
        self.text.push_str(piece);
        while at < self.text.len() {
            at = self.plain_string_end(at);
            let Some(&byte) = self.text.as_bytes().get(at) else { break };
            if !self.step(byte, at) {
                self.failed = true;
                return before != (self.safe_len, self.safe_closing.len(), self.has_snapshot);
            }
            at += 1;
        }
        // Inside a string value every whole character is a safe end (pieces are `&str`, so
        // none ends mid-character); marking once per piece keeps the cost per piece.
        if let Token::String { key: false, escape: Escape::None } = self.token {
            self.mark_safe(self.text.len());
        }
        before != (self.safe_len, self.safe_closing.len(), self.has_snapshot)
    }

    /// Inside a string, outside an escape, only a quote, a backslash or a control byte
    /// changes anything: where the next one is (or the end of the text), from `at`.
    fn plain_string_end(&self, at: usize) -> usize {
        if !matches!(self.token, Token::String { escape: Escape::None, .. }) {
            return at;
        }
        let rest = &self.text.as_bytes()[at..];
        at + rest.iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20).unwrap_or(rest.len())
    }

    /// The end of the document: a top-level number still open is complete.
    /// Returns whether the snapshot changed.
    pub fn finish(&mut self) -> bool {
        if let (false, Token::Number { start }) = (self.failed, self.token) {
            if self.stack.is_empty() && self.number_ends(start, self.text.len()) {
                return true;
            }
        }
        false
    }

    /// The document so far as valid JSON; None until some value has begun.
    pub fn snapshot(&self) -> Option<String> {
        self.has_snapshot.then(|| {
            let mut out = String::with_capacity(self.safe_len + self.safe_closing.len());
            out.push_str(&self.text[..self.safe_len]);
            out.push_str(&self.safe_closing);
            out
        })
    }

    /// Record that `text[..len]` plus the closers of the open containers (and a
    /// quote when inside a string value) is valid JSON.
    fn mark_safe(&mut self, len: usize) {
        self.safe_len = len;
        self.safe_closing.clear();
        if matches!(self.token, Token::String { key: false, .. }) {
            self.safe_closing.push('"');
        }
        self.safe_closing.extend(self.stack.iter().rev().map(|&closer| closer as char));
        self.has_snapshot = true;
    }

    /// One byte at offset `at`; false when it cannot continue a JSON document.
    fn step(&mut self, byte: u8, at: usize) -> bool {
        match self.token {
            Token::String { key, escape } => self.string_byte(byte, at, key, escape),
            Token::Literal { word, matched } => self.literal_byte(byte, at, word, matched),
            Token::Number { start } => self.number_byte(byte, at, start),
            Token::None => self.structural_byte(byte, at),
        }
    }

    fn string_byte(&mut self, byte: u8, at: usize, key: bool, escape: Escape) -> bool {
        let escape = match (escape, byte) {
            (Escape::None, b'"') => {
                self.token = Token::None;
                if key {
                    self.expect = Expect::Colon;
                } else {
                    self.value_done();
                    self.mark_safe(at + 1);
                }
                return true;
            }
            (Escape::None, b'\\') => {
                // The text before an escape is safe; the escape is not until it is whole.
                if !key {
                    self.mark_safe(at);
                }
                Escape::Started
            }
            (Escape::None, byte) if byte >= 0x20 => Escape::None,
            (Escape::Started, b'u') => Escape::Unicode { digits: 0, value: 0 },
            (Escape::Started, b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => Escape::None,
            (Escape::AwaitingLow, b'\\') => Escape::LowStarted,
            (Escape::LowStarted, b'u') => Escape::LowUnicode { digits: 0, value: 0 },
            (Escape::Unicode { digits, value }, byte) => match hex_step(digits, value, byte) {
                Some((4, unit)) if (0xD800..0xDC00).contains(&unit) => Escape::AwaitingLow,
                Some((4, unit)) if (0xDC00..0xE000).contains(&unit) => return false,
                Some((4, _)) => Escape::None,
                Some((digits, value)) => Escape::Unicode { digits, value },
                None => return false,
            },
            (Escape::LowUnicode { digits, value }, byte) => match hex_step(digits, value, byte) {
                Some((4, unit)) if (0xDC00..0xE000).contains(&unit) => Escape::None,
                Some((4, _)) => return false,
                Some((digits, value)) => Escape::LowUnicode { digits, value },
                None => return false,
            },
            _ => return false,
        };
        self.token = Token::String { key, escape };
        true
    }

    fn literal_byte(&mut self, byte: u8, at: usize, word: &'static [u8], matched: usize) -> bool {
        if word.get(matched) != Some(&byte) {
            return false;
        }
        if matched + 1 < word.len() {
            self.token = Token::Literal { word, matched: matched + 1 };
        } else {
            self.token = Token::None;
            self.value_done();
            self.mark_safe(at + 1);
        }
        true
    }

    fn number_byte(&mut self, byte: u8, at: usize, start: usize) -> bool {
        if byte.is_ascii_digit() || matches!(byte, b'.' | b'e' | b'E' | b'+' | b'-') {
            return true;
        }
        // Whatever follows a number ends it; the number is whole before this byte.
        self.number_ends(start, at) && self.structural_byte(byte, at)
    }

    /// The number in `text[start..end]` is complete: check it is one, and mark it safe.
    fn number_ends(&mut self, start: usize, end: usize) -> bool {
        if serde_json::from_str::<serde_json::Number>(&self.text[start..end]).is_err() {
            return false;
        }
        self.token = Token::None;
        self.value_done();
        self.mark_safe(end);
        true
    }

    fn structural_byte(&mut self, byte: u8, at: usize) -> bool {
        if matches!(byte, b' ' | b'\t' | b'\n' | b'\r') {
            return true;
        }
        match (self.expect, byte) {
            (Expect::Document | Expect::Value, _) => self.value_start(byte, at),
            (Expect::Key, b'"') => {
                self.token = Token::String { key: true, escape: Escape::None };
                true
            }
            (Expect::Key, b'}') if self.text[..at].trim_end().ends_with('{') => self.close(b'}', at),
            (Expect::Colon, b':') => {
                self.expect = Expect::Value;
                true
            }
            (Expect::Separator, b',') => {
                self.expect = if self.stack.last() == Some(&b'}') { Expect::Key } else { Expect::Value };
                true
            }
            (Expect::Separator, b'}' | b']') => self.close(byte, at),
            _ => false,
        }
    }

    fn value_start(&mut self, byte: u8, at: usize) -> bool {
        match byte {
            b'{' | b'[' => {
                self.stack.push(if byte == b'{' { b'}' } else { b']' });
                self.expect = if byte == b'{' { Expect::Key } else { Expect::Value };
                self.mark_safe(at + 1);
            }
            b']' if self.stack.last() == Some(&b']') && self.text[..at].trim_end().ends_with('[') => {
                return self.close(byte, at);
            }
            b'"' => {
                self.token = Token::String { key: false, escape: Escape::None };
                self.mark_safe(at + 1);
            }
            b't' => self.token = Token::Literal { word: b"true", matched: 1 },
            b'f' => self.token = Token::Literal { word: b"false", matched: 1 },
            b'n' => self.token = Token::Literal { word: b"null", matched: 1 },
            b'-' | b'0'..=b'9' => self.token = Token::Number { start: at },
            _ => return false,
        }
        true
    }

    fn close(&mut self, byte: u8, at: usize) -> bool {
        if self.stack.pop() != Some(byte) {
            return false;
        }
        self.value_done();
        self.mark_safe(at + 1);
        true
    }

    /// A value ended: the container expects a separator, or the document is complete.
    fn value_done(&mut self) {
        self.expect = if self.stack.is_empty() { Expect::End } else { Expect::Separator };
    }
}

/// One more hex digit of a `\u` escape: the digits read and their value, or None for a non-digit.
fn hex_step(digits: u8, value: u16, byte: u8) -> Option<(u8, u16)> {
    let digit = (byte as char).to_digit(16)?;
    Some((digits + 1, value << 4 | digit as u16))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    /// Whether `new` grows `old`: strings by appending, containers by adding or growing members.
    fn extends(old: &Value, new: &Value) -> bool {
        match (old, new) {
            (Value::String(a), Value::String(b)) => b.starts_with(a.as_str()),
            (Value::Array(a), Value::Array(b)) => {
                a.len() <= b.len() && a.iter().zip(b).all(|(x, y)| extends(x, y))
            }
            (Value::Object(a), Value::Object(b)) => {
                a.iter().all(|(k, v)| b.get(k).is_some_and(|w| extends(v, w)))
            }
            (a, b) => a == b,
        }
    }

    /// Every prefix (at every char boundary) of `text` gives a valid snapshot that extends the
    /// previous one, and the whole text gives its own parse.
    fn check_every_prefix(text: &str) {
        let mut scanner = PartialJson::new();
        let mut previous: Option<Value> = None;
        for (at, ch) in text.char_indices() {
            scanner.push(&text[at..at + ch.len_utf8()]);
            if let Some(snapshot) = scanner.snapshot() {
                let value: Value = serde_json::from_str(&snapshot)
                    .unwrap_or_else(|e| panic!("{snapshot:?} from {:?}: {e}", &text[..at + ch.len_utf8()]));
                if let Some(previous) = &previous {
                    assert!(extends(previous, &value), "{previous} -> {value} in {text}");
                }
                previous = Some(value);
            }
        }
        scanner.finish();
        let last: Value = serde_json::from_str(&scanner.snapshot().expect("a whole document")).unwrap();
        assert_eq!(last, serde_json::from_str::<Value>(text).unwrap(), "final snapshot of {text}");
    }

    #[test]
    fn closes_strings_arrays_and_objects_and_drops_dangling_keys() {
        let mut scanner = PartialJson::new();
        scanner.push(r#"{"name":"Ad"#);
        assert_eq!(scanner.snapshot().unwrap(), r#"{"name":"Ad"}"#);
        scanner.push(r#"a","tags":["x","#);
        assert_eq!(scanner.snapshot().unwrap(), r#"{"name":"Ada","tags":["x"]}"#);
        scanner.push(r#""y"],"age":3"#);
        assert_eq!(scanner.snapshot().unwrap(), r#"{"name":"Ada","tags":["x","y"]}"#, "3 may grow");
        scanner.push("6,\"ok\":tr");
        assert_eq!(scanner.snapshot().unwrap(), r#"{"name":"Ada","tags":["x","y"],"age":36}"#);
        scanner.push("ue}");
        assert_eq!(scanner.snapshot().unwrap(), r#"{"name":"Ada","tags":["x","y"],"age":36,"ok":true}"#);
    }

    #[test]
    fn escapes_and_surrogates_wait_until_whole() {
        let mut scanner = PartialJson::new();
        scanner.push(r#"["a\"#);
        assert_eq!(scanner.snapshot().unwrap(), r#"["a"]"#);
        scanner.push(r#"ud83d"#);
        assert_eq!(scanner.snapshot().unwrap(), r#"["a"]"#, "a lone high surrogate is not valid");
        scanner.push(r#"\ude00!"]"#);
        assert_eq!(serde_json::from_str::<Value>(&scanner.snapshot().unwrap()).unwrap(), json!(["a😀!"]));
    }

    #[test]
    fn every_prefix_of_varied_documents_is_valid_and_growing() {
        let documents = [
            r#"{"a":[1,2.5e-3,-7,{"b":null,"c":[true,false]}],"d":"é\n\u00e9 \ud83d\ude00","e":{}}"#,
            r#"[[],[{}],"x",0,[[["deep"]]]]"#,
            r#"  {"k" : "v" , "n" : 12 }  "#,
            r#""just a string with \"quotes\"""#,
            "42",
            "true",
        ];
        for text in documents {
            check_every_prefix(text);
        }
    }

    #[test]
    fn random_documents_hold_the_properties() {
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..300 {
            let value = random_value(&mut next, 0);
            check_every_prefix(&value.to_string());
        }
    }

    fn random_value(next: &mut impl FnMut() -> u64, depth: u32) -> Value {
        let pick = next() % if depth > 3 { 5 } else { 7 };
        match pick {
            0 => Value::Null,
            1 => Value::Bool(next() % 2 == 0),
            2 => json!((next() % 100_000) as i64 - 50_000),
            3 => json!((next() % 1000) as f64 / 7.0),
            4 => Value::String(["", "a", "ab\"c", "é", "😀x", "\n\t\\"][(next() % 6) as usize].repeat((next() % 3) as usize)),
            5 => Value::Array((0..next() % 4).map(|_| random_value(next, depth + 1)).collect()),
            _ => Value::Object((0..next() % 4).map(|i| (format!("k{i}"), random_value(next, depth + 1))).collect()),
        }
    }

    #[test]
    fn text_that_is_not_json_stops_the_snapshots() {
        let mut scanner = PartialJson::new();
        scanner.push(r#"{"a":"b"}"#);
        assert!(!scanner.push("x"));
        assert_eq!(scanner.snapshot().unwrap(), r#"{"a":"b"}"#);
        // Found by the fuzz target: a whole top-level string takes nothing after it.
        let mut top_string = PartialJson::new();
        top_string.push(r#""\\",[]"#);
        assert_eq!(top_string.snapshot().unwrap(), r#""\\""#);
        assert!(PartialJson::new().snapshot().is_none());
    }
}
