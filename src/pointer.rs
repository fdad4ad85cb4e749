//! Reading one value out of a JSON document by JSON Pointer (RFC 6901), so
//! callers in any language can read any field without a JSON library.

use crate::error::{Error, Result};
use serde_json::Value;

/// The value `pointer` names in `document` ("" is the whole document).
pub fn lookup<'a>(document: &'a Value, pointer: &str) -> Result<&'a Value> {
    if !pointer.is_empty() && !pointer.starts_with('/') {
        return Err(Error::InvalidArgument(format!(
            "a JSON pointer is empty or starts with '/', got {pointer:?}"
        )));
    }
    document
        .pointer(pointer)
        .ok_or_else(|| Error::Missing(pointer.to_string()))
}

pub fn string<'a>(document: &'a Value, pointer: &str) -> Result<&'a str> {
    let value = lookup(document, pointer)?;
    value.as_str().ok_or_else(|| wrong_type(pointer, "a string", value))
}

pub fn number(document: &Value, pointer: &str) -> Result<f64> {
    let value = lookup(document, pointer)?;
    value.as_f64().ok_or_else(|| wrong_type(pointer, "a number", value))
}

pub fn boolean(document: &Value, pointer: &str) -> Result<bool> {
    let value = lookup(document, pointer)?;
    value.as_bool().ok_or_else(|| wrong_type(pointer, "a boolean", value))
}

/// The value's own JSON text, whatever its type.
pub fn json_text(document: &Value, pointer: &str) -> Result<String> {
    Ok(lookup(document, pointer)?.to_string())
}

fn wrong_type(pointer: &str, expected: &'static str, found: &Value) -> Error {
    let found = match found {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    };
    Error::WrongType { pointer: pointer.to_string(), expected, found }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Status;
    use serde_json::json;

    #[test]
    fn reads_each_type_and_tells_missing_from_wrong_type() {
        let doc = json!({"choices":[{"message":{"content":"hi","n":2.5,"ok":true}}],"a/b":{"~":1}});
        assert_eq!(string(&doc, "/choices/0/message/content").unwrap(), "hi");
        assert_eq!(number(&doc, "/choices/0/message/n").unwrap(), 2.5);
        assert!(boolean(&doc, "/choices/0/message/ok").unwrap());
        assert_eq!(json_text(&doc, "/a~1b").unwrap(), r#"{"~":1}"#);
        assert_eq!(number(&doc, "/a~1b/~0").unwrap(), 1.0);
        assert_eq!(json_text(&doc, "").unwrap(), doc.to_string());
        assert_eq!(string(&doc, "/choices/1").unwrap_err().status(), Status::Missing);
        let wrong = string(&doc, "/choices/0/message/n").unwrap_err();
        assert_eq!(wrong.status(), Status::WrongType);
        assert!(wrong.to_string().contains("a number, not a string"), "{wrong}");
        assert_eq!(string(&doc, "choices").unwrap_err().status(), Status::InvalidArgument);
    }
}
