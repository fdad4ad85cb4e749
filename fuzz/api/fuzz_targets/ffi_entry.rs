//! The C ABI driven with arbitrary bytes (not only UTF-8) and NULLs.
//! Input: one byte of switches, then NUL-separated fields: client config,
//! image file name, image detail, request body (or method), options, path,
//! body. The whole tail after the switches is also a chunk for
//! webraft_chunk_text (embedded NULs included). Requests go to a client whose
//! base URL is a closed loopback port, so nothing leaves the machine. Every
//! handle, result and string is freed, so leak detection checks the library.
#![no_main]

extern crate webraft; // links the crate whose C symbols are declared below

use libfuzzer_sys::fuzz_target;
use std::ffi::{c_char, c_void, CStr, CString};
use std::ptr::{null, null_mut};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

#[repr(C)]
struct Opaque {
    _private: [u8; 0],
}
type Client = Opaque;
type Request = Opaque;
type CResult = Opaque;

#[repr(C)]
#[derive(Default)]
struct Timings {
    headers_ms: f64,
    first_chunk_ms: f64,
    total_ms: f64,
}

type LogCallback = extern "C" fn(*mut c_void, u32, *const c_char);
type ChunkCallback = extern "C" fn(*mut c_void, *const c_char, usize) -> i32;
type DoneCallback = extern "C" fn(*mut c_void, u32);

// As declared in include/webraft.h (enums are uint32_t there).
extern "C" {
    fn webraft_client_new(config: *const c_char, out: *mut *mut Client, err: *mut *mut CResult) -> u32;
    fn webraft_client_free(client: *mut Client);
    fn webraft_client_set_log_callback(c: *const Client, f: Option<LogCallback>, level: u32, ud: *mut c_void) -> u32;
    fn webraft_status_name(status: u32) -> *const c_char;
    fn webraft_version() -> *const c_char;
    fn webraft_image_content_part(path: *const c_char, detail: *const c_char, out: *mut *mut c_char, err: *mut *mut CResult) -> u32;
    fn webraft_chunk_text(chunk: *const c_char, len: usize, out: *mut *mut c_char, out_len: *mut usize) -> u32;
    fn webraft_string_free(s: *mut c_char);
    fn webraft_chat_start(c: *const Client, req: *const c_char, opts: *const c_char, on_chunk: Option<ChunkCallback>, on_done: Option<DoneCallback>, ud: *mut c_void, out: *mut *mut Request) -> u32;
    fn webraft_send_start(c: *const Client, method: *const c_char, path: *const c_char, body: *const c_char, opts: *const c_char, on_done: Option<DoneCallback>, ud: *mut c_void, out: *mut *mut Request) -> u32;
    fn webraft_request_next(r: *const Request, timeout_ms: u32, event: *mut u32, chunk: *mut *mut c_char, len: *mut usize) -> u32;
    fn webraft_request_wait(r: *const Request, timeout_ms: u32) -> bool;
    fn webraft_request_is_finished(r: *const Request) -> bool;
    fn webraft_request_cancel(r: *const Request);
    fn webraft_request_take_result(r: *const Request) -> *mut CResult;
    fn webraft_request_free(r: *mut Request);
    fn webraft_result_status(r: *const CResult) -> u32;
    fn webraft_result_http_status(r: *const CResult) -> u16;
    fn webraft_result_json(r: *const CResult, len: *mut usize) -> *const c_char;
    fn webraft_result_body(r: *const CResult, len: *mut usize) -> *const c_char;
    fn webraft_result_text(r: *const CResult, len: *mut usize) -> *const c_char;
    fn webraft_result_error_message(r: *const CResult) -> *const c_char;
    fn webraft_result_error_type(r: *const CResult) -> *const c_char;
    fn webraft_result_error_code(r: *const CResult) -> *const c_char;
    fn webraft_result_error_param(r: *const CResult) -> *const c_char;
    fn webraft_result_request_id(r: *const CResult) -> *const c_char;
    fn webraft_result_timings(r: *const CResult, out: *mut Timings) -> u32;
    fn webraft_result_usage(r: *const CResult, p: *mut u64, c: *mut u64, t: *mut u64) -> bool;
    fn webraft_result_retries(r: *const CResult) -> u32;
    fn webraft_result_chunk_count(r: *const CResult) -> usize;
    fn webraft_result_free(r: *mut CResult);
}

const STATUS_OK: u32 = 0;
const STATUS_NULL_ARGUMENT: u32 = 1;
const EVENT_CHUNK: u32 = 1;
const WAIT_FOREVER: u32 = u32::MAX;

