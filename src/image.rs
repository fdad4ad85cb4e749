//! Local image files as `data:` URL content parts, so native programs can send screenshots.

use crate::error::{Error, Result};
use crate::file::read_regular_file;
use crate::mime;
use base64::Engine;
use serde_json::{json, Value};
use std::path::Path;

/// Larger files are refused rather than base64-inflated into a request body.
pub const MAX_IMAGE_BYTES: u64 = 20 << 20;

/// `{"type":"image_url","image_url":{"url":"data:<mime>;base64,...","detail"?}}` for a local file.
pub fn image_content_part(path: &str, detail: Option<&str>) -> Result<Value> {
    url_part(&data_url(path)?, detail)
}

/// `{"type":"image_url","image_url":{"url":…,"detail"?}}` for a URL the caller already has.
pub fn url_part(url: &str, detail: Option<&str>) -> Result<Value> {
    let mut image_url = json!({ "url": url });
    if let Some(detail) = detail {
        if !matches!(detail, "auto" | "low" | "high") {
            return Err(Error::InvalidArgument(format!(
                "image detail must be \"auto\", \"low\" or \"high\", not {detail:?}"
            )));
        }
        image_url["detail"] = Value::from(detail);
    }
    Ok(json!({ "type": "image_url", "image_url": image_url }))
}

/// Read `path` and encode it as a data URL; the MIME type comes from the
/// file's magic bytes, or failing that its extension.
pub fn data_url(path: &str) -> Result<String> {
    let bytes = read_regular_file(path, MAX_IMAGE_BYTES, "images")?;
    let mime = sniff_mime(&bytes)
        .or_else(|| mime_from_extension(path))
        .ok_or_else(|| {
            Error::InvalidArgument(format!("{path} is not a PNG, JPEG, GIF or WebP image"))
        })?;
    Ok(encode(mime, &bytes))
}

/// An image held in memory as a data URL; its bytes must say what it is.
pub fn bytes_data_url(bytes: &[u8]) -> Result<String> {
    if bytes.len() as u64 > MAX_IMAGE_BYTES {
        return Err(Error::InvalidArgument(format!(
            "the image is {} bytes; images are limited to {MAX_IMAGE_BYTES} bytes",
            bytes.len()
        )));
    }
    let mime = sniff_mime(bytes).ok_or_else(|| {
        Error::InvalidArgument("the image bytes are not a PNG, JPEG, GIF or WebP image".into())
    })?;
    Ok(encode(mime, bytes))
}

fn encode(mime: &str, bytes: &[u8]) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
    format!("data:{mime};base64,{encoded}")
}

/// An image type from the bytes' magic; other kinds of file are not images.
fn sniff_mime(bytes: &[u8]) -> Option<&'static str> {
    mime::sniff(bytes).filter(|mime| mime.starts_with("image/"))
}

fn mime_from_extension(path: &str) -> Option<&'static str> {
    mime::from_extension(Path::new(path)).filter(|mime| mime.starts_with("image/"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Status;

    fn temp_file(name: &str, bytes: &[u8]) -> String {
        let path =
            std::env::temp_dir().join(format!("webraft-image-{}-{name}", std::process::id()));
        std::fs::write(&path, bytes).unwrap();
        path.to_string_lossy().into_owned()
    }

    #[test]
    fn png_bytes_win_over_a_wrong_extension() {
        let path = temp_file("shot.jpg", b"\x89PNG\r\n\x1a\nrest");
        let part = image_content_part(&path, Some("low")).unwrap();
        assert_eq!(part["type"], "image_url");
        assert_eq!(part["image_url"]["detail"], "low");
        assert_eq!(
            part["image_url"]["url"],
            "data:image/png;base64,iVBORw0KGgpyZXN0"
        );
    }

    #[test]
    fn extension_is_the_fallback_and_unknown_types_are_refused() {
        let path = temp_file("photo.JPEG", b"no magic here");
        assert!(data_url(&path)
            .unwrap()
            .starts_with("data:image/jpeg;base64,"));
        let path = temp_file("notes.txt", b"hello");
        assert_eq!(
            data_url(&path).unwrap_err().status(),
            Status::InvalidArgument
        );
    }

    #[test]
    fn missing_file_and_bad_detail_are_clear_errors() {
        let err = data_url("/nonexistent/webraft.png").unwrap_err();
        assert_eq!(err.status(), Status::Io);
        assert!(
            err.to_string().contains("/nonexistent/webraft.png"),
            "{err}"
        );
        let path = temp_file("ok.gif", b"GIF89a....");
        assert_eq!(
            image_content_part(&path, Some("huge"))
                .unwrap_err()
                .status(),
            Status::InvalidArgument
        );
    }
}
