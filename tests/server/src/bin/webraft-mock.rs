//! `webraft-mock`: the OpenAI-compatible mock server users run in their own tests (scenarios,
//! fault flags, record and replay). See the README next to this crate's Cargo.toml.

fn main() -> std::process::ExitCode {
    webraft_test_server::cli::main("webraft-mock")
}
