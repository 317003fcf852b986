//! Request signing, provider-neutral: what a signature covers ([`Signed`]: the method, the
//! path and query as sent, a timestamp, a nonce and the body bytes) and who signs
//! ([`Signer`]). Each provider implements [`Signer`] once; its client, its double's verifier,
//! the load generator and the tests all sign through it.

/// What one request signature covers.
#[derive(Debug, Clone, Copy)]
pub struct Signed<'a> {
    /// `GET`, `POST`, …
    pub method: &'a str,
    /// The path plus `?query` as sent (percent-encoding kept), never the host.
    pub path_and_query: &'a str,
    /// The timestamp as it goes on the wire (the provider's unit).
    pub timestamp: &'a str,
    pub nonce: &'a str,
    /// Exactly the bytes sent.
    pub body: &'a [u8],
}

impl<'a> Signed<'a> {
    /// What a request to `url` (absolute, or a path) covers.
    pub fn new(
        method: &'a str,
        path_and_query: &'a str,
        timestamp: &'a str,
        nonce: &'a str,
        body: &'a [u8],
    ) -> Self {
        Signed {
            method,
            path_and_query,
            timestamp,
            nonce,
            body,
        }
    }
}

/// Who signs requests, in a provider's scheme.
pub trait Signer {
    /// The signature over `signed`.
    fn signature(&self, signed: &Signed<'_>) -> String;

    /// The whole `Authorization` header value for `signed`.
    fn authorization(&self, signed: &Signed<'_>) -> String;

    /// Whether `signature` is this signer's over `signed` (the double's check).
    fn verifies(&self, signed: &Signed<'_>, signature: &str) -> bool {
        constant_time_eq(
            self.signature(signed).as_bytes(),
            signature.trim().as_bytes(),
        )
    }
}

/// `a == b` without an early exit.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The path plus `?query` of an absolute URL (or `url` itself when it is a path already).
pub fn path_and_query(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(parsed) => match parsed.query() {
            Some(query) => format!("{}?{query}", parsed.path()),
            None => parsed.path().to_owned(),
        },
        Err(_) => url.to_owned(),
    }
}
