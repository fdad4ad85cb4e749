//! The command line of `webraft-mock` (and of `webraft-test-server`, the same program under the
//! name the project's suites use). Flags are read in order; `--name value` and `--name=value`
//! both work. What each flag does is documented in the README's "Command line" section.

use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use crate::options::{
    InjectedError, MockOptions, Mode, RecordOptions, ReplayOptions, RetryAfter, TlsOptions,
};

/// What the command line asks for.
pub(crate) enum Command {
    Help,
    ListScenarios,
    /// Write the TLS fixtures a client needs (`ca.pem`, `client.pem`, `client.key`) to a folder.
    WriteCerts(PathBuf),
    Run(Box<Run>),
}

/// Serve until stopped.
pub(crate) struct Run {
    pub(crate) port: u16,
    pub(crate) options: MockOptions,
    pub(crate) exit_on_stdin_eof: bool,
}

/// The flags read so far; the mode flags are checked together at the end.
#[derive(Default)]
struct Draft {
    port: u16,
    options: MockOptions,
    exit_on_stdin_eof: bool,
    api_key_given: bool,
    record: Option<String>,
    cassette: Option<PathBuf>,
    redact: Vec<String>,
    upstream_ca: Option<PathBuf>,
    replay: Option<PathBuf>,
    in_order: bool,
    speed: Option<f64>,
}

/// Where a flag's value comes from: after `=`, or the next argument.
type Value<'a> = dyn FnMut() -> Result<String, String> + 'a;

pub(crate) fn parse(args: impl IntoIterator<Item = String>) -> Result<Command, String> {
    let mut draft = Draft::default();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let flag = name.clone();
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match name.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "--list-scenarios" => return Ok(Command::ListScenarios),
            "--write-certs" => return Ok(Command::WriteCerts(value()?.into())),
            _ => {
                let known = server_flag(&mut draft, &name, &mut value)?
                    || fault_flag(&mut draft, &name, &mut value)?
                    || mode_flag(&mut draft, &name, &mut value)?;
                if !known {
                    return Err(format!("unknown argument: {name}"));
                }
            }
        }
    }
    draft.finish().map(|run| Command::Run(Box::new(run)))
}

/// The flags of the plain test server: port, key, TLS, stdin, body limit.
fn server_flag(d: &mut Draft, name: &str, value: &mut Value) -> Result<bool, String> {
    match name {
        "--port" => d.port = number(name, &value()?)?,
        "--api-key" => {
            d.options.server.api_key = value()?;
            d.api_key_given = true;
        }
        "--tls" => {
            d.options.tls.get_or_insert_with(TlsOptions::default);
        }
        "--require-client-cert" => {
            let tls = d.options.tls.get_or_insert_with(TlsOptions::default);
            tls.require_client_cert = true;
        }
        "--exit-on-stdin-eof" => d.exit_on_stdin_eof = true,
        "--max-body" => d.options.max_body = number(name, &value()?)?,
        _ => return Ok(false),
    }
    Ok(true)
}

fn fault_flag(d: &mut Draft, name: &str, value: &mut Value) -> Result<bool, String> {
    let faults = &mut d.options.faults;
    match name {
        "--latency" => faults.latency = millis(name, &value()?)?,
        "--chunk-delay" => faults.chunk_delay = millis(name, &value()?)?,
        "--stall-after" => faults.stall_after = Some(number(name, &value()?)?),
        "--disconnect-after" => faults.disconnect_after = Some(number(name, &value()?)?),
        "--errors" => faults.errors = error_sequence(&value()?)?,
        _ => return Ok(false),
    }
    Ok(true)
}

fn mode_flag(d: &mut Draft, name: &str, value: &mut Value) -> Result<bool, String> {
    match name {
        "--record" => d.record = Some(value()?),
        "--cassette" => d.cassette = Some(value()?.into()),
        "--redact" => d.redact.push(value()?),
        "--upstream-ca" => d.upstream_ca = Some(value()?.into()),
        "--replay" => d.replay = Some(value()?.into()),
        "--in-order" => d.in_order = true,
        "--speed" => {
            let v = value()?;
            let speed: f64 = number(name, &v)?;
            if !speed.is_finite() || speed < 0.0 {
                return Err(format!("--speed must be 0 or more, not {v}"));
            }
            d.speed = Some(speed);
        }
        _ => return Ok(false),
    }
    Ok(true)
}

impl Draft {
    /// Builds the mode from its flags, refusing combinations that cannot mean anything.
    fn finish(mut self) -> Result<Run, String> {
        let replay_only = self.in_order || self.speed.is_some();
        let record_only = self.cassette.is_some() || !self.redact.is_empty();
        let record_only = record_only || self.upstream_ca.is_some();
        self.options.mode = match (self.record.take(), self.replay.take()) {
            (Some(_), Some(_)) => return Err("--record and --replay exclude each other".into()),
            (Some(upstream), None) => self.record_mode(upstream)?,
            (None, Some(cassette)) => Mode::Replay(ReplayOptions {
                cassette,
                in_order: self.in_order,
                speed: self.speed.unwrap_or(1.0),
            }),
            (None, None) => Mode::Serve,
        };
        let (recording, replaying) = match &self.options.mode {
            Mode::Serve => (false, false),
            Mode::Record(_) => (true, false),
            Mode::Replay(_) => (false, true),
        };
        if record_only && !recording {
            return Err("--cassette, --redact and --upstream-ca need --record".into());
        }
        if replay_only && !replaying {
            return Err("--in-order and --speed need --replay".into());
        }
        if self.api_key_given && (recording || replaying) {
            return Err(
                "--api-key applies to the scenarios only: record and replay take any key".into(),
            );
        }
        Ok(Run {
            port: self.port,
            options: self.options,
            exit_on_stdin_eof: self.exit_on_stdin_eof,
        })
    }

