//! A configured client: one connection pool, shared by every request made through it.

use crate::cancel::CancelToken;
use crate::connections::{Connections, LaneBuilder, ReportAlpn};
use crate::config::{ClientConfig, Endpoint, RequestOptions};
use crate::credentials::Credentials;
use crate::error::{Error, Result};
use crate::log::Logger;
use crate::upload::{Form, Multipart};
use once_cell::sync::Lazy;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE};
use reqwest::Method;
use serde_json::Value;
use std::borrow::Cow;
use std::sync::Arc;
use std::time::Duration;

pub struct Client {
    pub(crate) config: ClientConfig,
    /// The client's own pool, reached through `connections`.
    connections: Connections,
    /// Set when the owner releases the client; cancels everything still in flight.
    pub(crate) closed: CancelToken,
    pub(crate) logger: Logger,
    /// Each endpoint's URLs for the fixed paths (chat, Responses), parsed once here rather
    /// than on every request; `endpoint_urls[i]` belongs to `endpoints[i]`.
    endpoint_urls: Vec<Vec<(&'static str, reqwest::Url)>>,
    /// Where a call may go, in the order it tries them: the client's own base URL and key,
    /// then the `fallback` entries.
    pub(crate) endpoints: Vec<Endpoint>,
    pub(crate) credentials: Arc<Credentials>,
}

/// The paths whose full URLs a client parses when it is made.
const FIXED_PATHS: [&str; 2] = [CHAT_PATH, RESPONSES_PATH];
const CHAT_PATH: &str = "/chat/completions";
const RESPONSES_PATH: &str = "/responses";

/// One HTTP exchange to make, validated and ready to send.
#[derive(Debug, Clone)]
pub struct Call {
    pub method: Method,
    /// Relative to the base URL, starting with '/'.
    pub path: String,
    pub body: Option<Vec<u8>>,
    /// A multipart form, sent instead of `body`; framed afresh for each attempt.
    pub form: Option<Form>,
    pub kind: CallKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallKind {
    /// `/chat/completions`; the result carries the assistant text.
    Chat { stream: bool },
    /// `/responses`; the result carries the response object and its output text.
    Responses { stream: bool },
    /// Any other endpoint. Plain: the body comes back as sent. Streamed: each
    /// event reaches the caller as it is, named or not, parsed or not.
    Raw { stream: bool },
    /// A multipart upload; the result's text is the reply's transcript (its `text`
    /// member, a text body, or a transcript stream's accumulated deltas).
    Upload { stream: bool },
    /// A binary reply, read as bytes: kept in the result, or handed on in `pieces`.
    Download { pieces: bool },
}

impl Call {
    /// A chat-completions call. The body passes through unchanged, except that a
    /// streaming call gets `"stream": true`. `stream` is forced by streaming entry
    /// points; otherwise the body's own `stream` flag decides.
    pub fn chat(request_json: &str, force_stream: bool) -> Result<Call> {
        let (body, stream) = json_request(request_json, force_stream)?;
        Ok(Call::chat_body(body, stream))
    }

    /// A Responses API call (`POST /responses`), with the body rules of `chat`.
    pub fn responses(request_json: &str, force_stream: bool) -> Result<Call> {
        let (body, stream) = json_request(request_json, force_stream)?;
        Ok(Call::responses_body(body, stream))
    }

    /// A Responses API call with a body the library built itself.
    pub fn responses_body(body: Vec<u8>, stream: bool) -> Call {
        Call {
            method: Method::POST,
            path: RESPONSES_PATH.into(),
            body: Some(body),
            form: None,
            kind: CallKind::Responses { stream },
        }
    }

    /// A chat-completions call with a body the library built itself, so it
    /// already says `"stream": true` exactly when `stream` is set.
    pub fn chat_body(body: Vec<u8>, stream: bool) -> Call {
        Call {
            method: Method::POST,
            path: CHAT_PATH.into(),
            body: Some(body),
            form: None,
            kind: CallKind::Chat { stream },
        }
    }

    /// Any endpoint under the base URL, e.g. `GET /models`. A body, when given, must be JSON.
    pub fn raw(method: &str, path: &str, body: Option<&str>) -> Result<Call> {
        let method = Method::from_bytes(method.as_bytes())
            .map_err(|_| Error::InvalidArgument(format!("{method:?} is not an HTTP method")))?;
        check_path(path)?;
        let body = match body {
            Some(text) => {
                serde_json::from_str::<Value>(text).map_err(|e| Error::invalid_json("body", e))?;
                Some(text.as_bytes().to_vec())
            }
            None => None,
        };
        Ok(Call {
            method,
            path: path.to_string(),
            body,
            form: None,
            kind: CallKind::Raw { stream: false },
        })
    }

