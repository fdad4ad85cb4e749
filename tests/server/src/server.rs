//! A running server: its thread and runtime, the accept loop, and each connection's request loop,
//! which hands every request to the fault flags first and then to the backend (scenarios,
//! record or replay).

use std::io;
use std::sync::Arc;
use std::thread::JoinHandle;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio_rustls::TlsAcceptor;

use crate::api::{self, Next};
use crate::ctx::{Backend, Ctx};
use crate::http::{self, Request, Stream};
use crate::options::{MockOptions, ServerOptions, TlsOptions};
use crate::{record, replay, tls};

/// A running test server on `127.0.0.1`. Dropping it stops accepting, closes every connection
/// (including stalled ones) and joins the server thread.
pub struct TestServer {
    port: u16,
    tls: bool,
    ctx: Arc<Ctx>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl TestServer {
    /// Starts a server on a free loopback port (`127.0.0.1:0`). Panics if that fails.
    pub fn start(options: ServerOptions) -> TestServer {
        TestServer::bind(0, options).expect("webraft-test-server: cannot start on 127.0.0.1")
    }

    /// Starts an HTTPS server on a free loopback port with the fixture certificates (see the
    /// crate docs, "TLS mode"). Panics if that fails.
    pub fn start_tls(options: ServerOptions, tls: TlsOptions) -> TestServer {
        TestServer::bind_tls(0, options, tls)
            .expect("webraft-test-server: cannot start TLS on 127.0.0.1")
    }

    /// Starts a server on `127.0.0.1:port` (0 = a free port).
    pub fn bind(port: u16, options: ServerOptions) -> io::Result<TestServer> {
        let server = options;
        TestServer::start_mock(
            port,
            MockOptions {
                server,
                ..MockOptions::default()
            },
        )
    }

    /// Starts an HTTPS server on `127.0.0.1:port` (0 = a free port).
    pub fn bind_tls(port: u16, options: ServerOptions, tls: TlsOptions) -> io::Result<TestServer> {
        let (server, tls) = (options, Some(tls));
        TestServer::start_mock(
            port,
            MockOptions {
                server,
                tls,
                ..MockOptions::default()
            },
        )
    }

    /// Starts a server on `127.0.0.1:port` (0 = a free port) as `webraft-mock` would with the
    /// same options: fault flags, record or replay mode. A cassette that cannot be read (replay)
    /// or created (record) is an error here, before anything listens.
    pub fn start_mock(port: u16, options: MockOptions) -> io::Result<TestServer> {
        let acceptor = options.tls.as_ref().map(tls::acceptor).transpose()?;
        let ctx = Arc::new(Ctx::new(options)?);
        let listener = std::net::TcpListener::bind(("127.0.0.1", port))?;
        listener.set_nonblocking(true)?;
        let port = listener.local_addr()?.port();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let is_tls = acceptor.is_some();
        let (shutdown, shutdown_rx) = oneshot::channel::<()>();
        let server_ctx = Arc::clone(&ctx);
        let thread = std::thread::Builder::new()
            .name(format!("webraft-test-server-{port}"))
            .spawn(move || {
                runtime.block_on(async move {
                    let listener = match TcpListener::from_std(listener) {
                        Ok(l) => l,
                        Err(e) => return eprintln!("webraft-test-server: {e}"),
                    };
                    tokio::select! {
                        _ = accept_loop(listener, server_ctx, acceptor) => {}
                        _ = shutdown_rx => {}
                    }
                });
                // Dropping the runtime cancels every connection task, closing their sockets.
                drop(runtime);
            })?;
        Ok(TestServer {
            port,
            tls: is_tls,
            ctx,
            shutdown: Some(shutdown),
            thread: Some(thread),
        })
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `url("/v1")` → `"http://127.0.0.1:PORT/v1"`, or `"https://localhost:PORT/v1"` in TLS
    /// mode (the name the fixture certificate is issued to).
    pub fn url(&self, base: &str) -> String {
        if self.tls {
            format!("https://localhost:{}{}", self.port, base)
        } else {
            format!("http://127.0.0.1:{}{}", self.port, base)
        }
    }

    /// How many chat-completion requests arrived with exactly this `model` (see crate docs).
    pub fn request_count(&self, model: &str) -> usize {
        self.ctx.request_count(model)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn accept_loop(listener: TcpListener, ctx: Arc<Ctx>, tls: Option<TlsAcceptor>) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                let _ = stream.set_nodelay(true);
                let ctx = Arc::clone(&ctx);
                match &tls {
                    None => tokio::spawn(serve_connection(stream, ctx)),
                    Some(acceptor) => {
                        let handshake = acceptor.accept(stream);
                        // A failed handshake (unknown CA, missing client certificate) just drops
                        // the connection; the client sees the TLS alert.
                        tokio::spawn(async move {
                            if let Ok(stream) = handshake.await {
                                serve_connection(stream, ctx).await;
                            }
                        })
                    }
                };
            }
            // E.g. out of file descriptors: back off instead of spinning.
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(10)).await,
        }
    }
}

async fn serve_connection(stream: impl Stream, ctx: Arc<Ctx>) {
    let abandoned = Arc::clone(&ctx.abandoned);
    http::counting_abandons(abandoned, serve_requests(stream, ctx)).await
}

async fn serve_requests(mut stream: impl Stream, ctx: Arc<Ctx>) {
    let mut buf = Vec::new();
    loop {
        match http::read_request(&mut stream, &mut buf, ctx.max_body).await {
            Ok(Some(req)) => {
                let rid = ctx.next_rid();
                match respond(&mut stream, &req, rid, &ctx).await {
                    Ok(Next::KeepAlive) if req.keep_alive => continue,
                    Ok(_) => {
                        let _ = stream.shutdown().await;
                        return;
                    }
                    Err(_) => return http::note_abandoned(),
                }
            }
            Ok(None) | Err(http::ReadError::Closed) => return,
            Err(http::ReadError::Bad { status, message }) => {
                let rid = ctx.next_rid();
                let body = api::protocol_error_body(status, &message);
                let headers = [("Content-Type", "application/json".to_string())];
                let _ =
                    http::send(&mut stream, status, rid, false, &headers, body.as_bytes()).await;
                http::linger_close(&mut stream).await;
                return;
            }
        }
    }
}

/// One request: `--latency`, then the next `--errors` entry if any is left, then the backend.
async fn respond(stream: &mut dyn Stream, req: &Request, rid: u64, ctx: &Ctx) -> io::Result<Next> {
    ctx.injector.latency().await;
    if let Some((place, error)) = ctx.injector.next_error() {
        return api::reject_injected(stream, req, rid, place, error).await;
    }
    match &ctx.backend {
        Backend::Scenarios => api::handle(stream, req, rid, ctx).await,
        Backend::Record(recorder) => record::proxy(stream, req, rid, recorder).await,
        Backend::Replay(replayer) => replay::serve(stream, req, rid, replayer, &ctx.injector).await,
    }
}
