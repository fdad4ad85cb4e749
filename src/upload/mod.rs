//! Multipart/form-data uploads: a form of text fields and file parts (from memory, or from a
//! path read only while the body is sent), and the body built from it for each attempt.

mod body;

use crate::error::{Error, Result};
use crate::file::open_upload;
use crate::mime;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use body::Multipart;

/// Parts in the order they are sent. Cloning is cheap: contents are shared, not copied, so a
/// call takes a snapshot and the form stays the caller's to change.
#[derive(Debug, Clone, Default)]
pub struct Form {
    parts: Vec<Part>,
}

#[derive(Debug, Clone)]
struct Part {
    name: String,
    /// File parts only: the file name and media type the part header announces.
    file: Option<FileInfo>,
    source: Source,
}

#[derive(Debug, Clone)]
struct FileInfo {
    filename: String,
    content_type: String,
}

#[derive(Debug, Clone)]
enum Source {
    /// A text value, or a file's bytes held in memory.
    Bytes(Arc<[u8]>),
    /// A file on disk, opened afresh for each attempt.
    Path(PathBuf),
}

impl Form {
    pub fn new() -> Form {
        Form::default()
    }

    pub fn add_text(&mut self, name: &str, value: &str) {
        self.parts.push(Part {
            name: name.to_string(),
            file: None,
            source: Source::Bytes(value.as_bytes().into()),
        });
    }

    /// A file part whose bytes are copied into the form. Without a content type, the bytes'
    /// magic or the file name's extension says what it is.
    pub fn add_file_bytes(&mut self, name: &str, bytes: &[u8], filename: &str, content_type: Option<&str>) -> Result<()> {
        let content_type = chosen_type(content_type, || mime::of_file(bytes, Path::new(filename)))?;
        self.parts.push(Part {
            name: name.to_string(),
            file: Some(FileInfo { filename: filename.to_string(), content_type }),
            source: Source::Bytes(bytes.into()),
        });
        Ok(())
    }

    /// A file part read from `path` when the form is sent. The file is checked now (and again
    /// then); without a file name the path's last component is sent, without a content type
    /// the file's first bytes or its extension say what it is.
    pub fn add_file_path(&mut self, name: &str, path: &Path, filename: Option<&str>, content_type: Option<&str>) -> Result<()> {
        let (file, _) = open_upload(path)?;
        let content_type = chosen_type(content_type, || {
            let mut first = Vec::with_capacity(mime::SNIFF_BYTES);
            // Unreadable leading bytes just leave the extension to decide.
            let _ = file.take(mime::SNIFF_BYTES as u64).read_to_end(&mut first);
            mime::of_file(&first, path)
        })?;
        let filename = match filename {
            Some(given) => given.to_string(),
            None => path.file_name().map_or_else(|| "file".to_string(), |n| n.to_string_lossy().into_owned()),
        };
        self.parts.push(Part {
            name: name.to_string(),
            file: Some(FileInfo { filename, content_type }),
            source: Source::Path(path.to_path_buf()),
        });
        Ok(())
    }

    /// Whether the form has a field called `name`.
    pub fn has_field(&self, name: &str) -> bool {
        self.parts.iter().any(|part| part.name == name)
    }

    /// Whether the form asks for a streamed reply: a text field `stream` saying `true`.
    pub fn asks_to_stream(&self) -> bool {
        self.parts.iter().any(|part| {
            part.name == "stream" && part.file.is_none() && matches!(&part.source, Source::Bytes(b) if &**b == b"true")
        })
    }
}

/// The caller's content type, which must fit in a header line, or the detected one.
fn chosen_type(given: Option<&str>, detect: impl FnOnce() -> &'static str) -> Result<String> {
    match given {
        Some(given) if given.is_empty() || given.contains(['\r', '\n']) => Err(Error::InvalidArgument(format!(
            "content type {given:?} is not a single header value"
        ))),
        Some(given) => Ok(given.to_string()),
        None => Ok(detect().to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Status;

    #[test]
    fn file_parts_say_what_they_are_and_bad_files_are_refused_by_path() {
        let mut form = Form::new();
        form.add_file_bytes("file", b"RIFF\0\0\0\0WAVEdata", "clip.bin", None).unwrap();
        form.add_file_bytes("image", b"???", "cat.png", None).unwrap();
        form.add_file_bytes("raw", b"???", "blob", Some("audio/x-custom")).unwrap();
        let types: Vec<_> = form.parts.iter().map(|p| p.file.as_ref().unwrap().content_type.as_str()).collect();
        assert_eq!(types, ["audio/wav", "image/png", "audio/x-custom"]);
        let bad_type = form.add_file_bytes("x", b"", "x", Some("a\r\nX-Injected: 1")).unwrap_err();
        assert_eq!(bad_type.status(), Status::InvalidArgument);
        let missing = form.add_file_path("file", Path::new("/nonexistent/a.wav"), None, None).unwrap_err();
        assert_eq!(missing.status(), Status::InvalidArgument);
        assert!(missing.to_string().contains("/nonexistent/a.wav"), "{missing}");
        assert_eq!(form.parts.len(), 3, "a refused part is not added");
    }

    #[test]
    fn a_stream_field_saying_true_asks_for_a_stream() {
        let mut form = Form::new();
        form.add_text("model", "whisper-1");
        assert!(!form.asks_to_stream() && !form.has_field("stream"));
        form.add_text("stream", "true");
        assert!(form.asks_to_stream() && form.has_field("stream"));
    }
}