/// Requests started with an on_done callback, and on_done calls seen.
static STARTED: AtomicUsize = AtomicUsize::new(0);
static DONE: AtomicUsize = AtomicUsize::new(0);

extern "C" fn on_done(_: *mut c_void, _: u32) {
    DONE.fetch_add(1, Ordering::SeqCst);
}
extern "C" fn on_chunk_continue(_: *mut c_void, _: *const c_char, _: usize) -> i32 {
    0
}
extern "C" fn on_chunk_stop(_: *mut c_void, _: *const c_char, _: usize) -> i32 {
    1
}
extern "C" fn on_log(_: *mut c_void, _: u32, message: *const c_char) {
    assert!(!message.is_null());
}

/// One client for all requests, on a closed port: every connect is refused at once.
fn refused_client() -> *const Client {
    static CLIENT: OnceLock<usize> = OnceLock::new();
    *CLIENT.get_or_init(|| {
        let config = CString::new(r#"{"base_url":"http://127.0.0.1:9/v1","api_key":"k","max_retries":0}"#).unwrap();
        let mut client = null_mut();
        let status = unsafe { webraft_client_new(config.as_ptr(), &mut client, null_mut()) };
        assert_eq!(status, STATUS_OK);
        client as usize
    }) as *const Client
}

/// Read a borrowed string the way a C caller would, so ASan checks its bounds.
unsafe fn touch(s: *const c_char) {
    if !s.is_null() {
        let _ = CStr::from_ptr(s).to_bytes().len();
    }
}

unsafe fn touch_len(s: *const c_char, len: usize) {
    if !s.is_null() {
        let bytes = std::slice::from_raw_parts(s as *const u8, len + 1);
        assert_eq!(bytes[len], 0, "a NUL follows the reported length");
    }
}

/// Every accessor; all must accept NULL.
unsafe fn read_result(r: *const CResult) {
    let status = webraft_result_status(r);
    if r.is_null() {
        assert_eq!(status, STATUS_NULL_ARGUMENT);
    }
    touch(webraft_status_name(status));
    let _ = webraft_result_http_status(r);
    for getter in [webraft_result_json, webraft_result_body, webraft_result_text] {
        let mut len = 0usize;
        touch_len(getter(r, &mut len), len);
        touch(getter(r, null_mut()));
    }
    for getter in [
        webraft_result_error_message,
        webraft_result_error_type,
        webraft_result_error_code,
        webraft_result_error_param,
        webraft_result_request_id,
    ] {
        touch(getter(r));
    }
    let mut timings = Timings::default();
    let _ = webraft_result_timings(r, &mut timings);
    assert_eq!(webraft_result_timings(r, null_mut()), STATUS_NULL_ARGUMENT);
    let (mut p, mut c, mut t) = (0, 0, 0);
    let _ = webraft_result_usage(r, &mut p, &mut c, &mut t);
    let _ = webraft_result_usage(r, null_mut(), null_mut(), null_mut());
    let _ = webraft_result_retries(r);
    let _ = webraft_result_chunk_count(r);
}

/// Poll, cancel or free at a point the switches choose, then release everything.
unsafe fn finish_request(request: *mut Request, switches: u8) {
    assert!(!request.is_null(), "a start call always writes a handle");
    let mut event = 0u32;
    let mut chunk = null_mut();
    let mut len = 0usize;
    if webraft_request_next(request, 0, &mut event, &mut chunk, &mut len) == STATUS_OK
        && event == EVENT_CHUNK
    {
        touch_len(chunk, len);
        webraft_string_free(chunk);
    }
    if switches & 0x40 != 0 {
        // Let the connect attempt run before cancelling.
        let _ = webraft_request_wait(request, 2);
    }
    if switches & 0x80 != 0 {
        // Free while possibly still running.
        webraft_request_free(request);
        return;
    }
    webraft_request_cancel(request);
    assert!(webraft_request_wait(request, WAIT_FOREVER));
    assert!(webraft_request_is_finished(request));
    let result = webraft_request_take_result(request);
    assert!(!result.is_null());
    assert!(webraft_request_take_result(request).is_null(), "a result is taken once");
    read_result(result);
    webraft_result_free(result);
    webraft_request_free(request);
}

/// on_done runs on a worker thread after the result is set; give it a
/// generous bound, then check it came exactly once per started request.
fn expect_done_callbacks() {
    let deadline = Instant::now() + Duration::from_secs(10);
    while DONE.load(Ordering::SeqCst) < STARTED.load(Ordering::SeqCst) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_micros(100));
    }
    assert_eq!(DONE.load(Ordering::SeqCst), STARTED.load(Ordering::SeqCst), "on_done once per request");
}

