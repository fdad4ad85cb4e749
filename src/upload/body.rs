//! One attempt's multipart body: the form's parts framed by a fresh boundary, files read in
//! pieces as the connection takes them, so a large upload never sits in memory whole.

use super::{Form, Source};
use crate::error::{Error, Result};
use crate::file::open_upload;
use bytes::Bytes;
use http_body::{Frame, SizeHint};
use std::collections::VecDeque;
use std::fs::File;
use std::hash::{BuildHasher, RandomState};
use std::io::Read;
use std::path::PathBuf;
use std::pin::Pin;
use std::task::{Context, Poll};

/// How much of a file one frame carries.
const FILE_PIECE_BYTES: usize = 64 << 10;

/// A multipart/form-data body, ready to send once.
#[derive(Debug)]
pub struct Multipart {
    boundary: String,
    segments: VecDeque<Segment>,
    length: u64,
}

#[derive(Debug)]
enum Segment {
    Bytes(Bytes),
    File { file: File, path: PathBuf, left: u64 },
}

impl Multipart {
    /// Frame `form`, opening its files now: a file that is gone, unreadable or not regular,
    /// or files together over `max_upload_bytes`, fail here, before anything is sent.
    pub fn new(form: &Form, max_upload_bytes: u64) -> Result<Multipart> {
        let boundary = fresh_boundary();
        let mut body = Multipart { boundary, segments: VecDeque::new(), length: 0 };
        let mut file_bytes = 0u64;
        for part in &form.parts {
            body.push(Bytes::from(body.part_head(&part.name, part.file.as_ref())));
            match &part.source {
                Source::Bytes(bytes) => {
                    file_bytes += if part.file.is_some() { bytes.len() as u64 } else { 0 };
                    body.length += bytes.len() as u64;
                    body.segments.push_back(Segment::Bytes(Bytes::from_owner(bytes.clone())));
                }
                Source::Path(path) => {
                    let (file, size) = open_upload(path)?;
                    file_bytes += size;
                    body.length += size;
                    body.segments.push_back(Segment::File { file, path: path.clone(), left: size });
                }
            }
            check_bound(file_bytes, max_upload_bytes, part.source_name())?;
            body.push(Bytes::from_static(b"\r\n"));
        }
        body.push(Bytes::from(format!("--{}--\r\n", body.boundary)));
        Ok(body)
    }

    /// The Content-Type header the body needs.
    pub fn content_type(&self) -> String {
        format!("multipart/form-data; boundary={}", self.boundary)
    }

    pub fn len(&self) -> u64 {
        self.length
    }

    pub fn is_empty(&self) -> bool {
        self.length == 0
    }

    fn push(&mut self, bytes: Bytes) {
        self.length += bytes.len() as u64;
        self.segments.push_back(Segment::Bytes(bytes));
    }

    fn part_head(&self, name: &str, file: Option<&super::FileInfo>) -> String {
        let mut head = format!("--{}\r\nContent-Disposition: form-data; name=\"{}\"", self.boundary, quoted(name));
        if let Some(file) = file {
            head += &format!("; filename=\"{}\"\r\nContent-Type: {}", quoted(&file.filename), file.content_type);
        }
        head + "\r\n\r\n"
    }

    /// The next piece to send, reading files as it goes.
    fn next_piece(&mut self) -> Option<std::io::Result<Bytes>> {
        loop {
            match self.segments.front_mut()? {
                Segment::Bytes(_) => match self.segments.pop_front() {
                    Some(Segment::Bytes(bytes)) if !bytes.is_empty() => return Some(Ok(bytes)),
                    _ => continue,
                },
                Segment::File { left: 0, .. } => {
                    self.segments.pop_front();
                }
                Segment::File { file, path, left } => return Some(read_piece(file, path, left)),
            }
        }
    }
}

impl super::Part {
    /// How a message names this part: its path, or its field name.
    fn source_name(&self) -> String {
        match &self.source {
            Source::Path(path) => path.display().to_string(),
            Source::Bytes(_) => format!("the part {:?}", self.name),
        }
    }
}

