//! Secrets never leave: every line the tool writes — console, reports, logs, panic messages —
//! passes through [`redact`], which hides the registered secrets (app secrets, private keys —
//! a PEM key line by line too), `Authorization` values, request / response signatures, and
//! whatever each provider's [`redaction_patterns`](crate::Provider::redaction_patterns) name.

use std::borrow::Cow;
use std::sync::{LazyLock, OnceLock, RwLock};

use regex::Regex;

mod panic;

pub use panic::{QuietPanics, install_panic_hook};

/// What stands in for a hidden value.
pub const MASK: &str = "<redacted>";

static SECRETS: RwLock<Vec<String>> = RwLock::new(Vec::new());

/// Every signature the suite sent, hidden by value wherever it shows up (a target that echoes
/// one): looked up per Base64-looking token, so that thousands cost no more than a few.
static SIGNATURES: LazyLock<RwLock<Signatures>> = LazyLock::new(Default::default);

/// A run of Base64 (or JSON-escaped Base64) long enough to be a signature: what [`tokens`]
/// finds (the pattern is kept as its reference, in the tests).
#[cfg(test)]
static TOKEN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[A-Za-z0-9+/\\]{16,}={0,2}").expect("static pattern"));

/// The spans [`TOKEN`] matches in `text`, left to right: each maximal run of at least 16
/// characters of `[A-Za-z0-9+/\\]` with the (at most two) `=` after it. ASCII only, so the
/// spans fall on character boundaries.
fn tokens(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let bytes = text.as_bytes();
    let in_class = |b: u8| b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'\\';
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < bytes.len() {
            if !in_class(bytes[i]) {
                i += 1;
                continue;
            }
            let start = i;
            while i < bytes.len() && in_class(bytes[i]) {
                i += 1;
            }
            if i - start >= 16 {
                let mut pad = 0;
                while pad < 2 && i < bytes.len() && bytes[i] == b'=' {
                    i += 1;
                    pad += 1;
                }
                return Some((start, i));
            }
        }
        None
    })
}

/// The shortest secret [`register`] takes: masking a shorter one would garble messages
/// (every `a` of them, for a secret `a`).
pub const MIN_SECRET: usize = 8;

/// How many characters of a secret or signature identify it: a run this long of one is
/// hidden even where the rest was cut off (or something else follows it).
pub const HEAD: usize = 16;

/// The signatures sent, by their first [`HEAD`] characters (the shorter ones whole): a run of
/// Base64 that holds one of those heads shows a signature, whole or cut (and TTPay's
/// signatures, AES-ECB of messages that start alike, share heads: one entry serves many).
#[derive(Default)]
struct Signatures {
    heads: std::collections::HashSet<String>,
    short: std::collections::HashSet<String>,
}

impl Signatures {
    fn is_empty(&self) -> bool {
        self.heads.is_empty() && self.short.is_empty()
    }

    /// Whether `token` (escapes undone) is a short signature we sent, or holds the first
    /// [`HEAD`] characters of a longer one anywhere (the rest may be cut off).
    fn shows_one(&self, token: &str) -> bool {
        // Base64 has no backslash: whatever escaped it (`\\/`, `\\\\/`) goes.
        let plain: Cow<'_, str> = if token.contains('\\') {
            Cow::Owned(token.replace('\\', ""))
        } else {
            Cow::Borrowed(token)
        };
        let plain = plain.as_ref();
        if self.short.contains(plain) {
            return true;
        }
        if plain.len() < HEAD || !plain.is_ascii() {
            return false;
        }
        (0..=plain.len() - HEAD).any(|at| self.heads.contains(&plain[at..at + HEAD]))
    }
}

/// Registers a signature the suite sent, to be hidden by value from now on.
pub fn register_signature(signature: &str) {
    if signature.len() < MIN_SECRET {
        return;
    }
    let mut set = SIGNATURES.write().unwrap_or_else(|e| e.into_inner());
    match signature.get(..HEAD) {
        Some(head) if signature.is_ascii() => {
            if !set.heads.contains(head) {
                set.heads.insert(head.to_owned());
            }
        }
        _ => {
            set.short.insert(signature.to_owned());
        }
    }
}

/// What every provider's output hides: each pattern's first group is kept, the rest masked.
const ENGINE_PATTERNS: &[&str] = &[
    // `Authorization: …` / `"authorization": "…"` — the whole value.
    // In JSON text (`\"` escapes inside the value) up to the string's closing quote, so the
    // masked text stays JSON.
    r#"(?i)(authorization"?\s*[:=]\s*"?)(?:\\.|[^"\\\r\n])+"#,
    // `signature=…` / `signature="…"` / `signature=\"…\"` (JSON-escaped) inside an
    // Authorization value that reached us otherwise: a quote is taken only with its pair.
    r#"(?i)(signature=)(?:\\"[^,\s"'\\]*\\"|"[^,\s"'\\]*"|(?:\\"|")?[^,\s"'\\]+)"#,
    // A PEM private key, whole.
    r"(-----BEGIN [A-Z ]*PRIVATE KEY-----)[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----",
];

