//! `pay-conformance`: run the conformance suite, serve the double, list faults and steps.
//! Exit codes: 0 conforming, 1 deviations found, 2 usage or configuration error,
//! 3 inconclusive only.

mod cli;
mod qa_cli;
mod run_cli;

fn main() {
    pay_conformance::redact::install_panic_hook();
    let code = cli::main();
    std::process::exit(code);
}
