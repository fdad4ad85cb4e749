//! Client configuration and per-request options, parsed from JSON.
//! Unknown keys and wrong types are errors: a typo must not silently fall back to a default.
//! Each key is declared once, as a field of a serde struct with the checker of its JSON type;
//! a separate validation step then applies defaults and the rules that span keys.

use crate::error::{json_type_name, Error, Result};
use crate::file::read_regular_file;
use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};
use std::time::Duration;

pub const PAID_BASE_URL: &str = "https://api.webraft.in/v2";
pub const FREE_BASE_URL: &str = "https://api.webraft.in/freeapi";
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Total time for a plain (non-stream) request, retries included.
pub const DEFAULT_TOTAL_TIMEOUT: Duration = Duration::from_secs(600);
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(120);
pub const DEFAULT_MAX_RETRIES: u32 = 2;
/// Long enough for a local server to load a small model, short of the default total timeout.
pub const DEFAULT_LOADING_RETRY: Duration = Duration::from_secs(30);
pub const DEFAULT_MAX_BODY_BYTES: usize = 32 << 20;
pub const DEFAULT_MAX_EVENT_BYTES: usize = 8 << 20;
/// Above the APIs' own limits for audio (25 MB) and image edits (50 MB).
pub const DEFAULT_MAX_UPLOAD_BYTES: usize = 64 << 20;
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
    /// The most bytes the file parts of one multipart form may hold together.
    pub max_upload_bytes: usize,
    /// Proxy for every request; None leaves HTTP_PROXY, HTTPS_PROXY and NO_PROXY in charge.
    pub proxy: Option<String>,
    pub tls: TlsConfig,
    /// Ask streamed chat replies for their usage (`stream_options.include_usage`).
    pub stream_usage: bool,
    /// How long a 503 (a local server loading its model) is retried past `max_retries`.
    pub loading_retry: Duration,
    /// Speak HTTP/2 without negotiating it to plain-http origins (h2c).
    pub http2_prior_knowledge: bool,
    /// More endpoints, tried in order after the client's own (`fallback`).
    pub fallback: Vec<Endpoint>,
    /// The first-token budget after which the next endpoint also starts (`hedge_ms`).
    pub hedge: Option<Duration>,
}

/// One place a request can go: the client's own base URL and key, or a `fallback` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// Without a trailing slash.
    pub base_url: String,
    pub api_key: Option<Secret>,
    /// Replaces the request body's `model` on this endpoint.
    pub model: Option<String>,
    /// Sent after the client's default headers.
    pub headers: Vec<(String, String)>,
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
        parse_keys::<ConfigKeys>(text, "config", Error::InvalidConfig)?.into_config(env)
    }

    /// Everything sent as a header must survive the trip into HTTP.
    fn check_headers(&self) -> Result<()> {
        let header_values = [
            ("organization", self.organization.as_deref()),
            ("project", self.project.as_deref()),
            ("user_agent", Some(self.user_agent.as_str())),
        ];
        for (key, value) in header_values {
            if let Some(value) = value {
                check_header("", key, value, Error::InvalidConfig)?;
            }
        }
        for (name, value) in &self.default_headers {
            check_header("default_headers.", name, value, Error::InvalidConfig)?;
        }
        Ok(())
    }
}