/// Each provider's own patterns ([`redaction_patterns`](crate::Provider::redaction_patterns)),
/// handed in by the application before anything is redacted ([`crate::app::init`]): the engine
/// lists no provider.
static PROVIDER_PATTERNS: OnceLock<Vec<&'static str>> = OnceLock::new();

/// Hands in the providers' own patterns, once, before the first redaction; `false` when they
/// were handed in already (the first ones stay).
pub fn use_provider_patterns(patterns: Vec<&'static str>) -> bool {
    PROVIDER_PATTERNS.set(patterns).is_ok()
}

/// The patterns when the application handed in none: none (the unit tests of the library,
/// which have no application, take every provider's).
fn no_provider_patterns() -> Vec<&'static str> {
    #[cfg(test)]
    return crate::app::redaction_patterns();
    #[cfg(not(test))]
    Vec::new()
}

fn pattern_sources() -> impl Iterator<Item = &'static &'static str> {
    let providers = PROVIDER_PATTERNS.get_or_init(no_provider_patterns).iter();
    ENGINE_PATTERNS.iter().chain(providers)
}

static PATTERNS: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    pattern_sources()
        .map(|p| Regex::new(p).expect("static redaction pattern"))
        .collect()
});

/// [`PATTERNS`] as one set: whether any of them matches, in one scan.
static PATTERN_SET: LazyLock<regex::RegexSet> =
    LazyLock::new(|| regex::RegexSet::new(pattern_sources()).expect("static redaction patterns"));

/// Lines of a multi-line secret at least this long are hidden on their own too (a PEM key's
/// Base64 lines); shorter ones (`-----END …`) would hide innocent text.
const MIN_SECRET_LINE: usize = 16;

/// Registers a secret: from now on, no output shows it — nor, for a multi-line secret such as
/// a PEM key, any of its lines. `false` (and nothing registered) for a secret shorter than
/// [`MIN_SECRET`]: the caller refuses it, masking it would garble every message.
pub fn register(secret: &str) -> bool {
    let secret = secret.trim();
    if secret.len() < MIN_SECRET {
        return false;
    }
    let lines = secret
        .lines()
        .map(str::trim)
        .filter(|l| l.len() >= MIN_SECRET_LINE && secret.contains('\n'));
    let mut secrets = SECRETS.write().unwrap_or_else(|e| e.into_inner());
    for value in std::iter::once(secret).chain(lines) {
        if !secrets.iter().any(|s| s == value) {
            secrets.push(value.to_owned());
        }
    }
    // Longest first, so that a secret containing another is hidden whole.
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    true
}

/// `text` with every registered secret and every signature or authorization value masked.
pub fn redact(text: &str) -> Cow<'_, str> {
    let mut out = Cow::Borrowed(text);
    {
        let secrets = SECRETS.read().unwrap_or_else(|e| e.into_inner());
        for secret in secrets.iter() {
            if let Some(masked) = mask_secret(&out, secret) {
                out = Cow::Owned(masked);
            }
        }
    }
    {
        let signatures = SIGNATURES.read().unwrap_or_else(|e| e.into_inner());
        // The tokens found by a byte scan (as [`TOKEN`] would find them, without a regex
        // walking every long token twice), and the text rebuilt only when one is a signature.
        if !signatures.is_empty() {
            let mut masked: Option<String> = None;
            let mut last = 0;
            for (start, end) in tokens(&out) {
                // A backslash that ends a token escapes what follows it (`\"` in JSON text):
                // it stays, or the masked text would lose its quoting.
                let end = start + out[start..end].trim_end_matches('\\').len();
                if end > start && signatures.shows_one(&out[start..end]) {
                    let masked = masked.get_or_insert_with(|| String::with_capacity(out.len()));
                    masked.push_str(&out[last..start]);
                    masked.push_str(MASK);
                    last = end;
                }
            }
            if let Some(mut masked) = masked {
                masked.push_str(&out[last..]);
                out = Cow::Owned(masked);
            }
        }
    }
    // One scan for all the patterns: most texts match none of them.
    if !PATTERN_SET.is_match(&out) {
        return out;
    }
    for pattern in PATTERNS.iter() {
        if pattern.is_match(&out) {
            out = Cow::Owned(
                pattern
                    .replace_all(&out, |c: &regex::Captures<'_>| format!("{}{MASK}", &c[1]))
                    .into_owned(),
            );
        }
    }
    out
}

