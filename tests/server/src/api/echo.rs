//! The request description `/debug/echo` and the `echo-request` model answer with.

use serde_json::{Map, Value};

use crate::http::Request;
use crate::json::J;

fn pct_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn query_object(query: &str) -> Value {
    let mut map = Map::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        map.insert(pct_decode(k), Value::String(pct_decode(v)));
    }
    Value::Object(map)
}

/// Repeated headers are joined with ", ", as HTTP allows.
fn headers_object(headers: &[(String, String)]) -> Value {
    let mut map = Map::new();
    for (name, value) in headers {
        match map.get_mut(name) {
            Some(Value::String(existing)) => {
                existing.push_str(", ");
                existing.push_str(value);
            }
            _ => {
                map.insert(name.clone(), Value::String(value.clone()));
            }
        }
    }
    Value::Object(map)
}

/// `{"method","path","query","headers","body","absolute_form","host"}` for `/debug/echo` and the
/// `echo-request` model.
pub(crate) fn describe_request(req: &Request) -> J {
    let body = serde_json::from_slice::<Value>(&req.body).unwrap_or(Value::Null);
    obj! {
        "method" => &req.method,
        "path" => &req.path,
        "query" => &query_object(&req.query),
        "headers" => &headers_object(&req.headers),
        "body" => &body,
        "absolute_form" => req.absolute_form,
        "host" => req.header("host"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding() {
        assert_eq!(pct_decode("a%20b+c%2"), "a b c%2");
        assert_eq!(pct_decode("%zz%41"), "%zzA");
    }
}
