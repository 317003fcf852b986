//! `pay-conformance`: run the conformance suite, serve the double, list faults and steps.
//! Exit codes: 0 conforming, 1 deviations found, 2 usage or configuration error,
//! 3 inconclusive only.

fn main() {
    pay_conformance::app::init();
    pay_conformance::redact::install_panic_hook();
    let code = pay_conformance::app::cli::main();
    std::process::exit(code);
}
