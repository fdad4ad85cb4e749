//! Which connections carry a client's requests, so that concurrent requests to one origin
//! share HTTP/2 connections instead of each opening its own.
//!
//! reqwest opens a connection for every request that finds no idle one, and over TLS it learns
//! that a connection speaks HTTP/2 only once that connection is up (ALPN). A burst of N requests
//! to a new origin therefore opens N connections with N handshakes, of which one then carries
//! every request. Here, per origin:
//! - the first request *probes*: it goes through the client's own pool, and its connection
//!   reports, as soon as TLS is up, whether the server chose HTTP/2; requests that arrive
//!   meanwhile wait for that report (within their own timeouts and cancellation);
//! - an HTTP/1.1 origin then goes on through the client's own pool, as before;
//! - an HTTP/2 origin is served by *lanes*: HTTP/2-only clients of one connection each, each
//!   carrying up to [`LANE_STREAMS`] requests at once. N concurrent requests thus use at most
//!   ceil(N / 100) connections, plus the probe's.
//!
//! Plain `http://` origins go through the client's own pool, unless `http2_prior_knowledge` is
//! set: then they speak HTTP/2 at once (h2c), through lanes.

use crate::error::Result;
use hyper_util::client::legacy::connect::Connection;
use reqwest::{Response, Url, Version};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use tokio::sync::Notify;

/// Requests one lane carries at once: the least concurrency RFC 9113 (6.5.2) recommends that
/// servers allow, so a lane does not queue streams behind a server's limit.
pub(crate) const LANE_STREAMS: usize = 100;

/// Makes the HTTP/2-only client of a new lane.
pub(crate) type LaneBuilder = Box<dyn Fn() -> Result<reqwest::Client> + Send + Sync>;

pub(crate) struct Connections {
    /// The client's own pool for plain-http origins.
    pool: reqwest::Client,
    /// The same for https origins, HTTP/1.1 or HTTP/2 by ALPN, with the connector layer that
    /// reports a probe's protocol (kept apart: the layer costs every connection some memory).
    tls_pool: reqwest::Client,
    new_lane: LaneBuilder,
    h2c: bool,
    origins: Arc<Origins>,
}

#[derive(Default)]
struct Origins(Mutex<HashMap<String, Origin>>);

enum Origin {
    /// The first request's connection is being made; the others wait.
    Probing(Arc<Notify>),
    Http1,
    Http2(Vec<Lane>),
}

struct Lane {
    http: reqwest::Client,
    streams: Arc<AtomicUsize>,
}

/// Holds one of a lane's streams until the response (and with it its body) is dropped: it
/// rides in the response's extensions, which ask for `Clone`.
type StreamSlot = Arc<SlotRelease>;

struct SlotRelease(Arc<AtomicUsize>);

impl Drop for SlotRelease {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Release);
    }
}

/// Where a request goes.
enum Route {
    Pool,
    Lane(reqwest::Client, StreamSlot),
    Probe(Probe),
    Wait(Arc<Notify>),
}

impl Connections {
    pub(crate) fn new(pool: reqwest::Client, tls_pool: reqwest::Client, new_lane: LaneBuilder, h2c: bool) -> Connections {
        Connections { pool, tls_pool, new_lane, h2c, origins: Arc::default() }
    }

    /// The client's own pool for the origin `key`.
    fn pool_for(&self, key: &str) -> &reqwest::Client {
        if key.starts_with("https:") {
            &self.tls_pool
        } else {
            &self.pool
        }
    }

