//! Routing, auth, error bodies, request validation, deterministic replies and the scenarios.
//! The behaviour is specified in the crate documentation (src/lib.rs); keep the two in sync.

use std::io;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use serde_json::{Map, Value};

use crate::http::{self, BodyLen, ChunkedWriter, Request, Stream};
use crate::json::J;
use crate::Ctx;

/// The `created` timestamp of every completion, chunk and model (fixed for determinism).
pub(crate) const CREATED: i64 = 1_700_000_000;
/// The llama-style keep-alive comment (the timestamp is `CREATED` as UTC).
const PING_COMMENT: &str = ": ping - 2023-11-14 22:13:20.000000+00:00";
const ROLES: [&str; 5] = ["system", "user", "assistant", "tool", "developer"];
const BIG_CHUNKS_MAX: usize = 1_000_000;
/// Target size of a `big-chunks-<n>` content chunk's JSON (the chunk with empty content is ~220).
const BIG_CHUNK_JSON_LEN: usize = 256;
const TOOL_ARGUMENTS: [&str; 3] = ["{\"city\"", ":\"Par", "is\"}"];
/// Longest pause `trickle-<ms>` accepts.
const TRICKLE_MAX_MS: u64 = 5000;
/// Largest size `huge-body-<bytes>` / `huge-line-<bytes>` accept (256 MiB).
const HUGE_MAX: usize = 256 * 1024 * 1024;
/// Content per event of a streamed `huge-body-<bytes>`.
const HUGE_BODY_STREAM_PIECE: usize = 64 * 1024;

/// Base64 for image data URLs: standard alphabet, padding optional.
const DATA_URL_BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Base {
    /// `/v1`: OpenAI style.
    V1,
    /// `/v2`: WebraftAI paid plan.
    V2,
    /// `/freeapi`: WebraftAI free plan.
    Free,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Route {
    Chat,
    Models,
    Embeddings,
    Echo,
}

/// What the connection does after a response.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Next {
    KeepAlive,
    Close,
}

fn next(keep_alive: bool) -> Next {
    if keep_alive {
        Next::KeepAlive
    } else {
        Next::Close
    }
}

fn under<'a>(path: &'a str, prefix: &str) -> Option<&'a str> {
    let rest = path.strip_prefix(prefix)?;
    (rest.is_empty() || rest.starts_with('/')).then_some(rest)
}

fn route(path: &str) -> (Option<Base>, Option<Route>) {
    let (base, rest) = if let Some(r) = under(path, "/v1") {
        (Base::V1, r)
    } else if let Some(r) = under(path, "/v2") {
        (Base::V2, r)
    } else if let Some(r) = under(path, "/freeapi") {
        (Base::Free, r)
    } else {
        return (None, None);
    };
    let rest = if rest.len() > 1 {
        rest.trim_end_matches('/')
    } else {
        rest
    };
    let route = match rest {
        "/chat/completions" => Some(Route::Chat),
        "/models" => Some(Route::Models),
        "/embeddings" => Some(Route::Embeddings),
        "/debug/echo" => Some(Route::Echo),
        _ => None,
    };
    (Some(base), route)
}

