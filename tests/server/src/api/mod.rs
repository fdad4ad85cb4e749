//! The API on top of the HTTP layer: routing, auth and dispatch to the responders.
//! The behaviour is specified in the README (which is also the crate documentation); keep the
//! two in sync.
//!
//! Module map:
//! * `scenarios`: the table of scenarios (model name → [`scenarios::Scenario`]).
//! * `admit`: what chat, Responses and `/events` do first (scenario lookup, validation errors,
//!   faults).
//! * `chat`: a chat request from validation to the responder its scenario picks.
//! * `validate`: chat request validation and the body readers embeddings and Responses share.
//! * `images`: image URL validation and descriptions.
//! * `faults`: scenarios that answer with an error or never answer.
//! * `plain`, `stream`, `stream_events`: non-stream replies, stream writing, stream contents.
//! * `bodies`: the JSON of completions, chunks and usage.
//! * `errors`: API error bodies per base.
//! * `responses`: a Responses request from validation to its reply; `responses_input` validates
//!   it, `responses_bodies` and `responses_events` are its JSON and its stream's events.
//! * `events`: `/events`, a fixed stream of mixed events for "any endpoint" streaming.
//! * `out`, `ratelimit`: where an answer goes and the headers a scenario adds to it.
//! * `multipart`: the strict multipart/form-data parser of the upload routes.
//! * `audio`: transcriptions and translations (multipart), speech (a binary body in pieces).
//! * `image_gen`: image generations (JSON) and edits (multipart).
//! * `embeddings`, `models`, `echo`: the other routes.

mod admit;
mod audio;
mod bodies;
mod chat;
mod echo;
mod embeddings;
mod errors;
mod events;
mod faults;
mod image_gen;
mod images;
mod models;
mod multipart;
mod out;
mod plain;
mod ratelimit;
mod responses;
mod responses_bodies;
mod responses_events;
mod responses_input;
mod roles;
pub(crate) use roles::stats_body;
mod scenarios;
pub(crate) use scenarios::model_patterns;
mod stream;
mod stream_events;
mod validate;

use std::io;

use serde_json::Value;

use crate::ctx::Ctx;
use crate::http::{self, Request, Stream};
use crate::options::InjectedError;
use admit::Call;
use roles::Role;
pub(crate) use errors::protocol_error_body;
use errors::{reject, ApiError};

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
    Responses,
    Events,
    Models,
    Embeddings,
    Echo,
    Transcriptions,
    Translations,
    Speech,
    ImageGenerations,
    ImageEdits,
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

/// The request body as JSON: `None` when empty.
type Parsed = Option<Result<Value, serde_json::Error>>;

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
        "/responses" => Some(Route::Responses),
        "/events" => Some(Route::Events),
        "/models" => Some(Route::Models),
        "/embeddings" => Some(Route::Embeddings),
        "/debug/echo" => Some(Route::Echo),
        "/audio/transcriptions" => Some(Route::Transcriptions),
        "/audio/translations" => Some(Route::Translations),
        "/audio/speech" => Some(Route::Speech),
        "/images/generations" => Some(Route::ImageGenerations),
        "/images/edits" => Some(Route::ImageEdits),
        _ => None,
    };
    (Some(base), route)
}

fn json_header() -> (&'static str, String) {
    ("Content-Type", "application/json".to_string())
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
        Some("no-credits-key") => Some(ApiError::insufficient_quota(402)),
        _ => Some(
            ApiError::new(401, "invalid_request_error", "Wrong Api key")
                .with_code("invalid_api_key"),
        ),
    }
}

fn check_method(req: &Request, route: Route) -> Option<ApiError> {
    let allowed: &[&str] = match route {
        Route::Chat
        | Route::Responses
        | Route::Embeddings
        | Route::Transcriptions
        | Route::Translations
        | Route::Speech
        | Route::ImageGenerations
        | Route::ImageEdits => &["POST"],
        Route::Models => &["GET"],
        Route::Events => &["GET", "POST"],
        Route::Echo => return None,
    };
    (!allowed.contains(&req.method.as_str())).then(|| {
        ApiError::new(
            405,
            "invalid_request_error",
            format!(
                "Method {} is not allowed for {}; use {}.",
                req.method,
                req.path,
                allowed.join(" or ")
            ),
        )
        .with_code("method_not_allowed")
        .with_header("Allow", allowed.join(", "))
    })
}

fn unknown_url(req: &Request) -> ApiError {
    ApiError::new(
        404,
        "invalid_request_error",
        format!("Unknown request URL: {} {}", req.method, req.path),
    )
    .with_code("unknown_url")
}

/// Chat and Responses requests are counted on arrival, before auth and validation, so retry
/// tests see every attempt.
fn count_arrival(req: &Request, route: Route, parsed: &Parsed, ctx: &Ctx) {
    if !matches!(route, Route::Chat | Route::Responses) || req.method != "POST" {
        return;
    }
    if let Some(Ok(Value::Object(body))) = parsed {
        if let Some(Value::String(model)) = body.get("model") {
            ctx.count_request(model);
        }
    }
}

