//! Client configuration and per-request options, parsed from JSON.
//! Unknown keys and wrong types are errors: a typo must not silently fall back to a default.

use crate::error::{Error, Result};
use crate::file::read_regular_file;
use serde_json::{Map, Value};
use std::time::Duration;

pub const PAID_BASE_URL: &str = "https://api.webraft.in/v2";
pub const FREE_BASE_URL: &str = "https://api.webraft.in/freeapi";
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Total time for a plain (non-stream) request, retries included.
pub const DEFAULT_TOTAL_TIMEOUT: Duration = Duration::from_secs(600);
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(120);
pub const DEFAULT_MAX_RETRIES: u32 = 2;
pub const DEFAULT_MAX_BODY_BYTES: usize = 32 << 20;
pub const DEFAULT_MAX_EVENT_BYTES: usize = 8 << 20;
/// CA bundles are a few hundred KiB; anything near this is not a PEM file.
const MAX_PEM_FILE_BYTES: u64 = 16 << 20;

/// Everything a client needs, with defaults and environment fallbacks applied.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    pub api_key: Option<Secret>,
    /// Without a trailing slash.
    pub base_url: String,
    pub organization: Option<String>,
    pub project: Option<String>,
    pub default_headers: Vec<(String, String)>,
    pub default_query: Vec<(String, String)>,
    pub connect_timeout: Duration,
    pub timeouts: Timeouts,
    pub max_retries: u32,
    pub user_agent: String,
    pub max_body_bytes: usize,
    pub max_event_bytes: usize,
    /// Proxy for every request; None leaves HTTP_PROXY, HTTPS_PROXY and NO_PROXY in charge.
    pub proxy: Option<String>,
    pub tls: TlsConfig,
}

/// A credential: usable, but never printed by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// Trust and identity beyond the built-in web PKI and system roots.
#[derive(Debug, Clone, Default)]
pub struct TlsConfig {
    /// Extra trusted CA certificates, PEM.
    pub extra_roots_pem: Vec<u8>,
    /// Client certificate chain followed by its private key, PEM (mTLS).
    pub client_identity_pem: Option<Secret>,
    /// Accept any server certificate. For local testing only.
    pub skip_verification: bool,
}

/// The clocks of one request. `None` means no limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Whole plain request, retries included.
    pub total: Option<Duration>,
    /// Whole streamed request; streams may legitimately run for a long time.
    pub stream_total: Option<Duration>,
    /// Until the response headers arrive.
    pub headers: Option<Duration>,
    /// Between two pieces of a streamed body.
    pub idle: Option<Duration>,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            total: Some(DEFAULT_TOTAL_TIMEOUT),
            stream_total: None,
            headers: None,
            idle: Some(DEFAULT_IDLE_TIMEOUT),
        }
    }
}

impl ClientConfig {
    /// Parse the client config JSON. An absent `api_key` falls back to the
    /// WEBRAFT_API_KEY, then OPENAI_API_KEY environment variables.
    pub fn from_json(text: &str) -> Result<ClientConfig> {
        Self::from_json_with_env(text, |name| std::env::var(name).ok())
    }

