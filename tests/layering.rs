//! The layering rules of docs/ARCHITECTURE.md that the compiler does not
//! check by itself. `#![deny(unsafe_code)]` and `#![deny(unsafe_op_in_unsafe_fn)]`
//! in src/lib.rs make the compiler refuse `unsafe` wherever it is not allowed;
//! this test checks that the allowance stays where it belongs, and what no lint
//! can see:
//!
//! - only `src/ffi/` and `src/sys.rs` say `unsafe` or allow `unsafe_code`;
//! - nothing outside `src/ffi/` refers to the `ffi` module;
//! - `src/sys.rs` is a leaf: it uses nothing else of the crate;
//! - the ffi modules use only the layers below their own (no cycles);
//! - modules name items by their own module (`crate::error::Status`), not
//!   through lib.rs's re-exports (`crate::Status`), except where listed.
//!
//! The files are read as text, without comments and literals: rough, but
//! enough for code that compiles.

use std::fs;
use std::path::Path;

/// The ffi modules by layer: a module may use only modules of lower layers.
const FFI_LAYERS: &[&[&str]] = &[
    &["boundary", "handles"],
    &["callbacks", "args", "result"],
    &["launch", "media"],
    &["client", "request", "conversation", "responses", "upload", "download", "pointer", "library"],
];


#[test]
fn the_layering_rules_hold() {
    let files = source_files();
    assert!(files.len() > 10, "read only {} files", files.len());
    let mut broken = Vec::new();
    for (name, text) in &files {
        let code = code_only(text);
        check_unsafe(name, &code, &mut broken);
        check_paths(name, &code, &files, &mut broken);
    }
    assert!(
        broken.is_empty(),
        "layering rules broken:\n{}",
        broken.join("\n")
    );
}

#[test]
fn lib_rs_denies_unsafe_code_and_unsafe_ops_in_unsafe_fns() {
    let lib = code_only(&fs::read_to_string(src().join("lib.rs")).unwrap());
    let compact: String = lib.chars().filter(|c| !c.is_whitespace()).collect();
    let denied: Vec<&str> = compact
        .split("#![deny(")
        .skip(1)
        .flat_map(|rest| rest.split(')').next().unwrap().split(','))
        .collect();
    for lint in ["unsafe_code", "unsafe_op_in_unsafe_fn"] {
        assert!(denied.contains(&lint), "src/lib.rs does not deny {lint}");
    }
}

#[test]
fn the_checks_see_through_comments_strings_and_use_groups() {
    let code = code_only("// crate::ffi unsafe\nlet s = \"unsafe crate::ffi\"; let c = '\"';\nuse crate::{error::Error, ffi::handles as h};\n");
    let found = paths(&code);
    assert!(
        found.iter().any(|(_, p)| p == &["crate", "ffi", "handles"]),
        "{found:?}"
    );
    assert!(
        found.iter().any(|(_, p)| p == &["crate", "error", "Error"]),
        "{found:?}"
    );
    assert!(!idents(&code).any(|(_, word)| word == "unsafe"));
    let mut broken = Vec::new();
    check_paths("core.rs", &code, &source_files(), &mut broken);
    assert_eq!(broken.len(), 1, "{broken:?}");
    let lifetimes = code_only("fn f<'a>(x: &'a str) -> char { x::y(); b'}' }");
    assert!(lifetimes.starts_with("fn f<'a>(x: &'a str)"), "{lifetimes}");
    assert!(
        paths(&lifetimes).iter().any(|(_, p)| p == &["x", "y"]),
        "{lifetimes}"
    );
}

fn src() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every .rs file under src/, as (path under src/ with '/', text).
fn source_files() -> Vec<(String, String)> {
    fn walk(dir: &Path, prefix: &str, out: &mut Vec<(String, String)>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = format!("{prefix}{}", path.file_name().unwrap().to_str().unwrap());
            if path.is_dir() {
                walk(&path, &format!("{name}/"), out);
            } else if name.ends_with(".rs") {
                out.push((name, fs::read_to_string(&path).unwrap()));
            }
        }
    }
    let mut files = Vec::new();
    walk(&src(), "", &mut files);
    files.sort();
    files
}

fn is_ffi(name: &str) -> bool {
    name.starts_with("ffi/")
}

fn check_unsafe(name: &str, code: &str, broken: &mut Vec<String>) {
    let may_be_unsafe = is_ffi(name) || name == "sys.rs";
    for (line, word) in idents(code) {
        let allowed = match word {
            "unsafe" => may_be_unsafe,
            "unsafe_code" => may_be_unsafe || name == "lib.rs",
            "unsafe_op_in_unsafe_fn" => name == "lib.rs",
            _ => true,
        };
        if !allowed {
            broken.push(format!(
                "src/{name}:{line}: `{word}` outside src/ffi/ and src/sys.rs"
            ));
        }
    }
}