    /// Any endpoint, read as a stream of events (SSE or JSON lines).
    pub fn raw_stream(method: &str, path: &str, body: Option<&str>) -> Result<Call> {
        let mut call = Call::raw(method, path, body)?;
        call.kind = CallKind::Raw { stream: true };
        Ok(call)
    }

    /// `POST path` with `form` as multipart/form-data. `force_stream` adds the field
    /// `stream` = `true` unless the form has a `stream` field; otherwise a `stream` field
    /// saying `true` decides whether the reply is read as a stream.
    pub fn upload(path: &str, form: &Form, force_stream: bool) -> Result<Call> {
        check_path(path)?;
        let mut form = form.clone();
        if force_stream && !form.has_field("stream") {
            form.add_text("stream", "true");
        }
        let stream = force_stream || form.asks_to_stream();
        Ok(Call {
            method: Method::POST,
            path: path.to_string(),
            body: None,
            form: Some(form),
            kind: CallKind::Upload { stream },
        })
    }

    /// Any endpoint whose reply is binary: its bytes are kept in the result, or with
    /// `pieces` handed on as they arrive.
    pub fn download(method: &str, path: &str, body: Option<&str>, pieces: bool) -> Result<Call> {
        let mut call = Call::raw(method, path, body)?;
        call.kind = CallKind::Download { pieces };
        Ok(call)
    }

    /// Ask a streamed chat reply for its usage: add
    /// `"stream_options":{"include_usage":true}` unless the body has its own
    /// `stream_options`. Plain calls and other endpoints are left alone.
    pub fn ask_stream_usage(&mut self) {
        let Some(body) = self.body.as_mut().filter(|_| self.kind == (CallKind::Chat { stream: true })) else {
            return;
        };
        let Ok(Value::Object(mut members)) = serde_json::from_slice::<Value>(body) else {
            return;
        };
        if members.contains_key("stream_options") {
            return;
        }
        members.insert("stream_options".into(), serde_json::json!({ "include_usage": true }));
        *body = serde_json::to_vec(&members).expect("a JSON value always serializes");
    }

    /// Whether the reply comes in pieces that reach the caller's delivery: stream events,
    /// or a download's bytes.
    /// The call as endpoint `endpoint` gets it: with its `model` in place of the body's.
    /// A body that is not a JSON object with a `model` is sent unchanged.
    pub fn for_endpoint(&self, endpoint: &Endpoint) -> Cow<'_, Call> {
        let Some(model) = &endpoint.model else { return Cow::Borrowed(self) };
        let parsed = self.body.as_deref().map(serde_json::from_slice::<Value>);
        let Some(Ok(Value::Object(mut members))) = parsed else { return Cow::Borrowed(self) };
        if !members.contains_key("model") {
            return Cow::Borrowed(self);
        }
        members.insert("model".into(), Value::from(model.as_str()));
        let body = serde_json::to_vec(&members).expect("a JSON value always serializes");
        Cow::Owned(Call { body: Some(body), ..self.clone() })
    }

    pub fn is_stream(&self) -> bool {
        match self.kind {
            CallKind::Chat { stream }
            | CallKind::Responses { stream }
            | CallKind::Raw { stream }
            | CallKind::Upload { stream } => stream,
            CallKind::Download { pieces } => pieces,
        }
    }

