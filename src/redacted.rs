//! Text already through [`crate::redact()`], and the only way to shorten text for display.
//!
//! A secret cut before it is redacted is no longer recognised (the first 119 characters of an
//! echoed signature would show), so every cut takes a [`Redacted`]: the order cannot regress.

use std::fmt;

/// Text with every registered secret, signature and `Authorization` value masked.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[serde(transparent)]
pub struct Redacted(String);

impl Redacted {
    /// `text`, redacted whole (before anything cuts it).
    pub fn new(text: &str) -> Self {
        Self(crate::redact::redact(text).into_owned())
    }

    /// The bytes as text (lossy), redacted whole.
    pub fn lossy(bytes: &[u8]) -> Self {
        Self::new(&String::from_utf8_lossy(bytes))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }

    /// At most `max` characters, `ellipsis` standing for the rest when there was more.
    pub fn cut_chars(&self, max: usize, ellipsis: &str) -> Redacted {
        match self.0.char_indices().nth(max) {
            Some((end, _)) => Redacted(format!("{}{ellipsis}", &self.0[..end])),
            None => self.clone(),
        }
    }

    /// At most `max` bytes (at a character boundary), saying how many there were in all.
    pub fn cut_bytes(&self, max: usize) -> Redacted {
        if self.0.len() <= max {
            return self.clone();
        }
        let mut end = max;
        while !self.0.is_char_boundary(end) {
            end -= 1;
        }
        Redacted(format!(
            "{}… ({} bytes in all)",
            &self.0[..end],
            self.0.len()
        ))
    }

    /// The same text with `f` applied to it; `f` must not bring a secret back (it maps
    /// characters: control characters to spaces, trimming…).
    pub fn map(&self, f: impl FnOnce(&str) -> String) -> Redacted {
        Redacted(f(&self.0))
    }
}

impl std::ops::Deref for Redacted {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<Redacted> for String {
    fn from(r: Redacted) -> String {
        r.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_secret_is_masked_before_it_is_cut() {
        let signature =
            "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0NTY3ODk=";
        crate::redact::register_signature(signature);
        let shown = Redacted::new(&format!("\"{signature}\"")).cut_chars(20, "...");
        assert!(!shown.contains("QUJDREVGR0hJSktM"), "{shown}");
        assert_eq!(Redacted::new("abcdef").cut_chars(3, "…").as_str(), "abc…");
        assert!(Redacted::new("ééé").cut_bytes(3).starts_with("é…"));
    }
}
