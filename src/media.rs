//! What image and embedding replies hold, decoded: `b64_json` images to bytes, base64
//! embeddings (little-endian float32) and float arrays alike to floats.

use crate::error::{Error, Result};
use base64::Engine;
use serde_json::Value;

/// One entry of an images reply's `data` array.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageEntry {
    pub b64_json: Option<String>,
    pub url: Option<String>,
}

/// The images of an `/images/generations` or `/images/edits` reply, in order; none when the
/// reply has no `data` array.
pub fn image_entries(reply: &Value) -> Vec<ImageEntry> {
    let text = |entry: &Value, key: &str| entry.get(key).and_then(Value::as_str).map(str::to_string);
    data_entries(reply)
        .iter()
        .map(|entry| ImageEntry { b64_json: text(entry, "b64_json"), url: text(entry, "url") })
        .collect()
}

impl ImageEntry {
    /// The image's bytes; MISSING for an image given as a URL (`index` names it).
    pub fn decode(&self, index: usize) -> Result<Vec<u8>> {
        let encoded = self
            .b64_json
            .as_deref()
            .ok_or_else(|| Error::Missing(format!("/data/{index}/b64_json")))?;
        base64::engine::general_purpose::STANDARD
            .decode(encoded.trim())
            .map_err(|e| Error::InvalidResponse(format!("image {index}'s b64_json is not base64: {e}")))
    }
}

/// The vectors of an `/embeddings` reply, in order: each decoded, or why it cannot be.
pub fn embeddings(reply: &Value) -> Vec<Result<Vec<f32>>> {
    data_entries(reply)
        .iter()
        .enumerate()
        .map(|(index, entry)| embedding(entry.get("embedding"), index))
        .collect()
}

/// A vector as the server sent it: base64 of little-endian float32s, or an array of numbers.
fn embedding(value: Option<&Value>, index: usize) -> Result<Vec<f32>> {
    let bad = |why: String| Error::InvalidResponse(format!("embedding {index} {why}"));
    match value {
        Some(Value::String(encoded)) => {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(encoded.trim())
                .map_err(|e| bad(format!("is not base64: {e}")))?;
            if bytes.len() % 4 != 0 {
                return Err(bad(format!("is {} bytes, not a whole number of float32s", bytes.len())));
            }
            Ok(bytes.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect())
        }
        Some(Value::Array(numbers)) => numbers
            .iter()
            .map(|n| n.as_f64().map(|n| n as f32).ok_or_else(|| bad(format!("holds {n}, not a number"))))
            .collect(),
        _ => Err(bad("is neither base64 nor an array of numbers".into())),
    }
}

fn data_entries(reply: &Value) -> &[Value] {
    reply.get("data").and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Status;
    use serde_json::json;

    #[test]
    fn images_decode_from_b64_json_and_urls_stay_urls() {
        let reply = json!({"data":[{"b64_json":"AAEC/w=="},{"url":"https://x/1.png"},{"b64_json":"%%"}]});
        let images = image_entries(&reply);
        assert_eq!(images.len(), 3);
        assert_eq!(images[0].decode(0).unwrap(), [0, 1, 2, 255]);
        assert_eq!(images[1].url.as_deref(), Some("https://x/1.png"));
        assert_eq!(images[1].decode(1).unwrap_err().status(), Status::Missing);
        assert_eq!(images[2].decode(2).unwrap_err().status(), Status::InvalidResponse);
        assert!(image_entries(&json!({"error":{}})).is_empty());
    }

    #[test]
    fn base64_and_float_embeddings_read_the_same() {
        let floats = [0.5f32, -1.0, 0.125];
        let bytes: Vec<u8> = floats.iter().flat_map(|f| f.to_le_bytes()).collect();
        let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
        let reply = json!({"data":[{"embedding":encoded},{"embedding":[0.5,-1.0,0.125]},{"embedding":"AAA="},{"embedding":[1,"x"]}]});
        let vectors = embeddings(&reply);
        assert_eq!(vectors[0].as_ref().unwrap(), &floats);
        assert_eq!(vectors[1].as_ref().unwrap(), &floats);
        assert_eq!(vectors[2].as_ref().unwrap_err().status(), Status::InvalidResponse);
        assert_eq!(vectors[3].as_ref().unwrap_err().status(), Status::InvalidResponse);
    }
}
