//! A strict multipart/form-data parser for the upload routes: the boundary must come from the
//! Content-Type header, every delimiter and header block must be well formed, the body must end
//! with the closing delimiter, and a file part must say its Content-Type. What a client sent
//! wrongly is a 400 naming the problem, never a guess.

use super::errors::ApiError;
use crate::http::Request;

/// One part, borrowing its bytes from the request body.
pub(crate) struct Part<'a> {
    pub(crate) name: String,
    /// Set for file parts.
    pub(crate) filename: Option<String>,
    pub(crate) content_type: Option<String>,
    pub(crate) data: &'a [u8],
}

impl Part<'_> {
    /// A text field's value (lossy: field values are text).
    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(self.data).into_owned()
    }
}

fn bad(message: impl Into<String>) -> ApiError {
    ApiError::new(400, "invalid_request_error", message).with_code("invalid_multipart")
}

/// The boundary named by a `multipart/form-data` Content-Type.
fn boundary(req: &Request) -> Result<String, ApiError> {
    let content_type = req.header("content-type").unwrap_or("");
    let mut params = content_type.split(';').map(str::trim);
    if !params.next().unwrap_or("").eq_ignore_ascii_case("multipart/form-data") {
        return Err(bad(format!(
            "Invalid Content-Type {content_type:?}: this endpoint takes multipart/form-data."
        )));
    }
    let boundary = params
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("boundary"))
        .map(|(_, v)| v.trim().trim_matches('"').to_string())
        .filter(|b| !b.is_empty() && b.len() <= 70)
        .ok_or_else(|| bad("The multipart/form-data Content-Type has no usable boundary."))?;
    Ok(boundary)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Every part of the request's multipart body, in order.
pub(crate) fn parse(req: &Request) -> Result<Vec<Part<'_>>, ApiError> {
    let boundary = boundary(req)?;
    let opening = format!("--{boundary}\r\n");
    let delimiter = format!("\r\n--{boundary}");
    let body = req.body.as_slice();
    let mut rest = body
        .strip_prefix(opening.as_bytes())
        .ok_or_else(|| bad(format!("The body does not start with the boundary line \"--{boundary}\".")))?;
    let mut parts = Vec::new();
    loop {
        let end = find(rest, delimiter.as_bytes())
            .ok_or_else(|| bad(format!("Part {} is not closed by the boundary.", parts.len())))?;
        parts.push(part(&rest[..end], parts.len())?);
        let after = &rest[end + delimiter.len()..];
        if let Some(next) = after.strip_prefix(b"\r\n") {
            rest = next;
        } else if matches!(after, b"--" | b"--\r\n") {
            return Ok(parts);
        } else {
            return Err(bad("A boundary is followed by neither a line break nor the closing \"--\"."));
        }
    }
}

/// One part: its header block, a blank line, its bytes.
fn part(bytes: &[u8], index: usize) -> Result<Part<'_>, ApiError> {
    let split = find(bytes, b"\r\n\r\n").ok_or_else(|| bad(format!("Part {index} has no blank line after its headers.")))?;
    let head = std::str::from_utf8(&bytes[..split]).map_err(|_| bad(format!("Part {index}'s headers are not UTF-8.")))?;
    let (mut disposition, mut content_type) = (None, None);
    for line in head.split("\r\n") {
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| bad(format!("Part {index} has a malformed header line {line:?}.")))?;
        match name.trim().to_ascii_lowercase().as_str() {
            "content-disposition" => disposition = Some(value.trim()),
            "content-type" => content_type = Some(value.trim().to_string()),
            _ => {}
        }
    }
    let disposition = disposition.ok_or_else(|| bad(format!("Part {index} has no Content-Disposition header.")))?;
    let name = disposition_param(disposition, "name")
        .ok_or_else(|| bad(format!("Part {index}'s Content-Disposition is not form-data with a name: {disposition:?}.")))?;
    let filename = disposition_param(disposition, "filename");
    if filename.is_some() && content_type.is_none() {
        return Err(bad(format!("The file part {name:?} has no Content-Type header.")));
    }
    Ok(Part { name, filename, content_type, data: &bytes[split + 4..] })
}

/// A quoted parameter of a `form-data` disposition.
fn disposition_param(disposition: &str, key: &str) -> Option<String> {
    let mut params = disposition.split(';').map(str::trim);
    if params.next()? != "form-data" {
        return None;
    }
    params
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| k.trim() == key)
        .and_then(|(_, v)| v.trim().strip_prefix('"')?.strip_suffix('"').map(str::to_string))
}

/// The first part called `name`.
pub(crate) fn field<'p, 'a>(parts: &'p [Part<'a>], name: &str) -> Option<&'p Part<'a>> {
    parts.iter().find(|p| p.name == name)
}

/// A required text field's value.
pub(crate) fn required_text(parts: &[Part], name: &str) -> Result<String, ApiError> {
    match field(parts, name) {
        Some(part) if part.filename.is_none() => Ok(part.text()),
        Some(_) => Err(ApiError::invalid(name, format!("Invalid '{name}': expected a text field, got a file."))),
        None => Err(ApiError::missing(name)),
    }
}

/// A required file part (the first of `names` present).
pub(crate) fn required_file<'p, 'a>(parts: &'p [Part<'a>], names: &[&str]) -> Result<&'p Part<'a>, ApiError> {
    let found = names.iter().find_map(|n| field(parts, n));
    match found {
        Some(part) if part.filename.is_some() => Ok(part),
        Some(part) => Err(ApiError::invalid(&part.name, format!("Invalid '{}': expected a file.", part.name))),
        None => Err(ApiError::missing(names[0])),
    }
}
