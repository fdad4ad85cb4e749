//! `/audio/transcriptions` and `/audio/translations` (multipart uploads answered with a
//! transcript that describes exactly what arrived) and `/audio/speech` (a deterministic binary
//! body sent in pieces). Specified in the README's "Audio" section.

use std::io;
use std::time::Duration;

use serde_json::Value;

use super::embeddings::fnv1a;
use super::errors::ApiError;
use super::multipart::{self, field, required_file, required_text, Part};
use super::scenarios::Scenario;
use super::stream::{self, End, Ev, Framing, Script};
use super::validate::{body_object, require_model, required_str};
use super::{admit::Call, next, Next};
use crate::http::{self, BodyLen, Stream};

/// Speech bodies go out in pieces of this size, each written and flushed on its own.
const SPEECH_PIECE: usize = 4096;
/// Speech is this many bytes per byte of input.
const SPEECH_BYTES_PER_INPUT_BYTE: usize = 1024;

/// What a transcription request asked for.
struct Transcription {
    text: String,
    format: String,
    stream: bool,
}

/// `heard|translated <N> bytes of <filename> (<content type>) fnv1a64 <hash>`: everything a
/// client test needs to check that the file arrived whole and was described right.
fn transcript(verb: &str, file: &Part) -> String {
    let hash = fnv1a(file.data, 0xcbf2_9ce4_8422_2325);
    let filename = file.filename.as_deref().unwrap_or("");
    let content_type = file.content_type.as_deref().unwrap_or("");
    format!("{verb} {} bytes of {filename} ({content_type}) fnv1a64 {hash:016x}", file.data.len())
}

fn transcription(parts: &[Part], translate: bool) -> Result<Transcription, ApiError> {
    let file = required_file(parts, &["file"])?;
    required_text(parts, "model")?;
    let format = field(parts, "response_format").map_or_else(|| "json".to_string(), Part::text);
    if !matches!(format.as_str(), "json" | "text" | "verbose_json") {
        return Err(ApiError::invalid(
            "response_format",
            format!("Invalid 'response_format': {format:?}; supported: json, text, verbose_json."),
        ));
    }
    let stream = !translate && field(parts, "stream").is_some_and(|p| p.text() == "true");
    let verb = if translate { "translated" } else { "heard" };
    Ok(Transcription { text: transcript(verb, file), format, stream })
}

/// `POST /audio/transcriptions` (or `/audio/translations` with `translate`).
pub(crate) async fn transcribe(stream: &mut dyn Stream, call: &Call<'_>, translate: bool) -> io::Result<Next> {
    let asked = multipart::parse(call.req).and_then(|parts| transcription(&parts, translate));
    let asked = match asked {
        Ok(asked) => asked,
        Err(err) => return call.reject(stream, &err).await,
    };
    let keep = call.req.keep_alive;
    if asked.stream {
        return stream::play(stream, &call.out(Scenario::Normal), &transcript_script(&asked.text)).await;
    }
    let seconds = call.req.body.len() as f64 / 32000.0;
    let (content_type, body) = match asked.format.as_str() {
        "text" => ("text/plain; charset=utf-8", asked.text),
        "verbose_json" => ("application/json", verbose(&asked.text, seconds, translate)),
        _ => ("application/json", obj! {"text" => asked.text}.compact()),
    };
    let headers = [("Content-Type", content_type.to_string())];
    http::send(stream, 200, call.rid, keep, &headers, body.as_bytes()).await?;
    Ok(next(keep))
}

fn verbose(text: &str, seconds: f64, translate: bool) -> String {
    let task = if translate { "translate" } else { "transcribe" };
    let segment = obj! {"id" => 0, "start" => 0.0, "end" => seconds, "text" => text};
    obj! {"task" => task, "language" => "english", "duration" => seconds, "text" => text,
          "segments" => vec![segment]}
    .compact()
}

/// SSE: one `transcript.text.delta` per word (later words with their leading space), then
/// `transcript.text.done` with the whole text; the body then ends.
fn transcript_script(text: &str) -> Script {
    let mut events: Vec<Ev> = text
        .split(' ')
        .enumerate()
        .map(|(i, word)| {
            let delta = if i == 0 { word.to_string() } else { format!(" {word}") };
            Ev::Data(obj! {"type" => "transcript.text.delta", "delta" => delta}.compact())
        })
        .collect();
    events.push(Ev::Data(obj! {"type" => "transcript.text.done", "text" => text}.compact()));
    Script { framing: Framing::Sse { crlf: false }, end: End::Normal, delay: None, piece: None, events }
}

/// What a speech request asked for: the body length and its media type; `cut` for `tts-cut`.
fn speech_request(call: &Call<'_>) -> Result<(usize, &'static str, bool), ApiError> {
    let obj = body_object(call.parsed)?;
    let model = require_model(obj)?;
    let input = required_str(obj, "input", "input")?;
    if input.is_empty() {
        return Err(ApiError::invalid("input", "Invalid 'input': the string is empty."));
    }
    required_str(obj, "voice", "voice")?;
    let content_type = match obj.get("response_format").and_then(Value::as_str).unwrap_or("mp3") {
        "mp3" => "audio/mpeg",
        "opus" => "audio/opus",
        "aac" => "audio/aac",
        "flac" => "audio/flac",
        "wav" => "audio/wav",
        "pcm" => "audio/pcm",
        other => {
            return Err(ApiError::invalid(
                "response_format",
                format!("Invalid 'response_format': {other:?}; supported: mp3, opus, aac, flac, wav, pcm."),
            ))
        }
    };
    Ok((input.len() * SPEECH_BYTES_PER_INPUT_BYTE, content_type, model == "tts-cut"))
}

/// `POST /audio/speech`: byte i of the body is `i % 251` (so it starts with a NUL), sent in
/// flushed pieces with a pause between them. `tts-cut` announces the whole length, sends the
/// first half (whole pieces) and closes the connection.
pub(crate) async fn speech(stream: &mut dyn Stream, call: &Call<'_>) -> io::Result<Next> {
    let (len, content_type, cut) = match speech_request(call) {
        Ok(asked) => asked,
        Err(err) => return call.reject(stream, &err).await,
    };
    let body: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
    let sent = if cut { len / 2 / SPEECH_PIECE * SPEECH_PIECE } else { len };
    let keep = call.req.keep_alive && !cut;
    let headers = [("Content-Type", content_type.to_string())];
    http::write_now(stream, &http::head(200, call.rid, keep, &headers, BodyLen::Fixed(len))).await?;
    for (i, piece) in body[..sent].chunks(SPEECH_PIECE).enumerate() {
        if i > 0 {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        http::write_now(stream, piece).await?;
    }
    Ok(if cut { Next::Close } else { next(keep) })
}
