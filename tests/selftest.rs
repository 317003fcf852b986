//! The suite proves itself on every `cargo test`: a clean pass on the conforming double, every
//! fault of the catalogue caught by a deviation of a rule it names, and no rule of the contract
//! without a scenario and a fault that shows the scenario can fail — for every provider.

use pay_conformance::providers;
use pay_conformance::{RuleKind, RunArgs, RunConfig, proof};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fault_is_caught_the_clean_run_passes_and_no_rule_is_a_gap() {
    for provider in providers::all() {
        let report = proof::selftest::run(*provider, &provider.faults(), &[], 8)
            .await
            .expect("selftest runs");
        let table = proof::render_selftest(&report);
        println!("{table}");
        assert!(
            report.clean_passed,
            "the conforming double must pass cleanly:\n{table}"
        );
        assert!(report.faults.len() >= 20, "{table}");
        let missed: Vec<&str> = report
            .faults
            .iter()
            .filter(|f| !f.caught)
            .map(|f| f.fault)
            .collect();
        assert!(missed.is_empty(), "missed faults {missed:?}:\n{table}");

        let features = provider.load_features(&[]).expect("features");
        let coverage = proof::coverage(provider.rules(), &features, &report);
        let gaps: Vec<&str> = coverage
            .iter()
            .filter(|c| c.is_gap())
            .map(|c| c.id)
            .collect();
        assert!(
            gaps.is_empty(),
            "gaps {gaps:?}:\n{}",
            proof::render_coverage(provider.rules(), &coverage)
        );
        let checked = provider
            .rules()
            .iter()
            .filter(|r| r.kind == RuleKind::Checked)
            .count();
        assert_eq!(coverage.len(), checked);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fault_no_scenario_sees_is_judged_missed() {
    // close-time-zero breaks X1; with only the create scenarios running, nothing can see it.
    let ttpay = providers::find(Some("ttpay")).expect("ttpay");
    let fault = ttpay.fault("close-time-zero").expect("known");
    let args = RunArgs {
        fault: Some(fault.name.into()),
        tags: Some("@create and not @close".into()),
        ..RunArgs::default()
    };
    let config = RunConfig::resolve(&args, &|_| None).expect("config");
    let blind = config.run().await.expect("runs");
    let verdict = proof::judge(fault, &blind);
    assert!(!verdict.caught, "{verdict:?}");
    assert!(verdict.caught_by.is_empty());

    let args = RunArgs {
        fault: Some(fault.name.into()),
        ..RunArgs::default()
    };
    let config = RunConfig::resolve(&args, &|_| None).expect("config");
    let seeing = config.run().await.expect("runs");
    let verdict = proof::judge(fault, &seeing);
    assert!(verdict.caught, "{verdict:?}");
    assert!(
        verdict
            .caught_by
            .iter()
            .any(|at| at.starts_with("features/ttpay/close.feature"))
    );
}