    /// Whether its pieces are a binary reply's bytes rather than text events.
    pub fn yields_bytes(&self) -> bool {
        matches!(self.kind, CallKind::Download { pieces: true })
    }
}

/// A call's path must stay under the base URL.
fn check_path(path: &str) -> Result<()> {
    if !path.starts_with('/') || path.contains("://") {
        return Err(Error::InvalidArgument(format!(
            "path must start with '/' and be relative to base_url, got {path:?}"
        )));
    }
    Ok(())
}

/// Parse a request body that must be a JSON object; with `force_stream`, make
/// it say `"stream": true`. Returns the bytes to send and whether the reply streams.
fn json_request(request_json: &str, force_stream: bool) -> Result<(Vec<u8>, bool)> {
    let mut body: Value =
        serde_json::from_str(request_json).map_err(|e| Error::invalid_json("request", e))?;
    let obj = body
        .as_object_mut()
        .ok_or_else(|| Error::InvalidArgument("request must be a JSON object".into()))?;
    let asked_to_stream = obj.get("stream").and_then(Value::as_bool) == Some(true);
    let stream = force_stream || asked_to_stream;
    let bytes = if stream && !asked_to_stream {
        obj.insert("stream".into(), Value::Bool(true));
        serde_json::to_vec(&body).expect("a JSON value always serializes")
    } else {
        request_json.as_bytes().to_vec()
    };
    Ok((bytes, stream))
}

/// The fixed paths' URLs under `base_url`.
fn fixed_urls(base_url: &str) -> Vec<(&'static str, reqwest::Url)> {
    FIXED_PATHS
        .iter()
        .filter_map(|path| Some((*path, reqwest::Url::parse(&format!("{base_url}{path}")).ok()?)))
        .collect()
}

impl Client {
    pub fn new(config: ClientConfig) -> Result<Client> {
        let pool = build(http_builder(&config, config.connect_timeout)?)?;
        let tls_pool = build(http_builder(&config, config.connect_timeout)?.connector_layer(ReportAlpn))?;
        let lane_config = config.clone();
        let new_lane: LaneBuilder = Box::new(move || {
            let builder = http_builder(&lane_config, lane_config.connect_timeout)?;
            build(builder.http2_prior_knowledge())
        });
        let connections = Connections::new(pool, tls_pool, new_lane, config.http2_prior_knowledge);
        let own = Endpoint {
            base_url: config.base_url.clone(),
            api_key: config.api_key.clone(),
            model: None,
            headers: Vec::new(),
        };
        let endpoints: Vec<Endpoint> = std::iter::once(own).chain(config.fallback.iter().cloned()).collect();
        let endpoint_urls = endpoints.iter().map(|endpoint| fixed_urls(&endpoint.base_url)).collect();
        Ok(Client {
            endpoints,
            config,
            connections,
            closed: CancelToken::new(),
            logger: Logger::default(),
            endpoint_urls,
            credentials: Arc::default(),
        })
    }

    /// The client's connections, or for a request that wants another connect
    /// timeout, a fresh HTTP client (reqwest fixes that timeout per client).
    pub(crate) fn http_for(&self, options: &RequestOptions) -> Result<Http<'_>> {
        match options.connect_timeout {
            Some(limit) if limit != self.config.connect_timeout => {
                Ok(Http::Fresh(build(http_builder(&self.config, limit)?)?))
            }
            _ => Ok(Http::Shared(&self.connections)),
        }
    }

    pub fn logger(&self) -> &Logger {
        &self.logger
    }

    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// The source asked for each attempt's credential.
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// Cancel every request still in flight on this client.
    pub fn close(&self) {
        self.closed.cancel();
    }

