use std::collections::HashMap;

use rstest::rstest;

use super::*;

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

#[test]
fn embedded_needs_no_credentials_and_is_unpaced_and_strict() {
    let config = RunConfig::resolve(&RunArgs::default(), &env(&[])).unwrap();
    assert_eq!(config.target, Target::Embedded);
    assert!(config.credentials.is_none());
    assert_eq!(config.rate_limit, 0);
    assert_eq!(config.response_signatures, ResponseSignatures::Strict);
}

#[test]
fn remote_defaults_to_5_per_second_and_observe() {
    let vars = env(&[
        ("TTPAY_APP_ID", "app"),
        ("TTPAY_MCH_ID", "123"),
        ("TTPAY_APP_SECRET", SECRET),
    ]);
    let config = RunConfig::resolve(&remote(), &vars).unwrap();
    assert_eq!(
        config.target,
        Target::Remote("https://sandbox.example".into())
    );
    assert_eq!(config.rate_limit, 5);
    assert_eq!(config.response_signatures, ResponseSignatures::Observe);
    let credentials = config.credentials.unwrap();
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
fn bad_input_gets_one_clear_message(#[case] args: RunArgs, #[case] says: &str) {
    let e = RunConfig::resolve(&args, &env(&[])).unwrap_err();
    assert!(e.to_string().contains(says), "{e}");
}

#[test]
fn the_file_names_secret_variables_and_flags_win() {
    let dir = std::env::temp_dir().join(format!("pc-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("pc.toml");
    std::fs::write(
        &path,
        "base_url = \"http://file.example\"\nrate_limit = 2\n[credentials]\napp_id = \"file-app\"\nmch_id = \"9\"\napp_secret_env = \"CI_SECRET\"\n",
    )
    .unwrap();
    let args = RunArgs {
        config: Some(path),
        rate_limit: Some(7),
        ..RunArgs::default()
    };
    let config = RunConfig::resolve(&args, &env(&[("CI_SECRET", SECRET)])).unwrap();
    assert_eq!(config.target, Target::Remote("http://file.example".into()));
    assert_eq!(config.rate_limit, 7);
    assert_eq!(config.credentials.unwrap().merchant.app_id, "file-app");
}

#[test]
fn production_is_the_profile_host() {
    let vars = env(&[
        ("TTPAY_APP_ID", "app"),
        ("TTPAY_MCH_ID", "123"),
        ("TTPAY_APP_SECRET", SECRET),
    ]);
    let args = RunArgs {
        base_url: Some("production".into()),
        profile: Some(Profile::Tokenpay),
        ..RunArgs::default()
    };
    let config = RunConfig::resolve(&args, &vars).unwrap();
    assert_eq!(
        config.target,
        Target::Remote("https://api.tokenpay.me".into())
    );
    assert_eq!(
        config.profile.user_agent(),
        "tokenpay API (https://tokenpay.me)"
    );
}