fn check_paths(name: &str, code: &str, files: &[(String, String)], broken: &mut Vec<String>) {
    let modules = lib_modules(files);
    let is_lib = name == "lib.rs";
    let code = match (is_ffi(name), code.find("#[cfg(test)]")) {
        (true, Some(tests)) => &code[..tests], // an ffi file's tests may use any layer
        _ => code,
    };
    for (line, path) in paths(code) {
        let p: Vec<&str> = path.iter().map(String::as_str).collect();
        let relative = matches!(p[0], "crate" | "self" | "super");
        let mut from_root = p
            .iter()
            .skip_while(|s| matches!(**s, "crate" | "self" | "super"));
        let mut complain =
            |what: &str| broken.push(format!("src/{name}:{line}: `{}` {what}", p.join("::")));
        if !is_ffi(name) && (relative || is_lib) && p.len() > 1 && from_root.next() == Some(&"ffi")
        {
            complain("refers to the C ABI layer");
        }
        if name == "sys.rs" && matches!(p[0], "crate" | "super") && p.len() > 1 {
            complain("is used by sys, which uses nothing of the crate");
        }
        let reaches_up = !is_lib && p[0] == "crate" && p.len() > 1 && !modules.contains(&p[1]);
        if reaches_up {
            complain("reaches up into lib.rs; name the item's own module");
        }
        if let Some(Err(why)) = ffi_dependency(name, &p).map(|used| check_ffi_layer(name, used)) {
            complain(&why);
        }
    }
}

/// The modules lib.rs declares.
fn lib_modules(files: &[(String, String)]) -> Vec<&str> {
    let lib = files.iter().find(|(name, _)| name == "lib.rs").unwrap();
    let words: Vec<&str> = idents(&lib.1).map(|(_, word)| word).collect();
    words
        .windows(2)
        .filter(|w| w[0] == "mod")
        .map(|w| w[1])
        .collect()
}

/// The ffi module an ffi file's path uses, if it is another one.
fn ffi_dependency<'a>(name: &str, path: &[&'a str]) -> Option<&'a str> {
    let own = name.strip_prefix("ffi/")?.strip_suffix(".rs")?;
    let used = match path {
        ["super", used, ..] | ["crate", "ffi", used, ..] => *used,
        _ => return None,
    };
    (used != own).then_some(used)
}

fn check_ffi_layer(name: &str, used: &str) -> Result<(), String> {
    let layer = |module: &str| FFI_LAYERS.iter().position(|layer| layer.contains(&module));
    let own = name.trim_start_matches("ffi/").trim_end_matches(".rs");
    match (layer(own), layer(used)) {
        (Some(own_layer), Some(used_layer)) if used_layer < own_layer => Ok(()),
        (None, _) | (_, None) => Err(format!(
            "ffi::{own} or ffi::{used} is missing from FFI_LAYERS"
        )),
        _ => Err(format!(
            "ffi::{own} uses ffi::{used}, which is not in a lower layer"
        )),
    }
}

/// The code of a Rust file with comments blanked and literals emptied, line
/// breaks kept, so that words inside them do not count.
fn code_only(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let at = |i: usize| chars.get(i).copied().unwrap_or('\0');
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let (end, blank) = match (at(i), at(i + 1)) {
            ('/', '/') => (
                chars[i..]
                    .iter()
                    .position(|&c| c == '\n')
                    .map_or(chars.len(), |n| i + n),
                " ",
            ),
            ('/', '*') => (block_comment_end(&chars, i), " "),
            ('r', '"' | '#') if raw_string(&chars, i).is_some() => {
                (raw_string(&chars, i).unwrap(), "\"\"")
            }
            ('"', _) => (quoted_end(&chars, i, '"'), "\"\""),
            ('\'', '\\') => (quoted_end(&chars, i, '\''), "' '"),
            ('\'', _) if at(i + 2) == '\'' => (i + 3, "' '"), // a char; otherwise a lifetime
            (c, _) => {
                out.push(c);
                i += 1;
                continue;
            }
        };
        out.push_str(blank);
        out.extend(
            chars[i..end.min(chars.len())]
                .iter()
                .filter(|&&c| c == '\n'),
        );
        i = end;
    }
    out
}

