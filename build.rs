//! Regenerates include/webraft.h from the FFI layer with cbindgen. The header
//! is committed; the test command fails if it drifts from this output.

use std::env;
use std::path::PathBuf;

fn main() {
    let crate_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    let version = env::var("CARGO_PKG_VERSION").expect("set by cargo");
    let major = env::var("CARGO_PKG_VERSION_MAJOR").expect("set by cargo");
    let minor = env::var("CARGO_PKG_VERSION_MINOR").expect("set by cargo");
    let patch = env::var("CARGO_PKG_VERSION_PATCH").expect("set by cargo");
    let mut config =
        cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).expect("valid cbindgen.toml");
    let version_macros = format!(
        "\n#define WEBRAFT_VERSION \"{version}\"\n#define WEBRAFT_VERSION_MAJOR {major}\n\
         #define WEBRAFT_VERSION_MINOR {minor}\n#define WEBRAFT_VERSION_PATCH {patch}\n"
    );
    config.after_includes = Some(config.after_includes.unwrap_or_default() + &version_macros);
    match cbindgen::Builder::new()
        .with_config(config)
        // Only the ABI: the status, log-level and role enums and the FFI layer, not the core's constants.
        .with_src(crate_dir.join("src/error.rs"))
        .with_src(crate_dir.join("src/log.rs"))
        .with_src(crate_dir.join("src/conversation.rs"))
        .with_src(crate_dir.join("src/ffi/mod.rs"))
        .generate()
    {
        Ok(bindings) => {
            bindings.write_to_file(crate_dir.join("include/webraft.h"));
        }
        // Keep a half-edited tree buildable; the drift check catches a stale header.
        Err(error) => {
            println!("cargo:warning=cbindgen could not regenerate include/webraft.h: {error}")
        }
    }
}
