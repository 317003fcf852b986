//! What a request is made of: its [`Payload`], how its signature is spoiled on purpose
//! ([`Tamper`]), and the part of its URL a signature covers ([`signed_path`]).

use serde_json::Value;

use super::super::crypto::signing;
use super::super::{AppSecret, Endpoint};

/// How the signature of a request is spoiled on purpose (A3–A5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tamper {
    #[default]
    None,
    /// Signed with a secret that is not the app's.
    WrongSignature,
    /// Signed right, an hour ago.
    StaleTimestamp,
    /// Signed with the app's secret, but for an `app_id` nobody registered.
    UnknownApp,
    /// No `Authorization` header at all.
    NoAuthorization,
    /// An `Authorization` header that is not `TTPAY-AES-256-ECB k=v,…`.
    UnreadableAuthorization,
}

impl Tamper {
    /// Whether the provider can know whose secret to sign its answer with.
    pub(super) fn identifies_the_app(self) -> bool {
        !matches!(
            self,
            Tamper::UnknownApp | Tamper::NoAuthorization | Tamper::UnreadableAuthorization
        )
    }
}

/// What to send.
#[derive(Debug, Clone)]
pub enum Payload {
    /// A JSON object (for a `GET` query: its members become the query string).
    Json(Value),
    /// Bytes sent as they are, for malformed-input checks (T5).
    Raw(Vec<u8>),
}

/// Something that is not `key=value,…`.
pub(super) fn nonce_garbage() -> String {
    format!("{}%%;;{}", signing::nonce(), signing::nonce())
}

/// A secret of the right length that is certainly not the app's.
pub(super) fn wrong_secret(secret: &AppSecret) -> AppSecret {
    let fill = if secret.expose().starts_with('x') {
        "y"
    } else {
        "x"
    };
    AppSecret::new(fill.repeat(32)).expect("32 ASCII bytes")
}

/// The part of `url` a signature covers (A2): the path, and `?query` when there is one —
/// taken from the parsed URL, so a base URL with a path of its own stays out of it only when
/// it is the endpoint's prefix.
pub fn signed_path(url: &str, endpoint: Endpoint) -> String {
    match reqwest::Url::parse(url) {
        Ok(parsed) => {
            let path = parsed.path();
            let from = path.find(endpoint.path()).unwrap_or(0);
            match parsed.query() {
                Some(query) => format!("{}?{query}", &path[from..]),
                None => path[from..].to_owned(),
            }
        }
        Err(_) => endpoint.path().to_owned(),
    }
}
