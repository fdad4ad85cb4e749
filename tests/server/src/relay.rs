//! Writing an answer whose status, headers and body come from elsewhere: a cassette being
//! replayed, or the upstream being recorded. The body goes out piece by piece as it came (one
//! HTTP chunk per piece when streamed), so a client sees the chunking it would have seen.

use std::io;

use crate::api::Next;
use crate::http::{self, BodyLen, ChunkedWriter, Stream};
use crate::inject::{self, Pacer};

/// How the body is framed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Framing {
    /// `Content-Length` of this many bytes.
    Length(usize),
    Chunked,
    /// No body at all (1xx, 204, 304).
    None,
}

impl Framing {
    /// The framing of a body of this status: streamed or of a known length.
    pub(crate) fn of(status: u16, chunked: bool, length: usize) -> Framing {
        match status {
            100..=199 | 204 | 304 => Framing::None,
            _ if chunked => Framing::Chunked,
            _ => Framing::Length(length),
        }
    }
}

/// A relayed answer whose head has been sent.
pub(crate) struct Relay<'a> {
    stream: &'a mut dyn Stream,
    framing: Framing,
    pacer: Pacer,
    keep: bool,
}

impl<'a> Relay<'a> {
    /// Sends the status line and `headers` as given, plus the framing and `Connection`.
    pub(crate) async fn start(
        stream: &'a mut dyn Stream,
        status: u16,
        headers: &[(String, String)],
        framing: Framing,
        keep: bool,
    ) -> io::Result<Relay<'a>> {
        let len = match framing {
            Framing::Length(n) => BodyLen::Fixed(n),
            Framing::Chunked => BodyLen::Chunked,
            Framing::None => BodyLen::Bodiless,
        };
        let pairs = headers.iter().map(|(n, v)| (n.as_str(), v.as_str()));
        http::write_now(stream, &http::raw_head(status, keep, pairs, len)).await?;
        Ok(Relay {
            stream,
            framing,
            pacer: Pacer::none(),
            keep,
        })
    }

    /// Lets the fault flags pace and cut a streamed body.
    pub(crate) fn paced(mut self, pacer: Pacer) -> Self {
        if self.framing == Framing::Chunked {
            self.pacer = pacer;
        }
        self
    }

    /// Sends one piece. `Ok(false)`: a fault flag has ended the body here, and the connection
    /// must close.
    pub(crate) async fn piece(&mut self, bytes: &[u8]) -> io::Result<bool> {
        if let Some(cut) = self.pacer.next_piece().await {
            inject::apply(self.stream, cut).await;
            return Ok(false);
        }
        match self.framing {
            Framing::Chunked => ChunkedWriter::new(self.stream, false).chunk(bytes).await?,
            Framing::Length(_) => http::write_now(self.stream, bytes).await?,
            Framing::None => {}
        }
        Ok(true)
    }

    /// Ends the answer: a complete streamed body gets its terminating chunk; a body that ended
    /// early does not, and the connection closes, as the client saw it upstream.
    pub(crate) async fn finish(self, complete: bool) -> io::Result<Next> {
        if !complete {
            return Ok(Next::Close);
        }
        if self.framing == Framing::Chunked {
            ChunkedWriter::new(self.stream, false).finish().await?;
        }
        Ok(if self.keep {
            Next::KeepAlive
        } else {
            Next::Close
        })
    }
}