    /// Build the HTTP request for `call` on `endpoint`: URL, auth (`credential`, when the
    /// credential source gave one, replaces the endpoint's key), default, endpoint and
    /// per-request headers and query.
    pub(crate) fn build(
        &self,
        index: usize,
        call: &Call,
        options: &RequestOptions,
        credential: &[(String, String)],
    ) -> Result<reqwest::Request> {
        let endpoint = &self.endpoints[index];
        let mut url = match self.endpoint_urls[index].iter().find(|(path, _)| *path == call.path) {
            Some((_, url)) => url.clone(),
            None => {
                let url = format!("{}{}", endpoint.base_url, call.path);
                reqwest::Url::parse(&url)
                    .map_err(|e| Error::InvalidArgument(format!("bad URL {url:?}: {e}")))?
            }
        };
        if !self.config.default_query.is_empty() || !options.query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (name, value) in merged_query(&self.config.default_query, &options.query) {
                pairs.append_pair(name, value);
            }
        }
        if url.query() == Some("") {
            url.set_query(None);
        }
        let mut request = reqwest::Request::new(call.method.clone(), url);
        *request.headers_mut() = self.headers(endpoint, call, options, credential)?;
        if let Some(body) = &call.body {
            *request.body_mut() = Some(body.clone().into());
        }
        if let Some(form) = &call.form {
            let multipart = Multipart::new(form, self.config.max_upload_bytes as u64)?;
            let headers = request.headers_mut();
            headers.insert(CONTENT_TYPE, HeaderValue::from_str(&multipart.content_type()).expect("the boundary is ASCII"));
            headers.insert(CONTENT_LENGTH, HeaderValue::from(multipart.len()));
            *request.body_mut() = Some(reqwest::Body::wrap(multipart));
        }
        Ok(request)
    }

    fn headers(
        &self,
        endpoint: &Endpoint,
        call: &Call,
        options: &RequestOptions,
        credential: &[(String, String)],
    ) -> Result<HeaderMap> {
        let mut headers = HeaderMap::new();
        let accept = match call.kind {
            CallKind::Download { .. } => "*/*",
            _ if call.is_stream() => "text/event-stream, application/x-ndjson, application/json",
            _ => "application/json",
        };
        headers.insert(ACCEPT, HeaderValue::from_static(accept));
        if call.body.is_some() {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        let config = &self.config;
        let key = endpoint.api_key.as_ref().filter(|_| credential.is_empty());
        let auth = key.map(|key| format!("Bearer {}", key.expose()));
        let fixed = [
            ("authorization", auth.as_deref()),
            ("openai-organization", config.organization.as_deref()),
            ("openai-project", config.project.as_deref()),
        ];
        for (name, value) in fixed {
            if let Some(value) = value {
                insert_header(&mut headers, name, value)?;
            }
        }
        for (name, value) in credential {
            insert_header(&mut headers, name, value)?;
            if let Some(value) = headers.get_mut(name.as_str()) {
                value.set_sensitive(true);
            }
        }
        if let Some(value) = headers.get_mut(AUTHORIZATION) {
            value.set_sensitive(true);
        }
        let chosen = config.default_headers.iter().chain(&endpoint.headers).chain(&options.headers);
        for (name, value) in chosen {
            insert_header(&mut headers, name, value)?;
        }
        Ok(headers)
    }
}

/// The system's trusted roots, on top of the built-in web PKI ones. A missing
/// or unreadable store just adds nothing.
static SYSTEM_ROOTS: Lazy<Vec<reqwest::Certificate>> = Lazy::new(|| {
    rustls_native_certs::load_native_certs()
        .certs
        .iter()
        .filter_map(|der| reqwest::Certificate::from_der(der).ok())
        .collect()
});

/// Where a call's attempts are sent.
pub(crate) enum Http<'a> {
    /// The client's connections, shared by its calls.
    Shared(&'a Connections),
    /// A client of the call's own.
    Fresh(reqwest::Client),
}

impl Http<'_> {
    pub(crate) async fn execute(&self, request: reqwest::Request) -> reqwest::Result<reqwest::Response> {
        match self {
            Http::Shared(connections) => connections.execute(request).await,
            Http::Fresh(http) => http.execute(request).await,
        }
    }
}

fn build(builder: reqwest::ClientBuilder) -> Result<reqwest::Client> {
    builder
        .build()
        .map_err(|e| Error::InvalidConfig(format!("cannot build HTTP client: {e}")))
}

/// An HTTP client builder set up from `config`, with `connect_timeout`.
fn http_builder(config: &ClientConfig, connect_timeout: Duration) -> Result<reqwest::ClientBuilder> {
    let bad = |what: &str, e: reqwest::Error| Error::InvalidConfig(format!("{what}: {e}"));
    let mut builder = reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_native_certs(false)
        .connect_timeout(connect_timeout)
        .user_agent(config.user_agent.clone())
        .tcp_nodelay(true)
        .danger_accept_invalid_certs(config.tls.skip_verification);
    for root in SYSTEM_ROOTS.iter() {
        builder = builder.add_root_certificate(root.clone());
    }
    if !config.tls.extra_roots_pem.is_empty() {
        let roots = reqwest::Certificate::from_pem_bundle(&config.tls.extra_roots_pem)
            .map_err(|e| bad("ca_cert_pem/ca_cert_file is not PEM certificates", e))?;
        if roots.is_empty() {
            return Err(Error::InvalidConfig(
                "ca_cert_pem/ca_cert_file holds no certificate".into(),
            ));
        }
        for root in roots {
            builder = builder.add_root_certificate(root);
        }
    }
    if let Some(identity) = &config.tls.client_identity_pem {
        let identity = reqwest::Identity::from_pem(identity.expose().as_bytes())
            .map_err(|e| bad("client certificate or key is not usable PEM", e))?;
        builder = builder.identity(identity);
    }
    if let Some(proxy) = &config.proxy {
        let proxy = reqwest::Proxy::all(proxy.as_str())
            .map_err(|e| bad("proxy", e))?
            .no_proxy(reqwest::NoProxy::from_env());
        builder = builder.proxy(proxy);
    }
    Ok(builder)
}