/// `text` with `secret` masked — and, for a secret of [`HEAD`] characters or more, any run of
/// its first [`HEAD`] characters or more (what a cut left of it); `None` when it shows none.
fn mask_secret(text: &str, secret: &str) -> Option<String> {
    let head = match secret.char_indices().nth(HEAD) {
        Some((end, _)) => &secret[..end],
        None if secret.chars().count() == HEAD => secret,
        None => {
            return text.contains(secret).then(|| text.replace(secret, MASK));
        }
    };
    if !text.contains(head) {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(head) {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        let shown: usize = tail
            .chars()
            .zip(secret.chars())
            .take_while(|(a, b)| a == b)
            .map(|(a, _)| a.len_utf8())
            .sum();
        out.push_str(MASK);
        rest = &tail[shown..];
    }
    out.push_str(rest);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hides_registered_secrets_and_signatures() {
        register("s3cr3t-s3cr3t-s3cr3t-s3cr3t-abcd");
        let line = "key s3cr3t-s3cr3t-s3cr3t-s3cr3t-abcd, Authorization: TTPAY-AES-256-ECB app_id=a,signature=QUJD+/=\nTTPay-Signature: WFla==";
        let out = redact(line);
        assert!(!out.contains("s3cr3t"), "{out}");
        assert!(!out.contains("QUJD"), "{out}");
        assert!(!out.contains("WFla"), "{out}");
        assert!(out.contains(MASK));
    }

    #[test]
    fn hides_pem_keys_whole_and_line_by_line() {
        let key = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj\n-----END PRIVATE KEY-----";
        register(key);
        let text = format!("loaded {key} ok");
        let out = redact(&text);
        assert!(!out.contains("MIIEvQ") && !out.contains("BKcwgg"), "{out}");
        let out = redact("a line leaked: BKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj");
        assert!(!out.contains("BKcwgg"), "{out}");
        let unregistered =
            "-----BEGIN RSA PRIVATE KEY-----\nAAAABBBBCCCC\n-----END RSA PRIVATE KEY-----";
        assert!(!redact(unregistered).contains("AAAABBBB"));
    }

    #[test]
    fn hides_what_a_cut_left_of_a_secret_or_a_signature() {
        register("cut-secret-0123456789-abcdefghij");
        let out = redact("shown: cut-secret-0123456…");
        assert!(!out.contains("cut-secret-0123"), "{out}");
        assert_eq!(
            redact("cut-secret-012"),
            "cut-secret-012",
            "too short to tell"
        );
        let signature = "WFlaMTIzNDU2Nzg5/GFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6QUJDREVGR0g=";
        register_signature(signature);
        for shown in [
            format!("\"{}...", &signature[..20]),
            format!("x{signature}y"),
            format!("({})", signature.replace('/', "\\/")),
        ] {
            let out = redact(&shown);
            assert!(!out.contains(&signature[..HEAD]), "{out}");
        }
        assert_eq!(redact(&signature[..HEAD - 1]), &signature[..HEAD - 1]);
    }

    #[test]
    fn the_token_scan_finds_what_the_pattern_finds() {
        let texts = [
            "",
            "short abc= AAAAAAAAAAAAAAA= x",
            r#"{"sign":"QUJDREVGR0hJSktMTU5PUFFSU1RVVldY==="}"#,
            "a+b/c\\/d0123456789abcdefg== then ZZZZZZZZZZZZZZZZ=",
            "émoji 😀 AAAAAAAAAAAAAAAAAAAA=é/+/+/+/+/+/+/+/+/+",
            "0123456789abcdef0123456789abcdef",
        ];
        for text in texts {
            let by_regex: Vec<(usize, usize)> = TOKEN
                .find_iter(text)
                .map(|m| (m.start(), m.end()))
                .collect();
            assert_eq!(tokens(text).collect::<Vec<_>>(), by_regex, "{text}");
        }
    }

    #[test]
    fn json_text_stays_json_and_shows_no_signature() {
        // A WeChat Pay Authorization value inside JSON (its quotes escaped), the signature
        // registered or not, with and without Base64 padding.
        let registered = "Q2hlY2tzVGhlSlNPTlN0YXlzSlNPTmFuZFNob3dzTm9TaWc";
        register_signature(registered);
        for signature in [
            registered,
            "Tm90UmVnaXN0ZXJlZEJ1dEFmdGVyU2lnbmF0dXJlPQ==",
            "c2lnPQ",
        ] {
            let value = format!(
                r#"WECHATPAY2-SHA256-RSA2048 mchid="1900000109",nonce_str="n0",timestamp="1",serial_no="AB",signature="{signature}""#
            );
            for json in [
                serde_json::json!({ "authorization": value }),
                serde_json::json!({ "request": format!("POST /v3/x\nAuthorization: {value}\nAccept: */*") }),
                serde_json::json!({ "excerpt": format!("…,signature=\"{signature}\"") }),
                serde_json::json!({ "excerpt": format!("app_id=a,signature={signature}") }),
            ] {
                let text = json.to_string();
                let out = redact(&text);
                let parsed: Result<serde_json::Value, _> = serde_json::from_str(&out);
                assert!(parsed.is_ok(), "not JSON any more: {out}");
                assert!(!out.contains(signature), "{out}");
            }
        }
    }

    #[test]
    fn leaves_clean_text_alone() {
        assert!(matches!(
            redact("nothing to hide here"),
            Cow::Borrowed("nothing to hide here")
        ));
    }
}
