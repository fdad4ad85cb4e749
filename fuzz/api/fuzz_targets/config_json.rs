//! Client config JSON: parsing, then building the client (HTTP pool, TLS, proxy)
//! from whatever parsed. Neither may panic; errors are fine.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The Rust API takes &str; the C entry point's non-UTF-8 path is covered by ffi_entry.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // No environment: the result must depend on the input alone.
    if let Ok(config) = webraft::ClientConfig::from_json_with_env(text, |_| None) {
        let _ = webraft::Client::new(config);
    }
});