/// The client's default query with this request's values applied: a request value replaces
/// the default of the same name in its place (a name is sent once, as with headers), and the
/// request's other names follow in their order.
fn merged_query<'a>(
    defaults: &'a [(String, String)],
    overrides: &'a [(String, String)],
) -> impl Iterator<Item = (&'a str, &'a str)> {
    let value_in = |list: &'a [(String, String)], name: &str| {
        list.iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let replaced = defaults
        .iter()
        .map(move |(name, value)| (name.as_str(), value_in(overrides, name).unwrap_or(value)));
    let added = overrides
        .iter()
        .filter(move |(name, _)| value_in(defaults, name).is_none())
        .map(|(name, value)| (name.as_str(), value.as_str()));
    replaced.chain(added)
}

fn insert_header(headers: &mut HeaderMap, name: &str, value: &str) -> Result<()> {
    let header_name = HeaderName::from_bytes(name.as_bytes())
        .map_err(|_| Error::InvalidArgument(format!("{name:?} is not a valid header name")))?;
    let header_value = HeaderValue::from_str(value).map_err(|_| {
        Error::InvalidArgument(format!("the value of header {name:?} is not valid"))
    })?;
    headers.insert(header_name, header_value);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Status;

    #[test]
    fn streaming_chat_sets_stream_and_plain_chat_passes_bytes_through() {
        let original = r#"{"model":"m","messages":[],"temperature":0.5}"#;
        let plain = Call::chat(original, false).unwrap();
        assert_eq!(plain.body.as_deref(), Some(original.as_bytes()));
        assert_eq!(plain.kind, CallKind::Chat { stream: false });
        let stream = Call::chat(original, true).unwrap();
        let body: Value = serde_json::from_slice(stream.body.as_deref().unwrap()).unwrap();
        assert_eq!(body["stream"], Value::Bool(true));
        assert_eq!(body["temperature"], 0.5);
        let asked = Call::chat(r#"{"stream":true}"#, false).unwrap();
        assert!(asked.is_stream());
    }

    #[test]
    fn stream_usage_is_asked_only_of_streamed_chat_without_its_own_stream_options() {
        let body = |call: &Call| serde_json::from_slice::<Value>(call.body.as_deref().unwrap()).unwrap();
        let mut streamed = Call::chat(r#"{"model":"m","stream":true}"#, false).unwrap();
        streamed.ask_stream_usage();
        assert_eq!(body(&streamed)["stream_options"], serde_json::json!({"include_usage": true}));
        let own = r#"{"stream":true,"stream_options":{"include_usage":false}}"#;
        let mut kept = Call::chat(own, false).unwrap();
        kept.ask_stream_usage();
        assert_eq!(kept.body.as_deref(), Some(own.as_bytes()));
        let mut plain = Call::chat(r#"{"model":"m"}"#, false).unwrap();
        plain.ask_stream_usage();
        assert!(body(&plain).get("stream_options").is_none());
    }

    #[test]
    fn bad_requests_are_rejected_before_sending() {
        assert_eq!(
            Call::chat("{", false).unwrap_err().status(),
            Status::InvalidJson
        );
        assert_eq!(
            Call::chat("[]", false).unwrap_err().status(),
            Status::InvalidArgument
        );
        assert_eq!(
            Call::raw("GET", "models", None).unwrap_err().status(),
            Status::InvalidArgument
        );
        assert_eq!(
            Call::raw("G ET", "/models", None).unwrap_err().status(),
            Status::InvalidArgument
        );
        assert_eq!(
            Call::raw("POST", "/x", Some("{")).unwrap_err().status(),
            Status::InvalidJson
        );
    }

    /// `GET /models` as built for a client with `config` and a request with `options`.
    fn build_get_models(config: &str, options: &str) -> reqwest::Request {
        let config = ClientConfig::from_json_with_env(config, |_| None).unwrap();
        let options = RequestOptions::from_json(options).unwrap();
        let call = Call::raw("GET", "/models", None).unwrap();
        let client = Client::new(config).unwrap();
        client.build(0, &call, &options, &[]).unwrap()
    }

    #[test]
    fn request_carries_auth_headers_and_query() {
        let request = build_get_models(
            r#"{"api_key":"k1","base_url":"http://127.0.0.1:1/v1","organization":"o","project":"p",
                "default_headers":{"X-App":"game"},"default_query":{"api-version":"1"}}"#,
            r#"{"headers":{"X-App":"override"},"query":{"q":"2"}}"#,
        );
        assert_eq!(
            request.url().as_str(),
            "http://127.0.0.1:1/v1/models?api-version=1&q=2"
        );
        let headers = request.headers();
        assert_eq!(headers["authorization"], "Bearer k1");
        assert!(headers["authorization"].is_sensitive());
        assert_eq!(headers["openai-organization"], "o");
        assert_eq!(headers["openai-project"], "p");
        assert_eq!(headers["x-app"], "override");
        assert!(headers.get("content-type").is_none());
    }

    #[test]
    fn fixed_endpoints_use_the_urls_parsed_at_creation() {
        let config = r#"{"base_url":"http://127.0.0.1:1/v1","default_query":{"d":"1"}}"#;
        let config = ClientConfig::from_json_with_env(config, |_| None).unwrap();
        let client = Client::new(config).unwrap();
        assert_eq!(client.endpoint_urls[0].len(), FIXED_PATHS.len());
        let url = |call: &Call, options: &str| {
            let options = RequestOptions::from_json(options).unwrap();
            client.build(0, call, &options, &[]).unwrap().url().to_string()
        };
        let chat = Call::chat("{}", true).unwrap();
        assert_eq!(url(&chat, ""), "http://127.0.0.1:1/v1/chat/completions?d=1");
        assert_eq!(url(&chat, r#"{"query":{"q":"2"}}"#), "http://127.0.0.1:1/v1/chat/completions?d=1&q=2");
        assert_eq!(url(&chat, ""), "http://127.0.0.1:1/v1/chat/completions?d=1", "the parsed URL is not changed");
        let responses = Call::responses("{}", false).unwrap();
        assert_eq!(url(&responses, ""), "http://127.0.0.1:1/v1/responses?d=1");
        let raw = Call::raw("GET", "/models?limit=2", None).unwrap();
        assert_eq!(url(&raw, ""), "http://127.0.0.1:1/v1/models?limit=2&d=1");
    }

    #[test]
    fn each_endpoint_sends_its_own_url_key_model_and_headers_and_a_credential_replaces_the_key() {
        let config = r#"{"api_key":"own","base_url":"http://127.0.0.1:1/v1","default_headers":{"X-App":"game","X-E":"client"},
            "fallback":[{"base_url":"http://127.0.0.1:2/v2","api_key":"theirs","model":"small","headers":{"X-E":"endpoint"}}]}"#;
        let config = ClientConfig::from_json_with_env(config, |_| None).unwrap();
        let client = Client::new(config).unwrap();
        let call = Call::chat(r#"{"model":"big","messages":[]}"#, false).unwrap();
        let options = RequestOptions::default();
        let fallback = &client.endpoints[1];
        let on_fallback = call.for_endpoint(fallback);
        let request = client.build(1, &on_fallback, &options, &[]).unwrap();
        assert_eq!(request.url().as_str(), "http://127.0.0.1:2/v2/chat/completions");
        assert_eq!(request.headers()["authorization"], "Bearer theirs");
        assert_eq!((request.headers()["x-app"].to_str().unwrap(), request.headers()["x-e"].to_str().unwrap()), ("game", "endpoint"));
        let body: Value = serde_json::from_slice(request.body().unwrap().as_bytes().unwrap()).unwrap();
        assert_eq!(body["model"], "small");
        assert!(matches!(call.for_endpoint(&client.endpoints[0]), Cow::Borrowed(_)), "the client's own endpoint sends the body as is");
        let credential = [("api-key".to_string(), "fresh".to_string())];
        let request = client.build(0, &call, &options, &credential).unwrap();
        assert!(request.headers().get("authorization").is_none(), "the credential replaces the key");
        assert_eq!(request.headers()["api-key"], "fresh");
        assert!(request.headers()["api-key"].is_sensitive());
    }

    #[test]
    fn request_query_replaces_the_default_of_the_same_name() {
        let config =
            r#"{"base_url":"http://127.0.0.1:1/v1","default_query":{"over":"client","keep":"k"}}"#;
        let request = build_get_models(config, r#"{"query":{"new":"n","over":"request"}}"#);
        assert_eq!(
            request.url().query(),
            Some("over=request&keep=k&new=n"),
            "the default keeps its place, the request adds the rest"
        );
        assert_eq!(
            build_get_models(config, "").url().query(),
            Some("over=client&keep=k")
        );
    }
}
