//! Borrowed, typed views of the parts of stream events the accumulators read: of a
//! `chat.completion.chunk` for the [`Accumulator`](super::Accumulator), and of a Responses API
//! delta event for the [`ResponsesAccumulator`](super::ResponsesAccumulator). Each is parsed in
//! one pass without building a `serde_json::Value` tree (no map per object, no string copies
//! for unescaped text).
//!
//! A view reads JSON exactly as a `Value` would, so an event means the same whichever way it
//! was parsed:
//! - everything it does not read is still checked as strictly as a `Value` parse checks it
//!   (numbers in range, escapes, surrogates), so the same texts are rejected;
//! - a member of an unexpected type counts as absent, as `Value::as_str` and friends treat it;
//! - when a key repeats, the last one wins, as in a `Value` object.
//!
//! It deserializes from text (`serde_json::from_str`) and from a parsed `&Value` alike.

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

/// A JSON value read as one kind; any other kind is consumed (and checked) and yields None.
pub(super) struct Loose<T>(pub(super) Option<T>);

/// What a [`Loose`] value may be made from. Every method's default refuses.
pub(super) trait Kind<'de>: Sized {
    fn from_text(_text: Cow<'de, str>) -> Option<Self> {
        None
    }
    fn from_u64(_number: u64) -> Option<Self> {
        None
    }
    fn from_map<A: MapAccess<'de>>(mut map: A) -> Result<Option<Self>, A::Error> {
        while map.next_entry::<Checked, Checked>()?.is_some() {}
        Ok(None)
    }
    fn from_seq<A: SeqAccess<'de>>(mut seq: A) -> Result<Option<Self>, A::Error> {
        while seq.next_element::<Checked>()?.is_some() {}
        Ok(None)
    }
}

impl<'de, T: Kind<'de>> Deserialize<'de> for Loose<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(LooseVisitor(PhantomData))
    }
}

struct LooseVisitor<T>(PhantomData<T>);

impl<'de, T: Kind<'de>> Visitor<'de> for LooseVisitor<T> {
    type Value = Loose<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_borrowed_str<E>(self, text: &'de str) -> Result<Self::Value, E> {
        Ok(Loose(T::from_text(Cow::Borrowed(text))))
    }
    fn visit_str<E>(self, text: &str) -> Result<Self::Value, E> {
        Ok(Loose(T::from_text(Cow::Owned(text.to_owned()))))
    }
    fn visit_string<E>(self, text: String) -> Result<Self::Value, E> {
        Ok(Loose(T::from_text(Cow::Owned(text))))
    }
    fn visit_u64<E>(self, number: u64) -> Result<Self::Value, E> {
        Ok(Loose(T::from_u64(number)))
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Loose(None))
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Loose(None))
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Loose(None))
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Loose(None))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        T::from_map(map).map(Loose)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        T::from_seq(seq).map(Loose)
    }
}

/// Any JSON value, read only to check it.
pub(super) struct Checked;

impl<'de> Deserialize<'de> for Checked {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // A `Loose<Checked>` accepts nothing, so it reads every kind and keeps none of it.
        Loose::<Checked>::deserialize(deserializer).map(|_| Checked)
    }
}

impl Kind<'_> for Checked {}

/// A string member.
impl<'de> Kind<'de> for Cow<'de, str> {
    fn from_text(text: Cow<'de, str>) -> Option<Self> {
        Some(text)
    }
}

/// A non-negative integer member, as `Value::as_u64` reads one.
impl Kind<'_> for u64 {
    fn from_u64(number: u64) -> Option<Self> {
        Some(number)
    }
}

/// An array member of which only the objects count.
pub(super) struct Objects<T>(pub(super) Vec<T>);

impl<'de, T: Kind<'de>> Kind<'de> for Objects<T> {
    fn from_seq<A: SeqAccess<'de>>(mut seq: A) -> Result<Option<Self>, A::Error> {
        let mut items = Vec::new();
        while let Some(Loose(item)) = seq.next_element::<Loose<T>>()? {
            items.extend(item);
        }
        Ok(Some(Objects(items)))
    }
}

/// An array member kept whole.
impl<'de> Kind<'de> for Vec<Value> {
    fn from_seq<A: SeqAccess<'de>>(seq: A) -> Result<Option<Self>, A::Error> {
        Vec::<Value>::deserialize(de::value::SeqAccessDeserializer::new(seq)).map(Some)
    }
}

/// A member kept as it is, whatever its kind; strings are borrowed where they can be. Other
/// values are boxed: views are moved around whole while they are read, so they stay small.
#[derive(Debug)]
pub(super) enum Field<'a> {
    Text(Cow<'a, str>),
    Other(Box<Value>),
}

impl Field<'_> {
    pub(super) fn into_value(self) -> Value {
        match self {
            Field::Text(text) => Value::String(text.into_owned()),
            Field::Other(value) => *value,
        }
    }
}

/// `null` is None; anything else is a [`Field`].
pub(super) struct Present<'a>(pub(super) Option<Field<'a>>);

