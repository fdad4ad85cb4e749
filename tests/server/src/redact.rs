//! Keeping secrets out of cassettes. Cassettes get committed next to tests, so a recording must
//! not hold the key it was made with: secret headers are dropped, secret query parameters
//! blanked, and then every secret value seen in the exchange is replaced wherever else it
//! appears (an echoed header in a body, say) before the line is written.

use crate::http::Request;

/// Headers whose values are credentials, dropped from every recorded exchange.
const SECRET_HEADERS: [&str; 8] = [
    "authorization",
    "proxy-authorization",
    "api-key",
    "x-api-key",
    "x-goog-api-key",
    "openai-api-key",
    "cookie",
    "set-cookie",
];

/// Query parameters that carry keys (Gemini's `key`, Azure's `api-key`, OAuth tokens).
const SECRET_PARAMS: [&str; 6] = [
    "key",
    "api-key",
    "api_key",
    "apikey",
    "access_token",
    "token",
];

/// Headers a recording leaves out because the replaying side writes its own framing.
const FRAMING_HEADERS: [&str; 9] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "content-length",
    "te",
    "trailer",
    "upgrade",
    "host",
];

/// What replaces a secret.
pub(crate) const REDACTED: &str = "REDACTED";

/// Shorter values are not replaced in the text: they would match too much to mean anything.
const MIN_SECRET_LEN: usize = 4;

/// The secret header names: the built-in ones and those given with `--redact`.
pub(crate) struct Redactor {
    names: Vec<String>,
}

impl Redactor {
    pub(crate) fn new(extra: &[String]) -> Redactor {
        let names = SECRET_HEADERS.iter().map(|n| n.to_string());
        let extra = extra.iter().map(|n| n.trim().to_ascii_lowercase());
        Redactor {
            names: names.chain(extra).collect(),
        }
    }

    fn is_secret(&self, name: &str) -> bool {
        self.names.iter().any(|n| n.eq_ignore_ascii_case(name))
    }

    /// The headers worth keeping in a cassette: neither secret nor framing.
    pub(crate) fn keep<'a>(
        &self,
        headers: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Vec<(String, String)> {
        headers
            .into_iter()
            .filter(|(n, _)| !self.is_secret(n) && !is_framing(n))
            .map(|(n, v)| (n.to_ascii_lowercase(), v.to_string()))
            .collect()
    }

    /// Every secret value in these headers: the whole value, the credential after an auth
    /// scheme (`Bearer sk-…`), and each cookie's value.
    pub(crate) fn secrets<'a>(
        &self,
        headers: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Vec<String> {
        let mut found = Vec::new();
        for (_, value) in headers.into_iter().filter(|(n, _)| self.is_secret(n)) {
            found.push(value.trim().to_string());
            if let Some((_, credential)) = value.trim().split_once(' ') {
                found.push(credential.trim().to_string());
            }
            for cookie in value.split(';') {
                if let Some((_, v)) = cookie.split_once('=') {
                    found.push(v.trim().to_string());
                }
            }
        }
        found.retain(|s| s.len() >= MIN_SECRET_LEN);
        found
    }

    /// The request's secrets: its secret headers' and secret query parameters' values.
    pub(crate) fn request_secrets(&self, req: &Request) -> Vec<String> {
        let headers = req.headers.iter().map(|(n, v)| (n.as_str(), v.as_str()));
        let mut found = self.secrets(headers);
        for (name, value) in query_pairs(&req.query) {
            if is_secret_param(name) && value.len() >= MIN_SECRET_LEN {
                found.push(value.to_string());
            }
        }
        found
    }
}

/// Whether a header belongs to one hop (framing, connection) rather than to the message.
pub(crate) fn is_framing(name: &str) -> bool {
    FRAMING_HEADERS.iter().any(|n| n.eq_ignore_ascii_case(name))
}

fn is_secret_param(name: &str) -> bool {
    SECRET_PARAMS.iter().any(|p| p.eq_ignore_ascii_case(name))
}

fn query_pairs(query: &str) -> impl Iterator<Item = (&str, &str)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| p.split_once('=').unwrap_or((p, "")))
}

/// The query string with the values of secret parameters replaced.
pub(crate) fn query(query: &str) -> String {
    query_pairs(query)
        .map(|(name, value)| match is_secret_param(name) {
            true if !value.is_empty() => format!("{name}={REDACTED}"),
            _ if value.is_empty() => name.to_string(),
            _ => format!("{name}={value}"),
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// A cassette line with every secret replaced, as it appears in the line: JSON-escaped, since
/// the line is JSON.
pub(crate) fn scrub(mut line: String, secrets: &[String]) -> String {
    let mut escaped: Vec<String> = secrets
        .iter()
        .filter_map(|s| serde_json::to_string(s).ok())
        .map(|quoted| quoted[1..quoted.len() - 1].to_string())
        .filter(|s| s.len() >= MIN_SECRET_LEN)
        .collect();
    // Longest first, so a credential inside a longer secret does not leave the rest behind.
    escaped.sort_by_key(|s| std::cmp::Reverse(s.len()));
    for secret in escaped {
        line = line.replace(&secret, REDACTED);
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_and_scrubs_secrets() {
        let r = Redactor::new(&["X-Team-Token".to_string()]);
        let headers = [
            ("authorization", "Bearer sk-live-123"),
            ("cookie", "a=short; session=abcdef"),
            ("x-team-token", "team-secret"),
            ("content-type", "application/json"),
        ];
        let secrets = r.secrets(headers);
        for s in ["Bearer sk-live-123", "sk-live-123", "abcdef", "team-secret"] {
            assert!(secrets.iter().any(|x| x == s), "{s} in {secrets:?}");
        }
        assert_eq!(
            r.keep(headers),
            vec![("content-type".to_string(), "application/json".to_string())]
        );
        let line = r#"{"a":"Bearer sk-live-123","b":"sk-live-123 team-secret"}"#.to_string();
        assert_eq!(
            scrub(line, &secrets),
            r#"{"a":"REDACTED","b":"REDACTED REDACTED"}"#
        );
    }

    #[test]
    fn blanks_key_parameters() {
        assert_eq!(
            query("api-version=2024&key=abc123&flag"),
            "api-version=2024&key=REDACTED&flag"
        );
        assert_eq!(query(""), "");
    }
}
