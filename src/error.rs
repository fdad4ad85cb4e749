//! One error type for the whole library, and the status codes it maps to.

use serde_json::Value;
use std::time::Duration;

/// Outcome class of every call. Values are part of the ABI: they are fixed,
/// and a retired value is never given a new meaning.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Ok = 0,
    NullArgument = 1,
    InvalidUtf8 = 2,
    InvalidJson = 3,
    InvalidConfig = 4,
    InvalidArgument = 5,
    /// The server answered with a non-2xx status; its error body is parsed.
    HttpStatus = 6,
    Timeout = 7,
    Connect = 8,
    Tls = 9,
    Cancelled = 10,
    /// The response stream broke the wire format (bad UTF-8, bad JSON chunk, oversize event).
    StreamProtocol = 11,
    /// A Rust panic was caught at the ABI boundary.
    Panic = 12,
    /// A local file could not be read.
    Io = 13,
    /// The connection failed after it was established (reset, truncated body).
    Transport = 14,
    /// The server sent an error object inside a 2xx stream.
    StreamError = 15,
    /// The response body or one stream event exceeded its configured size limit.
    ResponseTooLarge = 16,
    /// A 2xx reply whose body is not what the endpoint promises (e.g. not JSON).
    InvalidResponse = 17,
    /// The process cannot serve the call now: a child forked after webraft started.
    InvalidState = 18,
    /// A JSON Pointer names no value in the document.
    Missing = 19,
    /// A JSON Pointer names a value of another type than the one asked for.
    WrongType = 20,
    /// A credential callback refused to give a credential for an attempt.
    Credentials = 21,
}

impl Status {
    /// Every status, in value order.
    pub const fn all() -> [Status; 22] {
        [
            Status::Ok,
            Status::NullArgument,
            Status::InvalidUtf8,
            Status::InvalidJson,
            Status::InvalidConfig,
            Status::InvalidArgument,
            Status::HttpStatus,
            Status::Timeout,
            Status::Connect,
            Status::Tls,
            Status::Cancelled,
            Status::StreamProtocol,
            Status::Panic,
            Status::Io,
            Status::Transport,
            Status::StreamError,
            Status::ResponseTooLarge,
            Status::InvalidResponse,
            Status::InvalidState,
            Status::Missing,
            Status::WrongType,
            Status::Credentials,
        ]
    }

    /// The stable upper-case name used in docs and messages.
    pub fn name(self) -> &'static str {
        match self {
            Status::Ok => "OK",
            Status::NullArgument => "NULL_ARGUMENT",
            Status::InvalidUtf8 => "INVALID_UTF8",
            Status::InvalidJson => "INVALID_JSON",
            Status::InvalidConfig => "INVALID_CONFIG",
            Status::InvalidArgument => "INVALID_ARGUMENT",
            Status::HttpStatus => "HTTP_STATUS",
            Status::Timeout => "TIMEOUT",
            Status::Connect => "CONNECT",
            Status::Tls => "TLS",
            Status::Cancelled => "CANCELLED",
            Status::StreamProtocol => "STREAM_PROTOCOL",
            Status::Panic => "PANIC",
            Status::Io => "IO",
            Status::Transport => "TRANSPORT",
            Status::StreamError => "STREAM_ERROR",
            Status::ResponseTooLarge => "RESPONSE_TOO_LARGE",
            Status::InvalidResponse => "INVALID_RESPONSE",
            Status::InvalidState => "INVALID_STATE",
            Status::Missing => "MISSING",
            Status::WrongType => "WRONG_TYPE",
            Status::Credentials => "CREDENTIALS",
        }
    }
}

/// Which of the request's clocks ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeoutKind {
    Connect,
    /// Waiting for the response status line and headers.
    Headers,
    /// Waiting for the next piece of a streamed body.
    Idle,
    /// The whole request, retries included.
    Total,
}