    pub fn from_json_with_env(
        text: &str,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<ClientConfig> {
        let value: Value = if text.trim().is_empty() {
            Value::Object(Map::new())
        } else {
            serde_json::from_str(text).map_err(|e| Error::invalid_json("config", e))?
        };
        let obj = value
            .as_object()
            .ok_or_else(|| Error::InvalidConfig("config must be a JSON object".into()))?;
        let mut fields = Fields::new(obj, Error::InvalidConfig);

        let api_key = fields
            .string("api_key")?
            .or_else(|| env("WEBRAFT_API_KEY"))
            .or_else(|| env("OPENAI_API_KEY"))
            .filter(|key| !key.is_empty());
        if let Some(key) = &api_key {
            // The message must not echo the key.
            if reqwest::header::HeaderValue::from_str(key).is_err() {
                return Err(Error::InvalidConfig(
                    "api_key contains characters not allowed in a header (such as CR or LF)".into(),
                ));
            }
        }
        let plan = fields.string("plan")?;
        let plan_url = match plan.as_deref() {
            None | Some("paid") => PAID_BASE_URL,
            Some("free") => FREE_BASE_URL,
            Some(other) => {
                return Err(Error::InvalidConfig(format!(
                    "plan must be \"paid\" or \"free\", not {other:?}"
                )))
            }
        };
        let base_url = match fields.string("base_url")? {
            Some(url) => validate_base_url(&url)?,
            None => plan_url.to_string(),
        };
        let mut timeouts = Timeouts::default();
        if let Some(total) = fields.millis("timeout_ms")? {
            timeouts.total = total;
        }
        if let Some(headers) = fields.millis("headers_timeout_ms")? {
            timeouts.headers = headers;
        }
        if let Some(idle) = fields.millis("idle_timeout_ms")? {
            timeouts.idle = idle;
        }
        if let Some(stream_total) = fields.millis("stream_timeout_ms")? {
            timeouts.stream_total = stream_total;
        }
        let tls = TlsConfig {
            extra_roots_pem: pem_from(&mut fields, "ca_cert_pem", "ca_cert_file")?
                .unwrap_or_default(),
            client_identity_pem: client_identity(&mut fields)?,
            skip_verification: fields
                .boolean("danger_skip_tls_verification")?
                .unwrap_or(false),
        };
        let proxy = fields.string("proxy")?;
        if let Some(proxy) = &proxy {
            reqwest::Proxy::all(proxy.as_str())
                .map_err(|e| Error::InvalidConfig(format!("proxy {proxy:?} is not usable: {e}")))?;
        }
        let config = ClientConfig {
            api_key: api_key.map(Secret),
            base_url,
            organization: fields.string("organization")?,
            project: fields.string("project")?,
            default_headers: fields.string_map("default_headers")?,
            default_query: fields.string_map("default_query")?,
            connect_timeout: fields
                .millis("connect_timeout_ms")?
                .flatten()
                .unwrap_or(DEFAULT_CONNECT_TIMEOUT),
            timeouts,
            max_retries: fields.count("max_retries")?.unwrap_or(DEFAULT_MAX_RETRIES),
            user_agent: fields
                .string("user_agent")?
                .unwrap_or_else(|| format!("webraft/{}", crate::VERSION)),
            max_body_bytes: fields
                .size("max_body_bytes")?
                .unwrap_or(DEFAULT_MAX_BODY_BYTES),
            max_event_bytes: fields
                .size("max_event_bytes")?
                .unwrap_or(DEFAULT_MAX_EVENT_BYTES),
            proxy,
            tls,
        };
        fields.reject_unknown()?;
        let header_values = [
            ("organization", config.organization.as_deref()),
            ("project", config.project.as_deref()),
            ("user_agent", Some(config.user_agent.as_str())),
        ];
        for (key, value) in header_values {
            if let Some(value) = value {
                check_header("", key, value, Error::InvalidConfig)?;
            }
        }
        for (name, value) in &config.default_headers {
            check_header("default_headers.", name, value, Error::InvalidConfig)?;
        }
        Ok(config)
    }
}

/// Per-request overrides, passed beside the request body and never merged into it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestOptions {
    /// `Some(None)` switches the total timeout off for this request.
    pub timeout: Option<Option<Duration>>,
    pub headers_timeout: Option<Option<Duration>>,
    pub idle_timeout: Option<Option<Duration>>,
    /// Needs a connection of its own when it differs from the client's.
    pub connect_timeout: Option<Duration>,
    pub max_retries: Option<u32>,
    pub headers: Vec<(String, String)>,
    pub query: Vec<(String, String)>,
}