/// The config JSON as written. A key is declared here once, with the checker of its JSON
/// type; `into_config` then applies defaults, the environment and the rules that need more
/// than a type. `null` counts as absent, so `"key": null` means "the default".
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct ConfigKeys {
    #[serde(deserialize_with = "text")]
    api_key: Option<String>,
    #[serde(deserialize_with = "text")]
    plan: Option<String>,
    #[serde(deserialize_with = "text")]
    base_url: Option<String>,
    #[serde(deserialize_with = "text")]
    organization: Option<String>,
    #[serde(deserialize_with = "text")]
    project: Option<String>,
    #[serde(deserialize_with = "string_map")]
    default_headers: Vec<(String, String)>,
    #[serde(deserialize_with = "string_map")]
    default_query: Vec<(String, String)>,
    #[serde(deserialize_with = "millis")]
    timeout_ms: Option<Option<Duration>>,
    #[serde(deserialize_with = "connect_millis")]
    connect_timeout_ms: Option<Duration>,
    #[serde(deserialize_with = "millis")]
    headers_timeout_ms: Option<Option<Duration>>,
    #[serde(deserialize_with = "millis")]
    idle_timeout_ms: Option<Option<Duration>>,
    #[serde(deserialize_with = "millis")]
    stream_timeout_ms: Option<Option<Duration>>,
    #[serde(deserialize_with = "retries")]
    max_retries: Option<u32>,
    #[serde(deserialize_with = "text")]
    user_agent: Option<String>,
    #[serde(deserialize_with = "size")]
    max_body_bytes: Option<usize>,
    #[serde(deserialize_with = "size")]
    max_event_bytes: Option<usize>,
    #[serde(deserialize_with = "size")]
    max_upload_bytes: Option<usize>,
    #[serde(deserialize_with = "text")]
    proxy: Option<String>,
    #[serde(deserialize_with = "text")]
    ca_cert_pem: Option<String>,
    #[serde(deserialize_with = "text")]
    ca_cert_file: Option<String>,
    #[serde(deserialize_with = "text")]
    client_cert_pem: Option<String>,
    #[serde(deserialize_with = "text")]
    client_cert_file: Option<String>,
    #[serde(deserialize_with = "text")]
    client_key_pem: Option<String>,
    #[serde(deserialize_with = "text")]
    client_key_file: Option<String>,
    #[serde(deserialize_with = "flag")]
    danger_skip_tls_verification: Option<bool>,
    #[serde(deserialize_with = "flag")]
    stream_usage: Option<bool>,
    #[serde(deserialize_with = "millis")]
    loading_retry_ms: Option<Option<Duration>>,
    #[serde(deserialize_with = "flag")]
    http2_prior_knowledge: Option<bool>,
    #[serde(deserialize_with = "endpoint_list")]
    fallback: Vec<EndpointKeys>,
    #[serde(deserialize_with = "millis")]
    hedge_ms: Option<Option<Duration>>,
}

/// One `fallback` entry as written.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct EndpointKeys {
    #[serde(deserialize_with = "text")]
    base_url: Option<String>,
    #[serde(deserialize_with = "text")]
    plan: Option<String>,
    #[serde(deserialize_with = "text")]
    api_key: Option<String>,
    #[serde(deserialize_with = "text")]
    model: Option<String>,
    #[serde(deserialize_with = "string_map")]
    headers: Vec<(String, String)>,
}

impl EndpointKeys {
    /// The endpoint at `fallback[place]`; an absent key means the client's own `api_key`.
    fn into_endpoint(self, place: usize, client_key: Option<&Secret>) -> Result<Endpoint> {
        let prefixed = |e: Error| match e {
            Error::InvalidConfig(m) => Error::InvalidConfig(format!("fallback[{place}].{m}")),
            other => other,
        };
        if self.base_url.is_none() && self.plan.is_none() {
            return Err(Error::InvalidConfig(format!("fallback[{place}] needs base_url or plan")));
        }
        let base_url = base_url(self.plan.as_deref(), self.base_url.as_deref()).map_err(prefixed)?;
        let api_key = match self.api_key {
            Some(key) => {
                check_key(&key).map_err(prefixed)?;
                (!key.is_empty()).then_some(Secret(key))
            }
            None => client_key.cloned(),
        };
        for (name, value) in &self.headers {
            check_header(&format!("fallback[{place}].headers."), name, value, Error::InvalidConfig)?;
        }
        Ok(Endpoint { base_url, api_key, model: self.model, headers: self.headers })
    }
}

