//! `webraft-mock` (and `webraft-test-server`, the same program): parse the command line, start
//! the server, print `LISTENING <port>`, and serve until killed or, with
//! `--exit-on-stdin-eof`, until stdin reaches EOF.

mod args;

use std::io::{Read, Write};
use std::path::Path;
use std::process::ExitCode;

use crate::{TestServer, FIXTURES, FIXTURE_NAMES};
use args::{Command, Run};

const USAGE: &str =
    "usage: PROGRAM [--port N] [--exit-on-stdin-eof] [--tls] [--require-client-cert]
               [--api-key KEY] [--max-body BYTES]
               [--latency MS] [--chunk-delay MS] [--stall-after N] [--disconnect-after N]
               [--errors STATUS[:SECONDS|:MSms],...]
               [--record URL --cassette FILE [--redact HEADER]... [--upstream-ca PEM]]
               [--replay FILE [--in-order] [--speed X]]
       PROGRAM --list-scenarios
       PROGRAM --write-certs DIR
Prints `LISTENING <port>` once it serves on 127.0.0.1; see its README for everything else.";

/// Print `text` and a newline. A reader that stops early (`| head`, `| grep -q`) is not an
/// error, so a closed pipe ends the program quietly instead of panicking as `println!` would.
fn print_to_stdout(text: &str) -> ExitCode {
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{text}").and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => ExitCode::FAILURE,
        _ => ExitCode::SUCCESS,
    }
}

/// The whole program; `program` is the name it reports itself under.
pub fn main(program: &str) -> ExitCode {
    let usage = USAGE.replace("PROGRAM", program);
    match args::parse(std::env::args().skip(1)) {
        Ok(Command::Help) => print_to_stdout(&usage),
        Ok(Command::ListScenarios) => print_to_stdout(&crate::scenario_models().join("\n")),
        Ok(Command::WriteCerts(dir)) => report(program, write_certs(&dir)),
        Ok(Command::Run(run)) => serve(program, *run),
        Err(msg) => {
            eprintln!("{program}: {msg}\n{usage}");
            ExitCode::from(2)
        }
    }
}

fn report(program: &str, result: std::io::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{program}: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The fixtures a client needs to trust the server (`ca.pem`) and to present a certificate
/// (`client.pem`, `client.key`), so an installed mock needs no source tree for `--tls`.
fn write_certs(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    for (name, pem) in FIXTURE_NAMES.iter().zip(FIXTURES) {
        if name.starts_with("ca") || name.starts_with("client") {
            std::fs::write(dir.join(name), pem)?;
        }
    }
    Ok(())
}

fn serve(program: &str, run: Run) -> ExitCode {
    let server = match TestServer::start_mock(run.port, run.options) {
        Ok(server) => server,
        Err(e) => {
            eprintln!("{program}: cannot start on 127.0.0.1:{}: {e}", run.port);
            return ExitCode::FAILURE;
        }
    };
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "LISTENING {}", server.port());
        let _ = out.flush();
    }
    if !run.exit_on_stdin_eof {
        // Until killed (SIGTERM); a recording has already written every finished exchange.
        loop {
            std::thread::park();
        }
    }
    wait_for_stdin_eof();
    drop(server);
    ExitCode::SUCCESS
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
