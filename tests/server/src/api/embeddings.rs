//! `/embeddings`: input validation and deterministic fake vectors (specified in the crate docs).

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::{Map, Value};

use super::errors::ApiError;
use super::validate::{body_object, require_model};
use super::Parsed;
use crate::json::J;

/// One input to embed: the text that is hashed, and its prompt tokens.
type Input = (String, usize);

pub(crate) fn fnv1a(bytes: &[u8], mut h: u64) -> u64 {
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Deterministic fake embedding: value j = ((fnv1a64(text ++ j as u32 LE) mod 2001) - 1000) / 1000.
fn embed(text: &str, dims: usize) -> Vec<f64> {
    let base = fnv1a(text.as_bytes(), 0xcbf2_9ce4_8422_2325);
    (0..dims)
        .map(|j| {
            let h = fnv1a(&(j as u32).to_le_bytes(), base);
            ((h % 2001) as f64 - 1000.0) / 1000.0
        })
        .collect()
}

fn text_input(text: &str, param: &str) -> Result<Input, ApiError> {
    if text.is_empty() {
        return Err(ApiError::invalid(
            param,
            format!("Invalid '{param}': the string is empty."),
        ));
    }
    Ok((text.to_string(), text.split_whitespace().count()))
}

/// A token array is embedded as its integers joined with " ", one prompt token each.
fn token_input(items: &[Value], param: &str) -> Result<Input, ApiError> {
    let mut toks = Vec::new();
    for t in items {
        match t.as_u64() {
            Some(t) => toks.push(t.to_string()),
            None => {
                return Err(ApiError::wrong_type(
                    param,
                    "an array of non-negative integers",
                ))
            }
        }
    }
    if toks.is_empty() {
        return Err(ApiError::invalid(
            param,
            format!("Invalid '{param}': empty token array."),
        ));
    }
    Ok((toks.join(" "), toks.len()))
}

/// An array of strings and token arrays, one input each.
fn batch_inputs(items: &[Value]) -> Result<Vec<Input>, ApiError> {
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let param = format!("input[{i}]");
        match item {
            Value::String(s) => out.push(text_input(s, &param)?),
            Value::Array(toks) => out.push(token_input(toks, &param)?),
            _ => {
                return Err(ApiError::wrong_type(
                    &param,
                    "a string or an array of integers",
                ))
            }
        }
    }
    Ok(out)
}

fn inputs(obj: &Map<String, Value>) -> Result<Vec<Input>, ApiError> {
    const INPUT_TYPE: &str =
        "a string, an array of strings, an array of integers or an array of integer arrays";
    match obj.get("input").ok_or_else(|| ApiError::missing("input"))? {
        Value::String(s) => Ok(vec![text_input(s, "input")?]),
        Value::Array(a) if a.is_empty() => Err(ApiError::invalid(
            "input",
            "Invalid 'input': empty array. Expected an array with minimum length 1.",
        )),
        Value::Array(a) if a.iter().all(Value::is_number) => Ok(vec![token_input(a, "input")?]),
        Value::Array(a) => batch_inputs(a),
        _ => Err(ApiError::wrong_type("input", INPUT_TYPE)),
    }
}

fn dimensions(obj: &Map<String, Value>) -> Result<usize, ApiError> {
    match obj.get("dimensions") {
        None | Some(Value::Null) => Ok(8),
        Some(v) => Ok(v
            .as_u64()
            .filter(|d| (1..=4096).contains(d))
            .ok_or_else(|| {
                ApiError::invalid(
                    "dimensions",
                    "Invalid 'dimensions': expected an integer between 1 and 4096.",
                )
            })? as usize),
    }
}

/// Whether `encoding_format` asks for base64 rather than float arrays.
fn wants_base64(obj: &Map<String, Value>) -> Result<bool, ApiError> {
    match obj.get("encoding_format") {
        None | Some(Value::Null) => Ok(false),
        Some(Value::String(f)) if f == "float" => Ok(false),
        Some(Value::String(f)) if f == "base64" => Ok(true),
        Some(_) => Err(ApiError::invalid(
            "encoding_format",
            "Invalid 'encoding_format': supported values are 'float' and 'base64'.",
        )),
    }
}

fn embedding_json(index: usize, text: &str, dims: usize, base64: bool) -> J {
    let vector = embed(text, dims);
    let embedding = if base64 {
        let bytes: Vec<u8> = vector
            .iter()
            .flat_map(|v| (*v as f32).to_le_bytes())
            .collect();
        J::from(STANDARD.encode(bytes))
    } else {
        J::Arr(vector.into_iter().map(J::from).collect())
    };
    obj! {"object" => "embedding", "index" => index, "embedding" => embedding}
}

pub(crate) fn body(parsed: &Parsed) -> Result<String, ApiError> {
    let obj = body_object(parsed)?;
    let model = require_model(obj)?;
    let items = inputs(obj)?;
    let dims = dimensions(obj)?;
    let base64 = wants_base64(obj)?;
    let prompt_tokens: usize = items.iter().map(|(_, n)| n).sum();
    let data: Vec<J> = items
        .iter()
        .enumerate()
        .map(|(i, (text, _))| embedding_json(i, text, dims, base64))
        .collect();
    Ok(obj! {
        "object" => "list",
        "data" => data,
        "model" => model,
        "usage" => obj! {"prompt_tokens" => prompt_tokens, "total_tokens" => prompt_tokens},
    }
    .compact())
}
