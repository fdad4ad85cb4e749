//! What a server is started with: the key it accepts, TLS, the fault flags and its mode (serve
//! the scenarios, record through to an upstream, or replay a cassette). The README's "Command
//! line" section maps each flag to a field here.

use std::path::PathBuf;
use std::time::Duration;

use crate::http::MAX_BODY;

/// Options for [`crate::TestServer::start`].
#[derive(Clone, Debug)]
pub struct ServerOptions {
    /// The key accepted in `Authorization: Bearer <key>`. Default `"test-key"`.
    pub api_key: String,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            api_key: "test-key".to_string(),
        }
    }
}

/// Options for [`crate::TestServer::start_tls`].
#[derive(Clone, Debug, Default)]
pub struct TlsOptions {
    /// Complete the handshake only with clients presenting a certificate signed by the test CA
    /// ([`crate::CA_PEM`]); the fixture client certificate ([`crate::CLIENT_CERT_PEM`]) is one.
    pub require_client_cert: bool,
}

/// Everything `webraft-mock` can be started with, for [`crate::TestServer::start_mock`].
#[derive(Clone, Debug)]
pub struct MockOptions {
    pub server: ServerOptions,
    /// Serve HTTPS with the fixture certificates.
    pub tls: Option<TlsOptions>,
    pub faults: Faults,
    pub mode: Mode,
    /// Request bodies over this many bytes get 413 (default [`MAX_BODY`], 64 MiB).
    pub max_body: usize,
}

impl Default for MockOptions {
    fn default() -> Self {
        MockOptions {
            server: ServerOptions::default(),
            tls: None,
            faults: Faults::default(),
            mode: Mode::Serve,
            max_body: MAX_BODY,
        }
    }
}

/// What the server answers with.
#[derive(Clone, Debug)]
pub enum Mode {
    /// The scenarios (the default).
    Serve,
    /// A reverse proxy to an upstream that writes every exchange to a cassette.
    Record(RecordOptions),
    /// Answers from a cassette.
    Replay(ReplayOptions),
}

#[derive(Clone, Debug)]
pub struct RecordOptions {
    /// Where requests go: the request's path (and query) is appended to this URL.
    pub upstream: String,
    /// The cassette to write (created or truncated).
    pub cassette: PathBuf,
    /// More header names whose values must not reach the cassette (case-insensitive).
    pub redact: Vec<String>,
    /// A PEM file of a CA to trust for an HTTPS upstream, besides the system's roots.
    pub upstream_ca: Option<PathBuf>,
}

#[derive(Clone, Debug)]
pub struct ReplayOptions {
    pub cassette: PathBuf,
    /// Serve the exchanges in recorded order instead of matching request bodies.
    pub in_order: bool,
    /// Recorded delays are divided by this; 0 means no delays at all.
    pub speed: f64,
}

/// Fault injection that applies to every request, whatever its model (see the README's "Fault
/// flags").
#[derive(Clone, Debug, Default)]
pub struct Faults {
    /// Waited before every response's status line.
    pub latency: Duration,
    /// Waited before every piece of a streamed body.
    pub chunk_delay: Duration,
    /// After this many pieces of a streamed body, send nothing more and hold the connection.
    pub stall_after: Option<usize>,
    /// After this many pieces of a streamed body, close the connection without ending the body.
    pub disconnect_after: Option<usize>,
    /// The first requests get these errors, one each, in order; later ones are served normally.
    pub errors: Vec<InjectedError>,
}

/// One error of the `--errors` sequence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InjectedError {
    pub status: u16,
    pub retry_after: Option<RetryAfter>,
}

/// The retry hint an injected error carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetryAfter {
    /// `Retry-After: <n>`.
    Seconds(u64),
    /// `retry-after-ms: <n>`, plus `Retry-After` rounded up to whole seconds for clients that
    /// only read that one.
    Millis(u64),
}
