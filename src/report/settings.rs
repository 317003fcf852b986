//! The settings a run used, as the JSON and HTML reports show them (no secret: the provider's
//! part comes from [`crate::Configured::settings`]). Units are in the names.

use serde_json::{Value, json};

use crate::settings::{RunSettings, Target};

/// `{"provider", "target", "response_signatures", "rate_limit_per_second", "tags",
/// "features", "concurrency", "timeout_seconds", "fault", "provider_settings"}`.
/// `provider` is its name, `provider_settings` what [`crate::Configured::settings`] says.
pub fn of(provider: &str, s: &RunSettings, provider_settings: Value) -> Value {
    json!({
        "provider": provider,
        "target": match &s.target {
            Target::Embedded => "embedded double".to_owned(),
            Target::Remote(url) => url.clone(),
            Target::Production => "production".to_owned(),
        },
        "response_signatures": s.response_signatures.to_string(),
        "rate_limit_per_second": s.rate_limit,
        "tags": s.tags.as_ref().map(|(expr, _)| expr.clone()),
        "features": s.features.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
        "concurrency": s.concurrency,
        "timeout_seconds": s.timeout.as_secs(),
        "fault": s.fault,
        "provider_settings": provider_settings,
    })
}
