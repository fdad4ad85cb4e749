//! The cassette format: JSON lines, a header line and then one recorded exchange per line, so a
//! cassette diffs well, survives an interrupted recording up to its last whole exchange, and a
//! bad one is refused naming the line at fault. The README's "Cassettes" section documents it.

use std::fmt;
use std::path::Path;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The first line of every cassette.
pub(crate) const HEADER: &str = r#"{"cassette":"webraft-mock","version":1}"#;

/// One request and the response it got.
#[derive(Serialize, Deserialize, Clone, Debug)]
#[serde(deny_unknown_fields)]
pub(crate) struct Exchange {
    pub(crate) request: RecordedRequest,
    pub(crate) response: RecordedResponse,
}

#[derive(Serialize, Deserialize, Clone, Debug)]
#[serde(deny_unknown_fields)]
pub(crate) struct RecordedRequest {
    pub(crate) method: String,
    /// Without the query string.
    pub(crate) path: String,
    /// The query string without `?` (secret parameters redacted); not used for matching.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub(crate) query: String,
    /// For reading only (secrets removed); not used for matching.
    #[serde(default)]
    pub(crate) headers: Vec<(String, String)>,
    /// A JSON body, stored as JSON so that the cassette reads well and matches by value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) body: Option<Value>,
    /// A body that is not JSON, when it is UTF-8.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) body_text: Option<String>,
    /// A body that is neither JSON nor UTF-8, in base64.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) body_base64: Option<String>,
}

#[derive(Serialize, Deserialize, Clone, Debug)]
#[serde(deny_unknown_fields)]
pub(crate) struct RecordedResponse {
    pub(crate) status: u16,
    /// In arrival order, repeats kept; without framing (`Content-Length`, `Transfer-Encoding`,
    /// `Connection`) and without secrets.
    #[serde(default)]
    pub(crate) headers: Vec<(String, String)>,
    /// Milliseconds from the request to the response's headers.
    pub(crate) ms: f64,
    /// A streamed body (`Transfer-Encoding: chunked`: one chunk per piece on replay) rather than
    /// one with a `Content-Length`.
    pub(crate) chunked: bool,
    pub(crate) pieces: Vec<Piece>,
    /// False when the body ended early (the upstream closed or failed mid-body).
    pub(crate) complete: bool,
}

/// A piece of a body as it arrived, and when (milliseconds from the request).
#[derive(Serialize, Deserialize, Clone, Debug)]
#[serde(deny_unknown_fields)]
pub(crate) struct Piece {
    pub(crate) ms: f64,
    /// The piece when it is UTF-8 (the usual case: SSE and JSON lines).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) text: Option<String>,
    /// Otherwise its bytes in base64 (e.g. a multi-byte character split between two pieces).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) base64: Option<String>,
}

/// Bytes as the cassette writes them: `(text, None)` when UTF-8, else `(None, base64)`.
fn encode(bytes: &[u8]) -> (Option<String>, Option<String>) {
    match std::str::from_utf8(bytes) {
        Ok(text) => (Some(text.to_string()), None),
        Err(_) => (None, Some(BASE64.encode(bytes))),
    }
}

/// The bytes of a text or base64 field pair; `Err` says what is wrong with them.
fn decode(text: &Option<String>, base64: &Option<String>) -> Result<Vec<u8>, String> {
    match (text, base64) {
        (Some(_), Some(_)) => Err("has both text and base64 forms".to_string()),
        (Some(text), None) => Ok(text.clone().into_bytes()),
        (None, Some(b64)) => BASE64
            .decode(b64)
            .map_err(|e| format!("has invalid base64: {e}")),
        (None, None) => Ok(Vec::new()),
    }
}

impl Piece {
    pub(crate) fn new(ms: f64, bytes: &[u8]) -> Piece {
        let (text, base64) = encode(bytes);
        Piece { ms, text, base64 }
    }

    pub(crate) fn bytes(&self) -> Vec<u8> {
        decode(&self.text, &self.base64).unwrap_or_default()
    }
}

