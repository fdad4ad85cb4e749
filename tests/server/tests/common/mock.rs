//! Running the `webraft-mock` binary from tests: start it, read its `LISTENING` line, keep its
//! stderr, and kill it when dropped; plus a reader that timestamps each HTTP chunk.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::Conn;

pub struct Mock {
    child: Child,
    pub port: u16,
    stderr: Arc<Mutex<String>>,
}

impl Mock {
    /// Starts `webraft-mock ARGS --port 0`; panics with its stderr if it does not start.
    pub fn start(args: &[&str]) -> Mock {
        Mock::try_start(args).unwrap_or_else(|(status, stderr)| {
            panic!("webraft-mock {args:?} did not start ({status}): {stderr}")
        })
    }

    /// Starts it, or returns how it exited and what it printed on stderr.
    pub fn try_start(args: &[&str]) -> Result<Mock, (ExitStatus, String)> {
        let mut child = Command::new(env!("CARGO_BIN_EXE_webraft-mock"))
            .args(args)
            .args(["--port", "0"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn webraft-mock");
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut pipe = child.stderr.take().unwrap();
        let sink = Arc::clone(&stderr);
        std::thread::spawn(move || {
            let mut text = String::new();
            let mut buf = [0u8; 4096];
            while let Ok(n @ 1..) = pipe.read(&mut buf) {
                text.push_str(&String::from_utf8_lossy(&buf[..n]));
                *sink.lock().unwrap() = text.clone();
            }
        });
        let mut line = String::new();
        let _ = BufReader::new(child.stdout.take().unwrap()).read_line(&mut line);
        match line.trim().strip_prefix("LISTENING ") {
            Some(port) => Ok(Mock {
                port: port.parse().unwrap(),
                child,
                stderr,
            }),
            None => {
                let status = child.wait().unwrap();
                std::thread::sleep(Duration::from_millis(50)); // let the reader finish
                let text = stderr.lock().unwrap().clone();
                Err((status, text))
            }
        }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Whether its stderr shows `needle` within 5 s (a reader thread collects it as it comes).
    pub fn stderr_shows(&self, needle: &str) -> bool {
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if self.stderr.lock().unwrap().contains(needle) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        false
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits (up to 5 s) for the process to exit by itself.
    pub fn wait_exit(&mut self) -> ExitStatus {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "webraft-mock did not exit");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Closes its stdin (for `--exit-on-stdin-eof`).
    pub fn close_stdin(&mut self) {
        drop(self.child.stdin.take());
    }
}

impl Drop for Mock {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A fresh directory under the system's temporary one, removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("webraft-mock-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    pub fn path(&self, file: &str) -> PathBuf {
        self.0.join(file)
    }

    pub fn dir(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A chunked response read chunk by chunk: status, each chunk with its arrival time since
/// `since`, and whether the terminating chunk came.
pub struct Timed {
    pub status: u16,
    pub chunks: Vec<(Duration, Vec<u8>)>,
    pub complete: bool,
}

impl Timed {
    pub fn text(&self) -> String {
        let bytes: Vec<u8> = self.chunks.iter().flat_map(|(_, c)| c.clone()).collect();
        String::from_utf8(bytes).unwrap()
    }
}

/// Reads a streamed (chunked) response, timing each chunk. A read timeout ends it incomplete.
pub fn timed_chunks(conn: &mut Conn, since: Instant) -> Timed {
    let (status, _) = conn.read_head().expect("head");
    let mut chunks = Vec::new();
    loop {
        let Ok(Some(size_line)) = conn.line() else {
            return Timed {
                status,
                chunks,
                complete: false,
            };
        };
        let size = usize::from_str_radix(size_line.trim(), 16).expect("chunk size");
        if size == 0 {
            let _ = conn.line();
            return Timed {
                status,
                chunks,
                complete: true,
            };
        }
        while conn.buf.len() < size + 2 {
            if !matches!(conn.fill(), Ok(1..)) {
                return Timed {
                    status,
                    chunks,
                    complete: false,
                };
            }
        }
        let data: Vec<u8> = conn.buf.drain(..size).collect();
        conn.buf.drain(..2);
        chunks.push((since.elapsed(), data));
    }
}
