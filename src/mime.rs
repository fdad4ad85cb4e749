//! What kind of file some bytes are: from their magic numbers, or failing that a file name's
//! extension. Used for image data URLs and for the file parts of multipart uploads.

use std::path::Path;

/// The media type of a file whose type nothing else tells.
pub const OCTET_STREAM: &str = "application/octet-stream";

/// How many leading bytes `sniff` looks at.
pub const SNIFF_BYTES: usize = 12;

/// The media type the first bytes of a file announce, for the image and audio formats the
/// APIs take.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    let riff = |kind: &[u8]| bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == kind;
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if riff(b"WEBP") {
        Some("image/webp")
    } else if riff(b"WAVE") {
        Some("audio/wav")
    } else if bytes.starts_with(b"ID3") || (bytes.len() >= 2 && bytes[0] == 0xFF && bytes[1] & 0xE0 == 0xE0) {
        Some("audio/mpeg")
    } else if bytes.starts_with(b"OggS") {
        Some("audio/ogg")
    } else if bytes.starts_with(b"fLaC") {
        Some("audio/flac")
    } else if bytes.starts_with(&[0x1A, 0x45, 0xDF, 0xA3]) {
        Some("audio/webm")
    } else if bytes.len() >= 8 && &bytes[4..8] == b"ftyp" {
        Some("audio/mp4")
    } else {
        None
    }
}

/// The media type a file name's extension stands for (any case).
pub fn from_extension(name: &Path) -> Option<&'static str> {
    let extension = name.extension()?.to_str()?.to_ascii_lowercase();
    Some(match extension.as_str() {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "wav" => "audio/wav",
        "mp3" | "mpga" | "mpeg" => "audio/mpeg",
        "m4a" | "mp4" => "audio/mp4",
        "ogg" | "oga" | "opus" => "audio/ogg",
        "flac" => "audio/flac",
        "webm" => "audio/webm",
        "txt" => "text/plain",
        "json" => "application/json",
        "pdf" => "application/pdf",
        _ => return None,
    })
}

/// What a file part is: its bytes' magic first, then its name, then plain bytes.
pub fn of_file(first_bytes: &[u8], name: &Path) -> &'static str {
    sniff(first_bytes)
        .or_else(|| from_extension(name))
        .unwrap_or(OCTET_STREAM)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_wins_over_the_name_and_the_name_over_nothing() {
        assert_eq!(of_file(b"RIFF\0\0\0\0WAVEfmt ", Path::new("x.mp3")), "audio/wav");
        assert_eq!(of_file(b"ID3\x04", Path::new("x")), "audio/mpeg");
        assert_eq!(of_file(b"\x89PNG\r\n\x1a\n", Path::new("x.wav")), "image/png");
        assert_eq!(of_file(b"plain", Path::new("clip.M4A")), "audio/mp4");
        assert_eq!(of_file(b"plain", Path::new("clip")), OCTET_STREAM);
        assert_eq!(of_file(b"", Path::new("notes.txt")), "text/plain");
    }
}
