//! `diff` and `run --record` as commands: exit codes, variants over `serve`, learned noise, every provider.

use super::*;

#[test]
fn the_commands_exit_as_documented() {
    let dir = std::env::temp_dir().join(format!("pc-record-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = |name: &str| dir.join(name).display().to_string();
    let run = |args: &[&str]| {
        let out = common::command(args).output().expect("binary runs");
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        (out.status.code(), text)
    };
    let (old, new, broken) = (path("old.json"), path("new.json"), path("broken.json"));
    assert_eq!(run(&["run", "--record", &old, "--repeat", "2"]).0, Some(0));
    let written = std::fs::read_to_string(&old).unwrap();
    assert!(written.contains("\"settings\"") && written.contains("\"runs\": 2"));
    assert_matches_schema(&written);
    assert_eq!(
        run(&["run", "--record", &new, "--variant", "detail-extra-field"]).0,
        Some(0)
    );
    let (code, text) = run(&["diff", &old, &new]);
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains("/data/confirmations") && text.contains("exit 0"),
        "{text}"
    );
    assert_eq!(
        run(&[
            "run",
            "--fault",
            "detail-missing-field",
            "--record",
            &broken
        ])
        .0,
        Some(1)
    );
    let (code, text) = run(&["diff", &old, &broken, "--json"]);
    assert_eq!(code, Some(1), "{text}");
    let json: serde_json::Value = serde_json::from_str(&text).expect("--json is JSON");
    assert!(json["breaking"].as_u64().unwrap() > 0);
    // --baseline: the run's verdict first (1: deviations); a conforming run with breaking
    // changes since the baseline is 1 too (the variant's field is gone); allowed ones are 0.
    let (code, text) = run(&["run", "--fault", "detail-missing-field", "--baseline", &old]);
    assert_eq!(code, Some(1), "{text}");
    let (code, text) = run(&["run", "--baseline", &new]);
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("CONFORMING") && text.contains("field gone"),
        "{text}"
    );
    assert_eq!(
        run(&["run", "--baseline", &old, "--variant", "other-msg-texts"]).0,
        Some(0)
    );
    // Bad records: exit 2 with the reason.
    std::fs::write(path("junk.json"), "not json").unwrap();
    std::fs::write(path("v9.json"), r#"{"format": "pay-conformance-record/9"}"#).unwrap();
    for (file, why) in [
        (path("junk.json"), "not JSON"),
        (path("v9.json"), "this build reads"),
        (path("missing.json"), "cannot read record"),
        ("/dev/zero".to_owned(), "cannot read record"),
    ] {
        let (code, text) = run(&["diff", &old, &file]);
        assert_eq!(code, Some(2), "{file}: {text}");
        assert!(text.contains(why), "{file}: {text}");
    }
    assert_eq!(run(&["run", "--baseline", &path("junk.json")]).0, Some(2));
    assert_eq!(run(&["run", "--variant", "no-such"]).0, Some(2));
    let (code, text) = run(&["variants"]);
    assert_eq!(code, Some(0));
    assert!(text.contains("reclose-answers-12001"), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn serve_with_a_variant_diffs_as_a_sandbox_would() {
    let served = common::serve(&["--variant", "reclose-answers-12001"], &[]);
    assert!(served.printed().contains("http://127.0.0.1:"));
    let dir = std::env::temp_dir().join(format!("pc-record-serve-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (double, sandbox) = (dir.join("double.json"), dir.join("sandbox.json"));
    let tags = "@close and not @needs-second-merchant";
    let out = common::command(&["run", "--tags", tags, "--record"])
        .arg(&double)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let out = common::command(&["run", "--tags", tags, "--rate-limit", "0", "--base-url"])
        .arg(&served.url)
        .arg("--record")
        .arg(&sandbox)
        .envs([
            ("TTPAY_APP_ID", "double-app-0001"),
            ("TTPAY_MCH_ID", "9000000001"),
            ("TTPAY_APP_SECRET", "DOUBLE-ONLY-FAKE-SECRET-NUMBER-1"),
            ("TTPAY_PAID_OUT_TRADE_NO", "PAID-ORDER-0001"),
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        served
            .printed()
            .contains("variant in force: reclose-answers-12001")
    );
    let found = changes(
        &record::load(&double).unwrap(),
        &record::load(&sandbox).unwrap(),
    );
    assert_eq!(found.breaking(), 0, "{:#?}", shown(&found));
    assert!(find(&found, Kind::Allowed, "/v1/transaction/close", "/code").is_some());
    let written = std::fs::read_to_string(&sandbox).unwrap();
    assert!(!written.contains("DOUBLE-ONLY-FAKE-SECRET-NUMBER-1"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn learned_noise_hides_what_two_records_of_the_old_provider_differ_in() {
    let (clean, _) = record("ttpay", None, None).await;
    let (varied, _) = record("ttpay", None, Some("detail-extra-field")).await;
    // A "second record of the old provider" that differed in that field: its changes are noise.
    let noise = diff::varying(&clean, &varied);
    assert!(
        noise.iter().any(|p| p.pointer == "/data/confirmations"),
        "{noise:?}"
    );
    let found = diff::diff(&clean, &varied, &DiffOptions { noise });
    assert!(shown(&found).is_empty(), "{:#?}", shown(&found));
    assert!(found.count(Kind::Noise) > 0);
    let text = record::render::text(&found, true);
    assert!(
        text.contains("noise") && text.contains("/data/confirmations"),
        "{text}"
    );
}

/// Every registered provider: two clean records show no change; each of its variants conforms
/// and shows an allowed or additive change at its endpoint, none breaking; every fourth fault
/// of its catalogue shows a breaking change at an endpoint where it deviates.
#[tokio::test]
async fn every_provider_records_and_diffs() {
    for provider in pay_conformance::providers::all() {
        let name = provider.name();
        let (a, verdict) = match try_record(name, None, None).await {
            Ok(done) => done,
            Err(why) => {
                eprintln!("{name}: skipped, no embedded run in this build: {why}");
                continue;
            }
        };
        assert_eq!(verdict, Verdict::Conforming, "{name}");
        assert!(!a.scenarios.is_empty(), "{name}");
        let (b, _) = record(name, None, None).await;
        let found = changes(&a, &b);
        assert!(shown(&found).is_empty(), "{name}: {:#?}", shown(&found));
        for variant in provider.variants() {
            let (varied, verdict) = record(name, None, Some(variant.name)).await;
            assert_eq!(verdict, Verdict::Conforming, "{name} {}", variant.name);
            let found = changes(&a, &varied);
            assert_eq!(
                found.breaking(),
                0,
                "{name} {}: {:#?}",
                variant.name,
                shown(&found)
            );
            let at_endpoint = shown(&found)
                .iter()
                .any(|c| variant.endpoint == "*" || c.endpoint == variant.endpoint);
            assert!(at_endpoint, "{name} {}: nothing shown", variant.name);
        }
        for fault in provider.faults().iter().step_by(4) {
            let (broken, _) = record(name, Some(fault.name), None).await;
            let found = changes(&a, &broken);
            let deviating: Vec<&str> = broken
                .scenarios
                .iter()
                .flat_map(|s| s.deviations.iter().map(|d| d.endpoint.as_str()))
                .collect();
            let breaking_there = found
                .changes
                .iter()
                .any(|c| c.kind == Kind::Breaking && deviating.contains(&c.endpoint.as_str()));
            assert!(
                breaking_there,
                "{name} {}: {:#?}",
                fault.name,
                shown(&found)
            );
        }
    }
}

/// C7: the embedded double reads amounts back scaled when the suite sends major units, as sent
/// when it sends minor ones. Each record notes its run's reading (`observed`); another reading
/// in the new record is a breaking change, whatever else differs.
#[tokio::test]
async fn a_change_of_amount_reading_is_breaking() {
    let record_with = |minor: bool| async move {
        let mut args = RunArgs {
            tags: Some("@C7".into()),
            ..RunArgs::default()
        };
        if minor {
            args.providers.ttpay.amount_unit = Some(pay_conformance::ttpay::AmountUnit::Minor);
        }
        let config = RunConfig::resolve(&args, &|_| None).expect("config");
        let report = config.run().await.expect("run");
        assert_eq!(report.verdict(), Verdict::Conforming);
        Record::of(&report, "ttpay")
    };
    let scaled = record_with(false).await;
    let as_sent = record_with(true).await;
    let note = |r: &Record| {
        r.observed
            .iter()
            .map(|o| o.note.clone())
            .collect::<Vec<_>>()
    };
    assert!(
        note(&scaled)[0].starts_with("amounts are returned scaled"),
        "{:?}",
        note(&scaled)
    );
    assert!(
        note(&as_sent)[0].starts_with("amounts are returned as sent"),
        "{:?}",
        note(&as_sent)
    );
    let found = changes(&scaled, &as_sent);
    let change = find(
        &found,
        Kind::Breaking,
        "/v1/transaction/query",
        "(observed for the run)",
    )
    .unwrap_or_else(|| panic!("{:#?}", shown(&found)));
    assert!(
        change
            .what
            .contains("[C7] was: amounts are returned scaled"),
        "{}",
        change.what
    );
    assert_eq!(found.exit_code(), 1);
    assert!(
        find(
            &changes(&scaled, &scaled),
            Kind::Breaking,
            "/v1/transaction/query",
            "(observed for the run)"
        )
        .is_none()
    );
    let text = record::to_text(&scaled);
    assert_eq!(
        record::parse(std::path::Path::new("x"), &text).expect("reads back"),
        scaled
    );
}