fn block_comment_end(chars: &[char], mut i: usize) -> usize {
    let mut depth = 0;
    while i < chars.len() {
        match (chars[i], chars.get(i + 1)) {
            ('/', Some('*')) => (depth, i) = (depth + 1, i + 2),
            ('*', Some('/')) if depth == 1 => return i + 2,
            ('*', Some('/')) => (depth, i) = (depth - 1, i + 2),
            _ => i += 1,
        }
    }
    i
}

/// The end of a raw string starting at `i` (at its `r`), if one starts there.
fn raw_string(chars: &[char], i: usize) -> Option<usize> {
    let word = chars[..i]
        .iter()
        .rev()
        .take_while(|c| c.is_alphanumeric() || **c == '_');
    if !matches!(word.collect::<String>().as_str(), "" | "b" | "c") {
        return None; // `r` ends an identifier such as `for`, or `br` was read
    }
    let hashes = chars[i + 1..].iter().take_while(|&&c| c == '#').count();
    if chars.get(i + 1 + hashes) != Some(&'"') {
        return None;
    }
    let closing: Vec<char> = std::iter::once('"')
        .chain(std::iter::repeat('#').take(hashes))
        .collect();
    let body = i + 2 + hashes;
    let end = (body..chars.len()).find(|&j| chars[j..].starts_with(&closing));
    Some(end.map_or(chars.len(), |j| j + closing.len()))
}

/// The end of a string or char literal starting at `i`, honouring escapes.
fn quoted_end(chars: &[char], mut i: usize, quote: char) -> usize {
    i += 1;
    while i < chars.len() && chars[i] != quote {
        i += if chars[i] == '\\' { 2 } else { 1 };
    }
    i + 1
}

/// Every identifier (or keyword) with its line number.
fn idents(code: &str) -> impl Iterator<Item = (usize, &str)> {
    code.lines().enumerate().flat_map(|(n, line)| {
        line.split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .filter(|word| !word.is_empty() && !word.starts_with(|c: char| c.is_ascii_digit()))
            .map(move |word| (n + 1, word))
    })
}

#[derive(Debug, PartialEq)]
enum Token {
    Ident(String),
    PathSep,
    Punct(char),
}

fn tokens(code: &str) -> Vec<(usize, Token)> {
    let mut out = Vec::new();
    for (n, line) in code.lines().enumerate() {
        let mut rest = line.trim_start();
        while let Some(c) = rest.chars().next() {
            let len = if c.is_alphanumeric() || c == '_' {
                let len = rest
                    .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .unwrap_or(rest.len());
                out.push((n + 1, Token::Ident(rest[..len].to_string())));
                len
            } else if rest.starts_with("::") {
                out.push((n + 1, Token::PathSep));
                2
            } else {
                out.push((n + 1, Token::Punct(c)));
                c.len_utf8()
            };
            rest = rest[len..].trim_start();
        }
    }
    out
}

/// Every path (`a::b::c`, with `use` groups expanded) and its line.
fn paths(code: &str) -> Vec<(usize, Vec<String>)> {
    let tokens = tokens(code);
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let starts =
            matches!(tokens[i].1, Token::Ident(_)) && (i == 0 || tokens[i - 1].1 != Token::PathSep);
        if starts {
            i = path(&tokens, i, Vec::new(), &mut out);
        } else {
            i += 1;
        }
    }
    out
}

/// Read the path starting at `i` under `prefix`; returns the index after it.
fn path(
    tokens: &[(usize, Token)],
    mut i: usize,
    mut prefix: Vec<String>,
    out: &mut Vec<(usize, Vec<String>)>,
) -> usize {
    let line = tokens[i].0;
    while let Some((_, Token::Ident(segment))) = tokens.get(i) {
        prefix.push(segment.clone());
        i += 1;
        if tokens.get(i).map(|t| &t.1) != Some(&Token::PathSep) {
            break;
        }
        i += 1;
        if tokens.get(i).map(|t| &t.1) == Some(&Token::Punct('{')) {
            return group(tokens, i + 1, &prefix, out);
        }
    }
    out.push((line, prefix));
    i
}

/// Read a `use` group's members under `prefix`; returns the index after `}`.
fn group(
    tokens: &[(usize, Token)],
    mut i: usize,
    prefix: &[String],
    out: &mut Vec<(usize, Vec<String>)>,
) -> usize {
    while i < tokens.len() {
        match &tokens[i].1 {
            Token::Punct('}') => return i + 1,
            Token::Punct('{') => i = group(tokens, i + 1, prefix, out),
            Token::Ident(_) => {
                i = path(tokens, i, prefix.to_vec(), out);
                while i < tokens.len() && !matches!(tokens[i].1, Token::Punct(',' | '}')) {
                    i += 1; // `as name`
                }
            }
            _ => i += 1,
        }
    }
    i
}
