//! The C ABI. Every `extern "C"` function of the library, and with `sys` the
//! only place allowed `unsafe`. Each export checks its arguments (turning raw
//! pointers into references, strings and `Out` slots in `unsafe` blocks that
//! say why they hold), calls the core, and converts the answer back.
//!
//! The modules form layers; each uses only the core and the layers below its
//! own, so the graph has no cycles (`tests/layering.rs` checks this):
//!
//! 0. `boundary`: the panic boundary, argument checks, `Out`, C strings;
//!    `handles`: the opaque client and request handles, `into_raw`, `free`
//! 1. `callbacks`: the C callback types, adapted into core closures;
//!    `args`: the arguments shared by the exports that make requests;
//!    `result`: `webraft_result` and its accessors
//! 2. `launch`: running a checked call, blocking or started with a delivery;
//!    `media`: reading binary, image and embedding replies from a result
//! 3. `client`, `request`, `conversation`, `responses`, `upload`, `download`,
//!    `pointer`, `library`: the remaining exports
//!
//! cbindgen writes the header in the order of the `mod` lines below, so
//! reordering them reorders the header.

#![allow(unsafe_code)]
// C names: the handle types are spelled as the header spells them.
#![allow(non_camel_case_types)]

#[macro_use]
mod boundary;
mod args;
mod callbacks;
mod client;
mod conversation;
mod handles;
mod launch;
mod library;
mod pointer;
mod request;
mod responses;
mod upload;
mod download;
mod result;
mod media;
