//! The TOML configuration file (`--config FILE`), read as sections: the engine takes the
//! settings every provider shares from the top level, each provider takes its own from a
//! table named after it (`[<provider>]`), and whatever nobody took is an unknown
//! key — named, with its line. Secrets are never written here, only the names of the
//! environment variables that hold them.
//!
//! ```toml
//! provider = "acme"
//! base_url = "https://sandbox.example"
//! rate_limit = 5
//! response_signatures = "observe"
//!
//! [acme]                            # the provider's own settings
//! profile = "sandbox"
//!
//! [acme.credentials]
//! app_id = "8e4b8c2e7c…"            # or app_id_env = "MY_APP_ID"
//! mch_id = "1234567890"
//! app_secret_env = "MY_APP_SECRET"  # the variable that holds the secret
//! ```

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::de::DeserializeOwned;

use crate::error::ConfigError;

/// Config files larger than this are refused: a settings file is a few hundred bytes.
pub const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

/// A table of the configuration file, and where it came from (for messages).
#[derive(Debug, Clone, Default)]
pub struct FileSection {
    path: Option<PathBuf>,
    text: Arc<str>,
    /// `acme.` for the `[acme]` table, empty at the top level.
    prefix: String,
    table: toml::Table,
}

impl FileSection {
    /// No file: every `take` answers `None`.
    pub fn empty() -> Self {
        Self::default()
    }

    /// Reads and parses `path` (a regular file, at most [`MAX_CONFIG_BYTES`]).
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = crate::fsutil::read_text(path, MAX_CONFIG_BYTES).map_err(|source| {
            ConfigError::ReadConfig {
                path: path.to_owned(),
                source,
            }
        })?;
        Self::parse(&text, Some(path))
    }

    /// Parses TOML text.
    pub fn parse(text: &str, path: Option<&Path>) -> Result<Self, ConfigError> {
        let table = toml::from_str::<toml::Table>(text).map_err(|e| {
            let message = e.message().trim_end_matches('.').to_owned();
            let place = e
                .span()
                .map(|span| {
                    let line = text[..span.start.min(text.len())].lines().count().max(1);
                    format!("line {line}: ")
                })
                .unwrap_or_default();
            ConfigError::ParseConfig {
                path: path.map_or_else(|| PathBuf::from("(config)"), Path::to_owned),
                message: format!("{place}{message}"),
            }
        })?;
        Ok(Self {
            path: path.map(Path::to_owned),
            text: text.into(),
            prefix: String::new(),
            table,
        })
    }

    /// Takes `key` out of this table, read as a `T`.
    pub fn take<T: DeserializeOwned>(&mut self, key: &str) -> Result<Option<T>, ConfigError> {
        let Some(value) = self.table.remove(key) else {
            return Ok(None);
        };
        value.try_into::<T>().map(Some).map_err(|e| {
            let message = e.message().trim_end_matches('.').to_owned();
            self.error(key, format!("{}{key}: {message}", self.prefix))
        })
    }

    /// Takes the table `key` out of this one (an empty section when absent).
    pub fn take_section(&mut self, key: &str) -> Result<FileSection, ConfigError> {
        let table = match self.table.remove(key) {
            None => toml::Table::new(),
            Some(toml::Value::Table(table)) => table,
            Some(other) => {
                let message = format!(
                    "{}{key}: expected a table ([{}{key}]), found a {}",
                    self.prefix,
                    self.prefix,
                    other.type_str()
                );
                return Err(self.error(key, message));
            }
        };
        Ok(FileSection {
            path: self.path.clone(),
            text: Arc::clone(&self.text),
            prefix: format!("{}{key}.", self.prefix),
            table,
        })
    }

    /// Moves every key of `other` that this section lacks into it (a provider whose settings
    /// stood at the top level before providers had tables keeps reading them there).
    pub fn adopt(&mut self, other: &mut FileSection, keys: &[&str]) {
        for key in keys {
            if let Some(value) = other.table.remove(*key) {
                self.table.entry((*key).to_owned()).or_insert(value);
            }
        }
    }

    /// Leaves `key` unread without it being an unknown key (another provider's table).
    pub fn skip(&mut self, key: &str) {
        self.table.remove(key);
    }

    /// Every key nobody took is an error naming it and its line.
    pub fn finish(self) -> Result<(), ConfigError> {
        let Some(key) = self.table.keys().next().cloned() else {
            return Ok(());
        };
        let mut message = format!("unknown key `{}{key}`", self.prefix);
        if key.contains("secret") && !key.ends_with("_env") {
            message.push_str(
                "\n(hint: secrets are read from the environment only: write app_secret_env = \"VARIABLE_NAME\")",
            );
        }
        Err(self.error(&key, message))
    }

    fn error(&self, key: &str, message: String) -> ConfigError {
        let line = self
            .text
            .lines()
            .position(|l| {
                let l = l.trim_start();
                l.strip_prefix(key)
                    .is_some_and(|rest| rest.trim_start().starts_with('='))
            })
            .map(|i| format!("line {}: ", i + 1))
            .unwrap_or_default();
        ConfigError::ParseConfig {
            path: self
                .path
                .clone()
                .unwrap_or_else(|| PathBuf::from("(config)")),
            message: format!("{line}{message}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_what_is_asked_and_refuses_the_rest_by_line() {
        let mut file = FileSection::parse(
            "rate_limit = 5\n[acme]\nprofile = \"sandbox\"\nbogus = 1\n",
            None,
        )
        .unwrap();
        assert_eq!(file.take::<u32>("rate_limit").unwrap(), Some(5));
        let mut acme = file.take_section("acme").unwrap();
        assert_eq!(
            acme.take::<String>("profile").unwrap().as_deref(),
            Some("sandbox")
        );
        file.finish().unwrap();
        let e = acme.finish().unwrap_err().to_string();
        assert!(e.contains("line 4") && e.contains("acme.bogus"), "{e}");
    }

    #[test]
    fn refuses_a_secret_in_the_file() {
        let file = FileSection::parse("[credentials]\napp_secret = \"0123\"\n", None).unwrap();
        let mut file = file;
        let credentials = file.take_section("credentials").unwrap();
        let e = credentials.finish().unwrap_err().to_string();
        assert!(e.contains("app_secret_env"), "{e}");
        assert!(!e.contains("0123"), "{e}");
    }

    #[test]
    fn names_the_line_of_a_bad_value() {
        let mut file =
            FileSection::parse("profile = \"sandbox\"\nrate_limit = \"fast\"\n", None).unwrap();
        let e = file.take::<u32>("rate_limit").unwrap_err().to_string();
        assert!(e.contains("line 2"), "{e}");
    }

    #[test]
    fn a_syntax_error_names_its_line() {
        let e = FileSection::parse("a = 1\nb = = 2\n", None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 2"), "{e}");
    }
}
