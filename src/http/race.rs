//! Which endpoint serves a call: the client's own first, then its `fallback` entries in order,
//! each after its own retries failed for a reason another endpoint may not share (see
//! `retry::falls_back`); with a hedge budget, the next endpoint also starts when the running
//! one is slow to deliver. The first endpoint to deliver (a stream's first event, a plain
//! call's 2xx headers) wins, and dropping the others closes their connections.

use super::clock::Clock;
use super::read::Opening;
use super::{retry, send};
use crate::client::{Call, Client};
use crate::config::RequestOptions;
use crate::error::Result;
use crate::log::{redacted_url, LogLevel};
use crate::result::{Answered, Progress};
use futures_util::stream::{FuturesUnordered, StreamExt};
use futures_util::future::BoxFuture;
use reqwest::Response;
use tokio::time::Instant;

/// How many endpoints a hedged call runs at once.
const HEDGE_WIDTH: usize = 2;

/// What the winning endpoint hands on.
pub(super) enum Delivered {
    /// A 2xx reply whose body is not read yet.
    Headers(Response),
    /// A stream read up to its first event.
    FirstEvent(Box<Opening>),
}

/// One endpoint's run: its place, how it ended, and what it learned.
type Finished = (usize, Result<Delivered>, Progress);

/// Run `call` on the client's endpoints until one delivers. On return `progress` is that
/// endpoint's (or, when every endpoint failed, the last failure's).
pub(super) async fn race(
    client: &Client,
    call: &Call,
    options: &RequestOptions,
    clock: &Clock,
    progress: &mut Progress,
) -> Result<Delivered> {
    let count = client.endpoints.len();
    if count == 1 {
        // Nothing to race: the call runs on the client's own endpoint with the call's own
        // progress, keeping a second progress and a boxed future off every plain client's calls.
        let sent = send::send(client, 0, call, options, clock, progress).await;
        progress.answered_by(Answered { index: 0, base_url: client.endpoints[0].base_url.clone(), tried: 1 });
        return sent.map(Delivered::Headers);
    }
    let hedge = client.config.hedge;
    let mut running = FuturesUnordered::new();
    let mut started = 1;
    let mut last_start = Instant::now();
    let mut retries = 0;
    running.push(run(client, 0, call, options, clock, progress.for_endpoint()));
    loop {
        let hedge_at = hedge
            .filter(|_| started < count && running.len() < HEDGE_WIDTH)
            .map(|budget| last_start + budget);
        let (index, outcome, endpoint) = tokio::select! {
            Some(finished) = running.next() => finished,
            () = sleep_until(hedge_at) => {
                log_hedge(client, started, hedge.unwrap_or_default().as_millis());
                running.push(run(client, started, call, options, clock, progress.for_endpoint()));
                (started, last_start) = (started + 1, Instant::now());
                continue;
            }
        };
        retries += endpoint.retries();
        let moves_on = outcome.as_ref().err().is_some_and(retry::falls_back) && started < count;
        if moves_on {
            log_fallback(client, index, started, outcome.as_ref().err());
            running.push(run(client, started, call, options, clock, progress.for_endpoint()));
            (started, last_start) = (started + 1, Instant::now());
        } else if outcome.is_err() && !running.is_empty() {
            continue;
        }
        if outcome.is_ok() || running.is_empty() {
            let base_url = client.endpoints[index].base_url.clone();
            progress.adopt(endpoint, Answered { index, base_url, tried: started }, retries);
            return outcome;
        }
    }
}

/// One endpoint's run: its retries, then its first event (or headers).
fn run<'a>(
    client: &'a Client,
    index: usize,
    call: &'a Call,
    options: &'a RequestOptions,
    clock: &'a Clock,
    mut progress: Progress,
) -> BoxFuture<'a, Finished> {
    Box::pin(async move {
        let call = call.for_endpoint(&client.endpoints[index]);
        let sent = send::send(client, index, &call, options, clock, &mut progress).await;
        // The last endpoint of an unhedged call has nothing to race, so it commits at once.
        let commits_now = client.config.hedge.is_none() && index + 1 == client.endpoints.len();
        let outcome = match sent {
            Ok(response) if call.is_stream() && !call.yields_bytes() && !commits_now => {
                Opening::new(client, response).first_event(client, clock).await.map(|opening| Delivered::FirstEvent(Box::new(opening)))
            }
            Ok(response) => Ok(Delivered::Headers(response)),
            Err(error) => Err(error),
        };
        (index, outcome, progress)
    })
}

/// Wait until `at`, or forever when there is nothing to wait for.
async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

fn log_hedge(client: &Client, next: usize, budget_ms: u128) {
    client.logger.log(LogLevel::Info, || {
        let url = shown_url(client, next);
        format!("nothing delivered within {budget_ms} ms; also trying endpoint {next} ({url})")
    });
}

fn log_fallback(client: &Client, failed: usize, next: usize, error: Option<&crate::error::Error>) {
    client.logger.log(LogLevel::Warn, || {
        let url = shown_url(client, next);
        let why = error.map(ToString::to_string).unwrap_or_default();
        format!("endpoint {failed} failed ({why}); trying endpoint {next} ({url})")
    });
}

/// An endpoint's base URL for a log line: without a query or user info, which may hold a key.
fn shown_url(client: &Client, index: usize) -> String {
    let url = reqwest::Url::parse(&client.endpoints[index].base_url);
    url.map_or_else(|_| "an unparsable URL".to_string(), |url| redacted_url(&url))
}
