//! What `explore` prints and writes: each finding with its minimal case and a curl command
//! that reproduces it (the signature recomputed by `pay-conformance sign`, so no secret is
//! printed), the closing summary, the JSON and JUnit reports, and the cases file `--replay`
//! reads back. Every text goes out through [`crate::redact()`] (the caller's print, or
//! [`crate::report::write_file`]).

use std::path::Path;
use std::time::Duration;

use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};
use serde::{Deserialize, Serialize};

use super::{Found, Outcome};
use crate::error::ConfigError;
use crate::explorer::{Case, Who};

/// The most a cases file may hold.
const MAX_CASES_FILE: u64 = 16 * 1024 * 1024;

/// The finding, its minimal case and how to reproduce it.
pub fn finding_text(found: &Found, outcome: &Outcome) -> String {
    let d = &found.deviation;
    let mut out = format!(
        "✗ [{}] {} {}: expected {}, got {}\n",
        d.rule, d.endpoint, d.pointer, d.expected, d.actual
    );
    let changes: Vec<String> = found.case.mutations.iter().map(|m| m.describe()).collect();
    out.push_str(&format!(
        "  minimal case ({} shrink runs): {}{}{}\n",
        found.shrink_runs,
        if changes.is_empty() {
            "a valid request".to_owned()
        } else {
            changes.join("; ")
        },
        match found.case.who {
            Who::Merchant => "",
            Who::OtherMerchant => ", signed by another merchant",
            Who::BadSignature => ", with a signature that does not verify",
            Who::Unsigned => ", with no Authorization header",
            Who::Garbled => ", with an Authorization that is no signature",
        },
        found
            .case
            .method
            .as_deref()
            .map_or(String::new(), |m| format!(", sent with {m}"))
    ));
    out.push_str(&format!(
        "  request: {} {} {}\n",
        found.method, found.url, found.body
    ));
    if let Some(status) = found.status {
        out.push_str(&format!(
            "  answer: HTTP {status} {}\n",
            one_line(&found.answer, 300)
        ));
    }
    out.push_str(match found.case.who {
        Who::Unsigned | Who::Garbled => "  reproduce:\n",
        _ => "  reproduce (signed now):\n",
    });
    for line in curl(found, &outcome.provider).lines() {
        out.push_str(&format!("    {line}\n"));
    }
    out
}

/// The shell commands that send the minimal case again.
pub fn curl(found: &Found, provider: &str) -> String {
    let path = crate::signer::path_and_query(&found.url);
    let who = match found.case.who {
        Who::OtherMerchant => " --as other-merchant",
        _ => "",
    };
    // A create's order number must be new: the shell makes a fresh one.
    let body = match found.fresh.as_deref().and_then(|v| {
        let needle = format!("\"{v}\"");
        found.body.find(&needle).map(|at| (at, needle.len()))
    }) {
        Some((at, len)) => format!(
            "{}\"xp$(date +%s%N)\"{}",
            quote(&found.body[..=at]),
            quote(&found.body[at + len - 1..])
        ),
        None => quote(&found.body),
    };
    let mut out = format!("BODY={body}\n");
    if found.case.who == Who::Garbled {
        out.push_str("A=Authorization\n");
    }
    out.push_str(&format!(
        "curl -sS -X {} {}",
        found.method,
        quote(&found.url)
    ));
    for (name, value) in &found.headers {
        out.push_str(&format!(" -H {}", quote(&format!("{name}: {value}"))));
    }
    match found.case.who {
        Who::Unsigned => {}
        // Spelt through a variable: the redaction of every output masks what follows the
        // header's name, and this value is no secret.
        Who::Garbled => out.push_str(&format!(
            " -H \"$A: {}\"",
            crate::explorer::GARBLED_AUTHORIZATION
        )),
        _ => out.push_str(&format!(
            " -H \"$(pay-conformance sign --header --provider {provider}{who} {} {} --body \"$BODY\")\"",
            found.method,
            quote(&path)
        )),
    }
    out.push_str(" --data-binary \"$BODY\"");
    if found.case.who == Who::BadSignature {
        out.push_str(
            "\n# the case sent a signature that does not verify: change one character of it",
        );
    }
    out
}

/// `text` single-quoted for a POSIX shell.
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

fn one_line(text: &str, max: usize) -> String {
    let flat: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    match flat.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &flat[..at]),
        None => flat,
    }
}