/// Fail once the files so far are over the bound; `last` is the one that crossed it.
fn check_bound(file_bytes: u64, bound: u64, last: String) -> Result<()> {
    if file_bytes > bound {
        return Err(Error::InvalidArgument(format!(
            "cannot upload {last}: the form's files come to {file_bytes} bytes, over max_upload_bytes ({bound})"
        )));
    }
    Ok(())
}

/// Up to a piece of the file's remaining bytes. A file that shrank since it was measured
/// would leave the announced length unmet, so that is an error, not a short body.
fn read_piece(file: &mut File, path: &std::path::Path, left: &mut u64) -> std::io::Result<Bytes> {
    let want = (*left).min(FILE_PIECE_BYTES as u64) as usize;
    let mut piece = vec![0u8; want];
    let read = file.read(&mut piece)?;
    if read == 0 {
        return Err(std::io::Error::other(format!("{} shrank while it was being uploaded", path.display())));
    }
    piece.truncate(read);
    *left -= read as u64;
    Ok(Bytes::from(piece))
}

/// A part header's quoted value: quotes and line breaks percent-encoded, as browsers do.
fn quoted(value: &str) -> String {
    value.replace('"', "%22").replace('\r', "%0D").replace('\n', "%0A")
}

/// 128 random bits: the boundary must not occur in any part, and cannot be chosen by looking.
fn fresh_boundary() -> String {
    let random = || RandomState::new().hash_one(std::time::SystemTime::now());
    format!("webraft-{:016x}{:016x}", random(), random())
}

impl http_body::Body for Multipart {
    type Data = Bytes;
    type Error = std::io::Error;

    /// Files are read with blocking calls: local reads of one piece are short, and the
    /// connection only asks for the next piece once it has sent the last.
    fn poll_frame(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<std::io::Result<Frame<Bytes>>>> {
        Poll::Ready(self.get_mut().next_piece().map(|piece| piece.map(Frame::data)))
    }

    fn is_end_stream(&self) -> bool {
        self.segments.is_empty()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.length)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Status;
    use std::path::Path;

    fn sent(mut body: Multipart) -> Vec<u8> {
        let mut all = Vec::new();
        while let Some(piece) = body.next_piece() {
            all.extend_from_slice(&piece.unwrap());
        }
        all
    }

    #[test]
    fn the_body_frames_every_part_and_its_length_is_exact() {
        let path = std::env::temp_dir().join(format!("webraft-multipart-{}.wav", std::process::id()));
        let audio: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &audio).unwrap();
        let mut form = Form::new();
        form.add_text("model", "whisper-1");
        form.add_file_path("file", &path, Some("say \"hi\".wav"), None).unwrap();
        form.add_file_bytes("extra", b"\0\x01", "x.bin", Some("application/x-test")).unwrap();
        let body = Multipart::new(&form, 1 << 20).unwrap();
        let boundary = body.boundary.clone();
        let length = body.len();
        let bytes = sent(body);
        assert_eq!(bytes.len() as u64, length);
        let text = String::from_utf8_lossy(&bytes);
        let expected_head = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nwhisper-1\r\n--{boundary}\r\n\
             Content-Disposition: form-data; name=\"file\"; filename=\"say %22hi%22.wav\"\r\nContent-Type: audio/wav\r\n\r\n"
        );
        assert!(text.starts_with(&expected_head), "{}", &text[..300]);
        let audio_at = expected_head.len();
        assert_eq!(&bytes[audio_at..audio_at + audio.len()], &audio[..]);
        assert!(text.ends_with(&format!("\0\x01\r\n--{boundary}--\r\n")));
        let over = Multipart::new(&form, 100_000).unwrap_err();
        assert_eq!(over.status(), Status::InvalidArgument);
        assert!(over.to_string().contains(&path.display().to_string()), "{over}");
        std::fs::remove_file(&path).unwrap();
        let gone = Multipart::new(&form, 1 << 20).unwrap_err();
        assert!(gone.to_string().contains(&path.display().to_string()), "{gone}");
        assert!(Path::new(&path).file_name().is_some());
    }
}
