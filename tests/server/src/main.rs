//! `webraft-test-server [--port N] [--api-key KEY] [--tls] [--require-client-cert] [--exit-on-stdin-eof]`
//! `webraft-test-server --list-scenarios` prints the model names that choose a scenario, one a line.
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
    "usage: webraft-test-server [--port N] [--api-key KEY] [--tls] [--require-client-cert] [--exit-on-stdin-eof]\n       webraft-test-server --list-scenarios";

/// What the command line asks for.
struct Args {
    port: u16,
    options: ServerOptions,
    tls: Option<TlsOptions>,
    exit_on_stdin_eof: bool,
}

/// Parses the arguments in order; `Ok(None)` means help was asked for (before any bad argument).
fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
    let mut parsed = Args {
        port: 0,
        options: ServerOptions::default(),
        tls: None,
        exit_on_stdin_eof: false,
    };
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
        match name.as_str() {
            "--port" => {
                let v = value("--port")?;
                parsed.port = v.parse::<u16>().map_err(|_| format!("invalid port: {v}"))?;
            }
            "--api-key" => parsed.options.api_key = value("--api-key")?,
            "--tls" => {
                parsed.tls.get_or_insert_with(TlsOptions::default);
            }
            "--require-client-cert" => {
                parsed
                    .tls
                    .get_or_insert_with(TlsOptions::default)
                    .require_client_cert = true;
            }
            "--exit-on-stdin-eof" => parsed.exit_on_stdin_eof = true,
            "-h" | "--help" => return Ok(None),
            "--list-scenarios" => {
                for model in webraft_test_server::scenario_models() {
                    println!("{model}");
                }
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument: {other}")),
        }
    }
    Ok(Some(parsed))
}

/// Blocks until stdin reaches EOF (or fails), discarding what it reads.
fn wait_for_stdin_eof() {
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
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(Some(args)) => args,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(msg) => {
            eprintln!("webraft-test-server: {msg}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let port = args.port;
    let started = match args.tls {
        Some(tls) => TestServer::bind_tls(port, args.options, tls),
        None => TestServer::bind(port, args.options),
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

    if args.exit_on_stdin_eof {
        wait_for_stdin_eof();
        drop(server);
        ExitCode::SUCCESS
    } else {
        loop {
            std::thread::park();
        }
    }
}
