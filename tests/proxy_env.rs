//! HTTP_PROXY and NO_PROXY from the environment. A test binary of its own,
//! because it changes process-wide environment variables.

use std::sync::Arc;
use webraft::{Call, Client, ClientConfig, Delivery, Request, RequestOptions, Status};
use webraft_test_server::{ServerOptions, TestServer};

fn echo(client: &Arc<Client>) -> webraft::CallResult {
    let call = Call::raw("GET", "/debug/echo", None).unwrap();
    Request::run_blocking(client, call, RequestOptions::default(), Delivery::Discard)
}

#[test]
fn http_proxy_and_no_proxy_are_honoured() {
    let server = TestServer::start(ServerOptions::default());
    std::env::set_var("HTTP_PROXY", server.url(""));
    std::env::set_var("NO_PROXY", "webraft-direct.invalid");
    let config = r#"{"api_key":"test-key","base_url":"http://webraft-proxy-test.invalid/v1","max_retries":0}"#;
    let proxied = echo(&Arc::new(
        Client::new(ClientConfig::from_json(config).unwrap()).unwrap(),
    ));
    assert_eq!(proxied.status(), Status::Ok, "{:?}", proxied.error);
    let body: serde_json::Value = serde_json::from_slice(&proxied.body).unwrap();
    assert_eq!(body["absolute_form"], true);

    // NO_PROXY names this host, so the request goes direct, and the name does not resolve.
    let config =
        r#"{"api_key":"test-key","base_url":"http://webraft-direct.invalid/v1","max_retries":0}"#;
    let direct = echo(&Arc::new(
        Client::new(ClientConfig::from_json(config).unwrap()).unwrap(),
    ));
    assert_eq!(direct.status(), Status::Connect, "{:?}", direct.error);
}