impl RequestOptions {
    /// Parse the options JSON: `timeout_ms`, `headers_timeout_ms`, `idle_timeout_ms`,
    /// `connect_timeout_ms`, `max_retries`, `headers`, `query`. A timeout of 0 means
    /// "no limit" (for connect: the client's value).
    pub fn from_json(text: &str) -> Result<RequestOptions> {
        if text.trim().is_empty() {
            return Ok(RequestOptions::default());
        }
        let value: Value =
            serde_json::from_str(text).map_err(|e| Error::invalid_json("options", e))?;
        let obj = value
            .as_object()
            .ok_or_else(|| Error::InvalidArgument("options must be a JSON object".into()))?;
        let mut fields = Fields::new(obj, Error::InvalidArgument);
        let options = RequestOptions {
            timeout: fields.millis("timeout_ms")?,
            headers_timeout: fields.millis("headers_timeout_ms")?,
            idle_timeout: fields.millis("idle_timeout_ms")?,
            connect_timeout: fields.millis("connect_timeout_ms")?.flatten(),
            max_retries: fields.count("max_retries")?,
            headers: fields.string_map("headers")?,
            query: fields.string_map("query")?,
        };
        fields.reject_unknown()?;
        for (name, value) in &options.headers {
            check_header("headers.", name, value, Error::InvalidArgument)?;
        }
        Ok(options)
    }

    /// The client's clocks with this request's overrides applied.
    pub fn timeouts(&self, base: Timeouts, stream: bool) -> Timeouts {
        let mut timeouts = base;
        if let Some(total) = self.timeout {
            if stream {
                timeouts.stream_total = total;
            } else {
                timeouts.total = total;
            }
        }
        if let Some(headers) = self.headers_timeout {
            timeouts.headers = headers;
        }
        if let Some(idle) = self.idle_timeout {
            timeouts.idle = idle;
        }
        timeouts
    }
}

/// A header must survive the trip into HTTP: no CR, LF or other control bytes.
fn check_header(
    prefix: &str,
    name: &str,
    value: &str,
    make_error: fn(String) -> Error,
) -> Result<()> {
    use reqwest::header::{HeaderName, HeaderValue};
    if prefix.ends_with('.') && HeaderName::from_bytes(name.as_bytes()).is_err() {
        return Err(make_error(format!(
            "{prefix}{name}: {name:?} is not a valid header name"
        )));
    }
    if HeaderValue::from_str(value).is_err() {
        return Err(make_error(format!(
            "{prefix}{name} contains characters not allowed in a header (such as CR or LF)"
        )));
    }
    Ok(())
}

/// PEM text given inline under `pem_key` and/or as a file under `file_key`, joined.
fn pem_from(fields: &mut Fields, pem_key: &str, file_key: &str) -> Result<Option<Vec<u8>>> {
    let inline = fields.string(pem_key)?;
    let file = match fields.string(file_key)? {
        Some(path) => Some(read_regular_file(&path, MAX_PEM_FILE_BYTES, "PEM files")?),
        None => None,
    };
    Ok(match (inline, file) {
        (None, None) => None,
        (inline, file) => {
            let mut pem = inline.map(String::into_bytes).unwrap_or_default();
            pem.push(b'\n');
            pem.extend(file.unwrap_or_default());
            Some(pem)
        }
    })
}

/// The mTLS identity: certificate and key, each inline or from a file; both or neither.
fn client_identity(fields: &mut Fields) -> Result<Option<Secret>> {
    let cert = pem_from(fields, "client_cert_pem", "client_cert_file")?;
    let key = pem_from(fields, "client_key_pem", "client_key_file")?;
    match (cert, key) {
        (None, None) => Ok(None),
        (Some(mut cert), Some(key)) => {
            cert.push(b'\n');
            cert.extend(key);
            let text = String::from_utf8(cert).map_err(|_| {
                Error::InvalidConfig("client certificate and key must be PEM text".into())
            })?;
            Ok(Some(Secret(text)))
        }
        _ => Err(Error::InvalidConfig(
            "a client certificate needs its key and a key needs its certificate".into(),
        )),
    }
}

