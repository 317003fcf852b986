//! The HTTP client a double delivers its callbacks (payment notifications) with. Header names
//! go out in their canonical case (`Content-Type`, `Authorization`, `Wechatpay-Signature`):
//! HTTP says case does not matter, but a receiver that reads raw names — PHP's
//! `getallheaders()` under `php -S` keeps them as sent — looks for the case the provider's
//! documentation writes.

use std::time::Duration;

/// A client for callbacks: each attempt bounded by `timeout`, header names title-cased on
/// HTTP/1.1, `user_agent` when given. `None` when no client can be built (no TLS backend).
pub fn client(timeout: Duration, user_agent: Option<&str>) -> Option<reqwest::Client> {
    crate::http::install_crypto_provider();
    let mut builder = reqwest::Client::builder()
        .timeout(timeout)
        .http1_title_case_headers();
    if let Some(agent) = user_agent {
        builder = builder.user_agent(agent);
    }
    builder.build().ok()
}
