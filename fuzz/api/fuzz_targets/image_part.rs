//! The image helper on a real file: arbitrary bytes under an arbitrary
//! extension, with an arbitrary detail. Input: `ext \0 detail \0 bytes`
//! (no second NUL: no detail). Errors are fine; panics and wrong output are not.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use std::sync::OnceLock;

/// One directory per fuzzer process, so parallel jobs do not share files.
fn work_dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("webraft-fuzz-image-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        dir
    })
}

fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(3, |&b| b == 0);
    let (Some(ext), Some(second)) = (parts.next(), parts.next()) else {
        return;
    };
    let (detail, bytes) = match parts.next() {
        Some(bytes) => (Some(second), bytes),
        None => (None, second),
    };
    let (Ok(ext), Ok(detail)) = (std::str::from_utf8(ext), detail.map(std::str::from_utf8).transpose())
    else {
        return;
    };
    // Keep the file inside the work directory.
    if ext.contains('/') {
        return;
    }
    let path = work_dir().join(format!("image.{ext}"));
    if std::fs::write(&path, bytes).is_err() {
        return; // e.g. a name too long for the file system
    }
    let path_text = path.to_str().expect("built from UTF-8");
    let url = webraft::image::data_url(path_text);
    let part = webraft::image::image_content_part(path_text, detail);
    let _ = std::fs::remove_file(&path);
    if let Ok(url) = &url {
        assert!(url.starts_with("data:image/"), "{url}");
    }
    if let Ok(part) = part {
        assert_eq!(part["type"], "image_url");
        // Same file, same URL: the part embeds exactly what data_url returned.
        assert_eq!(part["image_url"]["url"].as_str(), url.as_deref().ok());
        if let Some(detail) = detail {
            assert_eq!(part["image_url"]["detail"], detail);
        }
    }
});
