//! Replay mode (`--replay FILE`): answers from a cassette, each request with the exchange whose
//! method, path and body match it (or the next one in recorded order with `--in-order`), with the
//! recorded timing divided by `--speed`. A request the cassette cannot answer gets a 404 that
//! says why, rather than something a test could mistake for a real answer.

use std::io;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::api::{self, Next};
use crate::cassette::{self, Exchange};
use crate::http::{Request, Stream};
use crate::inject::Injector;
use crate::options::ReplayOptions;
use crate::relay::{Framing, Relay};

/// The `code` of the 404 for a request the cassette has no answer for.
const NO_MATCH: (u16, &str) = (404, "cassette_no_match");

pub(crate) struct Replayer {
    exchanges: Vec<Exchange>,
    in_order: bool,
    speed: f64,
    /// Per exchange, whether it has been served; and with `--in-order`, the next one to serve.
    served: Mutex<(Vec<bool>, usize)>,
}

impl Replayer {
    /// Loads the cassette; an invalid one is refused with the line at fault.
    pub(crate) fn load(options: &ReplayOptions) -> io::Result<Replayer> {
        let exchanges = cassette::load(&options.cassette)?;
        let served = Mutex::new((vec![false; exchanges.len()], 0));
        Ok(Replayer {
            exchanges,
            in_order: options.in_order,
            speed: options.speed,
            served,
        })
    }

    /// The exchange that answers `req`, or why there is none.
    fn pick(&self, req: &Request) -> Result<&Exchange, String> {
        let mut served = self.served.lock().unwrap_or_else(|e| e.into_inner());
        let (used, next) = &mut *served;
        let index = if self.in_order {
            self.next_in_order(req, *next)?
        } else {
            self.best_match(req, used)?
        };
        used[index] = true;
        *next = index + 1;
        Ok(&self.exchanges[index])
    }

    /// `--in-order`: exchange `next`, if its method and path are the request's.
    fn next_in_order(&self, req: &Request, next: usize) -> Result<usize, String> {
        let Some(ex) = self.exchanges.get(next) else {
            let n = self.exchanges.len();
            return Err(format!(
                "all {n} recorded exchanges have been served (--in-order)"
            ));
        };
        let (method, path) = (&ex.request.method, &ex.request.path);
        if *method != req.method || *path != req.path {
            return Err(format!(
                "recorded exchange {} is {method} {path} (--in-order)",
                next + 1
            ));
        }
        Ok(next)
    }

    /// The first unserved exchange with this method, path and body; once all such have been
    /// served, the last of them again (a client retrying past the end of a recording).
    fn best_match(&self, req: &Request, used: &[bool]) -> Result<usize, String> {
        let same_route: Vec<usize> = (0..self.exchanges.len())
            .filter(|&i| {
                let r = &self.exchanges[i].request;
                r.method == req.method && r.path == req.path
            })
            .collect();
        let matching: Vec<usize> = same_route
            .iter()
            .copied()
            .filter(|&i| self.exchanges[i].request.body_matches(&req.body))
            .collect();
        let first_unused = matching.iter().copied().find(|&i| !used[i]);
        match first_unused.or(matching.last().copied()) {
            Some(i) => Ok(i),
            None if same_route.is_empty() => Err("nothing was recorded for it".to_string()),
            None => Err(format!(
                "{} recorded for it, none with this body",
                same_route.len()
            )),
        }
    }

    /// A recorded time in milliseconds as a delay at `--speed` (0: none).
    fn scaled(&self, ms: f64) -> Duration {
        if self.speed <= 0.0 {
            return Duration::ZERO;
        }
        Duration::from_secs_f64(ms / 1000.0 / self.speed)
    }
}

/// Answers one request from the cassette.
pub(crate) async fn serve(
    stream: &mut dyn Stream,
    req: &Request,
    rid: u64,
    replayer: &Replayer,
    injector: &Injector,
) -> io::Result<Next> {
    let start = Instant::now();
    match replayer.pick(req) {
        Ok(ex) => play(stream, ex, req.keep_alive, replayer, injector, start).await,
        Err(why) => {
            let message = format!(
                "webraft-mock replay: no recorded exchange answers {} {}: {why}",
                req.method, req.path
            );
            eprintln!("{message}; body: {}", preview(&req.body));
            api::reject_mock(stream, req, rid, NO_MATCH, message).await
        }
    }
}

/// The start of a body, for the log line of an unmatched request.
fn preview(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    match text.char_indices().nth(300) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.into_owned(),
    }
}

/// Sends a recorded response with its timing: the head at its offset, each piece at its own.
async fn play(
    stream: &mut dyn Stream,
    ex: &Exchange,
    keep: bool,
    replayer: &Replayer,
    injector: &Injector,
    start: Instant,
) -> io::Result<Next> {
    let resp = &ex.response;
    let bodies: Vec<Vec<u8>> = resp.pieces.iter().map(|p| p.bytes()).collect();
    let mut length = bodies.iter().map(Vec::len).sum();
    if !resp.complete {
        length += 1; // a recorded short body: the client must see it end early again
    }
    let framing = Framing::of(resp.status, resp.chunked, length);
    let keep = keep && resp.complete;
    tokio::time::sleep_until((start + replayer.scaled(resp.ms)).into()).await;
    let mut relay = Relay::start(stream, resp.status, &resp.headers, framing, keep)
        .await?
        .paced(injector.pacer());
    for (piece, bytes) in resp.pieces.iter().zip(&bodies) {
        tokio::time::sleep_until((start + replayer.scaled(piece.ms)).into()).await;
        if !relay.piece(bytes).await? {
            return Ok(Next::Close);
        }
    }
    relay.finish(resp.complete).await
}
