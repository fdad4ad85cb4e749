//! Concurrent requests to one HTTP/2 origin share connections: over TLS, the first request's
//! connection tells (by ALPN) that the origin speaks HTTP/2 and the rest wait for that, then
//! go through lanes of up to 100 streams each; with `http2_prior_knowledge`, a plain-http
//! origin is spoken to in HTTP/2 at once (h2c). Checked against a small HTTP/2 server that
//! counts TCP connections and TLS handshakes and holds every reply until all requests are in,
//! so the streams really are open at the same time.

use bytes::Bytes;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio_rustls::rustls::crypto::ring;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::TlsAcceptor;
use webraft::{Call, Client, ClientConfig, Delivery, Request, RequestOptions, Status};
use webraft_test_server::{CA_PEM, SERVER_CERT_PEM, SERVER_KEY_PEM};

const CHUNK: &str = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"}}]}\n\ndata: [DONE]\n\n";

#[derive(Default)]
struct Counts {
    connections: AtomicUsize,
    handshakes: AtomicUsize,
    requests: AtomicUsize,
    all_in: Notify,
}

struct H2Server {
    port: u16,
    counts: Arc<Counts>,
    _runtime: tokio::runtime::Runtime,
}

fn acceptor() -> TlsAcceptor {
    let certs = CertificateDer::pem_slice_iter(SERVER_CERT_PEM.as_bytes()).collect::<Result<Vec<_>, _>>().unwrap();
    let key = PrivateKeyDer::from_pem_slice(SERVER_KEY_PEM.as_bytes()).unwrap();
    let mut config = ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    TlsAcceptor::from(Arc::new(config))
}

/// Serves HTTP/2 (over TLS when `tls`), holding each reply until `expected` requests arrived.
fn start(tls: bool, expected: usize) -> H2Server {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let listener = runtime.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
    let port = listener.local_addr().unwrap().port();
    let counts = Arc::new(Counts::default());
    let shared = Arc::clone(&counts);
    let acceptor = tls.then(acceptor);
    runtime.spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            shared.connections.fetch_add(1, Ordering::SeqCst);
            let (counts, acceptor) = (Arc::clone(&shared), acceptor.clone());
            tokio::spawn(async move {
                match acceptor {
                    Some(acceptor) => {
                        let Ok(stream) = acceptor.accept(socket).await else { return };
                        counts.handshakes.fetch_add(1, Ordering::SeqCst);
                        serve(stream, counts, expected).await
                    }
                    None => serve(socket, counts, expected).await,
                }
            });
        }
    });
    H2Server { port, counts, _runtime: runtime }
}

async fn serve<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static>(io: T, counts: Arc<Counts>, expected: usize) {
    let Ok(mut connection) = h2::server::Builder::new().max_concurrent_streams(10_000).handshake::<_, Bytes>(io).await else { return };
    while let Some(Ok((_request, mut respond))) = connection.accept().await {
        let counts = Arc::clone(&counts);
        tokio::spawn(async move {
            let all_in = counts.all_in.notified();
            tokio::pin!(all_in);
            all_in.as_mut().enable();
            if counts.requests.fetch_add(1, Ordering::SeqCst) + 1 >= expected {
                counts.all_in.notify_waiters();
            } else {
                all_in.await;
            }
            let reply = http::Response::builder().header("content-type", "text/event-stream").body(()).unwrap();
            let Ok(mut body) = respond.send_response(reply, false) else { return };
            let _ = body.send_data(Bytes::from_static(CHUNK.as_bytes()), true);
        });
    }
}

/// Runs `n` streams at once on one client and checks every one succeeded.
fn run_streams(config: &str, n: usize) {
    let client = Arc::new(Client::new(ClientConfig::from_json(config).unwrap()).unwrap());
    let body = r#"{"model":"m","messages":[{"role":"user","content":"hi"}]}"#;
    let requests: Vec<Request> = (0..n)
        .map(|_| {
            let call = Call::chat(body, true).unwrap();
            Request::start(&client, call, RequestOptions::default(), Delivery::Discard, None).unwrap()
        })
        .collect();
    for request in &requests {
        assert!(request.wait(Some(Duration::from_secs(30))), "a stream did not finish");
        let result = request.take_result().unwrap();
        assert_eq!(result.status(), Status::Ok, "{:?}", result.error);
        assert_eq!(result.text.as_deref(), Some("x"));
    }
}

#[test]
fn concurrent_streams_to_a_tls_http2_origin_share_connections() {
    let n = 150;
    let server = start(true, n);
    let ca = serde_json::to_string(CA_PEM).unwrap();
    let config = format!(r#"{{"api_key":"k","base_url":"https://localhost:{}/v1","ca_cert_pem":{ca}}}"#, server.port);
    run_streams(&config, n);
    let (connections, handshakes) = (server.counts.connections.load(Ordering::SeqCst), server.counts.handshakes.load(Ordering::SeqCst));
    // The probe's connection, then one lane of 100 streams per 100 requests.
    let bound = n.div_ceil(100) + 1;
    assert!(connections <= bound, "{connections} TCP connections for {n} streams (at most {bound})");
    assert!(handshakes <= bound, "{handshakes} TLS handshakes for {n} streams (at most {bound})");
}

#[test]
fn http2_prior_knowledge_speaks_h2c_to_plain_http_origins() {
    let n = 150;
    let server = start(false, n);
    let config = format!(r#"{{"api_key":"k","base_url":"http://127.0.0.1:{}/v1","http2_prior_knowledge":true}}"#, server.port);
    run_streams(&config, n);
    assert_eq!(server.counts.connections.load(Ordering::SeqCst), n.div_ceil(100), "lanes only: no probe");
}
