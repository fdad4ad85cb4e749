//! Image URLs in chat content parts: validation, and the description the reply repeats.

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;

use super::errors::ApiError;

/// Base64 for image data URLs: standard alphabet, padding optional.
const DATA_URL_BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

fn valid_image_subtype(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '+' | '-'))
}

fn bad_url(param: &str, why: &str) -> ApiError {
    ApiError::invalid(param, format!("Invalid '{param}': {why}"))
}

/// Length of the `http://` or `https://` prefix (any case), if the URL has one.
fn http_scheme_len(url: &str) -> Option<usize> {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    if lower.starts_with("http://") {
        Some(7)
    } else if lower.starts_with("https://") {
        Some(8)
    } else {
        None
    }
}

/// `data:image/<subtype>;base64,<data>` (after `data:`) → `<mime> <decoded byte count> bytes`.
fn describe_data_url(param: &str, rest: &str) -> Result<String, ApiError> {
    let Some((meta, data)) = rest.split_once(',') else {
        return Err(bad_url(param, "the data URL has no ',' separator."));
    };
    let Some(mime) = meta.strip_suffix(";base64") else {
        return Err(bad_url(
            param,
            "the data URL must be base64-encoded (data:image/<type>;base64,<data>).",
        ));
    };
    if !mime.strip_prefix("image/").is_some_and(valid_image_subtype) {
        return Err(bad_url(
            param,
            &format!("the data URL media type must be image/<type>, got '{mime}'."),
        ));
    }
    if data.is_empty() {
        return Err(bad_url(param, "the image data is empty."));
    }
    let bytes = DATA_URL_BASE64
        .decode(data)
        .map_err(|_| bad_url(param, "the image data is not valid base64."))?;
    Ok(format!("{mime} {} bytes", bytes.len()))
}

/// Validates an image URL and returns its description for the reply
/// (`url <url>` or `<mime> <decoded byte count> bytes`).
pub(crate) fn describe_image(param: &str, url: &str) -> Result<String, ApiError> {
    if let Some(scheme_len) = http_scheme_len(url) {
        if url.len() > scheme_len && !url.chars().any(char::is_whitespace) {
            return Ok(format!("url {url}"));
        }
        return Err(bad_url(
            param,
            "the URL has no host or contains whitespace.",
        ));
    }
    if let Some(rest) = url.strip_prefix("data:") {
        return describe_data_url(param, rest);
    }
    Err(bad_url(
        param,
        "expected an http(s) URL or a base64 data URL (data:image/<type>;base64,<data>).",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_descriptions() {
        assert_eq!(
            describe_image("p", "https://x/y.png").unwrap(),
            "url https://x/y.png"
        );
        assert_eq!(
            describe_image("p", "data:image/png;base64,AAEC").unwrap(),
            "image/png 3 bytes"
        );
        assert_eq!(
            describe_image("p", "data:image/png;base64,AAE").unwrap(),
            "image/png 2 bytes"
        );
        assert!(describe_image("p", "data:image/png;base64,!!!").is_err());
        assert!(describe_image("p", "data:text/plain;base64,AAEC").is_err());
        assert!(describe_image("p", "ftp://x").is_err());
        assert!(describe_image("p", "https://").is_err());
    }
}
