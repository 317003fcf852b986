//! `pay-conformance`: run the conformance suite, serve the double, list faults and steps.
//! Exit codes: 0 conforming, 1 deviations found, 2 usage or configuration error,
//! 3 inconclusive only.

/// mimalloc: `serve` and `proxy` run for days, their allocations churn (orders made and
/// forgotten, bodies copied for the judge); glibc's allocator let a proxy's RSS creep by a third
/// over a million requests where mimalloc keeps it flat (benches/RESULTS.md, the proxy's soak).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    pay_conformance::app::init();
    pay_conformance::redact::install_panic_hook();
    let code = pay_conformance::app::cli::main();
    std::process::exit(code);
}
