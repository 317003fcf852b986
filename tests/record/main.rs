//! Behaviour records and their diff, over real HTTP (the embedded double on a loopback port):
//! two clean records show no change; each variant shows an allowed or additive change at the
//! endpoint and pointer it acts on, and no breaking one; a sample of faults shows a breaking
//! change where the fault acts. Plus the format (JSON Schema, size) and the commands' exit
//! codes.

mod commands;

#[path = "../common/mod.rs"]
mod common;

use std::time::Instant;

use pay_conformance::record::diff::{self, Change, Changes, DiffOptions, Kind};
use pay_conformance::record::{self, Record};
use pay_conformance::{RunArgs, RunConfig, Verdict};

/// A record of a full run of `provider` with `fault` or `variant`.
async fn record(provider: &str, fault: Option<&str>, variant: Option<&str>) -> (Record, Verdict) {
    try_record(provider, fault, variant).await.expect("run")
}

/// The same, or why the provider cannot run on an embedded double in this build.
async fn try_record(
    provider: &str,
    fault: Option<&str>,
    variant: Option<&str>,
) -> Result<(Record, Verdict), String> {
    let args = RunArgs {
        provider: Some(provider.to_owned()),
        fault: fault.map(str::to_owned),
        variant: variant.map(str::to_owned),
        // As `run --record` does: every scenario keeps its exchanges, passed ones too.
        record: pay_conformance::record::cli::RecordArgs {
            record: Some(std::env::temp_dir().join("pc-record-unused.json")),
            ..Default::default()
        },
        ..RunArgs::default()
    };
    let config = RunConfig::resolve(&args, &|_| None).map_err(|e| e.to_string())?;
    let report = config.run().await.map_err(|e| e.to_string())?;
    Ok((Record::of(&report, provider), report.verdict()))
}

fn changes(old: &Record, new: &Record) -> Changes {
    diff::diff(old, new, &DiffOptions::default())
}

fn find<'a>(changes: &'a Changes, kind: Kind, endpoint: &str, pointer: &str) -> Option<&'a Change> {
    changes
        .changes
        .iter()
        .find(|c| c.kind == kind && c.endpoint == endpoint && c.pointer == pointer)
}

fn shown(changes: &Changes) -> Vec<&Change> {
    changes
        .changes
        .iter()
        .filter(|c| c.kind != Kind::Noise)
        .collect()
}

#[tokio::test]
async fn two_clean_records_show_no_change() {
    let (a, verdict) = record("ttpay", None, None).await;
    assert_eq!(verdict, Verdict::Conforming);
    let (b, _) = record("ttpay", None, None).await;
    let found = changes(&a, &b);
    assert!(shown(&found).is_empty(), "{:#?}", shown(&found));
    assert_eq!(found.exit_code(), 0);
}

/// (variant, kind, endpoint, pointer) — where each variant must show.
const VARIANTS: [(&str, Kind, &str, &str); 4] = [
    (
        "detail-extra-field",
        Kind::Additive,
        "/v1/transaction/query",
        "/data/confirmations",
    ),
    (
        "other-msg-texts",
        Kind::Allowed,
        "/v1/transaction/query",
        "/msg",
    ),
    (
        "reclose-answers-12001",
        Kind::Allowed,
        "/v1/transaction/close",
        "/code",
    ),
    (
        "response-timestamp-seconds",
        Kind::Allowed,
        "/v1/transaction/prepayment",
        "(header ttpay-timestamp)",
    ),
];

#[tokio::test]
async fn each_variant_conforms_and_shows_an_allowed_or_additive_change() {
    let (clean, _) = record("ttpay", None, None).await;
    for (variant, kind, endpoint, pointer) in VARIANTS {
        let (varied, verdict) = record("ttpay", None, Some(variant)).await;
        assert_eq!(verdict, Verdict::Conforming, "{variant} is not a fault");
        let found = changes(&clean, &varied);
        assert_eq!(found.breaking(), 0, "{variant}: {:#?}", shown(&found));
        assert_eq!(found.exit_code(), 0, "{variant}");
        assert!(
            find(&found, kind, endpoint, pointer).is_some(),
            "{variant}: no {kind:?} change at {endpoint} {pointer}: {:#?}",
            shown(&found)
        );
    }
}

/// (fault, endpoint, pointer) — where each fault acts.
const FAULTS: [(&str, &str, &str); 7] = [
    (
        "detail-missing-field",
        "/v1/transaction/query",
        "/data/service_amount_currency",
    ),
    (
        "trade-state-out-of-enum",
        "/v1/transaction/query",
        "/data/trade_state",
    ),
    (
        "time-in-seconds",
        "/v1/transaction/query",
        "/data/create_time",
    ),
    ("code-as-string", "/v1/transaction/close", "/code"),
    (
        "http-500-on-error",
        "/v1/transaction/prepayment",
        "(http status)",
    ),
    (
        "unsigned-responses",
        "/v1/transaction/query",
        "(header ttpay-signature)",
    ),
    (
        "reclose-moves-close-time",
        "/v1/transaction/query",
        "/data/close_time",
    ),
];

#[tokio::test]
async fn faults_show_a_breaking_change_where_they_act() {
    let (clean, _) = record("ttpay", None, None).await;
    for (fault, endpoint, pointer) in FAULTS {
        let (broken, verdict) = record("ttpay", Some(fault), None).await;
        assert_eq!(verdict, Verdict::Deviations, "{fault}");
        let found = changes(&clean, &broken);
        assert_eq!(found.exit_code(), 1, "{fault}");
        assert!(
            find(&found, Kind::Breaking, endpoint, pointer).is_some(),
            "{fault}: no breaking change at {endpoint} {pointer}: {:#?}",
            shown(&found)
        );
        if fault == "trade-state-out-of-enum" {
            let enum_change = |kind, what: &str| {
                found.changes.iter().any(|c| {
                    c.kind == kind && c.pointer == "/data/trade_state" && c.what.contains(what)
                })
            };
            assert!(enum_change(
                Kind::Breaking,
                "enum value SUCCESS seen nowhere"
            ));
            assert!(enum_change(Kind::Additive, "new enum value PAID"));
        }
    }
}

/// `text` is a record as `docs/record.schema.json` describes it.
fn assert_matches_schema(text: &str) {
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../../docs/record.schema.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    let value: serde_json::Value = serde_json::from_str(text).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&value)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .take(5)
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

#[tokio::test]
async fn a_real_record_matches_its_schema_is_small_and_diffs_fast() {
    let (a, _) = record("ttpay", None, None).await;
    let (b, _) = record("ttpay", Some("detail-missing-field"), None).await;
    let text = record::to_text(&a);
    assert!(text.len() < 1024 * 1024, "{} bytes", text.len());
    assert_matches_schema(&text);
    let started = Instant::now();
    let found = changes(&a, &b);
    let elapsed = started.elapsed();
    assert!(found.breaking() > 0);
    assert!(elapsed.as_secs_f64() < 1.0, "{elapsed:?}");
    for secret in [
        "DOUBLE-ONLY-FAKE-SECRET-NUMBER-1",
        "signature=",
        "TTPAY-AES-256-ECB",
    ] {
        assert!(!text.contains(secret), "{secret} written");
    }
}
