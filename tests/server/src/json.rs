//! A tiny ordered JSON builder.
//!
//! serde_json's `Value` sorts object keys (unless the `preserve_order` feature is on, which we must
//! not turn on: features unify across the workspace and would change the main crate's behaviour).
//! Responses should keep the field order real servers use, and the `llama-style` scenario needs
//! llama.cpp's `", "` / `": "` separators, so responses are built with this type instead.

use std::fmt::Write as _;

#[derive(Clone, Debug)]
pub(crate) enum J {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Arr(Vec<J>),
    Obj(Vec<(String, J)>),
}

impl J {
    /// Compact serialisation (`{"a":1,"b":[1,2]}`), as OpenAI sends.
    pub(crate) fn compact(&self) -> String {
        let mut out = String::new();
        self.write(&mut out, false);
        out
    }

    /// Python-`json.dumps`-style serialisation (`{"a": 1, "b": [1, 2]}`), as llama-cpp-python sends.
    pub(crate) fn spaced(&self) -> String {
        let mut out = String::new();
        self.write(&mut out, true);
        out
    }

    fn write(&self, out: &mut String, spaced: bool) {
        match self {
            J::Null => out.push_str("null"),
            J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            J::Int(i) => {
                let _ = write!(out, "{i}");
            }
            J::Float(f) => match serde_json::Number::from_f64(*f) {
                Some(n) => out.push_str(&n.to_string()),
                None => out.push_str("null"),
            },
            J::Str(s) => write_str(out, s),
            J::Arr(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(if spaced { ", " } else { "," });
                    }
                    item.write(out, spaced);
                }
                out.push(']');
            }
            J::Obj(fields) => {
                out.push('{');
                for (i, (k, v)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push_str(if spaced { ", " } else { "," });
                    }
                    write_str(out, k);
                    out.push_str(if spaced { ": " } else { ":" });
                    v.write(out, spaced);
                }
                out.push('}');
            }
        }
    }
}

fn write_str(out: &mut String, s: &str) {
    // serde_json's string escaping is exactly JSON's; serialising a &str cannot fail.
    out.push_str(&serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_string()));
}

impl From<&str> for J {
    fn from(s: &str) -> J {
        J::Str(s.to_string())
    }
}
impl From<String> for J {
    fn from(s: String) -> J {
        J::Str(s)
    }
}
impl From<&String> for J {
    fn from(s: &String) -> J {
        J::Str(s.clone())
    }
}
impl From<bool> for J {
    fn from(b: bool) -> J {
        J::Bool(b)
    }
}
impl From<i32> for J {
    fn from(i: i32) -> J {
        J::Int(i64::from(i))
    }
}
impl From<i64> for J {
    fn from(i: i64) -> J {
        J::Int(i)
    }
}
impl From<u64> for J {
    fn from(i: u64) -> J {
        J::Int(i64::try_from(i).unwrap_or(i64::MAX))
    }
}
impl From<usize> for J {
    fn from(i: usize) -> J {
        J::Int(i64::try_from(i).unwrap_or(i64::MAX))
    }
}
impl From<f64> for J {
    fn from(f: f64) -> J {
        J::Float(f)
    }
}
impl From<Vec<J>> for J {
    fn from(v: Vec<J>) -> J {
        J::Arr(v)
    }
}
impl<T: Into<J>> From<Option<T>> for J {
    fn from(v: Option<T>) -> J {
        match v {
            Some(v) => v.into(),
            None => J::Null,
        }
    }
}
impl From<&serde_json::Value> for J {
    fn from(v: &serde_json::Value) -> J {
        use serde_json::Value;
        match v {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
                (Some(i), _, _) => J::Int(i),
                (None, Some(u), _) => J::from(u),
                (_, _, Some(f)) => J::Float(f),
                _ => J::Null,
            },
            Value::String(s) => J::Str(s.clone()),
            Value::Array(a) => J::Arr(a.iter().map(J::from).collect()),
            Value::Object(m) => J::Obj(m.iter().map(|(k, v)| (k.clone(), J::from(v))).collect()),
        }
    }
}

/// `obj!{"a" => 1, "b" => "x"}` builds an ordered JSON object.
macro_rules! obj {
    ($($k:expr => $v:expr),* $(,)?) => {
        $crate::json::J::Obj(vec![$(($k.to_string(), $crate::json::J::from($v))),*])
    };
}

#[cfg(test)]
mod tests {
    use super::J;

    #[test]
    fn compact_and_spaced() {
        let j = obj! {"a" => 1, "b" => J::Arr(vec![J::from("x\"y"), J::Null]), "c" => obj!{}};
        assert_eq!(j.compact(), r#"{"a":1,"b":["x\"y",null],"c":{}}"#);
        assert_eq!(j.spaced(), r#"{"a": 1, "b": ["x\"y", null], "c": {}}"#);
        assert_eq!(J::from(0.25).compact(), "0.25");
        assert_eq!(J::from(Some("s")).compact(), "\"s\"");
        assert_eq!(J::from(None::<String>).compact(), "null");
    }
}
