//! `/images/generations` (JSON) and `/images/edits` (multipart): deterministic images, as
//! base64 or as URLs. Specified in the README's "Images" section.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::{Map, Value};

use super::errors::ApiError;
use super::multipart::{self, field, required_file, required_text, Part};
use super::validate::{body_object, required_str};
use super::Parsed;
use crate::http::Request;
use crate::json::J;

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
/// Replies carry a fixed `created`, so the same request always gets the same body.
const CREATED: i64 = 1_700_000_000;

/// How many images and in which form.
struct Asked {
    n: usize,
    url: bool,
}

fn asked(n: Option<&str>, format: Option<&str>) -> Result<Asked, ApiError> {
    let n = match n {
        None => 1,
        Some(text) => text
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=4).contains(n))
            .ok_or_else(|| ApiError::invalid("n", "Invalid 'n': expected an integer between 1 and 4."))?,
    };
    let url = match format.unwrap_or("b64_json") {
        "b64_json" => false,
        "url" => true,
        other => {
            return Err(ApiError::invalid(
                "response_format",
                format!("Invalid 'response_format': {other:?}; supported: b64_json, url."),
            ))
        }
    };
    Ok(Asked { n, url })
}

/// The reply: image i is `base` followed by `<prompt>#<i>`, or a URL naming i.
fn reply(asked: &Asked, base: &[u8], prompt: &str) -> String {
    let data: Vec<J> = (0..asked.n)
        .map(|i| {
            if asked.url {
                return obj! {"url" => format!("https://images.webraft-mock.invalid/{i}.png")};
            }
            let mut bytes = base.to_vec();
            bytes.extend_from_slice(format!("{prompt}#{i}").as_bytes());
            obj! {"b64_json" => STANDARD.encode(bytes), "revised_prompt" => prompt}
        })
        .collect();
    obj! {"created" => CREATED, "data" => data}.compact()
}

fn json_text(obj: &Map<String, Value>, key: &str) -> Result<Option<String>, ApiError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(_) => Err(ApiError::wrong_type(key, "a string or a number")),
    }
}

/// `POST /images/generations`: image i is the PNG signature followed by `<prompt>#<i>`.
pub(crate) fn generations(parsed: &Parsed) -> Result<String, ApiError> {
    let obj = body_object(parsed)?;
    let prompt = required_str(obj, "prompt", "prompt")?;
    if prompt.is_empty() {
        return Err(ApiError::invalid("prompt", "Invalid 'prompt': the string is empty."));
    }
    let asked = asked(json_text(obj, "n")?.as_deref(), json_text(obj, "response_format")?.as_deref())?;
    Ok(reply(&asked, PNG_SIGNATURE, prompt))
}

/// `POST /images/edits` (multipart): image i is the uploaded image's bytes followed by
/// `<prompt>#<i>`.
pub(crate) fn edits(req: &Request) -> Result<String, ApiError> {
    let parts = multipart::parse(req)?;
    let image = required_file(&parts, &["image", "image[]"])?;
    let prompt = required_text(&parts, "prompt")?;
    let text = |name: &str| field(&parts, name).map(Part::text);
    let asked = asked(text("n").as_deref(), text("response_format").as_deref())?;
    Ok(reply(&asked, image.data, &prompt))
}
