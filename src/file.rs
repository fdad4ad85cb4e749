//! Reading caller-named local files without trusting them: only regular files,
//! and never more than a stated size (a FIFO would block, /dev/zero never ends).

use crate::error::{Error, Result};
use std::io::Read;

/// The whole of the regular file at `path`, if it holds at most `limit` bytes.
pub fn read_regular_file(path: &str, limit: u64, what: &str) -> Result<Vec<u8>> {
    let io_error = |source| Error::Io {
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
}