impl<'de> Deserialize<'de> for Present<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(FieldVisitor)
    }
}

struct FieldVisitor;

impl<'de> Visitor<'de> for FieldVisitor {
    type Value = Present<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_borrowed_str<E>(self, text: &'de str) -> Result<Self::Value, E> {
        Ok(Present(Some(Field::Text(Cow::Borrowed(text)))))
    }
    fn visit_str<E>(self, text: &str) -> Result<Self::Value, E> {
        Ok(Present(Some(Field::Text(Cow::Owned(text.to_owned())))))
    }
    fn visit_u64<E>(self, number: u64) -> Result<Self::Value, E> {
        Ok(Present(Some(Field::Other(Box::new(Value::from(number))))))
    }
    fn visit_i64<E>(self, number: i64) -> Result<Self::Value, E> {
        Ok(Present(Some(Field::Other(Box::new(Value::from(number))))))
    }
    fn visit_f64<E>(self, number: f64) -> Result<Self::Value, E> {
        Ok(Present(Some(Field::Other(Box::new(Value::from(number))))))
    }
    fn visit_bool<E>(self, value: bool) -> Result<Self::Value, E> {
        Ok(Present(Some(Field::Other(Box::new(Value::Bool(value))))))
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Present(None))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        let value = Value::deserialize(de::value::MapAccessDeserializer::new(map))?;
        Ok(Present(Some(Field::Other(Box::new(value)))))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        let value = Value::deserialize(de::value::SeqAccessDeserializer::new(seq))?;
        Ok(Present(Some(Field::Other(Box::new(value)))))
    }
}

/// Whether an `error` member reports an error: anything but `null` and `false` does
/// (see `ApiError::from_error_member`).
pub(super) struct Raised(pub(super) bool);

impl<'de> Deserialize<'de> for Raised {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let present = Present::deserialize(deserializer)?;
        let raised = match present.0 {
            None => false,
            Some(Field::Other(value)) => *value != Value::Bool(false),
            Some(Field::Text(_)) => true,
        };
        Ok(Raised(raised))
    }
}

/// An object view: takes the members it reads, in any order, the last of a repeated key winning.
pub(super) trait Members<'de>: Default {
    /// Read the value of member `key` if this view wants it; false leaves it unread.
    fn member<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error>;
}

/// Reads an object's members into `view`, checking and skipping the others.
pub(super) fn read_members<'de, T: Members<'de>, A: MapAccess<'de>>(mut map: A) -> Result<Option<T>, A::Error> {
    let mut view = T::default();
    while let Some(Loose(key)) = map.next_key::<Loose<Cow<'de, str>>>()? {
        let key = key.unwrap_or_default();
        if !view.member(&key, &mut map)? {
            map.next_value::<Checked>()?;
        }
    }
    Ok(Some(view))
}

/// `Kind` for an object view: objects become the view, other kinds count as absent.
macro_rules! object_kind {
    ($view:ident) => {
        impl<'de> Kind<'de> for $view<'de> {
            fn from_map<A: MapAccess<'de>>(map: A) -> Result<Option<Self>, A::Error> {
                read_members(map)
            }
        }
    };
}

/// The chunk-level members.
#[derive(Default)]
pub(super) struct ChunkView<'a> {
    pub(super) id: Option<Field<'a>>,
    pub(super) model: Option<Field<'a>>,
    pub(super) created: Option<Field<'a>>,
    pub(super) system_fingerprint: Option<Field<'a>>,
    /// Non-null usage.
    pub(super) usage: Option<Box<Value>>,
    pub(super) choices: Option<Objects<ChoiceView<'a>>>,
    pub(super) error: bool,
}

impl<'de> Members<'de> for ChunkView<'de> {
    fn member<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error> {
        match key {
            "id" => self.id = map.next_value::<Present>()?.0,
            "model" => self.model = map.next_value::<Present>()?.0,
            "created" => self.created = map.next_value::<Present>()?.0,
            "system_fingerprint" => self.system_fingerprint = map.next_value::<Present>()?.0,
            "usage" => self.usage = Some(map.next_value::<Box<Value>>()?).filter(|v| !v.is_null()),
            "choices" => self.choices = map.next_value::<Loose<_>>()?.0,
            "error" => self.error = map.next_value::<Raised>()?.0,
            _ => return Ok(false),
        }
        Ok(true)
    }
}
object_kind!(ChunkView);

/// One choice of a chunk.
#[derive(Default)]
pub(super) struct ChoiceView<'a> {
    pub(super) index: Option<u64>,
    /// `delta` when the choice has one (even if it is not an object), else `message`.
    pub(super) delta: Option<DeltaView<'a>>,
    /// Whether `delta` holds a `delta` member, which hides any `message`.
    pub(super) has_delta: bool,
    pub(super) logprobs: Option<LogprobsView>,
    /// Non-null finish reason.
    pub(super) finish_reason: Option<Box<Value>>,
}

