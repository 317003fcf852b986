//! The flags parse and the arithmetic is right; no timing is asserted here.

use std::time::Duration;

use clap::Parser;

use super::*;

#[derive(Debug, Parser)]
struct Cli {
    #[command(flatten)]
    args: BenchArgs,
}

fn parse(args: &[&str]) -> Result<BenchArgs, clap::Error> {
    Cli::try_parse_from(std::iter::once("bench").chain(args.iter().copied())).map(|c| c.args)
}

#[test]
fn defaults_are_the_documented_ones() {
    let args = parse(&[]).expect("no flags");
    assert!(args.only.is_empty());
    assert_eq!(args.runs, 5);
    assert_eq!(args.latency, 50);
    assert_eq!(args.rate_limit, 5);
    assert_eq!(args.pacing_tags, None);
    assert!(args.providers.is_empty());
    assert_eq!(args.connections, vec![1, 16, 64]);
    assert_eq!(args.duration, 3);
    assert!(args.targets.is_empty() && args.json.is_none());
}

#[test]
fn every_flag_parses() {
    let args = parse(&[
        "--provider",
        "ttpay",
        "--provider",
        "wechatpay",
        "--only",
        "load",
        "--only",
        "pacing",
        "--runs",
        "2",
        "--latency",
        "20",
        "--rate-limit",
        "10",
        "--pacing-tags",
        "@close",
        "--connections",
        "2,4",
        "--duration",
        "1",
        "--target",
        "prism=http://127.0.0.1:4010",
        "--target",
        "http://localhost:12111/",
        "--json",
        "out.json",
        "--suite-concurrency",
        "8",
    ])
    .expect("valid flags");
    assert_eq!(args.providers, ["ttpay", "wechatpay"]);
    assert_eq!(args.only, vec![Part::Load, Part::Pacing]);
    assert_eq!(args.pacing_tags.as_deref(), Some("@close"));
    assert_eq!((args.runs, args.latency, args.rate_limit), (2, 20, 10));
    assert_eq!(args.connections, vec![2, 4]);
    assert_eq!((args.duration, args.suite_concurrency), (1, 8));
    assert_eq!(args.json.as_deref(), Some(std::path::Path::new("out.json")));
    let targets: Vec<Target> = args
        .targets
        .iter()
        .map(|t| Target::parse(t).expect("loopback"))
        .collect();
    assert_eq!(targets[0].name, "prism");
    assert_eq!(targets[0].url, "http://127.0.0.1:4010");
    assert_eq!(targets[1].name, "port 12111");
    assert_eq!(targets[1].url, "http://localhost:12111");
}

#[test]
fn bounds_are_enforced() {
    for bad in [
        &["--runs", "0"][..],
        &["--duration", "61"],
        &["--connections", "0"],
        &["--connections", "1,1000"],
        &["--rate-limit", "0"],
        &["--only", "everything"],
    ] {
        assert!(parse(bad).is_err(), "{bad:?} was accepted");
    }
}

#[test]
fn targets_must_be_loopback_http() {
    for bad in [
        "http://example.com",
        "ftp://127.0.0.1/",
        "prism=not a url",
        "10.0.0.1:80",
    ] {
        let e = Target::parse(bad).expect_err(bad).to_string();
        assert!(e.starts_with("invalid --target"), "{e}");
    }
    assert!(Target::parse("v6=http://[::1]:4010").is_ok());
}

#[test]
fn percentile_is_nearest_rank() {
    let ms = Duration::from_millis;
    let sorted: Vec<Duration> = (1..=100).map(ms).collect();
    assert_eq!(percentile(&sorted, 50.0), Some(ms(50)));
    assert_eq!(percentile(&sorted, 99.0), Some(ms(99)));
    assert_eq!(percentile(&sorted, 100.0), Some(ms(100)));
    assert_eq!(percentile(&sorted, 0.5), Some(ms(1)));
    let odd = [ms(10), ms(20), ms(30)];
    assert_eq!(percentile(&odd, 50.0), Some(ms(20)));
    assert_eq!(percentile(&odd, 99.0), Some(ms(30)));
    assert_eq!(percentile(&[ms(7)], 99.0), Some(ms(7)));
    assert_eq!(percentile(&[], 50.0), None);
    assert_eq!(percentile(&odd, 0.0), None);
    assert_eq!(percentile(&odd, 101.0), None);
}

#[test]
fn median_of_odd_and_even_counts() {
    assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
    assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
    assert_eq!(median(&[]), None);
}

#[test]
fn ratios_compare_each_target_with_the_first_level_by_level() {
    let level = |connections, per_second, p50_ms| LoadLevel {
        connections,
        offered_per_second: None,
        elapsed_ms: 1000.0,
        requests: 0,
        errors: 0,
        first_error: None,
        per_second,
        p50_ms,
        p99_ms: 0.0,
        max_ms: 0.0,
    };
    let target = |name: &str, levels| TargetLoad {
        provider: "p".into(),
        name: name.into(),
        mix: String::new(),
        url: String::new(),
        orders_created: 0,
        levels,
    };
    let load = [
        target("serve", vec![level(1, 1000.0, 1.0), level(16, 4000.0, 4.0)]),
        target("prism", vec![level(1, 500.0, 2.0), level(16, 1000.0, 16.0)]),
    ];
    let r = ratios(&load);
    assert_eq!(r.len(), 2);
    assert_eq!((r[0].throughput, r[0].p50), (0.5, 2.0));
    assert_eq!(
        (r[1].connections, r[1].throughput, r[1].p50),
        (16, 0.25, 4.0)
    );
    assert_eq!(r[0].against, "serve");
}
