//! Caller-named local files, not trusted: only regular files are read, and never more than a
//! stated size (a FIFO would block, /dev/zero never ends); files are written beside their
//! target and renamed over it once complete, so a failure never leaves one half-written.

use crate::error::{Error, Result};
use std::ffi::OsString;
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// The whole of the regular file at `path`, if it holds at most `limit` bytes.
pub fn read_regular_file(path: &str, limit: u64, what: &str) -> Result<Vec<u8>> {
    let io_error = |source| Error::Io {
        action: "read",
        path: path.to_string(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io_error)?;
    if !file.metadata().map_err(io_error)?.is_file() {
        return Err(Error::InvalidArgument(format!(
            "{path} is not a regular file"
        )));
    }
    let mut bytes = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(io_error)?;
    if bytes.len() as u64 > limit {
        return Err(Error::InvalidArgument(format!(
            "{path} is larger than {limit} bytes, the limit for {what}"
        )));
    }
    Ok(bytes)
}

/// Open a file the caller wants uploaded, with its size now. A missing, unreadable or
/// non-regular file (a directory, a FIFO, a device) is the caller's mistake: INVALID_ARGUMENT
/// naming the path.
pub fn open_upload(path: &Path) -> Result<(File, u64)> {
    let refuse = |why: String| Error::InvalidArgument(format!("cannot upload {}: {why}", path.display()));
    // The kind first: opening a FIFO for reading would block until a writer appears.
    let kind = std::fs::metadata(path).map_err(|e| refuse(e.to_string()))?;
    if kind.is_dir() {
        return Err(refuse("it is a directory".into()));
    }
    if !kind.is_file() {
        return Err(refuse("it is not a regular file".into()));
    }
    let file = File::open(path).map_err(|e| refuse(e.to_string()))?;
    let size = file.metadata().map_err(|e| refuse(e.to_string()))?.len();
    Ok((file, size))
}

/// A file being written beside its target, renamed over it by `commit`. Dropped without a
/// commit, it removes itself and the target is untouched.
#[derive(Debug)]
pub struct AtomicFile {
    target: PathBuf,
    temp: PathBuf,
    file: File,
    committed: bool,
}

impl AtomicFile {
    /// Create the temporary file now, so a target that cannot be written fails before any
    /// work is done: a directory is INVALID_ARGUMENT, an unwritable place IO.
    pub fn create(target: &Path) -> Result<AtomicFile> {
        if target.is_dir() {
            return Err(Error::InvalidArgument(format!(
                "cannot write {}: it is a directory",
                target.display()
            )));
        }
        let temp = temp_path_beside(target);
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)
            .map_err(|source| write_error(target, source))?;
        Ok(AtomicFile { target: target.to_path_buf(), temp, file, committed: false })
    }

    pub fn write(&mut self, bytes: &[u8]) -> Result<()> {
        self.file.write_all(bytes).map_err(|source| write_error(&self.target, source))
    }

    /// Make the written bytes the target's content, all at once. A target that already
    /// exists keeps its permissions.
    pub fn commit(mut self) -> Result<()> {
        if let Ok(existing) = std::fs::metadata(&self.target) {
            self.file.set_permissions(existing.permissions()).map_err(|source| write_error(&self.target, source))?;
        }
        self.file.sync_all().map_err(|source| write_error(&self.target, source))?;
        std::fs::rename(&self.temp, &self.target).map_err(|source| write_error(&self.target, source))?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if !self.committed {
            // Best effort: the temporary file is ours alone and of no use to anyone.
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

/// Write `bytes` to `target` through an `AtomicFile`.
pub fn write_atomically(target: &Path, bytes: &[u8]) -> Result<()> {
    let mut file = AtomicFile::create(target)?;
    file.write(bytes)?;
    file.commit()
}

fn write_error(target: &Path, source: std::io::Error) -> Error {
    Error::Io {
        action: "write",
        path: target.display().to_string(),
        source,
    }
}

/// A hidden name in the target's directory (a rename never crosses file systems), unique in
/// this process and unlikely to meet another's.
fn temp_path_beside(target: &Path) -> PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let mut name = OsString::from(".");
    name.push(target.file_name().unwrap_or_else(|| "download".as_ref()));
    name.push(format!(".{}.{}.part", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed)));
    target.with_file_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Status;

    #[test]
    fn devices_directories_and_oversize_files_are_refused() {
        assert_eq!(
            read_regular_file("/dev/zero", 16, "a test")
                .unwrap_err()
                .status(),
            Status::InvalidArgument
        );
        assert_eq!(
            read_regular_file("/tmp", 16, "a test")
                .unwrap_err()
                .status(),
            Status::InvalidArgument
        );
        let path = std::env::temp_dir().join(format!("webraft-file-{}", std::process::id()));
        std::fs::write(&path, b"0123456789").unwrap();
        let path = path.to_string_lossy().into_owned();
        assert_eq!(
            read_regular_file(&path, 10, "a test").unwrap(),
            b"0123456789"
        );
        let err = read_regular_file(&path, 9, "a test").unwrap_err();
        assert!(err.to_string().contains("larger than 9 bytes"), "{err}");
        assert_eq!(
            read_regular_file("/nonexistent/x", 9, "a test")
                .unwrap_err()
                .status(),
            Status::Io
        );
    }

    #[test]
    fn uploads_refuse_what_is_not_a_readable_regular_file_and_name_it() {
        for path in ["/tmp", "/dev/null", "/nonexistent/clip.wav"] {
            let err = open_upload(Path::new(path)).unwrap_err();
            assert_eq!(err.status(), Status::InvalidArgument, "{path}");
            assert!(err.to_string().contains(path), "{err}");
        }
    }

    #[test]
    fn an_atomic_file_appears_only_when_committed() {
        let dir = std::env::temp_dir().join(format!("webraft-atomic-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let target = dir.join("speech.mp3");
        std::fs::write(&target, b"old").unwrap();
        let mut dropped = AtomicFile::create(&target).unwrap();
        dropped.write(b"half").unwrap();
        drop(dropped);
        assert_eq!(std::fs::read(&target).unwrap(), b"old");
        #[cfg(unix)]
        std::fs::set_permissions(&target, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
        write_atomically(&target, b"new\0bytes").unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"new\0bytes");
        #[cfg(unix)]
        assert_eq!(std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&target).unwrap().permissions()) & 0o777, 0o600);
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1, "no temporary file is left");
        assert_eq!(AtomicFile::create(&dir).unwrap_err().status(), Status::InvalidArgument);
        let unwritable = AtomicFile::create(Path::new("/nonexistent/dir/x.png")).unwrap_err();
        assert_eq!(unwritable.status(), Status::Io);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