    /// Send `request` on the connection its origin's state calls for.
    pub(crate) async fn execute(&self, request: reqwest::Request) -> reqwest::Result<Response> {
        let Some(key) = self.origin_key(request.url()) else {
            return self.pool.execute(request).await;
        };
        loop {
            match self.route(&key) {
                Route::Pool => return self.pool_for(&key).execute(request).await,
                Route::Lane(http, slot) => {
                    let mut response = http.execute(request).await?;
                    response.extensions_mut().insert(slot);
                    return Ok(response);
                }
                Route::Probe(probe) => return probe.send(&self.tls_pool, request).await,
                Route::Wait(notify) => {
                    let report = notify.notified();
                    tokio::pin!(report);
                    // Registered before looking again, so a report in between is not missed.
                    report.as_mut().enable();
                    if matches!(self.origins.lock().get(&key), Some(Origin::Probing(_))) {
                        report.await;
                    }
                    // A probe that failed leaves the origin unknown: its waiters then go on
                    // together, as they would have without it, rather than probe one by one.
                    if !self.origins.lock().contains_key(&key) {
                        return self.tls_pool.execute(request).await;
                    }
                }
            }
        }
    }

    /// The origin as `scheme://host:port`, for the origins whose connections are managed here.
    fn origin_key(&self, url: &Url) -> Option<String> {
        let managed = match url.scheme() {
            "https" => true,
            "http" => self.h2c,
            _ => false,
        };
        let port = url.port_or_known_default()?;
        managed.then(|| format!("{}://{}:{port}", url.scheme(), url.host_str().unwrap_or("")))
    }

    fn route(&self, key: &str) -> Route {
        let mut origins = self.origins.lock();
        let origin = match origins.get_mut(key) {
            Some(origin) => origin,
            // h2c needs no probe: the config says what the origin speaks.
            None if key.starts_with("http:") => origins.entry(key.to_string()).or_insert(Origin::Http2(Vec::new())),
            None => {
                let notify = Arc::new(Notify::new());
                origins.insert(key.to_string(), Origin::Probing(Arc::clone(&notify)));
                return Route::Probe(Probe { origins: Arc::clone(&self.origins), key: key.to_string(), notify });
            }
        };
        match origin {
            Origin::Probing(notify) => Route::Wait(Arc::clone(notify)),
            Origin::Http1 => Route::Pool,
            Origin::Http2(lanes) => self.lane(lanes),
        }
    }

    /// A lane with room for one more stream, made when every lane is full. A lane that cannot
    /// be made (it never fails where the client's own pool could be made) leaves the request
    /// to that pool.
    fn lane(&self, lanes: &mut Vec<Lane>) -> Route {
        let free = lanes.iter().position(|lane| lane.streams.load(Ordering::Acquire) < LANE_STREAMS);
        let index = match free {
            Some(index) => index,
            None => match (self.new_lane)() {
                Ok(http) => {
                    lanes.push(Lane { http, streams: Arc::default() });
                    lanes.len() - 1
                }
                Err(_) => return Route::Pool,
            },
        };
        let lane = &lanes[index];
        lane.streams.fetch_add(1, Ordering::AcqRel);
        Route::Lane(lane.http.clone(), Arc::new(SlotRelease(Arc::clone(&lane.streams))))
    }

    /// The number of lanes (HTTP/2 connections besides the probe's) an origin has.
    #[cfg(test)]
    fn lanes(&self, key: &str) -> Option<usize> {
        match self.origins.lock().get(key) {
            Some(Origin::Http2(lanes)) => Some(lanes.len()),
            _ => None,
        }
    }
}

impl Origins {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, Origin>> {
        // The map stays consistent at every step, so a panic elsewhere does not spoil it.
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The first request to an origin, while its connection is made. Whatever happens to the
/// request (an answer, a failure, cancellation), dropping the probe wakes the waiters: with
/// the protocol known, or with the origin unknown again, so one of them probes next.
struct Probe {
    origins: Arc<Origins>,
    key: String,
    notify: Arc<Notify>,
}

tokio::task_local! {
    /// The probe whose connection the connector layer reports on.
    static PROBING: Arc<Probe>;
}

impl Probe {
    async fn send(self, pool: &reqwest::Client, request: reqwest::Request) -> reqwest::Result<Response> {
        let probe = Arc::new(self);
        let sent = PROBING.scope(Arc::clone(&probe), pool.execute(request)).await;
        // A reused idle connection reports nothing; the reply's version then tells.
        if let Ok(response) = &sent {
            probe.learn(response.version() == Version::HTTP_2);
        }
        sent
    }