impl RecordedRequest {
    /// Stores a body as JSON when it is JSON, else as text or base64.
    pub(crate) fn set_body(&mut self, body: &[u8]) {
        if body.is_empty() {
            return;
        }
        match serde_json::from_slice::<Value>(body) {
            Ok(json) => self.body = Some(json),
            Err(_) => (self.body_text, self.body_base64) = encode(body),
        }
    }

    /// Whether a request body is the recorded one: equal JSON values (key order and spacing do
    /// not matter), or equal bytes when the recorded body is not JSON.
    pub(crate) fn body_matches(&self, body: &[u8]) -> bool {
        match &self.body {
            Some(json) => serde_json::from_slice::<Value>(body).is_ok_and(|b| &b == json),
            None => decode(&self.body_text, &self.body_base64).is_ok_and(|raw| raw == body),
        }
    }
}

/// A cassette that cannot be used, and the line at fault (1-based).
#[derive(Debug)]
pub(crate) struct CassetteError {
    pub(crate) line: usize,
    pub(crate) message: String,
}

impl fmt::Display for CassetteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// Reads a cassette file; the error names the file and the line at fault.
pub(crate) fn load(path: &Path) -> std::io::Result<Vec<Exchange>> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        std::io::Error::new(
            e.kind(),
            format!("cannot read cassette {}: {e}", path.display()),
        )
    })?;
    parse(&text).map_err(|e| {
        let message = format!(
            "invalid cassette {}:{}: {}",
            path.display(),
            e.line,
            e.message
        );
        std::io::Error::new(std::io::ErrorKind::InvalidData, message)
    })
}

/// Parses a cassette: the header line, then exchanges; blank lines are skipped.
pub(crate) fn parse(text: &str) -> Result<Vec<Exchange>, CassetteError> {
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line))
        .filter(|(_, line)| !line.trim().is_empty());
    let Some((first, header)) = lines.next() else {
        return Err(CassetteError {
            line: 1,
            message: format!("empty file; a cassette starts with {HEADER}"),
        });
    };
    check_header(header).map_err(|message| CassetteError {
        line: first,
        message,
    })?;
    lines
        .map(|(line, text)| parse_exchange(text).map_err(|message| CassetteError { line, message }))
        .collect()
}

fn check_header(line: &str) -> Result<(), String> {
    let value: Value = serde_json::from_str(line).map_err(|e| json_error(&e))?;
    let expected: Value = serde_json::from_str(HEADER).expect("valid header");
    if value == expected {
        return Ok(());
    }
    if value.get("cassette") == expected.get("cassette") {
        return Err(format!("unsupported cassette version {}", value["version"]));
    }
    Err(format!(
        "not a webraft-mock cassette: the first line must be {HEADER}"
    ))
}

fn parse_exchange(line: &str) -> Result<Exchange, String> {
    let exchange: Exchange = serde_json::from_str(line).map_err(|e| json_error(&e))?;
    validate(&exchange)?;
    Ok(exchange)
}

/// serde_json's message without its position, which within one line would always say line 1;
/// the column is kept.
fn json_error(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let message = text.split(" at line ").next().unwrap_or(&text);
    format!("{message} (column {})", e.column())
}

/// What serde cannot check: values that would make a replay send nonsense.
fn validate(ex: &Exchange) -> Result<(), String> {
    let (req, resp) = (&ex.request, &ex.response);
    if req.method.is_empty() || !req.method.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(format!(
            "request.method {:?} is not an HTTP method",
            req.method
        ));
    }
    if !req.path.starts_with('/') || req.path.contains(char::is_whitespace) {
        return Err(format!(
            "request.path {:?} must start with / and have no spaces",
            req.path
        ));
    }
    let raw = decode(&req.body_text, &req.body_base64).map_err(|e| format!("request.body {e}"))?;
    if req.body.is_some() && !raw.is_empty() {
        return Err("request has both a JSON body and a body_text or body_base64".to_string());
    }
    if !(100..=599).contains(&resp.status) {
        return Err(format!("response.status {} is not 100 to 599", resp.status));
    }
    check_headers(&resp.headers)?;
    check_times(resp)
}

