//! The HTTP/2-over-TLS listener: it counts the TCP connections it accepts and the TLS
//! handshakes it completes, so the benchmark can see how many a client opens for N concurrent
//! streams to one origin.
//!
//! Route: `/gather/<n>/chat/completions` holds each reply until n requests have arrived (so the
//! n streams are open at once), then sends each a short SSE stream (three chunks and
//! `[DONE]`). Every other path is 404. Like most servers, it allows 100 concurrent streams
//! per connection.

use bytes::Bytes;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::Notify;
use tokio_rustls::rustls::crypto::ring;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::TlsAcceptor;

/// Streams one connection may carry at once.
const MAX_CONCURRENT_STREAMS: u32 = 100;
/// Chunks in each gathered stream.
const GATHERED_CHUNKS: usize = 3;

static CONNECTIONS: AtomicUsize = AtomicUsize::new(0);
static HANDSHAKES: AtomicUsize = AtomicUsize::new(0);

/// The counts so far, for `GET /h2-stats`.
pub fn stats_json() -> String {
    format!(
        r#"{{"connections":{},"handshakes":{}}}"#,
        CONNECTIONS.load(Ordering::SeqCst),
        HANDSHAKES.load(Ordering::SeqCst)
    )
}

pub fn listen() -> io::Result<TcpListener> {
    let socket = TcpSocket::new_v4()?;
    socket.bind(SocketAddr::from(([127, 0, 0, 1], 0)))?;
    socket.listen(super::LISTEN_BACKLOG)
}

/// TLS with the certificate chain and key in these PEM files, offering h2 and http/1.1.
pub fn acceptor(cert: &str, key: &str) -> io::Result<TlsAcceptor> {
    let invalid = |e: &dyn std::fmt::Display| io::Error::new(io::ErrorKind::InvalidData, e.to_string());
    let certs = CertificateDer::pem_file_iter(cert)
        .map_err(|e| invalid(&e))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| invalid(&e))?;
    let key = PrivateKeyDer::from_pem_file(key).map_err(|e| invalid(&e))?;
    let mut config = ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| invalid(&e))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| invalid(&e))?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

pub async fn serve(listener: TcpListener, acceptor: TlsAcceptor) {
    let gather = Arc::new(Gather::default());
    while let Ok((socket, _)) = listener.accept().await {
        CONNECTIONS.fetch_add(1, Ordering::SeqCst);
        let (acceptor, gather) = (acceptor.clone(), Arc::clone(&gather));
        tokio::spawn(async move {
            let _ = socket.set_nodelay(true);
            connection(socket, acceptor, gather).await
        });
    }
}

async fn connection(socket: TcpStream, acceptor: TlsAcceptor, gather: Arc<Gather>) {
    let Ok(tls) = acceptor.accept(socket).await else { return };
    HANDSHAKES.fetch_add(1, Ordering::SeqCst);
    let handshake = h2::server::Builder::new().max_concurrent_streams(MAX_CONCURRENT_STREAMS).handshake::<_, Bytes>(tls);
    let Ok(mut connection) = handshake.await else { return };
    while let Some(Ok((request, respond))) = connection.accept().await {
        let gather = Arc::clone(&gather);
        tokio::spawn(reply(request.uri().path().to_string(), respond, gather));
    }
}

async fn reply(path: String, mut respond: h2::server::SendResponse<Bytes>, gather: Arc<Gather>) {
    let wanted = path
        .strip_prefix("/gather/")
        .and_then(|rest| rest.strip_suffix("/chat/completions"))
        .and_then(|n| n.parse::<usize>().ok());
    let Some(wanted) = wanted else {
        let not_found = http::Response::builder().status(404).body(()).expect("a valid response");
        let _ = respond.send_response(not_found, true);
        return;
    };
    gather.arrive(wanted).await;
    let head = http::Response::builder().header("content-type", "text/event-stream").body(()).expect("a valid response");
    let Ok(mut body) = respond.send_response(head, false) else { return };
    let mut text = String::new();
    for index in 0..GATHERED_CHUNKS {
        let json = super::chunk_json(index, GATHERED_CHUNKS, None);
        text.push_str(&format!("data: {json}\n\n"));
    }
    text.push_str("data: [DONE]\n\n");
    let _ = body.send_data(Bytes::from(text), true);
}

/// Requests held until `wanted` of them have arrived; then a new round starts.
#[derive(Default)]
struct Gather(Mutex<(usize, Arc<Notify>)>);

impl Gather {
    async fn arrive(&self, wanted: usize) {
        let round = {
            let mut state = self.0.lock().unwrap_or_else(|p| p.into_inner());
            state.0 += 1;
            if state.0 >= wanted {
                state.1.notify_waiters();
                *state = (0, Arc::new(Notify::new()));
                return;
            }
            Arc::clone(&state.1)
        };
        let all_in = round.notified();
        tokio::pin!(all_in);
        all_in.as_mut().enable();
        // The last arrival may have come between the unlock and `enable`: it replaced the
        // round's Notify, so a round whose Notify is no longer current is over.
        let current = Arc::ptr_eq(&round, &self.0.lock().unwrap_or_else(|p| p.into_inner()).1);
        if current {
            all_in.await;
        }
    }
}