impl ConfigKeys {
    /// The validation step. Its checks run in the order the messages were always
    /// reported in: api_key, plan and base_url, TLS files, proxy, header values.
    fn into_config(mut self, env: impl Fn(&str) -> Option<String>) -> Result<ClientConfig> {
        let api_key = self
            .api_key
            .clone()
            .or_else(|| env("WEBRAFT_API_KEY"))
            .or_else(|| env("OPENAI_API_KEY"))
            .filter(|key| !key.is_empty());
        if let Some(key) = &api_key {
            check_key(key)?;
        }
        let api_key = api_key.map(Secret);
        let base_url = base_url(self.plan.as_deref(), self.base_url.as_deref())?;
        let fallback = (std::mem::take(&mut self.fallback).into_iter().enumerate())
            .map(|(place, keys)| keys.into_endpoint(place, api_key.as_ref()))
            .collect::<Result<Vec<_>>>()?;
        let hedge = self.hedge_ms.flatten();
        if hedge.is_some() && fallback.is_empty() {
            return Err(Error::InvalidConfig("hedge_ms needs at least one fallback endpoint".into()));
        }
        let tls = self.tls()?;
        if let Some(proxy) = &self.proxy {
            reqwest::Proxy::all(proxy.as_str())
                .map_err(|e| Error::InvalidConfig(format!("proxy {proxy:?} is not usable: {e}")))?;
        }
        let clocks = Timeouts::default();
        let config = ClientConfig {
            api_key,
            base_url,
            organization: self.organization,
            project: self.project,
            default_headers: self.default_headers,
            default_query: self.default_query,
            connect_timeout: self.connect_timeout_ms.unwrap_or(DEFAULT_CONNECT_TIMEOUT),
            timeouts: Timeouts {
                total: self.timeout_ms.unwrap_or(clocks.total),
                stream_total: self.stream_timeout_ms.unwrap_or(clocks.stream_total),
                headers: self.headers_timeout_ms.unwrap_or(clocks.headers),
                idle: self.idle_timeout_ms.unwrap_or(clocks.idle),
            },
            max_retries: self.max_retries.unwrap_or(DEFAULT_MAX_RETRIES),
            user_agent: self
                .user_agent
                .unwrap_or_else(|| concat!("webraft/", env!("CARGO_PKG_VERSION")).to_string()),
            max_body_bytes: self.max_body_bytes.unwrap_or(DEFAULT_MAX_BODY_BYTES),
            max_event_bytes: self.max_event_bytes.unwrap_or(DEFAULT_MAX_EVENT_BYTES),
            max_upload_bytes: self.max_upload_bytes.unwrap_or(DEFAULT_MAX_UPLOAD_BYTES),
            proxy: self.proxy,
            tls,
            stream_usage: self.stream_usage.unwrap_or(false),
            loading_retry: self
                .loading_retry_ms
                .map_or(DEFAULT_LOADING_RETRY, |budget| budget.unwrap_or(Duration::ZERO)),
            http2_prior_knowledge: self.http2_prior_knowledge.unwrap_or(false),
            fallback,
            hedge,
        };
        config.check_headers()?;
        Ok(config)
    }

    /// Reads the PEM files named, so it runs only once every key has its right type.
    fn tls(&self) -> Result<TlsConfig> {
        let pem = |inline: &Option<String>, file: &Option<String>| {
            pem_from(inline.as_deref(), file.as_deref())
        };
        let cert = pem(&self.client_cert_pem, &self.client_cert_file)?;
        let key = pem(&self.client_key_pem, &self.client_key_file)?;
        Ok(TlsConfig {
            extra_roots_pem: pem(&self.ca_cert_pem, &self.ca_cert_file)?.unwrap_or_default(),
            client_identity_pem: client_identity(cert, key)?,
            skip_verification: self.danger_skip_tls_verification.unwrap_or(false),
        })
    }
}

/// Per-request overrides, passed beside the request body and never merged into it.
/// Each field is declared with its JSON key and checker; a timeout of 0 means
/// "no limit" (for connect: the client's value).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RequestOptions {
    /// `Some(None)` switches the total timeout off for this request.
    #[serde(rename = "timeout_ms", deserialize_with = "millis")]
    pub timeout: Option<Option<Duration>>,
    #[serde(rename = "headers_timeout_ms", deserialize_with = "millis")]
    pub headers_timeout: Option<Option<Duration>>,
    #[serde(rename = "idle_timeout_ms", deserialize_with = "millis")]
    pub idle_timeout: Option<Option<Duration>>,
    /// Needs a connection of its own when it differs from the client's.
    #[serde(rename = "connect_timeout_ms", deserialize_with = "connect_millis")]
    pub connect_timeout: Option<Duration>,
    #[serde(deserialize_with = "retries")]
    pub max_retries: Option<u32>,
    #[serde(deserialize_with = "string_map")]
    pub headers: Vec<(String, String)>,
    #[serde(deserialize_with = "string_map")]
    pub query: Vec<(String, String)>,
    /// Overrides the client's `stream_usage`.
    #[serde(deserialize_with = "flag")]
    pub stream_usage: Option<bool>,
}

