//! `/events`: a fixed stream mixing every kind of event (a named event whose data is not JSON,
//! unnamed and named JSON events, a comment, `[DONE]`), for clients that stream from any
//! endpoint. The body is optional; a `model` in it selects a scenario.

use std::io;

use serde_json::Value;

use super::admit::{admit, Call, Modelled};
use super::scenarios::Scenario;
use super::stream::{self, default_framing, pacing, End, Ev, Script};
use super::{Base, Next, Parsed};
use crate::http::Stream;

/// The body's `model`, when the body is a JSON object with a string one; anything else is
/// ignored.
struct EventsReq(Option<String>);

impl Modelled for EventsReq {
    fn model(&self) -> Option<&str> {
        self.0.as_deref()
    }
}

fn body_model(parsed: &Parsed) -> EventsReq {
    EventsReq(match parsed {
        Some(Ok(Value::Object(body))) => {
            body.get("model").and_then(Value::as_str).map(String::from)
        }
        _ => None,
    })
}

pub(crate) async fn events(stream: &mut dyn Stream, call: &Call<'_>) -> io::Result<Next> {
    let sc = match admit(stream, call, Ok(body_model(call.parsed))).await? {
        Ok((_, sc)) => sc,
        Err(done) => return Ok(done),
    };
    stream::play(stream, &call.out(sc), &script(call.base, sc)).await
}

/// The events (JSON-lines streams carry only the JSON ones); `events-stall` holds the
/// connection after `{"n":1}`.
fn script(base: Base, sc: Scenario) -> Script {
    let mut events = vec![
        Ev::SseOnly("event: greeting\ndata: hello\n\n".to_string()),
        Ev::Data(obj! {"n" => 1}.compact()),
        Ev::SseOnly(": comment\n\n".to_string()),
        Ev::Named("tick", obj! {"n" => 2}.compact()),
        Ev::Done,
    ];
    let end = if sc == Scenario::EventsStall {
        events.truncate(2);
        End::Stall
    } else {
        End::Normal
    };
    Script {
        framing: default_framing(base),
        end,
        delay: pacing(sc),
        piece: None,
        events,
    }
}