impl TimeoutKind {
    /// What did not happen in time, for messages.
    fn missing(self) -> &'static str {
        match self {
            TimeoutKind::Connect => "no connection",
            TimeoutKind::Headers => "no response headers",
            TimeoutKind::Idle => "no stream data",
            TimeoutKind::Total => "not finished",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            TimeoutKind::Connect => "connect",
            TimeoutKind::Headers => "headers",
            TimeoutKind::Idle => "idle",
            TimeoutKind::Total => "total",
        }
    }
}

/// An error reported by the provider, in a non-2xx body or inside a stream.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status of the reply that carried it (200 for in-stream errors).
    pub http_status: u16,
    pub message: String,
    pub error_type: Option<String>,
    pub code: Option<String>,
    pub param: Option<String>,
}

impl ApiError {
    /// Parse a non-2xx body. Understands OpenAI's nested `{"error":{...}}`,
    /// `{"error":"text"}`, flat `{"object":"error","message":...}` (vLLM),
    /// `{"detail":...}` (FastAPI) and plain text.
    pub fn from_body(http_status: u16, body: &[u8]) -> ApiError {
        let parsed = serde_json::from_slice::<Value>(body).ok();
        let mut api = parsed
            .as_ref()
            .and_then(Self::from_value)
            .unwrap_or_else(|| ApiError {
                message: plain_text_message(body),
                ..ApiError::default()
            });
        api.http_status = http_status;
        api
    }

    /// Find the error in a JSON error body: an `error` member, or a flat object
    /// with a string `message` (vLLM's `{"object":"error",...}`), or `detail` (FastAPI).
    pub fn from_value(value: &Value) -> Option<ApiError> {
        if let Some(api) = Self::from_error_member(value) {
            return Some(api);
        }
        let obj = value.as_object()?;
        if obj.get("message").is_some_and(Value::is_string) {
            return Some(Self::from_fields(obj));
        }
        obj.get("detail").map(|detail| ApiError {
            message: scalar_text(detail).unwrap_or_else(|| detail.to_string()),
            ..ApiError::default()
        })
    }

    /// The `error` member of a stream chunk or body: an object (OpenAI) or a
    /// string (Ollama). None when absent or null.
    pub fn from_error_member(value: &Value) -> Option<ApiError> {
        let obj = value.as_object()?;
        match obj.get("error")? {
            Value::Object(inner) => Some(Self::from_fields(inner)),
            Value::String(text) => Some(ApiError {
                message: text.clone(),
                error_type: obj.get("type").and_then(scalar_text),
                code: obj.get("code").and_then(scalar_text),
                ..ApiError::default()
            }),
            Value::Null | Value::Bool(false) => None,
            other => Some(ApiError {
                message: other.to_string(),
                ..ApiError::default()
            }),
        }
    }

    fn from_fields(fields: &serde_json::Map<String, Value>) -> ApiError {
        ApiError {
            http_status: 0,
            message: fields
                .get("message")
                .and_then(scalar_text)
                .unwrap_or_default(),
            error_type: fields.get("type").and_then(scalar_text),
            code: fields.get("code").and_then(scalar_text),
            param: fields.get("param").and_then(scalar_text),
        }
    }

    /// "HTTP 401: message", or just "HTTP 500" when the server gave no message.
    fn describe_http(&self) -> String {
        if self.message.is_empty() {
            format!("HTTP {}", self.http_status)
        } else {
            format!("HTTP {}: {}", self.http_status, self.message)
        }
    }

    /// A 503 saying the server is still loading its model (llama.cpp: type
    /// `unavailable_error`, "Loading model"): it will answer once loaded.
    pub fn is_loading(&self) -> bool {
        self.http_status == 503
            && (self.error_type.as_deref() == Some("unavailable_error")
                || self.message.to_ascii_lowercase().contains("loading"))
    }

    /// Errors a retry cannot fix: the account is out of quota or credits
    /// (HTTP 402 Payment Required, `insufficient_quota`, "Insufficient Credits").
    pub fn is_quota_exhausted(&self) -> bool {
        let mentions = |s: &Option<String>| {
            s.as_deref()
                .is_some_and(|s| s.eq_ignore_ascii_case("insufficient_quota"))
        };
        self.http_status == 402
            || mentions(&self.error_type)
            || mentions(&self.code)
            || self
                .message
                .to_ascii_lowercase()
                .contains("insufficient credits")
    }
}

