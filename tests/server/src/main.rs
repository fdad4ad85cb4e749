//! `webraft-test-server`: the name the project's own suites start the mock under. It is the same
//! program as `webraft-mock` (same flags, same scenarios); see the README.

fn main() -> std::process::ExitCode {
    webraft_test_server::cli::main("webraft-test-server")
}
