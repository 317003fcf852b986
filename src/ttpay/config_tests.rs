use std::collections::HashMap;

use rstest::rstest;

use super::*;
use crate::app::{RunArgs, RunConfig};
use crate::providers::ProviderArgs;
use crate::settings::{ResponseSignatures, Target};

const SECRET: &str = "0123456789abcdef0123456789abcdef";

fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |name| map.get(name).cloned()
}

fn remote() -> RunArgs {
    RunArgs {
        base_url: Some("https://sandbox.example/".into()),
        ..RunArgs::default()
    }
}

fn ttpay(args: &TtpayArgs, file: &str, vars: &[(&str, &str)], remote: bool) -> TtpaySettings {
    let mut file = FileSection::parse(file, None).unwrap();
    TtpaySettings::resolve(args, &mut file, &env(vars), remote).unwrap()
}

const MERCHANT: [(&str, &str); 3] = [
    ("TTPAY_APP_ID", "app"),
    ("TTPAY_MCH_ID", "123"),
    ("TTPAY_APP_SECRET", SECRET),
];

#[test]
fn embedded_needs_no_credentials_and_is_unpaced_and_strict() {
    let config = RunConfig::resolve(&RunArgs::default(), &env(&[])).unwrap();
    assert_eq!(config.provider.name(), "ttpay");
    assert_eq!(config.settings.target, Target::Embedded);
    assert_eq!(
        config.configured.settings()["merchant"],
        serde_json::Value::Null
    );
    assert_eq!(config.settings.rate_limit, 0);
    assert_eq!(
        config.settings.response_signatures,
        ResponseSignatures::Strict
    );
}

#[test]
fn remote_defaults_to_5_per_second_and_observe() {
    let config = RunConfig::resolve(&remote(), &env(&MERCHANT)).unwrap();
    assert_eq!(
        config.settings.target,
        Target::Remote("https://sandbox.example".into())
    );
    assert_eq!(config.settings.rate_limit, 5);
    assert_eq!(
        config.settings.response_signatures,
        ResponseSignatures::Observe
    );
    let settings = ttpay(&TtpayArgs::default(), "", &MERCHANT, true);
    let credentials = settings.credentials.unwrap();
    assert_eq!(credentials.merchant.app_id, "app");
    assert!(credentials.other.is_none());
}

#[rstest]
#[case(&[], "TTPAY_APP_ID")]
#[case(&[("TTPAY_APP_ID", "a")], "TTPAY_MCH_ID")]
#[case(&[("TTPAY_APP_ID", "a"), ("TTPAY_MCH_ID", "1")], "TTPAY_APP_SECRET")]
#[case(&[("TTPAY_APP_ID", "a"), ("TTPAY_MCH_ID", "1"), ("TTPAY_APP_SECRET", SECRET), ("TTPAY_OTHER_APP_ID", "b")], "TTPAY_OTHER_MCH_ID")]
fn remote_names_the_missing_variable(#[case] vars: &[(&str, &str)], #[case] missing: &str) {
    let e = RunConfig::resolve(&remote(), &env(vars)).unwrap_err();
    assert!(e.to_string().contains(missing), "{e}");
}

#[test]
fn a_short_secret_is_a_configuration_error_that_does_not_show_it() {
    let vars = env(&[
        ("TTPAY_APP_ID", "app"),
        ("TTPAY_MCH_ID", "123"),
        ("TTPAY_APP_SECRET", "tooshort-secret"),
    ]);
    let e = crate::error::report(&RunConfig::resolve(&remote(), &vars).unwrap_err());
    assert!(
        e.contains("TTPAY_APP_SECRET") && e.contains("32 bytes"),
        "{e}"
    );
    assert!(!e.contains("tooshort-secret"), "{e}");
}

#[rstest]
#[case(RunArgs { base_url: Some("not a url".into()), ..RunArgs::default() }, "not a URL")]
#[case(RunArgs { base_url: Some("ftp://host".into()), ..RunArgs::default() }, "http(s)")]
#[case(RunArgs { tags: Some("@a and and".into()), ..RunArgs::default() }, "tag expression")]
#[case(RunArgs { concurrency: Some(0), ..RunArgs::default() }, "concurrency")]
#[case(RunArgs { config: Some("/nonexistent/pc.toml".into()), ..RunArgs::default() }, "/nonexistent/pc.toml")]
#[case(RunArgs { base_url: Some("http://x".into()), fault: Some("f".into()), ..RunArgs::default() }, "embedded double only")]
#[case(RunArgs { fault: Some("no-such-fault".into()), ..RunArgs::default() }, "unknown fault")]
#[case(RunArgs { provider: Some("nopay".into()), ..RunArgs::default() }, "unknown provider `nopay`")]
fn bad_input_gets_one_clear_message(#[case] args: RunArgs, #[case] says: &str) {
    let e = RunConfig::resolve(&args, &env(&[])).unwrap_err();
    assert!(e.to_string().contains(says), "{e}");
}

fn config_file(name: &str, text: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("pc-config-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("pc.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn the_file_names_secret_variables_and_flags_win() {
    let text = "base_url = \"http://file.example\"\nrate_limit = 2\n[credentials]\napp_id = \"file-app\"\nmch_id = \"9\"\napp_secret_env = \"CI_SECRET\"\n";
    let args = RunArgs {
        config: Some(config_file("flags", text)),
        rate_limit: Some(7),
        ..RunArgs::default()
    };
    let config = RunConfig::resolve(&args, &env(&[("CI_SECRET", SECRET)])).unwrap();
    assert_eq!(
        config.settings.target,
        Target::Remote("http://file.example".into())
    );
    assert_eq!(config.settings.rate_limit, 7);
    assert_eq!(config.configured.settings()["merchant"], "file-app");
}

#[test]
fn the_ttpay_table_holds_its_settings_and_unknown_keys_are_refused() {
    let text = "[ttpay]\nprofile = \"tokenpay\"\nquery_method = \"get\"\n[ttpay.credentials]\napp_id = \"t-app\"\nmch_id = \"9\"\napp_secret_env = \"CI_SECRET\"\n";
    let settings = ttpay(&TtpayArgs::default(), text, &[("CI_SECRET", SECRET)], false);
    assert_eq!(settings.profile, Profile::Tokenpay);
    assert_eq!(settings.query_method, QueryMethod::Get);
    assert_eq!(settings.credentials.unwrap().merchant.app_id, "t-app");

    let args = RunArgs {
        config: Some(config_file("unknown", "rate_limit = 2\nrate_limt = 3\n")),
        ..RunArgs::default()
    };
    let e = RunConfig::resolve(&args, &env(&[]))
        .unwrap_err()
        .to_string();
    assert!(e.contains("line 2") && e.contains("rate_limt"), "{e}");
}

#[test]
fn production_is_the_profile_host() {
    let args = RunArgs {
        base_url: Some("production".into()),
        providers: ProviderArgs {
            ttpay: TtpayArgs {
                profile: Some(Profile::Tokenpay),
                ..TtpayArgs::default()
            },
            ..ProviderArgs::default()
        },
        ..RunArgs::default()
    };
    let config = RunConfig::resolve(&args, &env(&MERCHANT)).unwrap();
    assert_eq!(config.settings.target, Target::Production);
    assert_eq!(config.configured.settings()["profile"], "tokenpay");
    assert_eq!(
        Profile::Tokenpay.default_base_url(),
        "https://api.tokenpay.me"
    );
    assert_eq!(
        Profile::Tokenpay.user_agent(),
        "tokenpay API (https://tokenpay.me)"
    );
}