/// A JSON value's type as messages name it: "a string", "an object", "null"…
pub fn json_type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Strings as-is; numbers and bools as their JSON text (LiteLLM sends `"code": "400"`,
/// others `"code": 400`). Null is absent.
fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A bounded, trimmed, lossy view of a non-JSON body for the error message.
fn plain_text_message(body: &[u8]) -> String {
    const MAX_MESSAGE_BYTES: usize = 1024;
    let text = String::from_utf8_lossy(&body[..body.len().min(MAX_MESSAGE_BYTES)]);
    text.trim().to_string()
}

/// Every failure the library reports.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0} must not be NULL")]
    NullArgument(&'static str),
    #[error("{0} is not valid UTF-8")]
    InvalidUtf8(&'static str),
    #[error("{what} is not valid JSON: {source}")]
    InvalidJson {
        what: &'static str,
        source: serde_json::Error,
    },
    #[error("invalid config: {0}")]
    InvalidConfig(String),
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    #[error("{}", .0.describe_http())]
    Http(ApiError),
    #[error("{} timeout: {} within {} ms", .0.name(), .0.missing(), .1.as_millis())]
    Timeout(TimeoutKind, Duration),
    #[error("could not connect: {0}")]
    Connect(String),
    #[error("TLS failure: {0}")]
    Tls(String),
    #[error("request cancelled")]
    Cancelled,
    #[error("malformed stream: {0}")]
    StreamProtocol(String),
    #[error("server error in stream: {}", .0.message)]
    StreamError(ApiError),
    #[error("internal panic: {0}")]
    Panic(String),
    #[error("cannot {action} {path}: {source}")]
    Io {
        /// "read" or "write".
        action: &'static str,
        path: String,
        source: std::io::Error,
    },
    #[error("connection failed: {0}")]
    Transport(String),
    /// The message names the limit and its config key.
    #[error("{0}")]
    ResponseTooLarge(String),
    #[error("invalid response: {0}")]
    InvalidResponse(String),
    #[error("{0}")]
    InvalidState(String),
    #[error("nothing at JSON pointer {0:?}")]
    Missing(String),
    #[error("JSON pointer {pointer:?} names {found}, not {expected}")]
    WrongType {
        pointer: String,
        expected: &'static str,
        found: &'static str,
    },
    /// The message is the credential callback's own (never a credential).
    #[error("no credential: {0}")]
    Credentials(String),
}

impl Error {
    pub fn status(&self) -> Status {
        match self {
            Error::NullArgument(_) => Status::NullArgument,
            Error::InvalidUtf8(_) => Status::InvalidUtf8,
            Error::InvalidJson { .. } => Status::InvalidJson,
            Error::InvalidConfig(_) => Status::InvalidConfig,
            Error::InvalidArgument(_) => Status::InvalidArgument,
            Error::Http(_) => Status::HttpStatus,
            Error::Timeout(..) => Status::Timeout,
            Error::Connect(_) => Status::Connect,
            Error::Tls(_) => Status::Tls,
            Error::Cancelled => Status::Cancelled,
            Error::StreamProtocol(_) => Status::StreamProtocol,
            Error::StreamError(_) => Status::StreamError,
            Error::Panic(_) => Status::Panic,
            Error::Io { .. } => Status::Io,
            Error::Transport(_) => Status::Transport,
            Error::ResponseTooLarge(_) => Status::ResponseTooLarge,
            Error::InvalidResponse(_) => Status::InvalidResponse,
            Error::InvalidState(_) => Status::InvalidState,
            Error::Missing(_) => Status::Missing,
            Error::WrongType { .. } => Status::WrongType,
            Error::Credentials(_) => Status::Credentials,
        }
    }

    /// The provider's error details, when the provider sent any.
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            Error::Http(api) | Error::StreamError(api) => Some(api),
            _ => None,
        }
    }

    pub fn invalid_json(what: &'static str, source: serde_json::Error) -> Error {
        Error::InvalidJson { what, source }
    }
}

