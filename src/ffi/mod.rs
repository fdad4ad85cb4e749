//! The C ABI. Every `extern "C"` function and every `unsafe` block of the
//! library lives under this folder; each export only checks and converts its
//! arguments, calls the core, and converts the answer back.

// C names: the handle types are spelled as the header spells them.
#![allow(non_camel_case_types)]

#[macro_use]
mod boundary;
mod client;
mod handles;
mod library;
mod request;
mod result;
