//! The optional per-client log sink. Off by default; messages are summaries
//! that never carry credentials, headers or bodies.

use std::sync::{Arc, RwLock};

/// Severity, most severe first. Values are part of the ABI.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    Error = 1,
    Warn = 2,
    Info = 3,
    Debug = 4,
}

impl LogLevel {
    pub fn from_value(value: u32) -> Option<LogLevel> {
        [
            LogLevel::Error,
            LogLevel::Warn,
            LogLevel::Info,
            LogLevel::Debug,
        ]
        .into_iter()
        .find(|level| *level as u32 == value)
    }
}

pub type LogSink = Arc<dyn Fn(LogLevel, &str) + Send + Sync>;

#[derive(Default)]
pub struct Logger {
    sink: RwLock<Option<(LogLevel, LogSink)>>,
}

impl Logger {
    /// Replace the sink (None switches logging off). Waits for a message being
    /// delivered on another thread, so once this returns the old sink is never called.
    pub fn set(&self, max_level: LogLevel, sink: Option<LogSink>) {
        *self.sink.write().unwrap_or_else(|p| p.into_inner()) = sink.map(|sink| (max_level, sink));
    }

    /// Deliver a message if a sink wants this level; `message` is only built then.
    pub fn log(&self, level: LogLevel, message: impl FnOnce() -> String) {
        let guard = self.sink.read().unwrap_or_else(|p| p.into_inner());
        if let Some((max_level, sink)) = guard.as_ref() {
            if level <= *max_level {
                sink(level, &message());
            }
        }
    }
}

/// A URL for messages: scheme, host, port and path; the query is dropped
/// because it may carry a key (e.g. Azure's `api-key`).
pub fn redacted_url(url: &reqwest::Url) -> String {
    let mut shown = url.clone();
    shown.set_query(None);
    let _ = shown.set_password(None);
    let _ = shown.set_username("");
    shown.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn levels_above_the_maximum_are_not_built_or_sent() {
        let logger = Logger::default();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&seen);
        logger.set(
            LogLevel::Info,
            Some(Arc::new(move |level, text: &str| {
                sink.lock().unwrap().push((level, text.to_string()))
            })),
        );
        logger.log(LogLevel::Info, || "kept".into());
        logger.log(LogLevel::Debug, || {
            panic!("a filtered message must not be built")
        });
        logger.set(LogLevel::Debug, None);
        logger.log(LogLevel::Error, || "after switching off".into());
        assert_eq!(
            *seen.lock().unwrap(),
            vec![(LogLevel::Info, "kept".to_string())]
        );
    }

    #[test]
    fn urls_in_messages_lose_query_and_credentials() {
        let url = reqwest::Url::parse("https://user:pw@host:8443/v1/chat?api-key=secret").unwrap();
        assert_eq!(redacted_url(&url), "https://host:8443/v1/chat");
    }
}
