//! A test that needs a tool the machine may lack (an SDK, `node`, `python3` with
//! `cryptography`, `xmllint`). Under `CI=true` a missing tool FAILS the test, with the install
//! hint: a CI job must not go green on what it did not check. Locally the test is skipped and
//! says so where `cargo test` shows it: the line is written to the process's stderr directly
//! (`std::io::Write`), which libtest does not capture — `eprintln!` would be captured and
//! hidden for a passing test.

use std::io::Write as _;

/// Whether this is a CI run (`CI=true` or `CI=1`, as CI services and `.ci/run` set it).
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// `true` when `test` must stop here because `missing` names what it lacks (and `hint` says
/// how to install it); panics instead under CI. `false` (nothing said) when nothing is missing.
pub fn skipped(test: &str, missing: Option<String>, hint: &str) -> bool {
    let Some(why) = missing else {
        return false;
    };
    let line = format!("SKIPPED {test}: {why} — {hint}");
    if in_ci() {
        panic!("{line}\n(CI=true: a test whose tool is missing fails rather than skip)");
    }
    // Uncaptured on purpose: cargo test shows it next to the test's `ok`.
    let _ = writeln!(std::io::stderr(), "{line}");
    true
}

/// Why `program args…` cannot be used, if it cannot: not found, or a failing exit.
pub fn unusable(program: &str, args: &[&str]) -> Option<String> {
    match std::process::Command::new(program).args(args).output() {
        Ok(out) if out.status.success() => None,
        Ok(out) => Some(format!(
            "`{program} {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .last()
                .unwrap_or_default()
        )),
        Err(e) => Some(format!("`{program}` cannot run ({e})")),
    }
}

/// `python3` with the `cryptography` module, or why not.
pub fn python_cryptography_missing() -> Option<String> {
    unusable("python3", &["-c", "import cryptography"])
}

/// The hint for Python's `cryptography`.
pub const PIP_CRYPTOGRAPHY: &str = "install it: pip install cryptography (.ci/run does)";
