//! Choosing between SSE and JSON lines: by Content-Type, then by the first bytes.

use super::Format;

/// The format a Content-Type names, if it names one. Case-insensitive;
/// parameters such as `charset` are ignored. `application/json` counts as JSON
/// lines (a JSON body is lines of JSON). Anything else (`text/plain`,
/// `application/octet-stream`, ...) returns None: the bytes decide.
pub fn format_from_content_type(content_type: &str) -> Option<Format> {
    let essence = content_type.split(';').next().unwrap_or("").trim();
    let is = |name: &str| essence.eq_ignore_ascii_case(name);
    if is("text/event-stream") {
        Some(Format::Sse)
    } else if [
        "application/x-ndjson",
        "application/ndjson",
        "application/jsonl",
        "application/json-lines",
        "application/x-jsonlines",
        "application/json",
    ]
    .into_iter()
    .any(is)
    {
        Some(Format::JsonLines)
    } else {
        None
    }
}

/// Bytes that may precede the first meaningful byte.
pub fn is_blank(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\r' | b'\n')
}

/// Decides the format from the first non-blank byte of the body and the
/// Content-Type's verdict (`hint`).
///
/// - A JSON Content-Type is trusted (the JSON-lines decoder tolerates `data:` prefixes).
/// - `{` means JSON lines, even when the Content-Type says event-stream.
/// - Without a usable Content-Type, `[` also means JSON lines (`[DONE]`).
/// - Anything else is SSE (`data`, `event`, `:`, `id`, `retry`, `error`, or
///   text the SSE rules will ignore).
pub fn sniff(first_non_blank: u8, hint: Option<Format>) -> Format {
    match (hint, first_non_blank) {
        (Some(Format::JsonLines), _) => Format::JsonLines,
        (_, b'{') | (None, b'[') => Format::JsonLines,
        _ => Format::Sse,
    }
}
