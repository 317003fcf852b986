//! What the proxy is told: its upstream, checked, and its bounds.

use std::time::Duration;

use http::Uri;

/// The proxy's bounds and its upstream.
#[derive(Debug, Clone)]
pub struct ProxyOptions {
    /// `http(s)://host[:port]`, no trailing slash; a path of its own is kept in front.
    pub upstream: String,
    /// Bytes of each body kept for the judge (what passes is never cut).
    pub body_cap: usize,
    /// How long the upstream may take to begin its answer.
    pub timeout: Duration,
    /// Connections served at once; more wait in the kernel's backlog.
    pub max_connections: usize,
    /// Judge the exchanges (`false`: a plain pass-through, `--pass-through`, which benches
    /// compare the judging proxy with).
    pub judge: bool,
}

impl Default for ProxyOptions {
    fn default() -> Self {
        ProxyOptions {
            upstream: String::new(),
            body_cap: 1024 * 1024,
            timeout: Duration::from_secs(30),
            max_connections: 1024,
            judge: true,
        }
    }
}

/// The upstream's base URL, checked: `http` or `https`, a host, no query.
pub fn parse_upstream(text: &str) -> Result<(Uri, String), String> {
    let uri: Uri = text
        .trim()
        .parse()
        .map_err(|e| format!("`{text}` is not a URL: {e}"))?;
    match uri.scheme_str() {
        Some("http" | "https") => {}
        _ => return Err(format!("`{text}` is not an http:// or https:// URL")),
    }
    if uri.host().is_none() {
        return Err(format!("`{text}` names no host"));
    }
    if uri.query().is_some() {
        return Err(format!("`{text}` has a query; give the base URL only"));
    }
    let prefix = uri.path().trim_end_matches('/').to_owned();
    Ok((uri, prefix))
}
