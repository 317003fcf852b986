//! The TOML configuration file (`--config FILE`): every setting of the command line, and the
//! names of the environment variables that hold secrets — never the secrets themselves.
//!
//! ```toml
//! base_url = "https://sandbox.example"
//! profile = "tokenpay"
//! rate_limit = 5
//! response_signatures = "observe"
//!
//! [credentials]
//! app_id = "8e4b8c2e7c…"            # or app_id_env = "MY_APP_ID"
//! mch_id = "1234567890"
//! app_secret_env = "MY_APP_SECRET"  # the variable that holds the secret
//! paid_out_trade_no = "ORDER-42"
//! ```

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::ConfigError;
use crate::ttpay::{AmountUnit, Profile, QueryMethod, ResponseSignatures, TimestampUnit};

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub base_url: Option<String>,
    pub profile: Option<Profile>,
    pub query_method: Option<QueryMethod>,
    pub timestamp_unit: Option<TimestampUnit>,
    pub amount_unit: Option<AmountUnit>,
    pub response_signatures: Option<ResponseSignatures>,
    pub rate_limit: Option<u32>,
    pub tags: Option<String>,
    pub features: Option<PathBuf>,
    pub junit: Option<PathBuf>,
    pub json: Option<PathBuf>,
    pub concurrency: Option<usize>,
    pub timeout_seconds: Option<u64>,
    #[serde(default)]
    pub credentials: CredentialNames,
}

/// Where the credentials come from. Identifiers may be written here; secrets only by the name
/// of the environment variable that holds them.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialNames {
    pub app_id: Option<String>,
    pub app_id_env: Option<String>,
    pub mch_id: Option<String>,
    pub mch_id_env: Option<String>,
    pub app_secret_env: Option<String>,
    pub other_app_id: Option<String>,
    pub other_app_id_env: Option<String>,
    pub other_mch_id: Option<String>,
    pub other_mch_id_env: Option<String>,
    pub other_app_secret_env: Option<String>,
    pub paid_out_trade_no: Option<String>,
    pub paid_out_trade_no_env: Option<String>,
}

impl FileConfig {
    /// Reads and parses `path`. A secret written into the file is refused with a hint.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::ReadConfig {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(&text).map_err(|message| ConfigError::ParseConfig {
            path: path.to_owned(),
            message,
        })
    }

    /// Parses TOML text; `Err` is the message for the user.
    pub fn parse(text: &str) -> Result<Self, String> {
        toml::from_str::<FileConfig>(text).map_err(|e| {
            let message = e.message().trim_end_matches('.').to_owned();
            let place = e
                .span()
                .map(|span| {
                    let line = text[..span.start.min(text.len())].lines().count().max(1);
                    format!("line {line}: ")
                })
                .unwrap_or_default();
            let hint = if message.contains("app_secret") && !message.contains("app_secret_env") {
                "\n(hint: secrets are read from the environment only: write app_secret_env = \"VARIABLE_NAME\")"
            } else {
                ""
            };
            format!("{place}{message}{hint}")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_setting() {
        let config = FileConfig::parse(
            r#"
            base_url = "http://127.0.0.1:8080"
            profile = "tokenpay"
            query_method = "get"
            timestamp_unit = "s"
            amount_unit = "major"
            response_signatures = "strict"
            rate_limit = 5
            tags = "@create and not @slow"
            [credentials]
            app_id = "app"
            mch_id = "123"
            app_secret_env = "MY_SECRET"
            "#,
        )
        .unwrap();
        assert_eq!(config.profile, Some(Profile::Tokenpay));
        assert_eq!(config.query_method, Some(QueryMethod::Get));
        assert_eq!(
            config.credentials.app_secret_env.as_deref(),
            Some("MY_SECRET")
        );
    }

    #[test]
    fn refuses_a_secret_in_the_file() {
        let e = FileConfig::parse("[credentials]\napp_secret = \"0123\"\n").unwrap_err();
        assert!(e.contains("app_secret_env"), "{e}");
        assert!(!e.contains("0123"), "{e}");
    }

    #[test]
    fn names_the_line_of_a_bad_value() {
        let e = FileConfig::parse("profile = \"ttpay\"\nrate_limit = \"fast\"\n").unwrap_err();
        assert!(e.starts_with("line 2"), "{e}");
    }
}