fuzz_target!(|data: &[u8]| {
    let Some((&switches, tail)) = data.split_first() else {
        return;
    };
    let fields: Vec<CString> = tail
        .split(|&b| b == 0)
        .map(|field| CString::new(field).expect("split at NUL"))
        .collect();
    // A missing field is a NULL argument.
    let arg = |i: usize| fields.get(i).map_or(null(), |f| f.as_ptr());

    unsafe {
        touch(webraft_version());
        let status = u32::from_le_bytes(std::array::from_fn(|i| *tail.get(i).unwrap_or(&0)));
        touch(webraft_status_name(status));
        read_result(null());

        // Chunk text: the raw tail, any bytes, not NUL-terminated.
        let mut text = null_mut();
        let mut len = usize::MAX;
        let status = webraft_chunk_text(tail.as_ptr() as *const c_char, tail.len(), &mut text, &mut len);
        if status == STATUS_OK {
            assert!(!text.is_null());
            touch_len(text, len);
            webraft_string_free(text);
        }
        let mut text = null_mut();
        let _ = webraft_chunk_text(null(), tail.len(), &mut text, null_mut());
        webraft_string_free(text);

        // Client from a config of arbitrary bytes (or NULL).
        let mut client = null_mut();
        let mut error: *mut CResult = null_mut();
        let out_error = if switches & 1 != 0 { &mut error as *mut _ } else { null_mut() };
        let status = webraft_client_new(arg(0), &mut client, out_error);
        if status == STATUS_OK {
            assert!(!client.is_null() && error.is_null());
            let level = u32::from(switches >> 4);
            let _ = webraft_client_set_log_callback(client, Some(on_log), level, null_mut());
            let _ = webraft_client_set_log_callback(client, None, level, null_mut());
        } else {
            assert!(client.is_null());
            assert_eq!(error.is_null(), out_error.is_null());
            read_result(error);
        }
        webraft_result_free(error);
        webraft_client_free(client);

        // Image part from a file named by arbitrary bytes inside a private directory.
        if switches & 2 != 0 {
            if let Some(name) = fields.get(1).filter(|n| !n.as_bytes().contains(&b'/')) {
                image_part(name.as_bytes(), arg(2));
            }
        } else {
            let mut json = null_mut();
            let _ = webraft_image_content_part(arg(1), arg(2), &mut json, null_mut());
            webraft_string_free(json);
        }

        // A request on the refused client: chat, or generic with fields as method/path/body.
        let done = if switches & 8 != 0 { Some(on_done as DoneCallback) } else { None };
        let mut request = null_mut();
        let status = if switches & 4 != 0 {
            let chunk_cb = match switches & 0x30 {
                0x10 => Some(on_chunk_continue as ChunkCallback),
                0x20 => Some(on_chunk_stop as ChunkCallback),
                _ => None,
            };
            webraft_chat_start(refused_client(), arg(3), arg(4), chunk_cb, done, null_mut(), &mut request)
        } else {
            webraft_send_start(refused_client(), arg(3), arg(5), arg(6), arg(4), done, null_mut(), &mut request)
        };
        if status == STATUS_OK && done.is_some() {
            STARTED.fetch_add(1, Ordering::SeqCst);
        }
        finish_request(request, switches);
        expect_done_callbacks();
    }
});

/// Write the tail of the input as a file under an arbitrary (non-UTF-8 too) name.
unsafe fn image_part(name: &[u8], detail: *const c_char) {
    use std::os::unix::ffi::OsStrExt;
    static DIR: OnceLock<std::path::PathBuf> = OnceLock::new();
    let dir = DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("webraft-fuzz-ffi-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        dir
    });
    let path = dir.join(std::ffi::OsStr::from_bytes(name));
    if name.is_empty() || std::fs::write(&path, name).is_err() {
        return;
    }
    let c_path = CString::new(path.as_os_str().as_bytes()).expect("no NUL in a path");
    let mut json = null_mut();
    let mut error = null_mut();
    let status = webraft_image_content_part(c_path.as_ptr(), detail, &mut json, &mut error);
    if status == STATUS_OK {
        assert!(!json.is_null() && error.is_null());
        touch(json);
    } else {
        assert!(json.is_null() && !error.is_null());
        read_result(error);
    }
    webraft_string_free(json);
    webraft_result_free(error);
    let _ = std::fs::remove_file(&path);
}
