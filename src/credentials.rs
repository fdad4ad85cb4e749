//! The optional per-client credential source: asked for each attempt's credential, for
//! rotating or short-lived tokens. Its answers are headers that replace the endpoint's
//! configured key; they are never logged and never appear in messages.

use crate::error::{Error, Result};
use std::sync::{Arc, RwLock};

/// The headers that carry one attempt's credential (empty: use the configured key), or the
/// source's reason for giving none.
pub type CredentialAnswer = std::result::Result<Vec<(String, String)>, String>;

/// Asked with the endpoint's place (0 = the client's own) and base URL. May block.
pub type CredentialSource = Arc<dyn Fn(usize, &str) -> CredentialAnswer + Send + Sync>;

/// A credential header, checked so that it survives the trip into HTTP. The message names
/// the header, never its value.
pub fn credential_header(name: &str, value: &str) -> Result<(String, String)> {
    use reqwest::header::{HeaderName, HeaderValue};
    if HeaderName::from_bytes(name.as_bytes()).is_err() {
        return Err(Error::InvalidArgument(format!("{name:?} is not a valid header name")));
    }
    if value.is_empty() || HeaderValue::from_str(value).is_err() {
        return Err(Error::InvalidArgument(format!(
            "the value of credential header {name:?} is empty or has characters not allowed in a header"
        )));
    }
    Ok((name.to_ascii_lowercase(), value.to_string()))
}

/// The header that carries an API key: `Authorization: Bearer <key>`.
pub fn bearer(key: &str) -> Result<(String, String)> {
    if key.is_empty() || key.contains(|c: char| c.is_ascii_control()) {
        return Err(Error::InvalidArgument("the API key is empty or has characters not allowed in a header".into()));
    }
    credential_header("authorization", &format!("Bearer {key}"))
}

#[derive(Default)]
pub struct Credentials {
    source: RwLock<Option<CredentialSource>>,
}

impl Credentials {
    /// Replace the source (None removes it). Waits for an answer being given on another
    /// thread, so once this returns the old source is never called again.
    pub fn set(&self, source: Option<CredentialSource>) {
        *self.source.write().unwrap_or_else(|p| p.into_inner()) = source;
    }

    /// The credential headers for one attempt on endpoint `index`, asked on a blocking-pool
    /// thread so a source that blocks holds no runtime worker. Empty without a source.
    pub(crate) async fn fetch(self: &Arc<Self>, index: usize, base_url: &str) -> Result<Vec<(String, String)>> {
        if self.source.read().unwrap_or_else(|p| p.into_inner()).is_none() {
            return Ok(Vec::new());
        }
        let credentials = Arc::clone(self);
        let base_url = base_url.to_string();
        let asked = tokio::task::spawn_blocking(move || {
            let source = credentials.source.read().unwrap_or_else(|p| p.into_inner());
            source.as_ref().map_or(Ok(Vec::new()), |source| source(index, &base_url))
        });
        match asked.await {
            Ok(answer) => answer.map_err(Error::Credentials),
            Err(panicked) => Err(Error::Credentials(format!("the credential source failed: {panicked}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_headers_are_checked_without_echoing_them() {
        assert_eq!(bearer("k1").unwrap(), ("authorization".to_string(), "Bearer k1".to_string()));
        assert_eq!(credential_header("Api-Key", "v").unwrap().0, "api-key");
        let bad = bearer("sk-secret\r\nX: y").unwrap_err();
        assert!(!bad.to_string().contains("sk-secret"), "{bad}");
        assert!(credential_header("bad name", "v").is_err());
        assert!(credential_header("api-key", "").is_err());
    }

    #[tokio::test]
    async fn answers_come_from_the_current_source() {
        let credentials = Arc::new(Credentials::default());
        assert!(credentials.fetch(0, "http://a").await.unwrap().is_empty());
        credentials.set(Some(Arc::new(|index, url: &str| {
            Ok(vec![("authorization".into(), format!("Bearer {index}@{url}"))])
        })));
        let headers = credentials.fetch(1, "http://b").await.unwrap();
        assert_eq!(headers, vec![("authorization".to_string(), "Bearer 1@http://b".to_string())]);
        credentials.set(Some(Arc::new(|_, _: &str| Err("token service down".into()))));
        let refused = credentials.fetch(0, "http://a").await.unwrap_err();
        assert_eq!(refused.to_string(), "no credential: token service down");
    }
}
