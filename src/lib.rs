//! webraft: a native client for WebraftAI and OpenAI-compatible chat-completions APIs.
//!
//! The core modules know nothing about C; `ffi` is the only place with
//! `extern "C"` and `unsafe`, and it only translates.

pub mod cancel;
pub mod client;
pub mod config;
pub mod conversation;
pub mod error;
mod ffi;
pub mod file;
pub mod headers;
pub mod image;
pub mod log;
pub mod pointer;
pub mod request;
pub mod result;
pub mod runtime;
pub mod stream;
pub mod http;

pub use client::{Call, CallKind, Client};
pub use config::{ClientConfig, RequestOptions};
pub use error::{ApiError, Error, Status, TimeoutKind};
pub use log::LogLevel;
pub use request::{Delivery, Event, Next, Request};
pub use result::{CallResult, Timings};

/// The library version, also in the header as WEBRAFT_VERSION.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
