//! The request path up to sending: chat body, generic call (method, path, body)
//! and per-request options. `Client::build` is crate-private, so the three
//! public parsers that feed it are fuzzed. None may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    // The same text as a whole is a chat body and an options object...
    if let Ok(call) = webraft::Call::chat(text, flags & 1 != 0) {
        // A forced stream must end up in the body that would be sent.
        if flags & 1 != 0 {
            assert!(call.is_stream());
            let body = call.body.as_deref().expect("a chat call has a body");
            let sent: serde_json::Value = serde_json::from_slice(body).expect("body stays JSON");
            assert_eq!(sent["stream"], serde_json::Value::Bool(true));
        }
    }
    let _ = webraft::RequestOptions::from_json(text);
    // ...and, split at the first two NULs, a method, a path and an optional body.
    let mut parts = text.splitn(3, '\0');
    let method = parts.next().unwrap_or("");
    let path = parts.next().unwrap_or("");
    let body = if flags & 2 != 0 { parts.next() } else { None };
    if let Ok(call) = webraft::Call::raw(method, path, body) {
        assert!(call.path.starts_with('/'));
        assert!(!call.is_stream());
    }
});