impl<'de> Members<'de> for ChoiceView<'de> {
    fn member<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error> {
        match key {
            "index" => self.index = map.next_value::<Loose<_>>()?.0,
            "delta" => {
                self.delta = map.next_value::<Loose<_>>()?.0;
                self.has_delta = true;
            }
            "message" if !self.has_delta => self.delta = map.next_value::<Loose<_>>()?.0,
            "logprobs" => self.logprobs = map.next_value::<Loose<_>>()?.0,
            "finish_reason" => {
                self.finish_reason = Some(map.next_value::<Box<Value>>()?).filter(|v| !v.is_null())
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}
object_kind!(ChoiceView);

/// A choice's `delta` (or `message`).
#[derive(Default)]
pub(super) struct DeltaView<'a> {
    pub(super) role: Option<Cow<'a, str>>,
    pub(super) content: Option<Cow<'a, str>>,
    pub(super) refusal: Option<Cow<'a, str>>,
    pub(super) reasoning_content: Option<Cow<'a, str>>,
    pub(super) reasoning: Option<Cow<'a, str>>,
    pub(super) tool_calls: Option<Objects<ToolCallView<'a>>>,
}

impl<'de> Members<'de> for DeltaView<'de> {
    fn member<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error> {
        let text = match key {
            "role" => &mut self.role,
            "content" => &mut self.content,
            "refusal" => &mut self.refusal,
            "reasoning_content" => &mut self.reasoning_content,
            "reasoning" => &mut self.reasoning,
            "tool_calls" => {
                self.tool_calls = map.next_value::<Loose<_>>()?.0;
                return Ok(true);
            }
            _ => return Ok(false),
        };
        *text = map.next_value::<Loose<_>>()?.0;
        Ok(true)
    }
}

object_kind!(DeltaView);

/// One tool-call delta.
#[derive(Default)]
pub(super) struct ToolCallView<'a> {
    pub(super) index: Option<u64>,
    pub(super) id: Option<Cow<'a, str>>,
    pub(super) kind: Option<Cow<'a, str>>,
    pub(super) function: Option<FunctionView<'a>>,
}

impl<'de> Members<'de> for ToolCallView<'de> {
    fn member<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error> {
        match key {
            "index" => self.index = map.next_value::<Loose<_>>()?.0,
            "id" => self.id = map.next_value::<Loose<_>>()?.0,
            "type" => self.kind = map.next_value::<Loose<_>>()?.0,
            "function" => self.function = map.next_value::<Loose<_>>()?.0,
            _ => return Ok(false),
        }
        Ok(true)
    }
}
object_kind!(ToolCallView);

/// A tool call's `function`.
#[derive(Default)]
pub(super) struct FunctionView<'a> {
    pub(super) name: Option<Cow<'a, str>>,
    /// Usually a string; some servers send an object.
    pub(super) arguments: Option<Field<'a>>,
}

impl<'de> Members<'de> for FunctionView<'de> {
    fn member<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error> {
        match key {
            "name" => self.name = map.next_value::<Loose<_>>()?.0,
            "arguments" => self.arguments = map.next_value::<Present>()?.0,
            _ => return Ok(false),
        }
        Ok(true)
    }
}
object_kind!(FunctionView);

/// A choice's `logprobs` arrays.
#[derive(Default)]
pub(super) struct LogprobsView {
    pub(super) content: Option<Vec<Value>>,
    pub(super) refusal: Option<Vec<Value>>,
}

impl<'de> Members<'de> for LogprobsView {
    fn member<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error> {
        match key {
            "content" => self.content = map.next_value::<Loose<_>>()?.0,
            "refusal" => self.refusal = map.next_value::<Loose<_>>()?.0,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

impl<'de> Kind<'de> for LogprobsView {
    fn from_map<A: MapAccess<'de>>(map: A) -> Result<Option<Self>, A::Error> {
        read_members(map)
    }
}

/// A Responses API delta event (`response.output_text.delta` and the like).
#[derive(Default)]
pub(super) struct DeltaEventView<'a> {
    /// `type`.
    pub(super) kind: Option<Cow<'a, str>>,
    pub(super) output_index: Option<u64>,
    pub(super) content_index: Option<u64>,
    pub(super) summary_index: Option<u64>,
    pub(super) item_id: Option<Field<'a>>,
    pub(super) delta: Option<Cow<'a, str>>,
}

impl<'de> Members<'de> for DeltaEventView<'de> {
    fn member<A: MapAccess<'de>>(&mut self, key: &str, map: &mut A) -> Result<bool, A::Error> {
        match key {
            "type" => self.kind = map.next_value::<Loose<_>>()?.0,
            "output_index" => self.output_index = map.next_value::<Loose<_>>()?.0,
            "content_index" => self.content_index = map.next_value::<Loose<_>>()?.0,
            "summary_index" => self.summary_index = map.next_value::<Loose<_>>()?.0,
            "item_id" => self.item_id = map.next_value::<Present>()?.0,
            "delta" => self.delta = map.next_value::<Loose<_>>()?.0,
            _ => return Ok(false),
        }
        Ok(true)
    }
}
object_kind!(DeltaEventView);