impl RequestOptions {
    /// Parse the options JSON; blank means no overrides.
    pub fn from_json(text: &str) -> Result<RequestOptions> {
        let options: RequestOptions = parse_keys(text, "options", Error::InvalidArgument)?;
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

/// Parse `text` (blank means `{}`) into the key struct `T`, with the documented messages:
/// invalid JSON is INVALID_JSON, anything else is `make_error`.
fn parse_keys<T: DeserializeOwned>(
    text: &str,
    what: &'static str,
    make_error: fn(String) -> Error,
) -> Result<T> {
    let value: Value = if text.trim().is_empty() {
        Value::Object(Map::new())
    } else {
        serde_json::from_str(text).map_err(|e| Error::invalid_json(what, e))?
    };
    let Value::Object(object) = &value else {
        return Err(make_error(format!("{what} must be a JSON object")));
    };
    T::deserialize(&value)
        .map_err(|e| make_error(keyed_message::<T>(object).unwrap_or_else(|| e.to_string())))
}

/// serde's errors do not name the key, and every documented message starts with it: find
/// the first entry that fails on its own and put its key in front. A checker's problem
/// starts with ' ', '.' or '[' (a place in an array); anything else is serde refusing a key `T` does not declare.
fn keyed_message<T: DeserializeOwned>(object: &Map<String, Value>) -> Option<String> {
    object.iter().find_map(|(key, value)| {
        let alone = Value::Object(Map::from_iter([(key.clone(), value.clone())]));
        let problem = T::deserialize(&alone).err()?.to_string();
        Some(if problem.starts_with([' ', '.', '[']) {
            format!("{key}{problem}")
        } else {
            format!("unknown key {key:?}")
        })
    })
}

// Checkers, one per JSON type a key can have. serde hands them a key's value but not its
// name, so a problem is worded as the text that follows the key: " must be …" (or
// ".name must be …" inside an object). `null` is absent, like a missing key.

fn checked<'de, D: Deserializer<'de>, T>(
    de: D,
    check: impl FnOnce(Value) -> std::result::Result<T, String>,
) -> std::result::Result<Option<T>, D::Error> {
    match Value::deserialize(de)? {
        Value::Null => Ok(None),
        value => check(value).map(Some).map_err(D::Error::custom),
    }
}

fn must_be(expected: &str, got: &Value) -> String {
    format!(" must be {expected}, got {}", json_type_name(got))
}

fn text<'de, D: Deserializer<'de>>(de: D) -> std::result::Result<Option<String>, D::Error> {
    checked(de, |value| match value {
        Value::String(s) => Ok(s),
        other => Err(must_be("a string", &other)),
    })
}

fn flag<'de, D: Deserializer<'de>>(de: D) -> std::result::Result<Option<bool>, D::Error> {
    checked(de, |value| match value {
        Value::Bool(b) => Ok(b),
        other => Err(must_be("true or false", &other)),
    })
}

fn unsigned(value: Value, max: u64) -> std::result::Result<u64, String> {
    match value.as_u64() {
        Some(n) if n <= max => Ok(n),
        Some(n) => Err(format!(" is too large ({n} > {max})")),
        None => Err(must_be("a non-negative integer", &value)),
    }
}

/// Milliseconds; 0 means "no limit", returned as `Some(None)`.
fn millis<'de, D: Deserializer<'de>>(
    de: D,
) -> std::result::Result<Option<Option<Duration>>, D::Error> {
    const TEN_YEARS_MS: u64 = 10 * 365 * 24 * 3600 * 1000;
    checked(de, |value| {
        unsigned(value, TEN_YEARS_MS).map(|ms| (ms > 0).then(|| Duration::from_millis(ms)))
    })
}

/// A connect timeout of 0 means "the usual one" rather than "none": reqwest needs a value.
fn connect_millis<'de, D: Deserializer<'de>>(
    de: D,
) -> std::result::Result<Option<Duration>, D::Error> {
    Ok(millis(de)?.flatten())
}

fn retries<'de, D: Deserializer<'de>>(de: D) -> std::result::Result<Option<u32>, D::Error> {
    const MAX_RETRIES: u64 = 100;
    checked(de, |value| unsigned(value, MAX_RETRIES).map(|n| n as u32))
}

/// A byte limit; 0 would refuse every response, so it is an error rather than "no limit".
fn size<'de, D: Deserializer<'de>>(de: D) -> std::result::Result<Option<usize>, D::Error> {
    checked(de, |value| match unsigned(value, usize::MAX as u64)? {
        0 => Err(" must be at least 1".into()),
        n => Ok(n as usize),
    })
}

/// An object of strings, in the order written (serde_json keeps it: `preserve_order`).
fn string_map<'de, D: Deserializer<'de>>(
    de: D,
) -> std::result::Result<Vec<(String, String)>, D::Error> {
    let pairs = checked(de, |value| {
        let Value::Object(map) = value else {
            return Err(must_be("an object of strings", &value));
        };
        map.into_iter()
            .map(|(name, v)| match v {
                Value::String(s) => Ok((name, s)),
                other => Err(format!(".{name}{}", must_be("a string", &other))),
            })
            .collect()
    })?;
    Ok(pairs.unwrap_or_default())
}

/// A key travels in a header; the message must not echo it.
fn check_key(key: &str) -> Result<()> {
    match reqwest::header::HeaderValue::from_str(key) {
        Ok(_) => Ok(()),
        Err(_) => Err(Error::InvalidConfig(
            "api_key contains characters not allowed in a header (such as CR or LF)".into(),
        )),
    }
}

/// An array of endpoint objects; a problem names its place, e.g. `[1].plan must be …`.
fn endpoint_list<'de, D: Deserializer<'de>>(de: D) -> std::result::Result<Vec<EndpointKeys>, D::Error> {
    let list = checked(de, |value| {
        let Value::Array(items) = value else {
            return Err(must_be("an array of endpoint objects", &value));
        };
        let parse_one = |(place, item): (usize, Value)| {
            let Value::Object(object) = &item else {
                return Err(format!("[{place}]{}", must_be("an object", &item)));
            };
            EndpointKeys::deserialize(&item).map_err(|e| match keyed_message::<EndpointKeys>(object) {
                Some(m) if m.starts_with("unknown key") => format!("[{place}]: {m}"),
                Some(m) => format!("[{place}].{m}"),
                None => format!("[{place}]: {e}"),
            })
        };
        items.into_iter().enumerate().map(parse_one).collect()
    })?;
    Ok(list.unwrap_or_default())
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

/// PEM text given inline and/or as a file, joined.
fn pem_from(inline: Option<&str>, file: Option<&str>) -> Result<Option<Vec<u8>>> {
    let file = match file {
        Some(path) => Some(read_regular_file(path, MAX_PEM_FILE_BYTES, "PEM files")?),
        None => None,
    };
    Ok(match (inline, file) {
        (None, None) => None,
        (inline, file) => {
            let mut pem = inline.map(|s| s.as_bytes().to_vec()).unwrap_or_default();
            pem.push(b'\n');
            pem.extend(file.unwrap_or_default());
            Some(pem)
        }
    })
}

/// The mTLS identity: certificate and key, each inline or from a file; both or neither.
fn client_identity(cert: Option<Vec<u8>>, key: Option<Vec<u8>>) -> Result<Option<Secret>> {
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

/// `base_url` wins over `plan`; `plan` is checked either way so a typo is not hidden.
fn base_url(plan: Option<&str>, base_url: Option<&str>) -> Result<String> {
    let plan_url = match plan {
        None | Some("paid") => PAID_BASE_URL,
        Some("free") => FREE_BASE_URL,
        Some(other) => {
            return Err(Error::InvalidConfig(format!(
                "plan must be \"paid\" or \"free\", not {other:?}"
            )))
        }
    };
    let Some(url) = base_url else {
        return Ok(plan_url.to_string());
    };
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
        assert_eq!(err.status(), crate::error::Status::InvalidConfig);
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
            crate::error::Status::InvalidConfig
        );
        assert_eq!(parse("{").unwrap_err().status(), crate::error::Status::InvalidJson);
        assert_eq!(
            parse(r#"{"base_url":"ftp://x"}"#).unwrap_err().status(),
            crate::error::Status::InvalidConfig
        );
    }

    #[test]
    fn messages_name_the_key_as_documented() {
        let config_cases = [
            (r#"{"api_key":5}"#, "api_key must be a string, got a number"),
            (
                r#"{"max_retries":101}"#,
                "max_retries is too large (101 > 100)",
            ),
            (
                r#"{"timeout_ms":-1}"#,
                "timeout_ms must be a non-negative integer, got a number",
            ),
            (
                r#"{"max_body_bytes":0}"#,
                "max_body_bytes must be at least 1",
            ),
            (
                r#"{"proxy":null,"danger_skip_tls_verification":"yes"}"#,
                "danger_skip_tls_verification must be true or false, got a string",
            ),
            (
                r#"{"default_query":[]}"#,
                "default_query must be an object of strings, got an array",
            ),
            (
                r#"{"default_headers":{"x":{}}}"#,
                "default_headers.x must be a string, got an object",
            ),
            (
                r#"{"api_key":"k","bogus_key":true}"#,
                "unknown key \"bogus_key\"",
            ),
            ("[1]", "config must be a JSON object"),
        ];
        for (text, message) in config_cases {
            let err = parse(text).unwrap_err();
            assert_eq!(err.status(), crate::error::Status::InvalidConfig, "{text}");
            assert_eq!(
                err.to_string(),
                format!("invalid config: {message}"),
                "{text}"
            );
        }
        let options_cases = [
            (
                r#"{"timeout_ms":"5"}"#,
                "timeout_ms must be a non-negative integer, got a string",
            ),
            (
                r#"{"query":{"a":1}}"#,
                "query.a must be a string, got a number",
            ),
            (r#"{"retries":1}"#, "unknown key \"retries\""),
            ("[]", "options must be a JSON object"),
        ];
        for (text, message) in options_cases {
            let err = RequestOptions::from_json(text).unwrap_err();
            assert_eq!(err.status(), crate::error::Status::InvalidArgument, "{text}");
            assert_eq!(
                err.to_string(),
                format!("invalid argument: {message}"),
                "{text}"
            );
        }
    }

    #[test]
    fn all_documented_keys_parse() {
        let config = parse(
            r#"{"api_key":"k","base_url":"http://localhost:1/v1","organization":"org","project":"proj",
                "default_headers":{"X-A":"1"},"default_query":{"api-version":"2"},"timeout_ms":0,
                "connect_timeout_ms":500,"max_retries":0,"user_agent":"game/1.0",
                "headers_timeout_ms":100,"idle_timeout_ms":200,"stream_timeout_ms":300,
                "max_body_bytes":1000,"max_event_bytes":100,"max_upload_bytes":10,"stream_usage":true}"#,
        )
        .unwrap();
        assert!(config.stream_usage);
        assert!(!parse("{}").unwrap().stream_usage, "off by default");
        assert!(parse(r#"{"http2_prior_knowledge":true}"#).unwrap().http2_prior_knowledge);
        assert!(!parse("{}").unwrap().http2_prior_knowledge, "off by default");
        assert_eq!(RequestOptions::from_json(r#"{"stream_usage":false}"#).unwrap().stream_usage, Some(false));
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
        assert_eq!(config.max_upload_bytes, 10);
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
        assert_eq!(err.status(), crate::error::Status::InvalidConfig);
        assert!(!err.to_string().contains("sk-bad"), "{err}");
    }

    #[test]
    fn header_values_with_line_breaks_are_refused() {
        let err = parse(r#"{"default_headers":{"X-A":"one\r\nX-B: two"}}"#).unwrap_err();
        assert_eq!(err.status(), crate::error::Status::InvalidConfig);
        assert!(err.to_string().contains("default_headers.X-A"), "{err}");
        assert_eq!(
            parse(r#"{"organization":"o\n"}"#).unwrap_err().status(),
            crate::error::Status::InvalidConfig
        );
        assert_eq!(
            parse(r#"{"default_headers":{"bad name":"v"}}"#)
                .unwrap_err()
                .status(),
            crate::error::Status::InvalidConfig
        );
        let err = RequestOptions::from_json(r#"{"headers":{"X-A":"a\nb"}}"#).unwrap_err();
        assert_eq!(err.status(), crate::error::Status::InvalidArgument);
    }

    #[test]
    fn tls_and_proxy_keys_are_checked() {
        let config = parse(r#"{"ca_cert_pem":"PEM","danger_skip_tls_verification":true,"proxy":"http://127.0.0.1:3128"}"#).unwrap();
        assert!(config.tls.skip_verification);
        assert!(config.tls.extra_roots_pem.starts_with(b"PEM"));
        assert_eq!(config.proxy.as_deref(), Some("http://127.0.0.1:3128"));
        let err = parse(r#"{"client_cert_pem":"C"}"#).unwrap_err();
        assert_eq!(err.status(), crate::error::Status::InvalidConfig);
        let err = parse(r#"{"ca_cert_file":"/nonexistent/ca.pem"}"#).unwrap_err();
        assert_eq!(err.status(), crate::error::Status::Io);
        assert_eq!(
            parse(r#"{"danger_skip_tls_verification":"yes"}"#)
                .unwrap_err()
                .status(),
            crate::error::Status::InvalidConfig
        );
    }

    #[test]
    fn fallback_endpoints_inherit_the_key_and_name_their_place_in_errors() {
        let config = parse(
            r#"{"api_key":"own","fallback":[{"plan":"free"},
                {"base_url":"http://127.0.0.1:9/v1/","api_key":"","model":"m","headers":{"X-E":"1"}}],
                "hedge_ms":250}"#,
        )
        .unwrap();
        let [free, local] = &config.fallback[..] else { panic!("{:?}", config.fallback) };
        assert_eq!((free.base_url.as_str(), free.api_key.as_ref().map(Secret::expose)), (FREE_BASE_URL, Some("own")));
        assert_eq!((local.base_url.as_str(), &local.api_key), ("http://127.0.0.1:9/v1", &None));
        assert_eq!((local.model.as_deref(), &local.headers[..]), (Some("m"), &[("X-E".to_string(), "1".to_string())][..]));
        assert_eq!(config.hedge, Some(Duration::from_millis(250)));
        assert_eq!(parse("{}").unwrap().hedge, None);
        let cases = [
            (r#"{"fallback":[{"plan":"gold"}]}"#, r#"fallback[0].plan must be "paid" or "free", not "gold""#),
            (r#"{"fallback":[{"plan":"free"},{"base_url":5}]}"#, "fallback[1].base_url must be a string, got a number"),
            (r#"{"fallback":[{"url":"x"}]}"#, r#"fallback[0]: unknown key "url""#),
            (r#"{"fallback":[7]}"#, "fallback[0] must be an object, got a number"),
            (r#"{"fallback":[{}]}"#, "fallback[0] needs base_url or plan"),
            (r#"{"fallback":[{"base_url":"ftp://x"}]}"#, r#"fallback[0].base_url must use http or https, not "ftp""#),
            (r#"{"fallback":[{"plan":"free","headers":{"X":"a\nb"}}]}"#, "fallback[0].headers.X contains characters"),
            (r#"{"hedge_ms":5}"#, "hedge_ms needs at least one fallback endpoint"),
        ];
        for (text, message) in cases {
            let err = parse(text).unwrap_err();
            assert_eq!(err.status(), crate::error::Status::InvalidConfig, "{text}");
            assert!(err.to_string().contains(message), "{text}: {err}");
        }
        let secret = parse("{\"fallback\":[{\"plan\":\"free\",\"api_key\":\"sk-x\\r\\n\"}]}").unwrap_err();
        assert!(!secret.to_string().contains("sk-x"), "{secret}");
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
        assert_eq!(err.status(), crate::error::Status::InvalidArgument);
        assert_eq!(
            RequestOptions::from_json("").unwrap(),
            RequestOptions::default()
        );
    }
}