fn validate_base_url(url: &str) -> Result<String> {
    let parsed = reqwest::Url::parse(url)
        .map_err(|e| Error::InvalidConfig(format!("base_url {url:?} is not a URL: {e}")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(Error::InvalidConfig(format!(
            "base_url must use http or https, not {:?}",
            parsed.scheme()
        )));
    }
    Ok(url.trim_end_matches('/').to_string())
}

/// Typed, consuming access to a JSON object's keys; whatever is left is unknown.
struct Fields {
    remaining: Map<String, Value>,
    make_error: fn(String) -> Error,
}

impl Fields {
    fn new(obj: &Map<String, Value>, make_error: fn(String) -> Error) -> Self {
        Fields {
            remaining: obj.clone(),
            make_error,
        }
    }

    fn wrong_type(&self, key: &str, expected: &str, got: &Value) -> Error {
        (self.make_error)(format!(
            "{key} must be {expected}, got {}",
            json_type_name(got)
        ))
    }

    /// Null counts as absent, so callers can write `"key": null` to mean "default".
    fn take(&mut self, key: &str) -> Option<Value> {
        self.remaining.remove(key).filter(|v| !v.is_null())
    }

    fn string(&mut self, key: &str) -> Result<Option<String>> {
        match self.take(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(self.wrong_type(key, "a string", &other)),
        }
    }

    fn boolean(&mut self, key: &str) -> Result<Option<bool>> {
        match self.take(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(b)),
            Some(other) => Err(self.wrong_type(key, "true or false", &other)),
        }
    }

    fn unsigned(&mut self, key: &str, max: u64) -> Result<Option<u64>> {
        match self.take(key) {
            None => Ok(None),
            Some(value) => match value.as_u64() {
                Some(n) if n <= max => Ok(Some(n)),
                Some(n) => Err((self.make_error)(format!(
                    "{key} is too large ({n} > {max})"
                ))),
                None => Err(self.wrong_type(key, "a non-negative integer", &value)),
            },
        }
    }

    /// Milliseconds; 0 means "no limit", returned as `Some(None)`.
    fn millis(&mut self, key: &str) -> Result<Option<Option<Duration>>> {
        const TEN_YEARS_MS: u64 = 10 * 365 * 24 * 3600 * 1000;
        Ok(self
            .unsigned(key, TEN_YEARS_MS)?
            .map(|ms| (ms > 0).then(|| Duration::from_millis(ms))))
    }

    fn count(&mut self, key: &str) -> Result<Option<u32>> {
        const MAX_RETRIES: u64 = 100;
        Ok(self.unsigned(key, MAX_RETRIES)?.map(|n| n as u32))
    }

    fn size(&mut self, key: &str) -> Result<Option<usize>> {
        match self.unsigned(key, usize::MAX as u64)? {
            Some(0) => Err((self.make_error)(format!("{key} must be at least 1"))),
            other => Ok(other.map(|n| n as usize)),
        }
    }

    fn string_map(&mut self, key: &str) -> Result<Vec<(String, String)>> {
        let Some(value) = self.take(key) else {
            return Ok(Vec::new());
        };
        let Value::Object(map) = value else {
            return Err(self.wrong_type(key, "an object of strings", &value));
        };
        map.into_iter()
            .map(|(name, v)| match v {
                Value::String(s) => Ok((name, s)),
                other => Err(self.wrong_type(&format!("{key}.{name}"), "a string", &other)),
            })
            .collect()
    }

    fn reject_unknown(self) -> Result<()> {
        let mut unknown: Vec<&String> = self.remaining.keys().collect();
        if unknown.is_empty() {
            return Ok(());
        }
        unknown.sort();
        Err((self.make_error)(format!("unknown key {:?}", unknown[0])))
    }
}

