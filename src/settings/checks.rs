//! Checks of values a run would otherwise trip over halfway: identifiers that would break the
//! header they are signed into, and report paths that cannot be written — each said before
//! anything is sent.

use std::path::{Path, PathBuf};

use crate::error::ConfigError;

/// An identifier (`app_id`, `mch_id`, an order number) goes into a `key=value,…` header and
/// JSON bodies as it is: no CR/LF or other control characters, no `,`, `=`, spaces, quotes.
pub fn identifier(name: &str, value: &str) -> Result<(), ConfigError> {
    let bad = value
        .chars()
        .find(|c| c.is_control() || c.is_whitespace() || matches!(c, ',' | '=' | '"' | '\\' | ';'));
    let problem = match bad {
        _ if value.is_empty() => "is empty".to_owned(),
        Some(c) => format!("contains {c:?}"),
        None if value.len() > 128 => format!("is {} bytes long (at most 128)", value.len()),
        None => return Ok(()),
    };
    Err(ConfigError::Invalid {
        what: format!(
            "{name} {problem}: an identifier goes into the signed Authorization header as it is\n(hint: letters, digits, `-`, `_`, `.` — check for a stray newline or space when it was pasted)"
        ),
    })
}

/// An identifier of a documented form: first [`identifier`] (so a CR/LF or separator is named
/// without the value), then `fits`; `form` says what the provider's pages give (`digits, at
/// most 32`), `example` one of theirs.
pub fn of_form(
    name: &str,
    value: &str,
    form: &str,
    example: &str,
    fits: impl Fn(&str) -> bool,
) -> Result<(), ConfigError> {
    identifier(name, value)?;
    if fits(value) {
        return Ok(());
    }
    Err(ConfigError::Invalid {
        what: format!(
            "{name} `{value}` is not of the documented form: {form}\n(hint: e.g. `{example}`, as the merchant platform shows it)"
        ),
    })
}

/// Every report path can be created and written, and no two name the same file. Files that
/// did not exist are removed again.
pub fn report_paths(paths: &[(&str, &Path)]) -> Result<(), ConfigError> {
    let mut seen: Vec<(PathBuf, &str)> = Vec::new();
    for (flag, path) in paths {
        let fail = |message: String| ConfigError::Invalid {
            what: format!("{flag} {}: {message}", path.display()),
        };
        if path.as_os_str().is_empty() || path.is_dir() {
            return Err(fail("is a directory, not a file".into()));
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| fail(format!("cannot create its directory: {e}")))?;
        }
        let existed = path.exists();
        std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(path)
            .map_err(|e| fail(format!("cannot be written: {e}")))?;
        let resolved = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        if !existed {
            let _ = std::fs::remove_file(path);
        }
        if let Some((_, other)) = seen.iter().find(|(p, _)| *p == resolved) {
            return Err(fail(format!(
                "is the same file as {other}: each report needs its own"
            )));
        }
        seen.push((resolved, flag));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_that_would_break_the_header_are_refused() {
        assert!(identifier("TTPAY_APP_ID", "8e4b8c2e7c-app_1.x").is_ok());
        for bad in ["a\nb", "a\r", "a,b", "a=b", "a b", "", "\"q\""] {
            let e = identifier("TTPAY_MCH_ID", bad).unwrap_err().to_string();
            assert!(e.starts_with("TTPAY_MCH_ID "), "{e}");
        }
    }

    #[test]
    fn a_value_not_of_its_form_is_named_with_the_form() {
        let digits = |v: &str| v.bytes().all(|b| b.is_ascii_digit());
        assert!(of_form("X_ID", "1900000109", "digits", "1", digits).is_ok());
        let e = of_form("X_ID", "19a", "digits", "1", digits)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("X_ID `19a` is not of the documented form: digits"),
            "{e}"
        );
        let e = of_form("X_ID", "1\r\n2", "digits", "1", digits)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("X_ID contains '\\r'"), "{e}");
    }

    #[test]
    fn report_paths_must_be_writable_and_distinct() {
        let dir = std::env::temp_dir().join(format!("pc-paths-{}", std::process::id()));
        let a = dir.join("sub/a.xml");
        let b = dir.join("sub/../sub/a.xml");
        assert!(report_paths(&[("--junit", &a)]).is_ok());
        assert!(!a.exists(), "a probe file is removed again");
        let e = report_paths(&[("--junit", &a), ("--json", &b)]).unwrap_err();
        assert!(e.to_string().contains("same file as --junit"), "{e}");
        let e = report_paths(&[("--json", &dir)]).unwrap_err();
        assert!(e.to_string().contains("directory"), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
