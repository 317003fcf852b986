//! Reading and writing record files: bounded reads, the format tag checked first, every byte
//! written through [`crate::redact()`].

use std::path::{Path, PathBuf};

use super::{FORMAT, Record};

/// A record file bigger than this is refused unread.
pub const MAX_RECORD_BYTES: u64 = 64 * 1024 * 1024;

/// A record that cannot be read or written. Exit code 2.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("cannot read record {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{path} is not a behaviour record: {message}\n(hint: records are written by `pay-conformance run --record FILE`)"
    )]
    NotARecord { path: PathBuf, message: String },
    #[error(
        "{path} is a record of format `{found}`; this build reads `{FORMAT}`\n(hint: record it again with this build)"
    )]
    Version { path: PathBuf, found: String },
    #[error(
        "{path} is a record of provider `{provider}`, which this build does not know\n(hint: one of {known}; record it again with a build that has it)"
    )]
    UnknownProvider {
        path: PathBuf,
        provider: String,
        known: String,
    },
    #[error(
        "the records are of different providers: {old_path} of `{old}`, {new_path} of `{new}`\n(hint: compare two records of the same provider)"
    )]
    Providers {
        old_path: PathBuf,
        old: String,
        new_path: PathBuf,
        new: String,
    },
    #[error("cannot write record {path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl From<RecordError> for crate::error::ConfigError {
    fn from(e: RecordError) -> Self {
        crate::error::ConfigError::Invalid {
            what: e.to_string(),
        }
    }
}

/// Reads the record at `path`: a regular file of at most [`MAX_RECORD_BYTES`], JSON, of
/// format [`FORMAT`].
pub fn load(path: &Path) -> Result<Record, RecordError> {
    let text =
        crate::fsutil::read_text(path, MAX_RECORD_BYTES).map_err(|source| RecordError::Read {
            path: path.to_owned(),
            source,
        })?;
    parse(path, &text)
}

/// The record of `path` is of a provider this build knows (`known`: their names, as the
/// application lists them).
pub fn known_provider(path: &Path, record: &Record, known: &[&str]) -> Result<(), RecordError> {
    if known.contains(&record.provider.as_str()) {
        return Ok(());
    }
    Err(RecordError::UnknownProvider {
        path: path.to_owned(),
        provider: record.provider.clone(),
        known: known.join(", "),
    })
}

/// Two records (named by their paths) can be compared: both of the same provider, one of
/// `known`.
pub fn comparable(
    (old_path, old): (&Path, &Record),
    (new_path, new): (&Path, &Record),
    known: &[&str],
) -> Result<(), RecordError> {
    known_provider(old_path, old, known)?;
    known_provider(new_path, new, known)?;
    if old.provider == new.provider {
        return Ok(());
    }
    Err(RecordError::Providers {
        old_path: old_path.to_owned(),
        old: old.provider.clone(),
        new_path: new_path.to_owned(),
        new: new.provider.clone(),
    })
}

/// Parses a record's text (`path` names it in errors).
pub fn parse(path: &Path, text: &str) -> Result<Record, RecordError> {
    let not_a_record = |message: String| RecordError::NotARecord {
        path: path.to_owned(),
        message,
    };
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| not_a_record(format!("not JSON ({e})")))?;
    match value.get("format").and_then(serde_json::Value::as_str) {
        Some(FORMAT) => {}
        Some(other) if other.starts_with("pay-conformance-record/") => {
            return Err(RecordError::Version {
                path: path.to_owned(),
                found: other.to_owned(),
            });
        }
        Some(other) => return Err(not_a_record(format!("its format is `{other}`"))),
        None => return Err(not_a_record("it has no `format`".to_owned())),
    }
    serde_json::from_value(value).map_err(|e| not_a_record(e.to_string()))
}

/// The record as it is written: pretty JSON, every key and string through
/// [`crate::redact()`] (one by one, so that a mask never breaks the JSON), ending with a
/// newline.
pub fn to_text(record: &Record) -> String {
    let mut value = serde_json::to_value(record).unwrap_or_default();
    redact_strings(&mut value);
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
    text.push('\n');
    text
}

fn redact_strings(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::String(text) => {
            if let std::borrow::Cow::Owned(masked) = crate::redact::redact(text) {
                *text = masked;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact_strings),
        Value::Object(members) => {
            let taken = std::mem::take(members);
            for (key, mut item) in taken {
                redact_strings(&mut item);
                members.insert(crate::redact::redact(&key).into_owned(), item);
            }
        }
        _ => {}
    }
}

/// Writes `record` to `path`.
pub fn save(record: &Record, path: &Path) -> Result<(), RecordError> {
    std::fs::write(path, to_text(record)).map_err(|source| RecordError::Write {
        path: path.to_owned(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_files_are_refused_with_their_reason() {
        let p = Path::new("r.json");
        let err = |text: &str| parse(p, text).unwrap_err().to_string();
        assert!(err("{").contains("not JSON"));
        assert!(err("{}").contains("no `format`"));
        assert!(err(r#"{"format": "junit"}"#).contains("`junit`"));
        assert!(err(r#"{"format": "pay-conformance-record/9"}"#).contains("this build reads"));
        assert!(err(r#"{"format": "pay-conformance-record/1"}"#).contains("missing field"));
        let missing = load(Path::new("/no/such/record.json")).unwrap_err();
        assert!(missing.to_string().contains("cannot read record"));
    }

    #[test]
    fn masks_never_break_the_json() {
        let mut value = serde_json::json!({"a": ["x signature=abc\" y", {"Authorization: k": 1}]});
        redact_strings(&mut value);
        let text = value.to_string();
        assert!(!text.contains("abc") && !text.contains(": k"), "{text}");
        assert!(serde_json::from_str::<serde_json::Value>(&text).is_ok());
    }
}