/// The closing summary.
pub fn summary(outcome: &Outcome) -> String {
    let verdict = match outcome.exit_code() {
        crate::error::exit::DEVIATIONS => "DEVIATIONS FOUND",
        crate::error::exit::INCONCLUSIVE => "INCONCLUSIVE",
        _ => "NO FINDING",
    };
    let per: Vec<String> = outcome
        .per_endpoint
        .iter()
        .map(|(e, n)| format!("{e} {n}"))
        .collect();
    let mut out = format!(
        "{verdict}: {} cases ({}), {} requests (+{} shrinking), {} findings, seed {}, {:.1} s\n",
        outcome.cases,
        per.join(", "),
        outcome.requests - outcome.shrink_requests,
        outcome.shrink_requests,
        outcome.findings.len(),
        outcome.seed,
        outcome.elapsed_ms as f64 / 1000.0
    );
    for f in &outcome.findings {
        let d = &f.deviation;
        out.push_str(&format!(
            "  [{}] {} {} — {} case(s); first after {} requests\n",
            d.rule, d.endpoint, d.pointer, f.cases, f.requests_before
        ));
    }
    for why in &outcome.inconclusive {
        out.push_str(&format!("  inconclusive: {why}\n"));
    }
    if let Some(why) = &outcome.stopped {
        out.push_str(&format!("  stopped early: {why}\n"));
    }
    for limit in &outcome.limits {
        out.push_str(&format!("  note: {limit}\n"));
    }
    out
}

/// The JSON report.
pub fn json(outcome: &Outcome) -> String {
    #[derive(Serialize)]
    struct Document<'a> {
        tool: &'static str,
        version: &'static str,
        mode: &'static str,
        exit: i32,
        #[serde(flatten)]
        outcome: &'a Outcome,
    }
    let doc = Document {
        tool: "pay-conformance",
        version: env!("CARGO_PKG_VERSION"),
        mode: "explore",
        exit: outcome.exit_code(),
        outcome,
    };
    serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

/// The JUnit XML report: a suite per endpoint, a failing case per finding, a passing case for
/// the cases without one.
pub fn junit(outcome: &Outcome) -> String {
    let mut report = Report::new(format!("pay-conformance explore {}", outcome.provider));
    report.set_time(Duration::from_millis(outcome.elapsed_ms as u64));
    for (endpoint, cases) in &outcome.per_endpoint {
        let class = format!("explore.{}.{endpoint}", outcome.provider);
        let mut suite = TestSuite::new(class.clone());
        suite.add_property(Property::new("seed", outcome.seed.to_string()));
        let mut clean = TestCase::new(
            format!("{cases} generated cases"),
            TestCaseStatus::success(),
        );
        clean.set_classname(class.clone());
        suite.add_test_case(clean);
        for f in outcome.findings.iter().filter(|f| &f.explored == endpoint) {
            let d = &f.deviation;
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            status.set_message(format!(
                "{}: expected {}, got {}",
                d.pointer, d.expected, d.actual
            ));
            status.set_description(finding_text(f, outcome));
            let mut case =
                TestCase::new(format!("{} {} {}", d.rule, d.endpoint, d.pointer), status);
            case.set_classname(class.clone());
            suite.add_test_case(case);
        }
        report.add_test_suite(suite);
    }
    crate::report::junit::xml(&report)
}

/// The cases file: what `--replay` runs again.
#[derive(Debug, Serialize, Deserialize)]
pub struct CasesFile {
    pub provider: String,
    pub seed: u64,
    pub cases: Vec<Case>,
}

/// Writes the minimal case of every finding to `path`.
pub fn save(path: &Path, outcome: &Outcome) -> Result<(), ConfigError> {
    let file = CasesFile {
        provider: outcome.provider.clone(),
        seed: outcome.seed,
        cases: outcome.findings.iter().map(|f| f.case.clone()).collect(),
    };
    let text = serde_json::to_string_pretty(&file).unwrap_or_default();
    crate::report::write_file(path, &text)
}

/// Reads a cases file back, for `provider`.
pub fn load(path: &Path, provider: &str) -> Result<Vec<Case>, ConfigError> {
    let bad = |why: String| ConfigError::Invalid {
        what: format!("--replay {}: {why}", path.display()),
    };
    let text = crate::fsutil::read_text(path, MAX_CASES_FILE).map_err(|e| bad(e.to_string()))?;
    let file: CasesFile = serde_json::from_str(&text)
        .map_err(|e| bad(format!("not a cases file written by explore ({e})")))?;
    if file.provider != provider {
        return Err(bad(format!(
            "its cases are of provider {}, not {provider}\n(hint: --provider {})",
            file.provider, file.provider
        )));
    }
    Ok(file.cases)
}