/// Header names must be tokens and values single lines, or a replay would corrupt its answer.
fn check_headers(headers: &[(String, String)]) -> Result<(), String> {
    for (i, (name, value)) in headers.iter().enumerate() {
        let token = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
        if !token {
            return Err(format!(
                "response.headers[{i}]: {name:?} is not a header name"
            ));
        }
        if value.contains(['\r', '\n']) {
            return Err(format!(
                "response.headers[{i}] ({name}): the value spans lines"
            ));
        }
    }
    Ok(())
}

/// Offsets must be finite, non-negative, and never go back in time.
fn check_times(resp: &RecordedResponse) -> Result<(), String> {
    let valid = |ms: f64| ms.is_finite() && ms >= 0.0;
    if !valid(resp.ms) {
        return Err(format!(
            "response.ms {} is not a time in milliseconds",
            resp.ms
        ));
    }
    let mut previous = resp.ms;
    for (i, piece) in resp.pieces.iter().enumerate() {
        if !valid(piece.ms) || piece.ms < previous {
            return Err(format!(
                "response.pieces[{i}].ms {} is before the time before it ({previous})",
                piece.ms
            ));
        }
        previous = piece.ms;
        decode(&piece.text, &piece.base64).map_err(|e| format!("response.pieces[{i}] {e}"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{"request":{"method":"POST","path":"/v1/chat/completions","body":{"model":"m"}},"response":{"status":200,"headers":[["content-type","text/event-stream"]],"ms":3.5,"chunked":true,"pieces":[{"ms":4.0,"text":"data: {}\n\n"},{"ms":9.0,"base64":"AAE="}],"complete":true}}"#;

    fn cassette(lines: &[&str]) -> String {
        let mut text = format!("{HEADER}\n");
        for line in lines {
            text.push_str(line);
            text.push('\n');
        }
        text
    }

    fn error_of(text: &str) -> CassetteError {
        parse(text).expect_err("must be refused")
    }

    #[test]
    fn reads_a_good_cassette() {
        let exchanges = parse(&cassette(&[GOOD, "", GOOD])).unwrap();
        assert_eq!(exchanges.len(), 2);
        let pieces = &exchanges[0].response.pieces;
        assert_eq!(pieces[0].bytes(), b"data: {}\n\n");
        assert_eq!(pieces[1].bytes(), [0u8, 1]);
        assert!(exchanges[0].request.body_matches(br#"{ "model" : "m" }"#));
        assert!(!exchanges[0].request.body_matches(br#"{"model":"n"}"#));
    }

    #[test]
    fn names_the_line_at_fault() {
        assert_eq!(error_of("").line, 1);
        assert!(error_of("{\"a\":1}\n")
            .message
            .contains("not a webraft-mock cassette"));
        let bad_status = GOOD.replace("200", "99");
        let e = error_of(&cassette(&[GOOD, &bad_status]));
        assert_eq!((e.line, e.message.contains("response.status")), (3, true));
        let e = error_of(&cassette(&[GOOD, "", "{not json"]));
        assert_eq!(e.line, 4);
        let e = error_of(&cassette(&[&GOOD.replace("9.0", "1.0")]));
        assert!(e.message.contains("pieces[1].ms"), "{e}");
        let e = error_of(&cassette(&[&GOOD.replace("\"AAE=\"", "\"@@\"")]));
        assert!(e.message.contains("base64"), "{e}");
        let e = error_of(&cassette(&[&GOOD.replace("\"ms\":3.5,", "")]));
        assert!(e.message.contains("missing field `ms`"), "{e}");
    }

    #[test]
    fn writes_what_it_reads() {
        let exchange = parse(&cassette(&[GOOD])).unwrap().remove(0);
        let line = serde_json::to_string(&exchange).unwrap();
        let again = parse(&cassette(&[&line])).unwrap().remove(0);
        assert_eq!(serde_json::to_string(&again).unwrap(), line);
    }
}
