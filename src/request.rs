//! An in-flight call: started on the runtime, then polled, waited on,
//! cancelled or dropped from any thread.

use crate::cancel::CancelToken;
use crate::client::{Call, CallKind, Client};
use crate::config::RequestOptions;
use crate::error::{Error, Result as CallOutcome, Status};
use crate::file::AtomicFile;
use crate::log::LogLevel;
use crate::result::CallResult;
use crate::runtime;
use crate::http::{self, ChunkSink};
use crate::result::Progress;
use crate::stream::LiveSnapshots;
use futures_util::FutureExt;
use std::any::Any;
use std::collections::VecDeque;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::runtime::Handle;
use tokio::sync::Notify;

/// What a call hands on as it happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event<'a> {
    /// The final reply's headers, as a JSON object, before any chunk.
    Headers(&'a str),
    /// One stream event: its SSE event name, if any, and its data.
    Chunk { name: Option<&'a str>, data: &'a str },
    /// One piece of a binary reply, as it arrived.
    Bytes(&'a [u8]),
}

/// Called with each event, in order, one call at a time, on a runtime worker
/// thread. Returning false cancels the request.
pub type EventCallback = Box<dyn FnMut(Event<'_>) -> bool + Send>;
/// Called exactly once when the request has finished, after its last chunk.
pub type DoneCallback = Box<dyn FnOnce(Status) + Send>;

/// Where a call's events go.
pub enum Delivery {
    /// Only into the accumulated result.
    Discard,
    Callback(EventCallback),
    /// Into a bounded queue read by `Request::next`; the stream pauses while it is full.
    Queue,
    /// A binary reply's pieces into a file, which replaces its target only if the call succeeds.
    File(AtomicFile),
}

impl Delivery {
    /// Chunk data only, for callers that have no use for event names or headers.
    pub fn chunks(mut on_chunk: impl FnMut(&str) -> bool + Send + 'static) -> Delivery {
        Delivery::Callback(Box::new(move |event| match event {
            Event::Chunk { data, .. } => on_chunk(data),
            Event::Headers(_) | Event::Bytes(_) => true,
        }))
    }
}

/// How many undelivered chunks a polled stream buffers before it pauses.
pub const POLL_QUEUE_CAPACITY: usize = 256;

/// What `Request::next_event` found.
#[derive(Debug, PartialEq, Eq)]
pub enum Next {
    /// Nothing yet; the request is still running.
    Pending,
    /// The final reply's headers as a JSON object (only from `next_event`).
    Headers(String),
    Chunk { name: Option<String>, data: String },
    /// A piece of a binary reply.
    Bytes(Vec<u8>),
    /// Finished; the result is ready (or already taken).
    Done,
}

/// A handle to one started call. Cloning shares the same call.
#[derive(Clone)]
pub struct Request {
    shared: Arc<Shared>,
}

struct Shared {
    cancel: CancelToken,
    /// Whether the reply comes as a stream of chunks; fixed when the call is built.
    stream: bool,
    /// Whether those pieces are binary (a download) rather than text events.
    bytes: bool,
    /// A chat stream's structured output so far; None for other calls.
    live: Option<Arc<Mutex<LiveSnapshots>>>,
    state: Mutex<State>,
    /// Signalled when a chunk is queued or the call finishes.
    changed: Condvar,
    /// Signalled when a queued chunk is taken.
    space: Notify,
}

#[derive(Default)]
struct State {
    /// Only `Headers` and `Chunk` items.
    queue: VecDeque<Next>,
    /// The call has ended; its result is set.
    finished: bool,
    result: Option<CallResult>,
}

impl State {
    /// Finished as the caller sees it: a polled stream also needs its queue read,
    /// so a loop that stops at "finished" never misses a chunk.
    fn is_drained(&self) -> bool {
        self.finished && self.queue.is_empty()
    }
}

impl Request {
    /// Start `call` on the runtime and return at once. Fails only in a child
    /// forked after the runtime started; callbacks are then never called.
    pub fn start(
        client: &Arc<Client>,
        call: Call,
        options: RequestOptions,
        delivery: Delivery,
        on_done: Option<DoneCallback>,
    ) -> Result<Request, Error> {
        Request::launch(Request::for_call(&call, true), client, call, options, delivery, on_done)
    }

    /// Spawn `request`'s task for `call`.
    fn launch(
        request: Request,
        client: &Arc<Client>,
        call: Call,
        options: RequestOptions,
        delivery: Delivery,
        on_done: Option<DoneCallback>,
    ) -> Result<Request, Error> {
        let runtime = runtime::handle()?;
        let task = request.clone();
        let client = Arc::clone(client);
        runtime.spawn(async move {
            let result = task.drive(&client, call, options, delivery).await;
            let status = result.status();
            task.finish(result);
            if let Some(on_done) = on_done {
                on_done(status);
            }
        });
        Ok(request)
    }

    /// Run the call to its end, racing it against this request's and the client's cancel
    /// tokens, and make its result (logged, not yet published).
    async fn drive(&self, client: &Client, mut call: Call, options: RequestOptions, delivery: Delivery) -> CallResult {
        if options.stream_usage.unwrap_or(client.config.stream_usage) {
            call.ask_stream_usage();
        }
        let mut progress = Progress::new(call.kind);
        if let Some(live) = &self.shared.live {
            progress.watch(Arc::clone(live));
        }
        let mut sink = Sink { delivery, request: self };
        let work = AssertUnwindSafe(http::execute(client, &call, &options, &mut sink, &mut progress));
        let outcome = tokio::select! {
            biased;
            _ = self.shared.cancel.cancelled() => Err(Error::Cancelled),
            _ = client.closed.cancelled() => Err(Error::Cancelled),
            caught = work.catch_unwind() => caught.unwrap_or_else(|panic| Err(Error::Panic(panic_message(&*panic)))),
        };
        let outcome = sink.settle(outcome);
        let result = progress.finish(outcome);
        let status = result.status();
        client.logger.log(if result.error.is_some() { LogLevel::Error } else { LogLevel::Info }, || {
            let outcome = result.error.as_ref().map_or("OK".to_string(), |e| format!("{}: {e}", status.name()));
            let ms = result.timings.total.as_millis();
            format!("finished {outcome} ({} chunks, {} retries, {ms} ms)", result.chunks, result.retries)
        });
        result
    }

    /// A request that failed before it could start; it is already finished.
    pub fn failed(error: Error) -> Request {
        let request = Request::new(false, false, None);
        request.finish(CallResult::failed(error));
        request
    }

    /// A request for `call`; a chat stream whose handle the caller gets (`with_snapshots`) also
    /// keeps live snapshots of its output.
    fn for_call(call: &Call, with_snapshots: bool) -> Request {
        let live = (with_snapshots && call.kind == CallKind::Chat { stream: true }).then(Arc::default);
        Request::new(call.is_stream(), call.yields_bytes(), live)
    }

    fn new(stream: bool, bytes: bool, live: Option<Arc<Mutex<LiveSnapshots>>>) -> Request {
        Request {
            shared: Arc::new(Shared {
                cancel: CancelToken::new(),
                stream,
                bytes,
                live,
                state: Mutex::new(State::default()),
                changed: Condvar::new(),
                space: Notify::new(),
            }),
        }
    }

    /// Run `call` and block the calling thread until it finishes. A call whose
    /// events go nowhere is driven on this thread itself, saving the hand-off to a
    /// worker and back; one with callbacks runs on a worker, where its callbacks
    /// must run, and so does any call made from a thread inside a runtime, which
    /// cannot block on one.
    pub fn run_blocking(
        client: &Arc<Client>,
        call: Call,
        options: RequestOptions,
        delivery: Delivery,
    ) -> CallResult {
        if matches!(delivery, Delivery::Discard) && Handle::try_current().is_err() {
            return match runtime::handle() {
                Ok(runtime) => {
                    let request = Request::for_call(&call, false);
                    runtime.block_on(request.drive(client, call, options, delivery))
                }
                Err(error) => CallResult::failed(error),
            };
        }
        // No one else holds this request, so no one can read its snapshots: it keeps none.
        let request = Request::for_call(&call, false);
        match Request::launch(request, client, call, options, delivery, None) {
            Ok(request) => {
                request.wait(None);
                request
                    .take_result()
                    .expect("a finished request holds its result until taken")
            }
            Err(error) => CallResult::failed(error),
        }
    }

    /// Whether the reply is streamed, so chunks will reach the chosen delivery.
    pub fn is_stream(&self) -> bool {
        self.shared.stream
    }

    /// Whether its pieces are a binary reply's bytes (read with `next`, never as text).
    pub fn yields_bytes(&self) -> bool {
        self.shared.bytes
    }


    /// The chat stream's snapshots as they are now (see `LiveSnapshots`), read by `read`;
    /// None for calls that are not chat streams.
    pub fn snapshots<T>(&self, read: impl FnOnce(&LiveSnapshots) -> T) -> Option<T> {
        let live = self.shared.live.as_ref()?;
        Some(read(&live.lock().unwrap_or_else(|p| p.into_inner())))
    }

    /// Ask the call to stop. It finishes with CANCELLED unless it already finished.
    pub fn cancel(&self) {
        self.shared.cancel.cancel();
    }

    /// Ended, and every queued chunk has been taken.
    pub fn is_finished(&self) -> bool {
        self.lock().is_drained()
    }

    /// The next queued chunk's data, or Done once the call has finished and the
    /// queue is empty; headers events are passed over. Waits up to `timeout`
    /// (None: no limit; zero: just look).
    pub fn next(&self, timeout: Option<Duration>) -> Next {
        loop {
            match self.next_event(timeout) {
                Next::Headers(_) => continue,
                other => return other,
            }
        }
    }

    /// The next queued event (headers or a chunk), or Done once the call has
    /// finished and the queue is empty. Waits up to `timeout` (None: no limit;
    /// zero: just look).
    pub fn next_event(&self, timeout: Option<Duration>) -> Next {
        let mut drained_by_this_call = false;
        let next = self.wait_until(timeout, |state| {
            if let Some(item) = state.queue.pop_front() {
                drained_by_this_call = state.is_drained();
                Some(item)
            } else if state.finished {
                Some(Next::Done)
            } else {
                None
            }
        });
        if matches!(next, Some(Next::Chunk { .. } | Next::Headers(_) | Next::Bytes(_))) {
            self.shared.space.notify_one();
        }
        if drained_by_this_call {
            // Taking the last chunk finishes a polled stream for `wait` on other threads.
            self.shared.changed.notify_all();
        }
        next.unwrap_or(Next::Pending)
    }

    /// Wait up to `timeout` (None: no limit) for the call to finish (for a polled
    /// stream: and its queue to be read). Returns whether it has.
    pub fn wait(&self, timeout: Option<Duration>) -> bool {
        self.wait_until(timeout, |state| state.is_drained().then_some(()))
            .is_some()
    }

    /// The result, once finished; None before that or if already taken.
    pub fn take_result(&self) -> Option<CallResult> {
        let mut state = self.lock();
        if state.is_drained() {
            state.result.take()
        } else {
            None
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave State half-updated in a way
        // that matters more than losing the request, so keep going.
        self.shared
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn is_delivering_on_this_thread(&self) -> bool {
        DELIVERING.get() == Arc::as_ptr(&self.shared)
    }

    fn wait_until<T>(
        &self,
        timeout: Option<Duration>,
        mut ready: impl FnMut(&mut State) -> Option<T>,
    ) -> Option<T> {
        let mut state = self.lock();
        if let Some(found) = ready(&mut state) {
            return Some(found);
        }
        // Inside this request's own chunk callback nothing can change until the
        // callback returns, so waiting would only stall until the timeout.
        if timeout == Some(Duration::ZERO) || self.is_delivering_on_this_thread() {
            return None;
        }
        let deadline = timeout.map(|limit| Instant::now() + limit);
        runtime::blocking_wait(move || loop {
            state = match deadline {
                None => self
                    .shared
                    .changed
                    .wait(state)
                    .unwrap_or_else(|p| p.into_inner()),
                Some(at) => {
                    let left = at.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return None;
                    }
                    self.shared
                        .changed
                        .wait_timeout(state, left)
                        .unwrap_or_else(|p| p.into_inner())
                        .0
                }
            };
            if let Some(found) = ready(&mut state) {
                return Some(found);
            }
        })
    }

    fn finish(&self, result: CallResult) {
        let mut state = self.lock();
        state.result = Some(result);
        state.finished = true;
        drop(state);
        self.shared.changed.notify_all();
    }

    /// Queue an event for `next`, pausing while the queue is full.
    async fn enqueue(&self, item: Next) {
        loop {
            let space = self.shared.space.notified();
            tokio::pin!(space);
            space.as_mut().enable();
            {
                let mut state = self.lock();
                if state.queue.len() < POLL_QUEUE_CAPACITY {
                    state.queue.push_back(item);
                    drop(state);
                    self.shared.changed.notify_all();
                    return;
                }
            }
            space.await;
        }
    }
}

thread_local! {
    /// The request whose chunk callback this thread is running, if any (only compared, never read).
    static DELIVERING: std::cell::Cell<*const Shared> = const { std::cell::Cell::new(std::ptr::null()) };
}

/// Marks this thread as running a request's chunk callback, until dropped
/// (also when the callback unwinds).
struct DeliveringGuard(*const Shared);

impl DeliveringGuard {
    fn enter(shared: &Arc<Shared>) -> DeliveringGuard {
        DeliveringGuard(DELIVERING.replace(Arc::as_ptr(shared)))
    }
}

impl Drop for DeliveringGuard {
    fn drop(&mut self) {
        DELIVERING.set(self.0);
    }
}

struct Sink<'a> {
    delivery: Delivery,
    request: &'a Request,
}

impl Sink<'_> {
    /// The call's outcome once its file, if it has one, is in place: a file that cannot be
    /// committed fails the call; a failed call leaves the target untouched.
    fn settle(self, outcome: CallOutcome<()>) -> CallOutcome<()> {
        match (self.delivery, outcome) {
            (Delivery::File(file), Ok(())) => file.commit(),
            (_, outcome) => outcome,
        }
    }

    async fn hand_on(&mut self, event: Event<'_>) -> bool {
        match &mut self.delivery {
            Delivery::Discard | Delivery::File(_) => true,
            Delivery::Callback(on_event) => {
                let _delivering = DeliveringGuard::enter(&self.request.shared);
                on_event(event)
            }
            Delivery::Queue => {
                let item = match event {
                    Event::Headers(json) => Next::Headers(json.to_string()),
                    Event::Chunk { name, data } => Next::Chunk { name: name.map(str::to_string), data: data.to_string() },
                    Event::Bytes(piece) => Next::Bytes(piece.to_vec()),
                };
                self.request.enqueue(item).await;
                true
            }
        }
    }
}

impl ChunkSink for Sink<'_> {
    async fn deliver(&mut self, name: Option<&str>, data: &str) -> bool {
        self.hand_on(Event::Chunk { name, data }).await
    }

    async fn headers(&mut self, headers_json: &str) -> bool {
        self.hand_on(Event::Headers(headers_json)).await
    }

    async fn bytes(&mut self, piece: &[u8]) -> CallOutcome<()> {
        if let Delivery::File(file) = &mut self.delivery {
            return file.write(piece);
        }
        match self.hand_on(Event::Bytes(piece)).await {
            true => Ok(()),
            false => Err(Error::Cancelled),
        }
    }

    fn takes_headers(&self) -> bool {
        !matches!(self.delivery, Delivery::Discard)
    }
}

/// The text of a caught panic payload.
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string())
}