// ---------------------------------------------------------------------------------------------
// Errors

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
    fn new(status: u16, kind: &'static str, message: impl Into<String>) -> Self {
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
    fn invalid(param: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(400, "invalid_request_error", message).with_param(param)
    }

    fn missing(param: &str) -> Self {
        Self::invalid(param, format!("Missing required parameter: '{param}'."))
    }

    fn wrong_type(param: &str, expected: &str) -> Self {
        Self::invalid(
            param,
            format!("Invalid type for '{param}': expected {expected}."),
        )
    }

    fn with_param(mut self, param: impl Into<String>) -> Self {
        self.param = Some(param.into());
        self
    }

    fn with_code(mut self, code: &'static str) -> Self {
        self.code = Some(code);
        self
    }

    fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Self {
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

fn json_header() -> (&'static str, String) {
    ("Content-Type", "application/json".to_string())
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

async fn send_json(
    stream: &mut dyn Stream,
    rid: u64,
    keep_alive: bool,
    body: &str,
) -> io::Result<()> {
    http::send(
        stream,
        200,
        rid,
        keep_alive,
        &[json_header()],
        body.as_bytes(),
    )
    .await
}

fn check_auth(req: &Request, api_key: &str) -> Option<ApiError> {
    let token = req.header("authorization").and_then(|v| {
        let (scheme, rest) = v.split_once(' ')?;
        scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
    });
    match token {
        Some(t) if t == api_key => None,
        Some("no-credits-key") => Some(
            ApiError::new(402, "insufficient_quota", "Insufficient Credits")
                .with_code("insufficient_quota"),
        ),
        _ => Some(
            ApiError::new(401, "invalid_request_error", "Wrong Api key")
                .with_code("invalid_api_key"),
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// Dispatch

type Parsed = Option<Result<Value, serde_json::Error>>;

pub(crate) async fn handle(
    stream: &mut dyn Stream,
    req: &Request,
    rid: u64,
    ctx: &Ctx,
) -> io::Result<Next> {
    let keep = req.keep_alive;
    let (base, route) = match route(&req.path) {
        (Some(base), Some(route)) => (base, route),
        (base, _) => {
            let err = ApiError::new(
                404,
                "invalid_request_error",
                format!("Unknown request URL: {} {}", req.method, req.path),
            )
            .with_code("unknown_url");
            send_error(stream, base.unwrap_or(Base::V1), &err, rid, keep).await?;
            return Ok(next(keep));
        }
    };

    let parsed: Parsed = if req.body.is_empty() {
        None
    } else {
        Some(serde_json::from_slice(&req.body))
    };

    // Counted on arrival, before auth and validation, so retry tests see every attempt.
    if route == Route::Chat && req.method == "POST" {
        if let Some(Ok(Value::Object(body))) = &parsed {
            if let Some(Value::String(model)) = body.get("model") {
                ctx.count_request(model);
            }
        }
    }

    if let Some(err) = check_auth(req, &ctx.api_key) {
        send_error(stream, base, &err, rid, keep).await?;
        return Ok(next(keep));
    }

    let allowed = match route {
        Route::Chat | Route::Embeddings => Some("POST"),
        Route::Models => Some("GET"),
        Route::Echo => None,
    };
    if let Some(allowed) = allowed {
        if req.method != allowed {
            let err = ApiError::new(
                405,
                "invalid_request_error",
                format!(
                    "Method {} is not allowed for {}; use {allowed}.",
                    req.method, req.path
                ),
            )
            .with_code("method_not_allowed")
            .with_header("Allow", allowed);
            send_error(stream, base, &err, rid, keep).await?;
            return Ok(next(keep));
        }
    }

    match route {
        Route::Models => {
            send_json(stream, rid, keep, &models_body()).await?;
            Ok(next(keep))
        }
        Route::Echo => {
            send_json(stream, rid, keep, &describe_request(req).compact()).await?;
            Ok(next(keep))
        }
        Route::Embeddings => {
            match embeddings_body(&parsed) {
                Ok(body) => send_json(stream, rid, keep, &body).await?,
                Err(err) => send_error(stream, base, &err, rid, keep).await?,
            }
            Ok(next(keep))
        }
        Route::Chat => chat(stream, base, req, &parsed, rid, ctx).await,
    }
}

// ---------------------------------------------------------------------------------------------
// Echo, models, embeddings

fn pct_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `{"method","path","query","headers","body","absolute_form","host"}` for `/debug/echo` and the
/// `echo-request` model.
fn describe_request(req: &Request) -> J {
    let mut query = Map::new();
    for pair in req.query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        query.insert(pct_decode(k), Value::String(pct_decode(v)));
    }
    let mut headers = Map::new();
    for (name, value) in &req.headers {
        match headers.get_mut(name) {
            Some(Value::String(existing)) => {
                existing.push_str(", ");
                existing.push_str(value);
            }
            _ => {
                headers.insert(name.clone(), Value::String(value.clone()));
            }
        }
    }
    let body = serde_json::from_slice::<Value>(&req.body).unwrap_or(Value::Null);
    obj! {
        "method" => &req.method,
        "path" => &req.path,
        "query" => &Value::Object(query),
        "headers" => &Value::Object(headers),
        "body" => &body,
        "absolute_form" => req.absolute_form,
        "host" => req.header("host"),
    }
}

fn models_body() -> String {
    let ids = [
        "gpt-4o",
        "gpt-4o-mini",
        "gpt-3.5-turbo",
        "text-embedding-3-small",
    ];
    let data: Vec<J> = ids
        .iter()
        .map(|id| obj! {"id" => *id, "object" => "model", "created" => CREATED, "owned_by" => "webraft-test"})
        .collect();
    obj! {"object" => "list", "data" => data}.compact()
}

fn body_object(parsed: &Parsed) -> Result<&Map<String, Value>, ApiError> {
    match parsed {
        None => Err(ApiError::new(
            400,
            "invalid_request_error",
            "We could not parse the JSON body of your request: the body is empty.",
        )),
        Some(Err(e)) => Err(ApiError::new(
            400,
            "invalid_request_error",
            format!("We could not parse the JSON body of your request: {e}."),
        )),
        Some(Ok(Value::Object(obj))) => Ok(obj),
        Some(Ok(_)) => Err(ApiError::new(
            400,
            "invalid_request_error",
            "The request body must be a JSON object.",
        )),
    }
}

fn require_model(obj: &Map<String, Value>) -> Result<String, ApiError> {
    match obj.get("model") {
        None | Some(Value::Null) => Err(ApiError::missing("model")),
        Some(Value::String(m)) => Ok(m.clone()),
        Some(_) => Err(ApiError::wrong_type("model", "a string")),
    }
}

fn fnv1a(bytes: &[u8], mut h: u64) -> u64 {
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Deterministic fake embedding: value j = ((fnv1a64(text ++ j as u32 LE) mod 2001) - 1000) / 1000.
fn embed(text: &str, dims: usize) -> Vec<f64> {
    let base = fnv1a(text.as_bytes(), 0xcbf2_9ce4_8422_2325);
    (0..dims)
        .map(|j| {
            let h = fnv1a(&(j as u32).to_le_bytes(), base);
            ((h % 2001) as f64 - 1000.0) / 1000.0
        })
        .collect()
}

fn embeddings_body(parsed: &Parsed) -> Result<String, ApiError> {
    let obj = body_object(parsed)?;
    let model = require_model(obj)?;
    const INPUT_TYPE: &str =
        "a string, an array of strings, an array of integers or an array of integer arrays";
    let input = obj.get("input").ok_or_else(|| ApiError::missing("input"))?;
    // (text to embed, prompt tokens)
    let token_text = |items: &[Value], param: &str| -> Result<(String, usize), ApiError> {
        let mut toks = Vec::new();
        for t in items {
            match t.as_u64() {
                Some(t) => toks.push(t.to_string()),
                None => {
                    return Err(ApiError::wrong_type(
                        param,
                        "an array of non-negative integers",
                    ))
                }
            }
        }
        if toks.is_empty() {
            return Err(ApiError::invalid(
                param,
                format!("Invalid '{param}': empty token array."),
            ));
        }
        Ok((toks.join(" "), toks.len()))
    };
    let items: Vec<(String, usize)> = match input {
        Value::String(s) if s.is_empty() => {
            return Err(ApiError::invalid(
                "input",
                "Invalid 'input': the string is empty.",
            ));
        }
        Value::String(s) => vec![(s.clone(), s.split_whitespace().count())],
        Value::Array(a) if a.is_empty() => {
            return Err(ApiError::invalid(
                "input",
                "Invalid 'input': empty array. Expected an array with minimum length 1.",
            ));
        }
        Value::Array(a) if a.iter().all(Value::is_number) => vec![token_text(a, "input")?],
        Value::Array(a) => {
            let mut out = Vec::new();
            for (i, item) in a.iter().enumerate() {
                let param = format!("input[{i}]");
                match item {
                    Value::String(s) if s.is_empty() => {
                        return Err(ApiError::invalid(
                            &param,
                            format!("Invalid '{param}': the string is empty."),
                        ));
                    }
                    Value::String(s) => out.push((s.clone(), s.split_whitespace().count())),
                    Value::Array(toks) => out.push(token_text(toks, &param)?),
                    _ => {
                        return Err(ApiError::wrong_type(
                            &param,
                            "a string or an array of integers",
                        ))
                    }
                }
            }
            out
        }
        _ => return Err(ApiError::wrong_type("input", INPUT_TYPE)),
    };
    let dims = match obj.get("dimensions") {
        None | Some(Value::Null) => 8,
        Some(v) => v
            .as_u64()
            .filter(|d| (1..=4096).contains(d))
            .ok_or_else(|| {
                ApiError::invalid(
                    "dimensions",
                    "Invalid 'dimensions': expected an integer between 1 and 4096.",
                )
            })? as usize,
    };
    let base64_format = match obj.get("encoding_format") {
        None | Some(Value::Null) => false,
        Some(Value::String(f)) if f == "float" => false,
        Some(Value::String(f)) if f == "base64" => true,
        Some(_) => {
            return Err(ApiError::invalid(
                "encoding_format",
                "Invalid 'encoding_format': supported values are 'float' and 'base64'.",
            ))
        }
    };
    let prompt_tokens: usize = items.iter().map(|(_, n)| n).sum();
    let data: Vec<J> = items
        .iter()
        .enumerate()
        .map(|(i, (text, _))| {
            let vector = embed(text, dims);
            let embedding = if base64_format {
                let bytes: Vec<u8> = vector
                    .iter()
                    .flat_map(|v| (*v as f32).to_le_bytes())
                    .collect();
                J::from(STANDARD.encode(bytes))
            } else {
                J::Arr(vector.into_iter().map(J::from).collect())
            };
            obj! {"object" => "embedding", "index" => i, "embedding" => embedding}
        })
        .collect();
    Ok(obj! {
        "object" => "list",
        "data" => data,
        "model" => model,
        "usage" => obj! {"prompt_tokens" => prompt_tokens, "total_tokens" => prompt_tokens},
    }
    .compact())
}

// ---------------------------------------------------------------------------------------------
// Chat validation

struct ChatReq {
    model: String,
    stream: bool,
    max_tokens: Option<usize>,
    n: usize,
    include_usage: bool,
    prompt_tokens: usize,
    /// What "You said:" repeats: the last user message's text plus its image descriptions.
    said: String,
}

fn valid_image_subtype(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '+' | '-'))
}

/// Validates an image URL and returns its description for the reply
/// (`url <url>` or `<mime> <decoded byte count> bytes`).
fn describe_image(param: &str, url: &str) -> Result<String, ApiError> {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    let scheme_len = if lower.starts_with("http://") {
        Some(7)
    } else if lower.starts_with("https://") {
        Some(8)
    } else {
        None
    };
    if let Some(scheme_len) = scheme_len {
        if url.len() > scheme_len && !url.chars().any(char::is_whitespace) {
            return Ok(format!("url {url}"));
        }
        return Err(ApiError::invalid(
            param,
            format!("Invalid '{param}': the URL has no host or contains whitespace."),
        ));
    }
    if let Some(rest) = url.strip_prefix("data:") {
        let Some((meta, data)) = rest.split_once(',') else {
            return Err(ApiError::invalid(
                param,
                format!("Invalid '{param}': the data URL has no ',' separator."),
            ));
        };
        let Some(mime) = meta.strip_suffix(";base64") else {
            return Err(ApiError::invalid(
                param,
                format!("Invalid '{param}': the data URL must be base64-encoded (data:image/<type>;base64,<data>)."),
            ));
        };
        if !mime.strip_prefix("image/").is_some_and(valid_image_subtype) {
            return Err(ApiError::invalid(
                param,
                format!("Invalid '{param}': the data URL media type must be image/<type>, got '{mime}'."),
            ));
        }
        if data.is_empty() {
            return Err(ApiError::invalid(
                param,
                format!("Invalid '{param}': the image data is empty."),
            ));
        }
        let bytes = DATA_URL_BASE64.decode(data).map_err(|_| {
            ApiError::invalid(
                param,
                format!("Invalid '{param}': the image data is not valid base64."),
            )
        })?;
        return Ok(format!("{mime} {} bytes", bytes.len()));
    }
    Err(ApiError::invalid(
        param,
        format!("Invalid '{param}': expected an http(s) URL or a base64 data URL (data:image/<type>;base64,<data>)."),
    ))
}

/// Validates a message's content; returns its text (text parts joined with " ") and the
/// descriptions of its images.
fn message_content(
    p: &str,
    role: &str,
    content: Option<&Value>,
) -> Result<(String, Vec<String>), ApiError> {
    let cp = format!("{p}.content");
    match content {
        None | Some(Value::Null) if role == "assistant" => Ok((String::new(), Vec::new())),
        None => Err(ApiError::missing(&cp)),
        Some(Value::Null) => Err(ApiError::invalid(
            &cp,
            format!(
                "Invalid value for '{cp}': null content is only allowed for assistant messages."
            ),
        )),
        Some(Value::String(s)) => Ok((s.clone(), Vec::new())),
        Some(Value::Array(parts)) => {
            let mut texts = Vec::new();
            let mut images = Vec::new();
            for (j, part) in parts.iter().enumerate() {
                let pp = format!("{cp}[{j}]");
                let Some(part) = part.as_object() else {
                    return Err(ApiError::wrong_type(&pp, "an object"));
                };
                let tp = format!("{pp}.type");
                let ty = match part.get("type") {
                    None => return Err(ApiError::missing(&tp)),
                    Some(Value::String(t)) => t.as_str(),
                    Some(_) => return Err(ApiError::wrong_type(&tp, "a string")),
                };
                match ty {
                    "text" => {
                        let xp = format!("{pp}.text");
                        match part.get("text") {
                            Some(Value::String(t)) => texts.push(t.clone()),
                            None => return Err(ApiError::missing(&xp)),
                            Some(_) => return Err(ApiError::wrong_type(&xp, "a string")),
                        }
                    }
                    "image_url" => {
                        let ip = format!("{pp}.image_url");
                        let image = match part.get("image_url") {
                            Some(Value::Object(o)) => o,
                            None => return Err(ApiError::missing(&ip)),
                            Some(_) => return Err(ApiError::wrong_type(&ip, "an object")),
                        };
                        let up = format!("{ip}.url");
                        let url = match image.get("url") {
                            Some(Value::String(u)) => u,
                            None => return Err(ApiError::missing(&up)),
                            Some(_) => return Err(ApiError::wrong_type(&up, "a string")),
                        };
                        if let Some(detail) = image.get("detail") {
                            if !detail.is_string() {
                                return Err(ApiError::wrong_type(&format!("{ip}.detail"), "a string"));
                            }
                        }
                        images.push(describe_image(&up, url)?);
                    }
                    other => {
                        return Err(ApiError::invalid(
                            &tp,
                            format!("Invalid value for '{tp}': '{other}'. Supported values are: 'text' and 'image_url'."),
                        ))
                    }
                }
            }
            Ok((texts.join(" "), images))
        }
        Some(_) => Err(ApiError::wrong_type(
            &cp,
            "a string, null (assistant only) or an array of content parts",
        )),
    }
}

fn positive_int(obj: &Map<String, Value>, name: &str) -> Result<Option<usize>, ApiError> {
    match obj.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => match v.as_u64().filter(|k| *k > 0) {
            Some(k) => Ok(Some(usize::try_from(k).unwrap_or(usize::MAX))),
            None => Err(ApiError::invalid(
                name,
                format!("Invalid '{name}': expected a positive integer."),
            )),
        },
    }
}

fn validate_chat(parsed: &Parsed) -> Result<ChatReq, ApiError> {
    let obj = body_object(parsed)?;
    let model = require_model(obj)?;
    let messages = match obj.get("messages") {
        None | Some(Value::Null) => return Err(ApiError::missing("messages")),
        Some(Value::Array(a)) => a,
        Some(_) => return Err(ApiError::wrong_type("messages", "an array")),
    };
    if messages.is_empty() {
        return Err(ApiError::invalid(
            "messages",
            "Invalid 'messages': empty array. Expected an array with minimum length 1.",
        ));
    }
    let mut prompt_tokens = 0;
    let mut last_user: Option<(String, Vec<String>)> = None;
    for (i, message) in messages.iter().enumerate() {
        let p = format!("messages[{i}]");
        let Some(message) = message.as_object() else {
            return Err(ApiError::wrong_type(&p, "an object"));
        };
        let rp = format!("{p}.role");
        let role = match message.get("role") {
            None => return Err(ApiError::missing(&rp)),
            Some(Value::String(r)) => r.as_str(),
            Some(_) => return Err(ApiError::wrong_type(&rp, "a string")),
        };
        if !ROLES.contains(&role) {
            return Err(ApiError::invalid(
                &rp,
                format!(
                    "Invalid value for '{rp}': '{role}'. Supported values are: 'system', 'user', 'assistant', 'tool', and 'developer'."
                ),
            ));
        }
        let (text, images) = message_content(&p, role, message.get("content"))?;
        prompt_tokens += text.split_whitespace().count();
        if role == "user" {
            last_user = Some((text, images));
        }
    }
    let stream = match obj.get("stream") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(ApiError::wrong_type("stream", "a boolean")),
    };
    let max_tokens = match positive_int(obj, "max_tokens")? {
        Some(k) => Some(k),
        None => positive_int(obj, "max_completion_tokens")?,
    };
    let n = match obj.get("n") {
        None | Some(Value::Null) => 1,
        Some(v) => v.as_u64().filter(|n| (1..=8).contains(n)).ok_or_else(|| {
            ApiError::invalid("n", "Invalid 'n': expected an integer between 1 and 8.")
        })? as usize,
    };
    let include_usage = match obj.get("stream_options") {
        None | Some(Value::Null) => false,
        Some(Value::Object(options)) => match options.get("include_usage") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => {
                return Err(ApiError::wrong_type(
                    "stream_options.include_usage",
                    "a boolean",
                ))
            }
        },
        Some(_) => return Err(ApiError::wrong_type("stream_options", "an object")),
    };
    let (text, images) = last_user.unwrap_or_default();
    let mut said = text;
    for (i, image) in images.iter().enumerate() {
        said.push_str(&format!(" [image {}: {image}]", i + 1));
    }
    Ok(ChatReq {
        model,
        stream,
        max_tokens,
        n,
        include_usage,
        prompt_tokens,
        said,
    })
}

// ---------------------------------------------------------------------------------------------
// Scenarios

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Scenario {
    Normal,
    Slow,
    StallBody,
    StallHeaders,
    Disconnect,
    Error500,
    Plain500,
    NotJson,
    FlatError,
    RateLimit,
    NoCredits,
    Flaky(u64),
    RetryAfterMs(u64),
    RetryAfterSeconds(u64),
    RetryAfterDate(u64),
    ShouldRetry(u64),
    NoRetry503,
    Trickle(u64),
    HugeBody(usize),
    HugeLine(usize),
    ErrorChunk,
    ErrorEvent,
    Tools,
    BadJsonChunk,
    BigChunks(usize),
    LlamaStyle,
    Crlf,
    EchoRequest,
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// The k of `<k>-<tag>` (k digits, tag non-empty); `None` when the rest does not match.
fn count_and_tag(rest: &str) -> Option<u64> {
    match rest.split_once('-') {
        Some((k, tag)) if all_digits(k) && !tag.is_empty() => k.parse().ok(),
        _ => None,
    }
}

/// The number after `prefix` if `model` is `<prefix><digits>` and it is at most `max`; a larger
/// number is a 400 naming the limit.
fn bounded_number(model: &str, prefix: &str, max: u64) -> Result<Option<u64>, ApiError> {
    let Some(n) = model.strip_prefix(prefix).filter(|n| all_digits(n)) else {
        return Ok(None);
    };
    match n.parse::<u64>() {
        Ok(n) if n <= max => Ok(Some(n)),
        _ => Err(ApiError::invalid(
            "model",
            format!("Invalid 'model': {prefix}<n> allows at most n = {max}."),
        )),
    }
}

/// Builds a scenario from the k of its name.
type WithCount = fn(u64) -> Scenario;

/// Scenarios named `<prefix><k>-<tag>` that fail their first k attempts.
const COUNTED: [(&str, WithCount); 5] = [
    ("flaky-", Scenario::Flaky),
    ("retry-after-ms-", Scenario::RetryAfterMs),
    ("retry-after-s-", Scenario::RetryAfterSeconds),
    ("retry-after-date-", Scenario::RetryAfterDate),
    ("should-retry-", Scenario::ShouldRetry),
];

fn scenario(model: &str) -> Result<Scenario, ApiError> {
    for (prefix, make) in COUNTED {
        if let Some(rest) = model.strip_prefix(prefix) {
            return Ok(count_and_tag(rest).map_or(Scenario::Normal, make));
        }
    }
    if let Some(n) = bounded_number(model, "big-chunks-", BIG_CHUNKS_MAX as u64)? {
        return Ok(Scenario::BigChunks(n as usize));
    }
    if let Some(ms) = bounded_number(model, "trickle-", TRICKLE_MAX_MS)? {
        return Ok(Scenario::Trickle(ms));
    }
    let huge_max = HUGE_MAX as u64;
    if let Some(bytes) = bounded_number(model, "huge-body-", huge_max)? {
        return Ok(Scenario::HugeBody(bytes as usize));
    }
    if let Some(bytes) = bounded_number(model, "huge-line-", huge_max)? {
        return Ok(Scenario::HugeLine(bytes as usize));
    }
    Ok(match model {
        "slow" => Scenario::Slow,
        "stall-body" => Scenario::StallBody,
        "stall-headers" => Scenario::StallHeaders,
        "disconnect" => Scenario::Disconnect,
        "error-500" => Scenario::Error500,
        "plain-500" => Scenario::Plain500,
        "not-json" => Scenario::NotJson,
        "flat-error" => Scenario::FlatError,
        "rate-limit" => Scenario::RateLimit,
        "no-credits" => Scenario::NoCredits,
        "error-chunk" => Scenario::ErrorChunk,
        "error-event" => Scenario::ErrorEvent,
        "tools" => Scenario::Tools,
        "bad-json-chunk" => Scenario::BadJsonChunk,
        "llama-style" => Scenario::LlamaStyle,
        "crlf" => Scenario::Crlf,
        "echo-request" => Scenario::EchoRequest,
        "no-retry-503" => Scenario::NoRetry503,
        _ => Scenario::Normal,
    })
}

// ---------------------------------------------------------------------------------------------
// Replies

/// Splits after every space, so the tokens concatenate back to the text.
fn split_tokens(text: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut current = String::new();
    for ch in text.chars() {
        current.push(ch);
        if ch == ' ' {
            tokens.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        tokens.push(current);
    }
    tokens
}

struct Choice {
    tokens: Vec<String>,
    finish: &'static str,
}

impl Choice {
    fn text(&self) -> String {
        self.tokens.concat()
    }
}

/// The n choices for `text`: choice i > 0 is prefixed with `[i] `; max_tokens truncates each.
fn choices(c: &ChatReq, text: &str, n: usize) -> Vec<Choice> {
    (0..n)
        .map(|i| {
            let text = if i == 0 {
                text.to_string()
            } else {
                format!("[{i}] {text}")
            };
            let mut tokens = split_tokens(&text);
            let mut finish = "stop";
            if let Some(k) = c.max_tokens {
                if tokens.len() > k {
                    tokens.truncate(k);
                    finish = "length";
                }
            }
            Choice { tokens, finish }
        })
        .collect()
}

fn usage(prompt: usize, completion: usize) -> J {
    obj! {
        "prompt_tokens" => prompt,
        "completion_tokens" => completion,
        "total_tokens" => prompt + completion,
        "completion_tokens_details" => obj! {
            "reasoning_tokens" => 0,
            "accepted_prediction_tokens" => 0,
            "rejected_prediction_tokens" => 0,
        },
    }
}

fn completion_json(id: &str, model: &str, choices: Vec<(J, &str)>, usage: J) -> String {
    let choices: Vec<J> = choices
        .into_iter()
        .enumerate()
        .map(|(i, (message, finish))| {
            obj! {"index" => i, "message" => message, "logprobs" => J::Null, "finish_reason" => finish}
        })
        .collect();
    obj! {
        "id" => id,
        "object" => "chat.completion",
        "created" => CREATED,
        "model" => model,
        "system_fingerprint" => "fp_test",
        "choices" => choices,
        "usage" => usage,
    }
    .compact()
}

fn text_message(text: String) -> J {
    obj! {"role" => "assistant", "content" => text}
}

fn tool_message() -> J {
    obj! {
        "role" => "assistant",
        "content" => J::Null,
        "tool_calls" => vec![obj! {
            "id" => "call_1",
            "type" => "function",
            "function" => obj! {"name" => "get_weather", "arguments" => TOOL_ARGUMENTS.concat()},
        }],
    }
}

fn chunk(id: &str, model: &str, choices: Vec<J>) -> J {
    obj! {
        "id" => id,
        "object" => "chat.completion.chunk",
        "created" => CREATED,
        "model" => model,
        "system_fingerprint" => "fp_test",
        "choices" => choices,
    }
}

fn delta(index: usize, delta: J, finish: Option<&str>) -> J {
    obj! {"index" => index, "delta" => delta, "logprobs" => J::Null, "finish_reason" => finish}
}

fn usage_chunk(id: &str, model: &str, usage: J) -> String {
    let mut j = chunk(id, model, Vec::new());
    if let J::Obj(fields) = &mut j {
        fields.push(("usage".to_string(), usage));
    }
    j.compact()
}

/// The JSON of a content chunk for choice 0.
fn content_chunk(id: &str, model: &str, content: &str) -> String {
    chunk(id, model, vec![delta(0, obj! {"content" => content}, None)]).compact()
}

fn role_chunk(id: &str, model: &str, index: usize) -> String {
    chunk(
        id,
        model,
        vec![delta(
            index,
            obj! {"role" => "assistant", "content" => ""},
            None,
        )],
    )
    .compact()
}

fn finish_chunk(id: &str, model: &str, index: usize, finish: &str) -> String {
    chunk(id, model, vec![delta(index, obj! {}, Some(finish))]).compact()
}

/// `big-chunks-<n>`: "x" repeated so that a content chunk's JSON is `BIG_CHUNK_JSON_LEN` bytes
/// (at least one "x").
fn big_chunk_width(id: &str, model: &str) -> usize {
    BIG_CHUNK_JSON_LEN
        .saturating_sub(content_chunk(id, model, "").len())
        .max(1)
}

/// One stream event.
enum Ev {
    /// A JSON payload: `data: <json>` on SSE, `<json>` as a line otherwise.
    Data(String),
    /// Exact bytes (already framed for the stream's format).
    Raw(String),
    /// `data: [DONE]` on SSE; nothing on JSON-lines streams.
    Done,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Framing {
    Sse { crlf: bool },
    Lines,
}

/// How a stream ends.
enum End {
    /// Terminating zero-length chunk; the connection stays usable.
    Normal,
    /// Terminating chunk, then the server closes the connection.
    CloseAfter,
    /// Nothing more is sent; the connection is held until the client closes it.
    Stall,
    /// The connection is closed without the terminating chunk.
    Abrupt,
}

fn encode(framing: Framing, ev: &Ev) -> Option<String> {
    match (ev, framing) {
        (Ev::Data(json), Framing::Sse { crlf }) => {
            let eol = if crlf { "\r\n" } else { "\n" };
            Some(format!("data: {json}{eol}{eol}"))
        }
        (Ev::Data(json), Framing::Lines) => Some(format!("{json}\n\n")),
        (Ev::Raw(text), _) => Some(text.clone()),
        (Ev::Done, Framing::Sse { crlf }) => {
            let eol = if crlf { "\r\n" } else { "\n" };
            Some(format!("data: [DONE]{eol}{eol}"))
        }
        (Ev::Done, Framing::Lines) => None,
    }
}

fn content_type(framing: Framing, base: Base) -> &'static str {
    match (framing, base) {
        (Framing::Sse { .. }, _) => "text/event-stream",
        (Framing::Lines, Base::V2) => "application/x-ndjson",
        (Framing::Lines, _) => "text/plain; charset=utf-8",
    }
}

fn default_framing(base: Base) -> Framing {
    match base {
        Base::V1 => Framing::Sse { crlf: false },
        Base::V2 | Base::Free => Framing::Lines,
    }
}

async fn chat(
    stream: &mut dyn Stream,
    base: Base,
    req: &Request,
    parsed: &Parsed,
    rid: u64,
    ctx: &Ctx,
) -> io::Result<Next> {
    let keep = req.keep_alive;
    let (c, sc) = match validate_chat(parsed).and_then(|c| scenario(&c.model).map(|sc| (c, sc))) {
        Ok(v) => v,
        Err(err) => {
            send_error(stream, base, &err, rid, keep).await?;
            return Ok(next(keep));
        }
    };

    let status_error = match sc {
        Scenario::StallHeaders => {
            http::hold_until_client_gone(stream).await;
            return Ok(Next::Close);
        }
        Scenario::Plain500 => {
            let headers = [("Content-Type", "text/plain".to_string())];
            http::send(stream, 500, rid, keep, &headers, b"Internal Server Error").await?;
            return Ok(next(keep));
        }
        Scenario::NotJson => {
            let headers = [("Content-Type", "text/html".to_string())];
            http::send(
                stream,
                200,
                rid,
                keep,
                &headers,
                b"<html>maintenance</html>",
            )
            .await?;
            return Ok(next(keep));
        }
        Scenario::FlatError => {
            let body = obj! {
                "object" => "error",
                "message" => "flat error message",
                "type" => "BadRequestError",
                "param" => J::Null,
                "code" => 400,
            }
            .compact();
            http::send(stream, 400, rid, keep, &[json_header()], body.as_bytes()).await?;
            return Ok(next(keep));
        }
        Scenario::Error500 => Some(
            ApiError::new(
                500,
                "server_error",
                "The server had an error while processing your request",
            )
            .with_code("server_error"),
        ),
        Scenario::RateLimit => Some(
            ApiError::new(
                429,
                "rate_limit_exceeded",
                "Rate limit reached for requests. Please retry after 1 second.",
            )
            .with_code("rate_limit_exceeded")
            .with_header("Retry-After", "1")
            .with_header("x-ratelimit-limit-requests", "60")
            .with_header("x-ratelimit-remaining-requests", "0")
            .with_header("x-ratelimit-reset-requests", "1s"),
        ),
        Scenario::NoCredits => Some(
            ApiError::new(429, "insufficient_quota", "Insufficient Credits")
                .with_code("insufficient_quota"),
        ),
        Scenario::Flaky(k) => {
            let attempt = ctx.attempt(&c.model);
            (attempt <= k).then(|| {
                ApiError::new(
                    503,
                    "server_error",
                    format!(
                        "Service temporarily unavailable (flaky attempt {attempt} of {k} failing)."
                    ),
                )
                .with_code("service_unavailable")
            })
        }
        Scenario::RetryAfterMs(k) => {
            let attempt = ctx.attempt(&c.model);
            // The long Retry-After shows whether a client prefers retry-after-ms, as it should.
            (attempt <= k).then(|| {
                rate_limited(attempt, k)
                    .with_header("retry-after-ms", "200")
                    .with_header("Retry-After", "30")
            })
        }
        Scenario::RetryAfterSeconds(k) => {
            let attempt = ctx.attempt(&c.model);
            (attempt <= k).then(|| rate_limited(attempt, k).with_header("Retry-After", "1"))
        }
        Scenario::RetryAfterDate(k) => {
            let attempt = ctx.attempt(&c.model);
            (attempt <= k).then(|| {
                let now = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .unwrap_or_default()
                    .as_secs();
                rate_limited(attempt, k).with_header("Retry-After", http_date(now + 2))
            })
        }
        Scenario::ShouldRetry(k) => {
            let attempt = ctx.attempt(&c.model);
            (attempt <= k).then(|| {
                ApiError::new(
                    400,
                    "invalid_request_error",
                    format!(
                        "Bad request, but the server asks for a retry (attempt {attempt} of {k})."
                    ),
                )
                .with_header("x-should-retry", "true")
            })
        }
        Scenario::NoRetry503 => Some(
            ApiError::new(
                503,
                "server_error",
                "Service unavailable; the server asks not to retry.",
            )
            .with_code("service_unavailable")
            .with_header("x-should-retry", "false"),
        ),
        _ => None,
    };
    if let Some(err) = status_error {
        send_error(stream, base, &err, rid, keep).await?;
        return Ok(next(keep));
    }

    let id = format!("chatcmpl-test-{rid}");
    let reply = match sc {
        Scenario::EchoRequest => describe_request(req).compact(),
        _ => format!("Hello! You said: {}", c.said),
    };
    if c.stream {
        stream_reply(stream, base, keep, rid, &c, sc, &id, &reply).await
    } else {
        plain_reply(stream, keep, rid, &c, sc, &id, &reply).await
    }
}

/// 429 `rate_limit_exceeded` for attempt `attempt` of the `k` a retry-hint scenario limits.
fn rate_limited(attempt: u64, k: u64) -> ApiError {
    ApiError::new(
        429,
        "rate_limit_exceeded",
        format!("Rate limit reached (attempt {attempt} of {k} limited)."),
    )
    .with_code("rate_limit_exceeded")
}

/// IMF-fixdate (RFC 9110 §5.6.7) for a Unix time, e.g. `Tue, 15 Nov 1994 08:12:31 GMT`.
fn http_date(unix_secs: u64) -> String {
    const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]; // 1970-01-01 was a Thursday
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = unix_secs / 86_400;
    let secs = unix_secs % 86_400;
    // Civil date from days since the epoch, counting in 400-year eras that start on 0000-03-01.
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153; // 0 = March
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    format!(
        "{}, {day:02} {} {year} {:02}:{:02}:{:02} GMT",
        WEEKDAYS[(days % 7) as usize],
        MONTHS[(month - 1) as usize],
        secs / 3600,
        secs % 3600 / 60,
        secs % 60,
    )
}

/// `"x"` repeated so that `json_for(content)` is `target` bytes long (or as short as it gets);
/// `json_for` must grow by one byte per `"x"`.
fn pad_to(target: usize, json_for: impl Fn(&str) -> String) -> String {
    "x".repeat(target.saturating_sub(json_for("").len()))
}

async fn plain_reply(
    stream: &mut dyn Stream,
    keep: bool,
    rid: u64,
    c: &ChatReq,
    sc: Scenario,
    id: &str,
    reply: &str,
) -> io::Result<Next> {
    let body = match sc {
        Scenario::Tools => completion_json(
            id,
            &c.model,
            vec![(tool_message(), "tool_calls")],
            usage(c.prompt_tokens, TOOL_ARGUMENTS.len()),
        ),
        Scenario::BigChunks(n) => {
            let text = "x".repeat(big_chunk_width(id, &c.model) * n);
            completion_json(
                id,
                &c.model,
                vec![(text_message(text), "stop")],
                usage(c.prompt_tokens, n),
            )
        }
        Scenario::HugeBody(bytes) => {
            let body_for = |text: &str| {
                completion_json(
                    id,
                    &c.model,
                    vec![(text_message(text.to_string()), "stop")],
                    usage(c.prompt_tokens, 1),
                )
            };
            body_for(&pad_to(bytes, body_for))
        }
        Scenario::HugeLine(bytes) => {
            let text = pad_to(bytes, |text| content_chunk(id, &c.model, text));
            completion_json(
                id,
                &c.model,
                vec![(text_message(text), "stop")],
                usage(c.prompt_tokens, 1),
            )
        }
        Scenario::LlamaStyle => {
            let choice = &choices(c, reply, 1)[0];
            let completion = choice.tokens.len();
            obj! {
                "id" => id,
                "object" => "chat.completion",
                "created" => CREATED,
                "model" => &c.model,
                "choices" => vec![obj! {
                    "index" => 0,
                    "message" => obj! {"content" => choice.text(), "role" => "assistant"},
                    "logprobs" => J::Null,
                    "finish_reason" => choice.finish,
                }],
                "usage" => obj! {
                    "prompt_tokens" => c.prompt_tokens,
                    "completion_tokens" => completion,
                    "total_tokens" => c.prompt_tokens + completion,
                },
            }
            .compact()
        }
        _ => {
            let all = choices(c, reply, c.n);
            let completion = all.iter().map(|ch| ch.tokens.len()).sum();
            let list = all
                .iter()
                .map(|ch| (text_message(ch.text()), ch.finish))
                .collect();
            completion_json(id, &c.model, list, usage(c.prompt_tokens, completion))
        }
    };
    let headers = [json_header()];
    match sc {
        Scenario::Slow => {
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        Scenario::Trickle(ms) => {
            tokio::time::sleep(Duration::from_millis(ms)).await;
        }
        Scenario::StallBody | Scenario::Disconnect => {
            let bytes = body.as_bytes();
            let mut out = http::head(200, rid, keep, &headers, BodyLen::Fixed(bytes.len()));
            out.extend_from_slice(&bytes[..bytes.len() / 2]);
            http::write_now(stream, &out).await?;
            if sc == Scenario::StallBody {
                http::hold_until_client_gone(stream).await;
            }
            return Ok(Next::Close);
        }
        _ => {}
    }
    http::send(stream, 200, rid, keep, &headers, body.as_bytes()).await?;
    Ok(next(keep))
}

#[allow(clippy::too_many_arguments)]
async fn stream_reply(
    stream: &mut dyn Stream,
    base: Base,
    keep: bool,
    rid: u64,
    c: &ChatReq,
    sc: Scenario,
    id: &str,
    reply: &str,
) -> io::Result<Next> {
    let model = c.model.as_str();
    if let Scenario::BigChunks(n) = sc {
        return big_chunks_stream(stream, base, keep, rid, c, id, n).await;
    }
    let mut framing = default_framing(base);
    let mut end = End::Normal;
    let mut delay = None;
    let mut events = Vec::new();
    let role = Ev::Data(role_chunk(id, model, 0));
    match sc {
        Scenario::StallBody => {
            events.push(role);
            end = End::Stall;
        }
        Scenario::Disconnect => {
            events.push(role);
            events.push(Ev::Data(content_chunk(id, model, "Hello")));
            events.push(Ev::Data(content_chunk(id, model, " there")));
            end = End::Abrupt;
        }
        Scenario::ErrorChunk => {
            events.push(role);
            events.push(Ev::Data(content_chunk(id, model, "partial")));
            events.push(Ev::Data(
                obj! {"error" => obj! {"message" => "upstream overloaded", "type" => "server_error", "code" => "overloaded"}}
                    .compact(),
            ));
            events.push(Ev::Done);
        }
        Scenario::ErrorEvent => {
            framing = Framing::Sse { crlf: false };
            events.push(role);
            events.push(Ev::Data(content_chunk(id, model, "partial")));
            let error = obj! {"error" => obj! {"message" => "event stream failure", "type" => "server_error"}};
            events.push(Ev::Raw(format!(
                "event: error\ndata: {}\n\n",
                error.compact()
            )));
            end = End::CloseAfter;
        }
        Scenario::HugeBody(bytes) => {
            events.push(role);
            let mut left = bytes;
            while left > 0 {
                let piece = left.min(HUGE_BODY_STREAM_PIECE);
                events.push(Ev::Data(content_chunk(id, model, &"x".repeat(piece))));
                left -= piece;
            }
            events.push(Ev::Data(finish_chunk(id, model, 0, "stop")));
            if c.include_usage {
                events.push(Ev::Data(usage_chunk(id, model, usage(c.prompt_tokens, 1))));
            }
            events.push(Ev::Done);
        }
        Scenario::HugeLine(bytes) => {
            events.push(role);
            let text = pad_to(bytes, |text| content_chunk(id, model, text));
            events.push(Ev::Data(content_chunk(id, model, &text)));
            events.push(Ev::Data(finish_chunk(id, model, 0, "stop")));
            if c.include_usage {
                events.push(Ev::Data(usage_chunk(id, model, usage(c.prompt_tokens, 1))));
            }
            events.push(Ev::Done);
        }
        Scenario::BadJsonChunk => {
            events.push(role);
            events.push(Ev::Data(content_chunk(id, model, "ok")));
            events.push(Ev::Data("{not json".to_string()));
            events.push(Ev::Done);
        }
        Scenario::Tools => {
            let first = obj! {
                "role" => "assistant",
                "content" => J::Null,
                "tool_calls" => vec![obj! {
                    "index" => 0,
                    "id" => "call_1",
                    "type" => "function",
                    "function" => obj! {"name" => "get_weather", "arguments" => ""},
                }],
            };
            events.push(Ev::Data(
                chunk(id, model, vec![delta(0, first, None)]).compact(),
            ));
            for fragment in TOOL_ARGUMENTS {
                let d = obj! {"tool_calls" => vec![obj! {"index" => 0, "function" => obj! {"arguments" => fragment}}]};
                events.push(Ev::Data(
                    chunk(id, model, vec![delta(0, d, None)]).compact(),
                ));
            }
            events.push(Ev::Data(finish_chunk(id, model, 0, "tool_calls")));
            if c.include_usage {
                events.push(Ev::Data(usage_chunk(
                    id,
                    model,
                    usage(c.prompt_tokens, TOOL_ARGUMENTS.len()),
                )));
            }
            events.push(Ev::Done);
        }
        Scenario::LlamaStyle => {
            framing = Framing::Sse { crlf: false };
            let llama = |d: J, finish: Option<&str>| {
                obj! {
                    "id" => id,
                    "model" => model,
                    "created" => CREATED,
                    "object" => "chat.completion.chunk",
                    "choices" => vec![obj! {"index" => 0, "delta" => d, "logprobs" => J::Null, "finish_reason" => finish}],
                }
                .spaced()
            };
            let choice = &choices(c, reply, 1)[0];
            events.push(Ev::Data(llama(
                obj! {"role" => "assistant", "content" => J::Null},
                None,
            )));
            let ping_after = choice.tokens.len() / 2;
            for (i, token) in choice.tokens.iter().enumerate() {
                if i == ping_after {
                    events.push(Ev::Raw(format!("{PING_COMMENT}\n\n")));
                }
                events.push(Ev::Data(llama(obj! {"content" => token}, None)));
            }
            events.push(Ev::Data(llama(obj! {}, Some(choice.finish))));
            events.push(Ev::Done);
        }
        _ => {
            if sc == Scenario::Crlf {
                framing = Framing::Sse { crlf: true };
            }
            match sc {
                Scenario::Slow => delay = Some(Duration::from_millis(100)),
                Scenario::Trickle(ms) => delay = Some(Duration::from_millis(ms)),
                _ => {}
            }
            let all = choices(c, reply, c.n);
            for i in 0..all.len() {
                events.push(Ev::Data(role_chunk(id, model, i)));
            }
            let longest = all.iter().map(|ch| ch.tokens.len()).max().unwrap_or(0);
            for t in 0..longest {
                for (i, ch) in all.iter().enumerate() {
                    if let Some(token) = ch.tokens.get(t) {
                        let d = delta(i, obj! {"content" => token}, None);
                        events.push(Ev::Data(chunk(id, model, vec![d]).compact()));
                    }
                }
            }
            for (i, ch) in all.iter().enumerate() {
                events.push(Ev::Data(finish_chunk(id, model, i, ch.finish)));
            }
            if c.include_usage {
                let completion = all.iter().map(|ch| ch.tokens.len()).sum();
                events.push(Ev::Data(usage_chunk(
                    id,
                    model,
                    usage(c.prompt_tokens, completion),
                )));
            }
            events.push(Ev::Done);
        }
    }

    let conn_keep = keep && matches!(end, End::Normal);
    let headers = [
        ("Content-Type", content_type(framing, base).to_string()),
        ("Cache-Control", "no-cache".to_string()),
    ];
    http::write_now(
        stream,
        &http::head(200, rid, conn_keep, &headers, BodyLen::Chunked),
    )
    .await?;
    let mut writer = ChunkedWriter::new(stream, false);
    for ev in &events {
        if let Some(bytes) = encode(framing, ev) {
            if let Some(d) = delay {
                tokio::time::sleep(d).await;
            }
            writer.chunk(bytes.as_bytes()).await?;
        }
    }
    match end {
        End::Normal => {
            writer.finish().await?;
            Ok(next(keep))
        }
        End::CloseAfter => {
            writer.finish().await?;
            Ok(Next::Close)
        }
        End::Stall => {
            http::hold_until_client_gone(stream).await;
            Ok(Next::Close)
        }
        End::Abrupt => Ok(Next::Close),
    }
}

async fn big_chunks_stream(
    stream: &mut dyn Stream,
    base: Base,
    keep: bool,
    rid: u64,
    c: &ChatReq,
    id: &str,
    n: usize,
) -> io::Result<Next> {
    let model = c.model.as_str();
    let framing = default_framing(base);
    let content = "x".repeat(big_chunk_width(id, model));
    let encode_data = |json: String| encode(framing, &Ev::Data(json)).unwrap_or_default();
    let frame = ChunkedWriter::frame(encode_data(content_chunk(id, model, &content)).as_bytes());

    let headers = [
        ("Content-Type", content_type(framing, base).to_string()),
        ("Cache-Control", "no-cache".to_string()),
    ];
    http::write_now(
        stream,
        &http::head(200, rid, keep, &headers, BodyLen::Chunked),
    )
    .await?;
    let mut writer = ChunkedWriter::new(stream, true);
    writer
        .chunk(encode_data(role_chunk(id, model, 0)).as_bytes())
        .await?;
    for _ in 0..n {
        writer.raw_frame(&frame).await?;
    }
    writer
        .chunk(encode_data(finish_chunk(id, model, 0, "stop")).as_bytes())
        .await?;
    if c.include_usage {
        let usage_json = usage_chunk(id, model, usage(c.prompt_tokens, n));
        writer.chunk(encode_data(usage_json).as_bytes()).await?;
    }
    if let Some(done) = encode(framing, &Ev::Done) {
        writer.chunk(done.as_bytes()).await?;
    }
    writer.finish().await?;
    Ok(next(keep))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_concatenate() {
        let t = split_tokens("Hello! You said:  hi");
        assert_eq!(t, vec!["Hello! ", "You ", "said: ", " ", "hi"]);
        assert_eq!(t.concat(), "Hello! You said:  hi");
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(pct_decode("a%20b+c%2"), "a b c%2");
        assert_eq!(pct_decode("%zz%41"), "%zzA");
    }

    #[test]
    fn scenario_names() {
        assert_eq!(scenario("flaky-2-a").unwrap(), Scenario::Flaky(2));
        assert_eq!(scenario("flaky-x-a").unwrap(), Scenario::Normal);
        assert_eq!(scenario("big-chunks-10").unwrap(), Scenario::BigChunks(10));
        assert!(scenario("big-chunks-1000001").is_err());
        assert_eq!(scenario("gpt-4o").unwrap(), Scenario::Normal);
    }

    #[test]
    fn new_scenario_names() {
        assert_eq!(
            scenario("retry-after-ms-2-a").unwrap(),
            Scenario::RetryAfterMs(2)
        );
        assert_eq!(
            scenario("retry-after-s-1-a").unwrap(),
            Scenario::RetryAfterSeconds(1)
        );
        assert_eq!(
            scenario("retry-after-date-3-a").unwrap(),
            Scenario::RetryAfterDate(3)
        );
        assert_eq!(
            scenario("should-retry-1-x-y").unwrap(),
            Scenario::ShouldRetry(1)
        );
        assert_eq!(scenario("should-retry-1-").unwrap(), Scenario::Normal);
        assert_eq!(scenario("no-retry-503").unwrap(), Scenario::NoRetry503);
        assert_eq!(scenario("trickle-250").unwrap(), Scenario::Trickle(250));
        assert!(scenario("trickle-5001").is_err());
        assert_eq!(scenario("trickle-x").unwrap(), Scenario::Normal);
        assert_eq!(
            scenario("huge-body-1000").unwrap(),
            Scenario::HugeBody(1000)
        );
        assert_eq!(
            scenario("huge-line-268435456").unwrap(),
            Scenario::HugeLine(HUGE_MAX)
        );
        assert!(scenario("huge-line-268435457").is_err());
    }

    #[test]
    fn http_dates() {
        assert_eq!(http_date(784_887_151), "Tue, 15 Nov 1994 08:12:31 GMT");
        assert_eq!(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(http_date(951_782_400), "Tue, 29 Feb 2000 00:00:00 GMT");
        assert_eq!(http_date(1_700_000_000), "Tue, 14 Nov 2023 22:13:20 GMT");
        assert_eq!(http_date(4_102_444_799), "Thu, 31 Dec 2099 23:59:59 GMT");
    }

    #[test]
    fn padding_is_exact() {
        let body_for = |t: &str| {
            completion_json(
                "chatcmpl-test-1",
                "m",
                vec![(text_message(t.to_string()), "stop")],
                usage(3, 1),
            )
        };
        assert_eq!(body_for(&pad_to(5000, body_for)).len(), 5000);
        assert_eq!(pad_to(10, body_for), "");
    }

    #[test]
    fn image_descriptions() {
        assert_eq!(
            describe_image("p", "https://x/y.png").unwrap(),
            "url https://x/y.png"
        );
        assert_eq!(
            describe_image("p", "data:image/png;base64,AAEC").unwrap(),
            "image/png 3 bytes"
        );
        assert_eq!(
            describe_image("p", "data:image/png;base64,AAE").unwrap(),
            "image/png 2 bytes"
        );
        assert!(describe_image("p", "data:image/png;base64,!!!").is_err());
        assert!(describe_image("p", "data:text/plain;base64,AAEC").is_err());
        assert!(describe_image("p", "ftp://x").is_err());
        assert!(describe_image("p", "https://").is_err());
    }

    #[test]
    fn big_chunk_json_is_256_bytes() {
        let w = big_chunk_width("chatcmpl-test-7", "big-chunks-5");
        assert_eq!(
            content_chunk("chatcmpl-test-7", "big-chunks-5", &"x".repeat(w)).len(),
            256
        );
        let w = big_chunk_width("chatcmpl-test-1234567", "big-chunks-1000000");
        assert_eq!(
            content_chunk(
                "chatcmpl-test-1234567",
                "big-chunks-1000000",
                &"x".repeat(w)
            )
            .len(),
            256
        );
    }
}