pub type Result<T> = std::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_values_are_fixed_and_names_unique() {
        for (index, status) in Status::all().iter().enumerate() {
            assert_eq!(*status as usize, index, "{status:?} moved");
        }
        let names: std::collections::HashSet<_> = Status::all().iter().map(|s| s.name()).collect();
        assert_eq!(names.len(), Status::all().len());
        assert_eq!(Status::HttpStatus as u32, 6);
        assert_eq!(Status::Panic as u32, 12);
    }

    #[test]
    fn parses_openai_nested_error() {
        let body = br#"{"error":{"message":"Incorrect API key","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}"#;
        let api = ApiError::from_body(401, body);
        assert_eq!(api.http_status, 401);
        assert_eq!(api.message, "Incorrect API key");
        assert_eq!(api.error_type.as_deref(), Some("invalid_request_error"));
        assert_eq!(api.code.as_deref(), Some("invalid_api_key"));
        assert_eq!(api.param, None);
    }

    #[test]
    fn parses_string_error_and_flat_error() {
        let api = ApiError::from_body(401, br#"{"error":"Wrong Api key"}"#);
        assert_eq!(api.message, "Wrong Api key");
        let flat = br#"{"object":"error","message":"bad model","type":"BadRequestError","param":null,"code":400}"#;
        let api = ApiError::from_body(400, flat);
        assert_eq!(api.message, "bad model");
        assert_eq!(api.code.as_deref(), Some("400"));
        assert_eq!(api.error_type.as_deref(), Some("BadRequestError"));
    }

    #[test]
    fn plain_text_bodies_keep_their_message_and_empty_ones_none() {
        assert_eq!(
            ApiError::from_body(500, b"Internal Server Error\n").message,
            "Internal Server Error"
        );
        let empty = ApiError::from_body(502, b"");
        assert_eq!(empty.message, "", "the server said nothing");
        assert_eq!(Error::Http(empty).to_string(), "HTTP 502");
        assert_eq!(
            ApiError::from_body(422, br#"{"detail":"Not Found"}"#).message,
            "Not Found"
        );
    }

    #[test]
    fn a_loading_server_is_recognised_by_its_503() {
        let llama = br#"{"error":{"code":503,"message":"Loading model","type":"unavailable_error"}}"#;
        assert!(ApiError::from_body(503, llama).is_loading());
        assert!(ApiError::from_body(503, b"model is loading, try later").is_loading());
        assert!(!ApiError::from_body(503, br#"{"error":{"message":"overloaded"}}"#).is_loading());
        assert!(!ApiError::from_body(500, llama).is_loading());
    }

    #[test]
    fn quota_errors_are_recognised() {
        assert!(
            ApiError::from_body(402, br#"{"error":"Insufficient Credits"}"#).is_quota_exhausted()
        );
        let api = ApiError::from_body(
            429,
            br#"{"error":{"message":"x","type":"insufficient_quota"}}"#,
        );
        assert!(api.is_quota_exhausted());
        assert!(
            !ApiError::from_body(429, br#"{"error":{"message":"slow down"}}"#).is_quota_exhausted()
        );
        assert!(ApiError::from_body(402, br#"{"error":{"message":"pay"}}"#).is_quota_exhausted());
        assert!(
            ApiError::from_body(400, br#"{"error":{"message":"Insufficient Credits left"}}"#)
                .is_quota_exhausted()
        );
    }

    #[test]
    fn chunks_without_error_are_not_errors() {
        let chunk: Value = serde_json::from_str(r#"{"id":"x","choices":[],"error":null}"#).unwrap();
        assert!(ApiError::from_error_member(&chunk).is_none());
        let ollama: Value = serde_json::from_str(r#"{"error":"model not found"}"#).unwrap();
        assert_eq!(
            ApiError::from_error_member(&ollama).unwrap().message,
            "model not found"
        );
    }
}