fn json_type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<ClientConfig> {
        ClientConfig::from_json_with_env(text, |_| None)
    }

    #[test]
    fn defaults_point_at_the_paid_plan() {
        let config = parse("{}").unwrap();
        assert_eq!(config.base_url, PAID_BASE_URL);
        assert_eq!(config.api_key, None);
        assert_eq!(config.max_retries, 2);
        assert_eq!(config.connect_timeout, Duration::from_secs(10));
        assert_eq!(config.timeouts.total, Some(Duration::from_secs(600)));
        assert_eq!(config.timeouts.stream_total, None);
        assert!(config.user_agent.starts_with("webraft/"));
    }

    #[test]
    fn plan_selects_base_url_and_explicit_url_wins() {
        assert_eq!(parse(r#"{"plan":"free"}"#).unwrap().base_url, FREE_BASE_URL);
        assert_eq!(parse(r#"{"plan":"paid"}"#).unwrap().base_url, PAID_BASE_URL);
        let config = parse(r#"{"plan":"free","base_url":"http://127.0.0.1:9/v1/"}"#).unwrap();
        assert_eq!(config.base_url, "http://127.0.0.1:9/v1");
        let err = parse(r#"{"plan":"gold"}"#).unwrap_err();
        assert!(err.to_string().contains("gold"), "{err}");
    }

    #[test]
    fn api_key_falls_back_to_env_in_order() {
        let env = |name: &str| match name {
            "WEBRAFT_API_KEY" => Some("wk".to_string()),
            "OPENAI_API_KEY" => Some("ok".to_string()),
            _ => None,
        };
        let config = ClientConfig::from_json_with_env("{}", env).unwrap();
        assert_eq!(config.api_key.as_ref().map(Secret::expose), Some("wk"));
        let only_openai = |name: &str| (name == "OPENAI_API_KEY").then(|| "ok".to_string());
        let config = ClientConfig::from_json_with_env("{}", only_openai).unwrap();
        assert_eq!(config.api_key.as_ref().map(Secret::expose), Some("ok"));
        let config = ClientConfig::from_json_with_env(r#"{"api_key":"mine"}"#, env).unwrap();
        assert_eq!(config.api_key.as_ref().map(Secret::expose), Some("mine"));
    }

    #[test]
    fn unknown_keys_and_wrong_types_are_errors() {
        let err = parse(r#"{"timeout":5}"#).unwrap_err();
        assert_eq!(err.status(), crate::Status::InvalidConfig);
        assert!(err.to_string().contains("unknown key \"timeout\""), "{err}");
        let err = parse(r#"{"max_retries":"3"}"#).unwrap_err();
        assert!(
            err.to_string()
                .contains("max_retries must be a non-negative integer, got a string"),
            "{err}"
        );
        let err = parse(r#"{"default_headers":{"x":1}}"#).unwrap_err();
        assert!(err.to_string().contains("default_headers.x"), "{err}");
        assert_eq!(
            parse("[1]").unwrap_err().status(),
            crate::Status::InvalidConfig
        );
        assert_eq!(parse("{").unwrap_err().status(), crate::Status::InvalidJson);
        assert_eq!(
            parse(r#"{"base_url":"ftp://x"}"#).unwrap_err().status(),
            crate::Status::InvalidConfig
        );
    }

    #[test]
    fn all_documented_keys_parse() {
        let config = parse(
            r#"{"api_key":"k","base_url":"http://localhost:1/v1","organization":"org","project":"proj",
                "default_headers":{"X-A":"1"},"default_query":{"api-version":"2"},"timeout_ms":0,
                "connect_timeout_ms":500,"max_retries":0,"user_agent":"game/1.0",
                "headers_timeout_ms":100,"idle_timeout_ms":200,"stream_timeout_ms":300,
                "max_body_bytes":1000,"max_event_bytes":100}"#,
        )
        .unwrap();
        assert_eq!(config.organization.as_deref(), Some("org"));
        assert_eq!(
            config.default_headers,
            vec![("X-A".to_string(), "1".to_string())]
        );
        assert_eq!(
            config.default_query,
            vec![("api-version".to_string(), "2".to_string())]
        );
        assert_eq!(config.timeouts.total, None);
        assert_eq!(config.timeouts.headers, Some(Duration::from_millis(100)));
        assert_eq!(config.connect_timeout, Duration::from_millis(500));
        assert_eq!(config.user_agent, "game/1.0");
        assert_eq!(config.max_event_bytes, 100);
    }

    #[test]
    fn secrets_stay_out_of_debug_output_and_messages() {
        let config = parse(r#"{"api_key":"sk-very-secret","client_cert_pem":"C","client_key_pem":"sk-key-secret"}"#).unwrap();
        let printed = format!("{config:?}");
        assert!(
            !printed.contains("sk-very-secret") && !printed.contains("sk-key-secret"),
            "{printed}"
        );
        let err = parse("{\"api_key\":\"sk-bad\\r\\nX-Evil: 1\"}").unwrap_err();
        assert_eq!(err.status(), crate::Status::InvalidConfig);
        assert!(!err.to_string().contains("sk-bad"), "{err}");
    }

    #[test]
    fn header_values_with_line_breaks_are_refused() {
        let err = parse(r#"{"default_headers":{"X-A":"one\r\nX-B: two"}}"#).unwrap_err();
        assert_eq!(err.status(), crate::Status::InvalidConfig);
        assert!(err.to_string().contains("default_headers.X-A"), "{err}");
        assert_eq!(
            parse(r#"{"organization":"o\n"}"#).unwrap_err().status(),
            crate::Status::InvalidConfig
        );
        assert_eq!(
            parse(r#"{"default_headers":{"bad name":"v"}}"#)
                .unwrap_err()
                .status(),
            crate::Status::InvalidConfig
        );
        let err = RequestOptions::from_json(r#"{"headers":{"X-A":"a\nb"}}"#).unwrap_err();
        assert_eq!(err.status(), crate::Status::InvalidArgument);
    }

    #[test]
    fn tls_and_proxy_keys_are_checked() {
        let config = parse(r#"{"ca_cert_pem":"PEM","danger_skip_tls_verification":true,"proxy":"http://127.0.0.1:3128"}"#).unwrap();
        assert!(config.tls.skip_verification);
        assert!(config.tls.extra_roots_pem.starts_with(b"PEM"));
        assert_eq!(config.proxy.as_deref(), Some("http://127.0.0.1:3128"));
        let err = parse(r#"{"client_cert_pem":"C"}"#).unwrap_err();
        assert_eq!(err.status(), crate::Status::InvalidConfig);
        let err = parse(r#"{"ca_cert_file":"/nonexistent/ca.pem"}"#).unwrap_err();
        assert_eq!(err.status(), crate::Status::Io);
        assert_eq!(
            parse(r#"{"danger_skip_tls_verification":"yes"}"#)
                .unwrap_err()
                .status(),
            crate::Status::InvalidConfig
        );
    }

    #[test]
    fn request_options_override_only_what_they_name() {
        let options =
            RequestOptions::from_json(r#"{"timeout_ms":50,"max_retries":1,"headers":{"X-T":"v"}}"#)
                .unwrap();
        let timeouts = options.timeouts(Timeouts::default(), false);
        assert_eq!(timeouts.total, Some(Duration::from_millis(50)));
        assert_eq!(timeouts.idle, Some(DEFAULT_IDLE_TIMEOUT));
        let stream = options.timeouts(Timeouts::default(), true);
        assert_eq!(stream.stream_total, Some(Duration::from_millis(50)));
        assert_eq!(stream.total, Some(DEFAULT_TOTAL_TIMEOUT));
        let err = RequestOptions::from_json(r#"{"retries":1}"#).unwrap_err();
        assert_eq!(err.status(), crate::Status::InvalidArgument);
        assert_eq!(
            RequestOptions::from_json("").unwrap(),
            RequestOptions::default()
        );
    }
}
