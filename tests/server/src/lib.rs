#![doc = include_str!("../README.md")]

#[macro_use]
mod json;
mod api;
mod cassette;
pub mod cli;
mod ctx;
mod http;
mod inject;
mod options;
mod record;
mod redact;
mod relay;
mod replay;
mod server;
mod tls;

use std::path::{Path, PathBuf};

pub use http::MAX_BODY;
pub use options::{
    Faults, InjectedError, MockOptions, Mode, RecordOptions, ReplayOptions, RetryAfter,
    ServerOptions, TlsOptions,
};
pub use server::TestServer;

/// The test CA (PEM) that signed the server and client fixture certificates (`certs/ca.pem`).
pub const CA_PEM: &str = include_str!("../certs/ca.pem");
/// The server certificate (PEM, SAN `DNS:localhost`, `IP:127.0.0.1`; `certs/server.pem`).
pub const SERVER_CERT_PEM: &str = include_str!("../certs/server.pem");
/// The server certificate's private key (PKCS#8 PEM, `certs/server.key`).
pub const SERVER_KEY_PEM: &str = include_str!("../certs/server.key");
/// A client-auth certificate signed by the test CA (PEM, `certs/client.pem`).
pub const CLIENT_CERT_PEM: &str = include_str!("../certs/client.pem");
/// The client certificate's private key (PKCS#8 PEM, `certs/client.key`).
pub const CLIENT_KEY_PEM: &str = include_str!("../certs/client.key");

/// The fixture file names accepted by [`fixture_path`].
pub const FIXTURE_NAMES: [&str; 5] = [
    "ca.pem",
    "server.pem",
    "server.key",
    "client.pem",
    "client.key",
];

/// The fixture files' contents, in the order of [`FIXTURE_NAMES`].
pub(crate) const FIXTURES: [&str; 5] = [
    CA_PEM,
    SERVER_CERT_PEM,
    SERVER_KEY_PEM,
    CLIENT_CERT_PEM,
    CLIENT_KEY_PEM,
];

/// The model names (or patterns such as `flaky-<k>-<tag>`) that choose a scenario, in the
/// order of the table above.
pub fn scenario_models() -> Vec<String> {
    api::model_patterns()
}

/// Absolute path of a committed certificate fixture, e.g. `fixture_path("ca.pem")`, for
/// configurations that take file paths. Panics on a name not in [`FIXTURE_NAMES`].
pub fn fixture_path(name: &str) -> PathBuf {
    assert!(
        FIXTURE_NAMES.contains(&name),
        "webraft-test-server: no certificate fixture named {name:?}"
    );
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("certs")
        .join(name)
}
