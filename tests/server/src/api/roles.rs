//! Endpoint roles: a path prefix `/role/<role>` makes the server play one kind of endpoint for
//! every request under it, whatever the model, so one server can be the endpoint that is down,
//! stalled, out of credits, loading or failing next to the one that answers (fallback and hedge
//! tests). `/debug/stats` reports how many requests each role got and how many replies their
//! clients abandoned.

use std::io::Write;
use std::time::Duration;

use super::errors::ApiError;
use super::scenarios::TRICKLE_MAX_MS;
use crate::json::J;

/// The roles, as named in the path.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Role {
    /// The connection closes without a byte of reply.
    Down,
    /// The request is read and nothing is ever sent.
    Stalled,
    /// A stream sends its headers and then nothing; a plain call is `Stalled`.
    StalledChunk,
    NoCredits,
    Loading,
    Failing,
    /// The first chunk (a plain reply: the whole reply) comes after this long.
    FirstChunk(Duration),
    /// Replies (streams too) are compressed: `Content-Encoding: gzip` or `deflate` (zlib).
    Compressed(Encoding),
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Encoding {
    Gzip,
    Deflate,
}

impl Encoding {
    pub(crate) fn header(self) -> (&'static str, String) {
        let name = match self {
            Encoding::Gzip => "gzip",
            Encoding::Deflate => "deflate",
        };
        ("Content-Encoding", name.to_string())
    }

    /// A compressor whose output can be taken after every event (a sync flush), so a stream
    /// stays a stream.
    pub(crate) fn compressor(self) -> Compressor {
        let level = flate2::Compression::default();
        Compressor(match self {
            Encoding::Gzip => Box::new(flate2::write::GzEncoder::new(Vec::new(), level)),
            Encoding::Deflate => Box::new(flate2::write::ZlibEncoder::new(Vec::new(), level)),
        })
    }
}

/// Compresses a body piece by piece.
pub(crate) struct Compressor(Box<dyn Finish>);

/// The encoders' common ground: write, flush, and hand out what they produced.
pub(crate) trait Finish: Write + Send {
    fn produced(&mut self) -> Vec<u8>;
    fn end(self: Box<Self>) -> Vec<u8>;
}

impl Finish for flate2::write::GzEncoder<Vec<u8>> {
    fn produced(&mut self) -> Vec<u8> {
        std::mem::take(self.get_mut())
    }
    fn end(self: Box<Self>) -> Vec<u8> {
        self.finish().unwrap_or_default()
    }
}

impl Finish for flate2::write::ZlibEncoder<Vec<u8>> {
    fn produced(&mut self) -> Vec<u8> {
        std::mem::take(self.get_mut())
    }
    fn end(self: Box<Self>) -> Vec<u8> {
        self.finish().unwrap_or_default()
    }
}

impl Compressor {
    /// The compressed bytes of `piece`, flushed so the client can decode them now.
    pub(crate) fn piece(&mut self, piece: &[u8]) -> Vec<u8> {
        let _ = self.0.write_all(piece).and_then(|()| self.0.flush());
        self.0.produced()
    }

    /// The end of the compressed body.
    pub(crate) fn end(self) -> Vec<u8> {
        self.0.end()
    }
}

/// A whole body, compressed.
pub(crate) fn compressed(encoding: Encoding, body: &[u8]) -> Vec<u8> {
    let mut compressor = encoding.compressor();
    let mut out = compressor.piece(body);
    out.extend(compressor.end());
    out
}

impl Role {
    fn parse(name: &str) -> Option<Role> {
        let role = match name {
            "down" => Role::Down,
            "stalled" => Role::Stalled,
            "stalled-chunk" => Role::StalledChunk,
            "no-credits" => Role::NoCredits,
            "loading" => Role::Loading,
            "failing" => Role::Failing,
            "gzip" => Role::Compressed(Encoding::Gzip),
            "deflate" => Role::Compressed(Encoding::Deflate),
            _ => {
                let ms: u64 = name.strip_prefix("first-chunk-")?.parse().ok()?;
                return (ms <= TRICKLE_MAX_MS).then(|| Role::FirstChunk(Duration::from_millis(ms)));
            }
        };
        Some(role)
    }

    /// The error every request under this role gets, for the roles that answer with one.
    pub(crate) fn error(self) -> Option<ApiError> {
        match self {
            Role::NoCredits => Some(ApiError::insufficient_quota(429)),
            Role::Loading => Some(
                ApiError::new(503, "unavailable_error", "Loading model")
                    .with_header("retry-after-ms", "100"),
            ),
            Role::Failing => Some(
                ApiError::new(500, "server_error", "The endpoint is failing (role failing)")
                    .with_code("server_error"),
            ),
            _ => None,
        }
    }
}

/// A path under `/role/<role>`: the role and the rest of the path, `Err(name)` for a role this
/// server does not play; `Ok(None)` for a path without the prefix.
pub(crate) fn split(path: &str) -> Result<Option<(Role, &str)>, String> {
    let Some(rest) = path.strip_prefix("/role/") else {
        return Ok(None);
    };
    let (name, rest) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    match Role::parse(name) {
        Some(role) => Ok(Some((role, rest))),
        None => Err(name.to_string()),
    }
}

/// The name a role is counted under in `/debug/stats`.
pub(crate) fn name(path: &str) -> Option<&str> {
    let rest = path.strip_prefix("/role/")?;
    Some(&rest[..rest.find('/').unwrap_or(rest.len())])
}

/// The `/debug/stats` body.
pub(crate) fn stats_body(requests: u64, abandoned: u64, roles: Vec<(String, u64)>) -> String {
    let roles = J::Obj(roles.into_iter().map(|(name, n)| (name, J::from(n))).collect());
    obj! { "requests" => requests, "abandoned" => abandoned, "roles" => roles }.compact()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_read_from_the_path_prefix() {
        assert_eq!(split("/v1/chat/completions"), Ok(None));
        assert_eq!(split("/role/down/v1/models"), Ok(Some((Role::Down, "/v1/models"))));
        let slow = split("/role/first-chunk-250/v1/chat/completions").unwrap().unwrap();
        assert_eq!(slow, (Role::FirstChunk(Duration::from_millis(250)), "/v1/chat/completions"));
        assert_eq!(split("/role/first-chunk-9999/v1"), Err("first-chunk-9999".to_string()));
        assert_eq!(split("/role/sleepy/v1"), Err("sleepy".to_string()));
        assert_eq!(name("/role/loading/v1/chat/completions"), Some("loading"));
    }

    #[test]
    fn compressed_pieces_decode_to_the_body() {
        use std::io::Read;
        let mut compressor = Encoding::Gzip.compressor();
        let mut wire = compressor.piece(b"data: one\n\n");
        assert!(!wire.is_empty(), "a piece is on the wire at once");
        wire.extend(compressor.piece(b"data: two\n\n"));
        wire.extend(compressor.end());
        let mut text = String::new();
        flate2::read::GzDecoder::new(&wire[..]).read_to_string(&mut text).unwrap();
        assert_eq!(text, "data: one\n\ndata: two\n\n");
        let zlib = compressed(Encoding::Deflate, b"{}");
        let mut text = String::new();
        flate2::read::ZlibDecoder::new(&zlib[..]).read_to_string(&mut text).unwrap();
        assert_eq!(text, "{}");
    }
}