/// The base a path is under (`/v1` when none), which picks the style of an error body.
fn base_of(path: &str) -> Base {
    route(path).0.unwrap_or(Base::V1)
}

/// Answers with entry `place` of the `--errors` sequence, in the error style of the base.
pub(crate) async fn reject_injected(
    stream: &mut dyn Stream,
    req: &Request,
    rid: u64,
    place: usize,
    e: InjectedError,
) -> io::Result<Next> {
    let err = faults::injected(place, e);
    reject(stream, base_of(&req.path), &err, rid, req.keep_alive).await
}

/// Answers a request that replay or record cannot serve: `status` with code `code` and a
/// message saying why, in the error style of the base.
pub(crate) async fn reject_mock(
    stream: &mut dyn Stream,
    req: &Request,
    rid: u64,
    (status, code): (u16, &'static str),
    message: String,
) -> io::Result<Next> {
    let kind = if status >= 500 {
        "server_error"
    } else {
        "invalid_request_error"
    };
    let err = ApiError::new(status, kind, message).with_code(code);
    reject(stream, base_of(&req.path), &err, rid, req.keep_alive).await
}

/// A request under `/role/<role>` is served as the same request without the prefix, by an
/// endpoint playing that role; `/debug/stats` reports the server's counters.
pub(crate) async fn handle(
    stream: &mut dyn Stream,
    req: &Request,
    rid: u64,
    ctx: &Ctx,
) -> io::Result<Next> {
    if let Some(name) = roles::name(&req.path) {
        ctx.count_role(name);
    }
    let (role, unprefixed) = match roles::split(&req.path) {
        Ok(Some((role, rest))) => (Some(role), Request { path: rest.to_string(), ..req.clone() }),
        Ok(None) => (None, req.clone()),
        Err(name) => {
            let err = ApiError::new(404, "invalid_request_error", format!("Unknown endpoint role {name:?}"))
                .with_code("unknown_role");
            return reject(stream, Base::V1, &err, rid, req.keep_alive).await;
        }
    };
    let stats_path = |base: &str| unprefixed.path.strip_prefix(base) == Some("/debug/stats");
    if ["", "/v1", "/v2", "/freeapi"].into_iter().any(stats_path) {
        send_json(stream, rid, req.keep_alive, &ctx.stats_json()).await?;
        return Ok(next(req.keep_alive));
    }
    match role {
        // Not a byte: the connection just closes.
        Some(Role::Down) => Ok(Next::Close),
        _ => handle_api(stream, &unprefixed, rid, ctx, role).await,
    }
}

async fn handle_api(
    stream: &mut dyn Stream,
    req: &Request,
    rid: u64,
    ctx: &Ctx,
    role: Option<Role>,
) -> io::Result<Next> {
    let keep = req.keep_alive;
    let (base, route) = match route(&req.path) {
        (Some(base), Some(route)) => (base, route),
        (base, _) => {
            let base = base.unwrap_or(Base::V1);
            return reject(stream, base, &unknown_url(req), rid, keep).await;
        }
    };
    let parsed: Parsed = if req.body.is_empty() {
        None
    } else {
        Some(serde_json::from_slice(&req.body))
    };
    count_arrival(req, route, &parsed, ctx);
    let role_error = role.and_then(Role::error);
    let refusal = check_auth(req, &ctx.api_key).or_else(|| check_method(req, route)).or(role_error);
    if let Some(err) = refusal {
        return reject(stream, base, &err, rid, keep).await;
    }
    if role == Some(Role::Stalled) {
        return faults::stall(stream).await;
    }
    let call = Call {
        base,
        req,
        parsed: &parsed,
        rid,
        ctx,
        role,
    };
    match route {
        Route::Models => send_json(stream, rid, keep, &models::body()).await?,
        Route::Echo => send_json(stream, rid, keep, &echo::describe_request(req).compact()).await?,
        Route::Embeddings => match embeddings::body(&parsed) {
            Ok(body) => send_json(stream, rid, keep, &body).await?,
            Err(err) => return reject(stream, base, &err, rid, keep).await,
        },
        Route::ImageGenerations | Route::ImageEdits => {
            let body = match route {
                Route::ImageEdits => image_gen::edits(req),
                _ => image_gen::generations(&parsed),
            };
            match body {
                Ok(body) => send_json(stream, rid, keep, &body).await?,
                Err(err) => return reject(stream, base, &err, rid, keep).await,
            }
        }
        Route::Transcriptions => return audio::transcribe(stream, &call, false).await,
        Route::Translations => return audio::transcribe(stream, &call, true).await,
        Route::Speech => return audio::speech(stream, &call).await,
        Route::Chat => return chat::chat(stream, &call).await,
        Route::Responses => return responses::responses(stream, &call).await,
        Route::Events => return events::events(stream, &call).await,
    }
    Ok(next(keep))
}