    /// The origin speaks HTTP/2 or not; first word wins.
    fn learn(&self, http2: bool) {
        let mut origins = self.origins.lock();
        if let Some(origin @ Origin::Probing(_)) = origins.get_mut(&self.key) {
            *origin = if http2 { Origin::Http2(Vec::new()) } else { Origin::Http1 };
            drop(origins);
            self.notify.notify_waiters();
        }
    }
}

impl Drop for Probe {
    fn drop(&mut self) {
        let mut origins = self.origins.lock();
        if matches!(origins.get(&self.key), Some(Origin::Probing(_))) {
            origins.remove(&self.key);
        }
        drop(origins);
        self.notify.notify_waiters();
    }
}

/// A layer over reqwest's connector: a connection made for a probe reports, once up, whether
/// it negotiated HTTP/2.
#[derive(Clone, Copy)]
pub(crate) struct ReportAlpn;

impl<S> tower_layer::Layer<S> for ReportAlpn {
    type Service = ReportAlpnService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        ReportAlpnService(inner)
    }
}

#[derive(Clone)]
pub(crate) struct ReportAlpnService<S>(S);

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

impl<S, Target> tower_service::Service<Target> for ReportAlpnService<S>
where
    S: tower_service::Service<Target>,
    S::Response: Connection + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = BoxFuture<std::result::Result<S::Response, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<std::result::Result<(), S::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, target: Target) -> Self::Future {
        // Called while the probe's request is polled, so the task-local is in scope here (the
        // connection may then finish in the background, out of scope).
        let probe = PROBING.try_with(Arc::clone).ok();
        let connecting = self.0.call(target);
        Box::pin(async move {
            let connection = connecting.await?;
            if let Some(probe) = probe {
                probe.learn(connection.connected().is_negotiated_h2());
            }
            Ok(connection)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn connections(h2c: bool) -> Connections {
        let lane: LaneBuilder = Box::new(|| Ok(reqwest::Client::new()));
        Connections::new(reqwest::Client::new(), reqwest::Client::new(), lane, h2c)
    }

    #[test]
    fn origins_are_managed_by_scheme() {
        let plain = connections(false);
        let url = |text: &str| Url::parse(text).unwrap();
        assert_eq!(plain.origin_key(&url("https://api.example/v1/x")).as_deref(), Some("https://api.example:443"));
        assert_eq!(plain.origin_key(&url("http://127.0.0.1:8/v1")), None);
        let h2c = connections(true);
        assert_eq!(h2c.origin_key(&url("http://127.0.0.1:8/v1")).as_deref(), Some("http://127.0.0.1:8"));
    }

    #[test]
    fn a_probe_makes_the_others_wait_and_its_end_decides() {
        let connections = connections(false);
        let key = "https://a:443";
        let Route::Probe(probe) = connections.route(key) else { panic!("the first request probes") };
        assert!(matches!(connections.route(key), Route::Wait(_)));
        drop(probe);
        assert!(matches!(connections.route(key), Route::Probe(_)), "a probe that learned nothing hands over");
        let Route::Probe(probe) = connections.route(key) else { panic!("unknown again") };
        probe.learn(false);
        drop(probe);
        assert!(matches!(connections.route(key), Route::Pool), "HTTP/1.1 goes through the pool");
    }

    #[test]
    fn http2_lanes_carry_a_hundred_streams_each() {
        let connections = connections(true);
        let key = "http://h:80";
        let slots: Vec<Route> = (0..2 * LANE_STREAMS + 1).map(|_| connections.route(key)).collect();
        assert!(slots.iter().all(|route| matches!(route, Route::Lane(..))));
        assert_eq!(connections.lanes(key), Some(3));
        drop(slots);
        let _again: Vec<Route> = (0..LANE_STREAMS).map(|_| connections.route(key)).collect();
        assert_eq!(connections.lanes(key), Some(3), "released streams are reused, no new lane");
    }
}
