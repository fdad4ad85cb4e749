//! `webraft-test-server [--port N] [--api-key KEY] [--tls] [--require-client-cert] [--exit-on-stdin-eof]`
//!
//! Binds 127.0.0.1:N (default 0 = a free port), prints `LISTENING <port>` on one line, flushes,
//! and serves until killed — or, with `--exit-on-stdin-eof`, until stdin reaches EOF.
//! `--tls` serves HTTPS with the fixture certificates in `tests/server/certs/`;
//! `--require-client-cert` implies `--tls` and demands a client certificate signed by `ca.pem`.
//! See the library documentation for the protocol and scenarios.

use std::io::{Read, Write};
use std::process::ExitCode;

use webraft_test_server::{ServerOptions, TestServer, TlsOptions};

const USAGE: &str =
    "usage: webraft-test-server [--port N] [--api-key KEY] [--tls] [--require-client-cert] [--exit-on-stdin-eof]";

fn main() -> ExitCode {
    let mut port: u16 = 0;
    let mut options = ServerOptions::default();
    let mut exit_on_stdin_eof = false;
    let mut tls: Option<TlsOptions> = None;

    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        let result = match name.as_str() {
            "--port" => value("--port")
                .and_then(|v| v.parse::<u16>().map_err(|_| format!("invalid port: {v}")))
                .map(|p| port = p),
            "--api-key" => value("--api-key").map(|k| options.api_key = k),
            "--tls" => {
                tls.get_or_insert_with(TlsOptions::default);
                Ok(())
            }
            "--require-client-cert" => {
                tls.get_or_insert_with(TlsOptions::default)
                    .require_client_cert = true;
                Ok(())
            }
            "--exit-on-stdin-eof" => {
                exit_on_stdin_eof = true;
                Ok(())
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            other => Err(format!("unknown argument: {other}")),
        };
        if let Err(msg) = result {
            eprintln!("webraft-test-server: {msg}\n{USAGE}");
            return ExitCode::from(2);
        }
    }

    let started = match tls {
        Some(tls) => TestServer::bind_tls(port, options, tls),
        None => TestServer::bind(port, options),
    };
    let server = match started {
        Ok(server) => server,
        Err(e) => {
            eprintln!("webraft-test-server: cannot listen on 127.0.0.1:{port}: {e}");
            return ExitCode::FAILURE;
        }
    };
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "LISTENING {}", server.port());
        let _ = out.flush();
    }

    if exit_on_stdin_eof {
        let mut stdin = std::io::stdin().lock();
        let mut sink = [0u8; 4096];
        loop {
            match stdin.read(&mut sink) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
        drop(server);
        ExitCode::SUCCESS
    } else {
        loop {
            std::thread::park();
        }
    }
}
