//! API errors and their bodies, which differ per base (OpenAI nests them, WebraftAI does not).

use std::io;

use super::{json_header, next, Base, Next};
use crate::http::{self, Stream};

#[derive(Debug)]
pub(crate) struct ApiError {
    status: u16,
    message: String,
    kind: &'static str,
    param: Option<String>,
    code: Option<&'static str>,
    headers: Vec<(&'static str, String)>,
}

impl ApiError {
    pub(crate) fn new(status: u16, kind: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
            kind,
            param: None,
            code: None,
            headers: Vec::new(),
        }
    }

    /// 400 `invalid_request_error` naming the offending field.
    pub(crate) fn invalid(param: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(400, "invalid_request_error", message).with_param(param)
    }

    pub(crate) fn missing(param: &str) -> Self {
        Self::invalid(param, format!("Missing required parameter: '{param}'."))
    }

    pub(crate) fn wrong_type(param: &str, expected: &str) -> Self {
        Self::invalid(
            param,
            format!("Invalid type for '{param}': expected {expected}."),
        )
    }

    /// Out of credits: 402 for the `no-credits-key` API key, 429 for the `no-credits` model.
    pub(crate) fn insufficient_quota(status: u16) -> Self {
        Self::new(status, "insufficient_quota", "Insufficient Credits")
            .with_code("insufficient_quota")
    }

    fn with_param(mut self, param: impl Into<String>) -> Self {
        self.param = Some(param.into());
        self
    }

    pub(crate) fn with_code(mut self, code: &'static str) -> Self {
        self.code = Some(code);
        self
    }

    pub(crate) fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    fn body(&self, base: Base) -> String {
        match base {
            Base::V1 => obj! {
                "error" => obj! {
                    "message" => &self.message,
                    "type" => self.kind,
                    "param" => self.param.clone(),
                    "code" => self.code,
                },
            }
            .compact(),
            Base::V2 | Base::Free => obj! {
                "error" => &self.message,
                "type" => self.kind,
                "param" => self.param.clone(),
                "code" => i64::from(self.status),
            }
            .compact(),
        }
    }
}

/// Body for a malformed HTTP request (no base is known yet): OpenAI style.
pub(crate) fn protocol_error_body(status: u16, message: &str) -> String {
    ApiError::new(status, "invalid_request_error", message).body(Base::V1)
}

async fn send_error(
    stream: &mut dyn Stream,
    base: Base,
    err: &ApiError,
    rid: u64,
    keep_alive: bool,
) -> io::Result<()> {
    let mut headers = vec![json_header()];
    headers.extend(err.headers.iter().map(|(n, v)| (*n, v.clone())));
    http::send(
        stream,
        err.status,
        rid,
        keep_alive,
        &headers,
        err.body(base).as_bytes(),
    )
    .await
}

/// Sends `err` as the whole answer to a request; the connection stays as the request asked.
pub(crate) async fn reject(
    stream: &mut dyn Stream,
    base: Base,
    err: &ApiError,
    rid: u64,
    keep_alive: bool,
) -> io::Result<Next> {
    send_error(stream, base, err, rid, keep_alive).await?;
    Ok(next(keep_alive))
}