    /// Record mode: the upstream must be an http(s) URL, and the fault flags would end up in
    /// the recording, so they are refused.
    fn record_mode(&mut self, upstream: String) -> Result<Mode, String> {
        if !upstream.starts_with("http://") && !upstream.starts_with("https://") {
            return Err(format!(
                "--record needs an http:// or https:// URL, not {upstream}"
            ));
        }
        let f = &self.options.faults;
        let faulty = !f.latency.is_zero() || !f.chunk_delay.is_zero() || !f.errors.is_empty();
        if faulty || f.stall_after.is_some() || f.disconnect_after.is_some() {
            return Err(
                "fault flags cannot be combined with --record; use them when replaying".into(),
            );
        }
        let cassette = self
            .cassette
            .take()
            .ok_or("--record needs --cassette FILE")?;
        Ok(Mode::Record(RecordOptions {
            upstream,
            cassette,
            redact: std::mem::take(&mut self.redact),
            upstream_ca: self.upstream_ca.take(),
        }))
    }
}

fn number<T: FromStr>(name: &str, v: &str) -> Result<T, String> {
    v.trim()
        .parse()
        .map_err(|_| format!("{name}: invalid number {v:?}"))
}

fn millis(name: &str, v: &str) -> Result<Duration, String> {
    number(name, v).map(Duration::from_millis)
}

/// `--errors 429:1,500,503:250ms`: statuses 400 to 599, each with an optional retry hint in
/// whole seconds (`Retry-After`) or milliseconds (`retry-after-ms`).
fn error_sequence(v: &str) -> Result<Vec<InjectedError>, String> {
    v.split(',')
        .map(|item| {
            let (status, hint) = item.trim().split_once(':').unwrap_or((item.trim(), ""));
            let status: u16 = number("--errors", status)?;
            if !(400..=599).contains(&status) {
                return Err(format!(
                    "--errors: {status} is not an error status (400 to 599)"
                ));
            }
            let retry_after = match hint.strip_suffix("ms") {
                _ if hint.is_empty() => None,
                Some(ms) => Some(RetryAfter::Millis(number("--errors", ms)?)),
                None => Some(RetryAfter::Seconds(number("--errors", hint)?)),
            };
            Ok(InjectedError {
                status,
                retry_after,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> Result<Run, String> {
        match parse(args.iter().map(|a| a.to_string()))? {
            Command::Run(run) => Ok(*run),
            _ => Err("not a run".into()),
        }
    }

    #[test]
    fn reads_fault_flags() {
        let r = run(&[
            "--chunk-delay=20",
            "--stall-after",
            "3",
            "--errors",
            "429:2,500,503:250ms",
        ])
        .unwrap();
        let f = r.options.faults;
        assert_eq!(f.chunk_delay, Duration::from_millis(20));
        assert_eq!(f.stall_after, Some(3));
        let hints: Vec<_> = f.errors.iter().map(|e| (e.status, e.retry_after)).collect();
        assert_eq!(
            hints,
            [
                (429, Some(RetryAfter::Seconds(2))),
                (500, None),
                (503, Some(RetryAfter::Millis(250)))
            ]
        );
    }

    #[test]
    fn refuses_what_cannot_mean_anything() {
        let refused: &[&[&str]] = &[
            &["--errors", "200"],
            &["--errors", "429:soon"],
            &["--record", "http://x"],
            &["--record", "ftp://x", "--cassette", "c"],
            &[
                "--record",
                "http://x",
                "--cassette",
                "c",
                "--stall-after",
                "1",
            ],
            &["--replay", "c", "--record", "http://x", "--cassette", "c"],
            &["--cassette", "c"],
            &["--in-order"],
            &["--replay", "c", "--speed", "-1"],
            &["--replay", "c", "--api-key", "k"],
            &["--stall-after"],
            &["--bogus"],
        ];
        for args in refused {
            assert!(run(args).is_err(), "{args:?} was accepted");
        }
    }

    #[test]
    fn reads_modes() {
        let r = run(&["--replay", "c.jsonl", "--in-order", "--speed", "0"]).unwrap();
        assert!(
            matches!(r.options.mode, Mode::Replay(ReplayOptions { in_order: true, speed, .. }) if speed == 0.0)
        );
        let r = run(&[
            "--record",
            "http://h/",
            "--cassette",
            "c",
            "--redact",
            "X-Org",
        ])
        .unwrap();
        assert!(
            matches!(r.options.mode, Mode::Record(RecordOptions { ref redact, .. }) if redact == &["X-Org"])
        );
    }
}
