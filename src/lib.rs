//! webraft: a native client for WebraftAI and OpenAI-compatible chat-completions APIs.
//!
//! Layers, from the top: `ffi` (the C ABI: every `extern "C"` function, and
//! allowed `unsafe`), the core modules (plain Rust, no `unsafe`, no C types),
//! and `sys` (the one OS call the core needs, the only other place allowed
//! `unsafe`). Each uses only the layers below it. The lints below enforce the
//! `unsafe` rule; `tests/layering.rs` the rest. See docs/ARCHITECTURE.md.

#![deny(unsafe_code)]
#![deny(unsafe_op_in_unsafe_fn)]

pub mod cancel;
pub mod client;
pub mod config;
mod connections;
pub mod conversation;
pub mod credentials;
pub mod error;
mod ffi;
pub mod file;
pub mod headers;
pub mod http;
pub mod image;
pub mod log;
pub mod media;
pub mod mime;
pub mod pointer;
pub mod request;
pub mod result;
pub mod runtime;
pub mod stream;
pub mod upload;
mod sys;

pub use client::{Call, CallKind, Client};
pub use config::{ClientConfig, RequestOptions};
pub use error::{ApiError, Error, Status, TimeoutKind};
pub use log::LogLevel;
pub use request::{Delivery, Event, Next, Request};
pub use result::{CallResult, Timings};

/// The library version, also in the header as WEBRAFT_VERSION.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
