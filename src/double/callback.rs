//! The HTTP client a double delivers its callbacks (payment notifications) with. Header names
//! go out in their canonical case (`Content-Type`, `Authorization`, `Wechatpay-Signature`):
//! HTTP says case does not matter, but a receiver that reads raw names — PHP's
//! `getallheaders()` under `php -S` keeps them as sent — looks for the case the provider's
//! documentation writes.

use std::time::Duration;

/// A client for callbacks: each attempt bounded by `timeout`, header names title-cased on
/// HTTP/1.1, `user_agent` when given. `None` when no client can be built (no TLS backend).
pub fn client(timeout: Duration, user_agent: Option<&str>) -> Option<reqwest::Client> {
    build(timeout, user_agent, true)
}

/// [`client`] for `url`: one that reads no trust roots when `url` is plain HTTP (the system's
/// roots are most of what building a client costs, and a loopback callback needs none).
pub fn client_for(
    url: &str,
    timeout: Duration,
    user_agent: Option<&str>,
) -> Option<reqwest::Client> {
    build(timeout, user_agent, !is_plain(url))
}

fn is_plain(url: &str) -> bool {
    url.get(..7)
        .is_some_and(|s| s.eq_ignore_ascii_case("http://"))
}

fn build(timeout: Duration, user_agent: Option<&str>, roots: bool) -> Option<reqwest::Client> {
    crate::http::install_crypto_provider();
    let mut builder = reqwest::Client::builder()
        .timeout(timeout)
        .http1_title_case_headers();
    if !roots {
        builder = builder.tls_certs_only(std::iter::empty());
    }
    if let Some(agent) = user_agent {
        builder = builder.user_agent(agent);
    }
    builder.build().ok()
}

/// A notifier's clients, each built on its first use: the plain-HTTP one (no trust roots) and
/// the one for `https://` callbacks.
#[derive(Debug)]
pub struct Clients {
    timeout: Duration,
    user_agent: Option<&'static str>,
    plain: std::sync::OnceLock<Option<reqwest::Client>>,
    tls: std::sync::OnceLock<Option<reqwest::Client>>,
}

impl Clients {
    pub fn new(timeout: Duration, user_agent: Option<&'static str>) -> Self {
        Clients {
            timeout,
            user_agent,
            plain: std::sync::OnceLock::new(),
            tls: std::sync::OnceLock::new(),
        }
    }

    /// The client for `url`; `None` when none can be built.
    pub fn for_url(&self, url: &str) -> Option<reqwest::Client> {
        let (cell, roots) = if is_plain(url) {
            (&self.plain, false)
        } else {
            (&self.tls, true)
        };
        cell.get_or_init(|| build(self.timeout, self.user_agent, roots))
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_needs_no_roots_and_each_scheme_gets_one_client() {
        assert!(is_plain("http://127.0.0.1:1/notify") && is_plain("HTTP://x"));
        assert!(!is_plain("https://merchant.example/notify") && !is_plain("http:/x"));
        let clients = Clients::new(Duration::from_secs(1), Some("test"));
        assert!(clients.for_url("http://127.0.0.1:1/").is_some());
        assert!(clients.plain.get().is_some() && clients.tls.get().is_none());
        assert!(clients.for_url("https://merchant.example/").is_some());
        assert!(clients.tls.get().is_some());
    }
}
