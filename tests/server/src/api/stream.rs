//! Streams on the wire (chat, Responses and `/events`): event framing per base (SSE or JSON
//! lines), pacing, and how the stream ends. What the events say is `stream_events`' job for
//! chat, `responses_events`' for Responses and `events`' for `/events`.

use std::io;
use std::time::Duration;

use super::bodies::{big_chunk_width, content_chunk, finish_chunk, role_chunk, usage, usage_chunk};
use super::chat::Reply;
use super::out::Out;
use super::roles::Encoding;
use super::scenarios::Scenario;
use super::stream_events;
use super::{next, Base, Next};
use crate::http::{self, BodyLen, ChunkedWriter, Stream};
use crate::inject;

/// One stream event.
pub(crate) enum Ev {
    /// A JSON payload: `data: <json>` on SSE, `<json>` as a line otherwise.
    Data(String),
    /// Exact bytes (already framed for the stream's format).
    Raw(String),
    /// `data: [DONE]` on SSE; nothing on JSON-lines streams.
    Done,
    /// A named event: `event: <name>` + `data: <json>` on SSE, `<json>` as a line otherwise.
    Named(&'static str, String),
    /// Exact bytes on SSE (a comment, an event whose data is not JSON); nothing on JSON lines.
    SseOnly(String),
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Framing {
    Sse { crlf: bool },
    Lines,
}

/// How a stream ends.
pub(crate) enum End {
    /// Terminating zero-length chunk; the connection stays usable.
    Normal,
    /// Terminating chunk, then the server closes the connection.
    CloseAfter,
    /// Nothing more is sent; the connection is held until the client closes it.
    Stall,
    /// The connection is closed without the terminating chunk.
    Abrupt,
}

/// A whole stream as a scenario shapes it.
pub(crate) struct Script {
    pub(crate) framing: Framing,
    pub(crate) end: End,
    /// Pause before every event that puts bytes on the wire.
    pub(crate) delay: Option<Duration>,
    /// When set, every event goes out as HTTP chunks of at most this many bytes, each written
    /// and flushed after a short pause, so that one event spans many reads.
    pub(crate) piece: Option<usize>,
    pub(crate) events: Vec<Ev>,
}

/// The pause between the pieces of a split event.
const PIECE_PAUSE: Duration = Duration::from_millis(1);

fn encode(framing: Framing, ev: &Ev) -> Option<String> {
    let eol = match framing {
        Framing::Sse { crlf: true } => "\r\n",
        _ => "\n",
    };
    match (ev, framing) {
        (Ev::Data(json), Framing::Sse { .. }) => Some(format!("data: {json}{eol}{eol}")),
        (Ev::Data(json) | Ev::Named(_, json), Framing::Lines) => Some(format!("{json}\n\n")),
        (Ev::Raw(text), _) => Some(text.clone()),
        (Ev::Done, Framing::Sse { .. }) => Some(format!("data: [DONE]{eol}{eol}")),
        (Ev::Named(name, json), Framing::Sse { .. }) => {
            Some(format!("event: {name}{eol}data: {json}{eol}{eol}"))
        }
        (Ev::SseOnly(text), Framing::Sse { .. }) => Some(text.clone()),
        (Ev::Done | Ev::SseOnly(_), Framing::Lines) => None,
    }
}

/// The pause before every event of the pacing scenarios (`slow`, `trickle-<ms>`).
pub(crate) fn pacing(scenario: Scenario) -> Option<Duration> {
    match scenario {
        Scenario::Slow => Some(Duration::from_millis(100)),
        Scenario::Trickle(ms) => Some(Duration::from_millis(ms)),
        _ => None,
    }
}

pub(crate) fn default_framing(base: Base) -> Framing {
    match base {
        Base::V1 => Framing::Sse { crlf: false },
        Base::V2 | Base::Free => Framing::Lines,
    }
}

/// Status line and headers of a stream; `keep` is what the connection does after it.
async fn send_head(
    stream: &mut dyn Stream,
    out: &Out,
    framing: Framing,
    keep: bool,
) -> io::Result<()> {
    let content_type = match (framing, out.base) {
        (Framing::Sse { .. }, _) => "text/event-stream",
        (Framing::Lines, Base::V2) => "application/x-ndjson",
        (Framing::Lines, _) => "text/plain; charset=utf-8",
    };
    let headers = out.headers(&[
        ("Content-Type", content_type.to_string()),
        ("Cache-Control", "no-cache".to_string()),
    ]);
    let head = http::head(200, out.rid, keep, &headers, BodyLen::Chunked);
    http::write_now(stream, &head).await
}

pub(crate) async fn send(stream: &mut dyn Stream, r: &Reply<'_>) -> io::Result<Next> {
    match r.scenario {
        Scenario::BigChunks(n) => big_chunks(stream, r, n).await,
        _ => play(stream, &r.out, &stream_events::script(r)).await,
    }
}

/// Writes one encoded event: one HTTP chunk, or pieces of at most `piece` bytes.
async fn write_event(
    writer: &mut ChunkedWriter<'_>,
    bytes: &[u8],
    piece: Option<usize>,
) -> io::Result<()> {
    let Some(size) = piece else {
        return writer.chunk(bytes).await;
    };
    for (i, part) in bytes.chunks(size.max(1)).enumerate() {
        if i > 0 {
            tokio::time::sleep(PIECE_PAUSE).await;
        }
        writer.chunk(part).await?;
    }
    Ok(())
}

/// Writes a script: one HTTP chunk per event (unless split), each on the wire at once.
pub(crate) async fn play(stream: &mut dyn Stream, out: &Out, script: &Script) -> io::Result<Next> {
    let conn_keep = out.keep && matches!(script.end, End::Normal);
    send_head(stream, out, script.framing, conn_keep).await?;
    if let Some(pause) = out.first_delay {
        if !http::pause_unless_client_gone(stream, pause).await {
            return Ok(Next::Close);
        }
    }
    let mut writer = ChunkedWriter::new(stream, false);
    let mut pacer = out.pacer.clone();
    let mut compressor = out.encoding.map(Encoding::compressor);
    for ev in &script.events {
        if let Some(bytes) = encode(script.framing, ev) {
            // The fault flags count the events that reach the wire.
            if let Some(cut) = pacer.next_piece().await {
                inject::apply(stream, cut).await;
                return Ok(Next::Close);
            }
            if let Some(d) = script.delay {
                tokio::time::sleep(d).await;
            }
            match compressor.as_mut() {
                Some(compressor) => writer.chunk(&compressor.piece(bytes.as_bytes())).await?,
                None => write_event(&mut writer, bytes.as_bytes(), script.piece).await?,
            }
        }
    }
    if let Some(compressor) = compressor {
        writer.chunk(&compressor.end()).await?;
    }
    match script.end {
        End::Normal => {
            writer.finish().await?;
            Ok(next(out.keep))
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

/// `big-chunks-<n>`: the same content chunk n times, framed once and written in batches, since
/// this scenario is for throughput and n can be a million.
async fn big_chunks(stream: &mut dyn Stream, r: &Reply<'_>, n: usize) -> io::Result<Next> {
    let (id, model) = (r.id.as_str(), r.chat.model.as_str());
    let framing = default_framing(r.out.base);
    let content = "x".repeat(big_chunk_width(id, model));
    let encode_data = |json: String| encode(framing, &Ev::Data(json)).unwrap_or_default();
    let frame = ChunkedWriter::frame(encode_data(content_chunk(id, model, &content)).as_bytes());

    send_head(stream, &r.out, framing, r.out.keep).await?;
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
    if r.chat.include_usage {
        let usage_json = usage_chunk(id, model, usage(r.chat.prompt_tokens, n));
        writer.chunk(encode_data(usage_json).as_bytes()).await?;
    }
    if let Some(done) = encode(framing, &Ev::Done) {
        writer.chunk(done.as_bytes()).await?;
    }
    writer.finish().await?;
    Ok(next(r.out.keep))
}
