//! `cargo test` runs the built-in features against the embedded double — the product's main
//! job — and fails unless every scenario passes and none is skipped. It also runs them with the
//! settings where the provider's docs disagree with themselves (GET query, timestamps in
//! seconds, amounts in major units), against a double configured the same way.
//!
//! A plain `main` (harness = false): cucumber drives its own runtime.

use pay_conformance::providers::ProviderArgs;
use pay_conformance::ttpay::{AmountUnit, QueryMethod, TimestampUnit, TtpayArgs};
use pay_conformance::{Outcome, RunArgs, RunConfig, RunReport};

fn config(args: RunArgs) -> RunConfig {
    RunConfig::resolve(&args, &|_| None).expect("the defaults resolve")
}

fn check(name: &str, report: &RunReport, failures: &mut Vec<String>) -> (usize, usize) {
    let counts = report.counts();
    let mut failed = 0;
    for s in &report.scenarios {
        if s.outcome != Outcome::Passed {
            failed += 1;
            failures.push(format!(
                "{name}: {} ({}) -> {:?}",
                s.name, s.location, s.outcome
            ));
            for d in &s.findings.deviations {
                failures.push(format!("    {d}"));
            }
        }
    }
    println!(
        "{name}: {} scenarios, {} requests, {:.2} s",
        report.scenarios.len(),
        counts.requests,
        report.elapsed.as_secs_f64()
    );
    (report.scenarios.len() - failed, failed)
}

/// A run of this suite takes well under a second per setting; a run that has not ended after
/// this long is stuck, and CI should hear so rather than wait for its own time limit.
const STALLED_AFTER: std::time::Duration = std::time::Duration::from_secs(300);

fn main() {
    pay_conformance::redact::install_panic_hook();
    std::thread::spawn(|| {
        std::thread::sleep(STALLED_AFTER);
        println!("suite: stalled for {STALLED_AFTER:?}; giving up");
        println!("0 passed, 1 failed");
        std::process::exit(1);
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let variants = [
        ("defaults", RunArgs::default()),
        (
            "GET query, seconds, major units",
            RunArgs {
                providers: ProviderArgs {
                    ttpay: TtpayArgs {
                        query_method: Some(QueryMethod::Get),
                        timestamp_unit: Some(TimestampUnit::S),
                        amount_unit: Some(AmountUnit::Major),
                        ..TtpayArgs::default()
                    },
                    ..ProviderArgs::default()
                },
                ..RunArgs::default()
            },
        ),
        (
            "one scenario at a time",
            RunArgs {
                concurrency: Some(1),
                ..RunArgs::default()
            },
        ),
    ];
    let mut failures = Vec::new();
    let (mut passed, mut failed) = (0, 0);
    for (name, args) in variants {
        let report = runtime
            .block_on(config(args).run())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(
            report.scenarios.len() >= 80,
            "{name}: only {} scenarios ran",
            report.scenarios.len()
        );
        let (p, f) = check(name, &report, &mut failures);
        passed += p;
        failed += f;
    }
    for line in &failures {
        println!("{line}");
    }
    println!("{passed} passed, {failed} failed");
    if failed > 0 {
        std::process::exit(1);
    }
}
