use std::collections::HashMap;

use super::*;

fn env(vars: &[(&str, String)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect();
    move |name| map.get(name).cloned()
}

fn key_file() -> (std::path::PathBuf, String) {
    let key = PrivateKey::generate(2048).unwrap();
    let pem = key.to_pkcs8_pem();
    let path =
        std::env::temp_dir().join(format!("pc-wx-key-{}.pem", uuid::Uuid::new_v4().simple()));
    std::fs::write(&path, &pem).unwrap();
    (path, pem)
}

fn resolve(vars: &[(&str, String)], remote: bool) -> Result<WechatpaySettings, ConfigError> {
    WechatpaySettings::resolve(
        &WechatpayArgs::default(),
        &mut FileSection::empty(),
        &env(vars),
        remote,
    )
}

#[test]
fn the_embedded_double_needs_no_variables() {
    let s = resolve(&[], false).unwrap();
    assert!(s.credentials.is_none());
    assert_eq!(s.close_min_age, Duration::ZERO);
    assert_eq!(s.path_flavour, PathFlavour::Global);
}

#[test]
fn a_remote_target_names_what_is_missing() {
    let e = resolve(&[], true).unwrap_err().to_string();
    assert!(e.contains("WECHATPAY_MCHID"), "{e}");
    let (path, _) = key_file();
    let vars = [
        ("WECHATPAY_MCHID", "1900000109".to_owned()),
        ("WECHATPAY_APPID", "wxd678efh567hg6787".to_owned()),
        ("WECHATPAY_SERIAL_NO", "ABC".to_owned()),
        ("WECHATPAY_PRIVATE_KEY_FILE", path.display().to_string()),
    ];
    // Neither a platform key nor a certificate: the download needs the APIv3 key.
    let e = resolve(&vars, true).unwrap_err().to_string();
    assert!(e.contains("WECHATPAY_APIV3_KEY"), "{e}");
    let _ = std::fs::remove_file(path);
}

#[test]
fn keys_are_read_bounded_and_registered_as_secrets() {
    let (path, pem) = key_file();
    let vars = [
        ("WECHATPAY_MCHID", "1900000109".to_owned()),
        ("WECHATPAY_APPID", "wxd678efh567hg6787".to_owned()),
        ("WECHATPAY_SERIAL_NO", "ABC".to_owned()),
        ("WECHATPAY_PRIVATE_KEY_FILE", path.display().to_string()),
        (
            "WECHATPAY_APIV3_KEY",
            "0123456789abcdef0123456789abcdef".to_owned(),
        ),
        ("WECHATPAY_SUB_MCHID", "1900000201".to_owned()),
    ];
    let s = resolve(&vars, true).unwrap();
    let c = s.credentials.unwrap();
    assert!(matches!(c.platform, Platform::Download));
    assert_eq!(c.institution.unwrap().sp.mchid, "1900000109");
    let line = pem.lines().nth(1).unwrap();
    assert!(!crate::redact::redact(line).contains(line));
    assert!(
        !crate::redact::redact("k=0123456789abcdef0123456789abcdef")
            .contains("0123456789abcdef0123456789abcdef")
    );
    assert!(!format!("{:?}", c.merchant).contains(line));
    let _ = std::fs::remove_file(path);
}

#[test]
fn a_key_file_that_is_not_a_file_is_a_usage_error() {
    let vars = [
        ("WECHATPAY_MCHID", "1900000109".to_owned()),
        ("WECHATPAY_APPID", "wxd678efh567hg6787".to_owned()),
        ("WECHATPAY_SERIAL_NO", "ABC".to_owned()),
        ("WECHATPAY_PRIVATE_KEY_FILE", "/dev/zero".to_owned()),
    ];
    let e = resolve(&vars, true).unwrap_err();
    assert_eq!(e.exit_code(), 2);
    assert!(e.to_string().contains("not a regular file"), "{e}");
    let vars = [
        ("WECHATPAY_MCHID", "1900000109".to_owned()),
        ("WECHATPAY_APPID", "wxd678efh567hg6787".to_owned()),
        ("WECHATPAY_SERIAL_NO", "ABC".to_owned()),
        (
            "WECHATPAY_PRIVATE_KEY",
            "-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----".to_owned(),
        ),
    ];
    let e = resolve(&vars, true).unwrap_err().to_string();
    assert!(
        e.contains("WECHATPAY_PRIVATE_KEY") && !e.contains("nope"),
        "{e}"
    );
}

#[test]
fn the_table_takes_its_keys_and_refuses_others() {
    let mut file = FileSection::parse(
        "[wechatpay]\nclose_min_age_seconds = 300\npath_flavour = \"hk\"\ncurrency = \"USD\"\n",
        None,
    )
    .unwrap();
    let s =
        WechatpaySettings::resolve(&WechatpayArgs::default(), &mut file, &env(&[]), false).unwrap();
    assert_eq!(s.close_min_age, Duration::from_secs(300));
    assert_eq!(s.path_flavour, PathFlavour::Hk);
    assert_eq!(s.currency, "USD");
    let mut file = FileSection::parse("[wechatpay]\nclose_min_age = 3\n", None).unwrap();
    let e = WechatpaySettings::resolve(&WechatpayArgs::default(), &mut file, &env(&[]), false)
        .unwrap_err();
    assert!(e.to_string().contains("close_min_age"), "{e}");
    let args = WechatpayArgs {
        close_min_age: Some(7200),
        path_flavour: None,
    };
    let e =
        WechatpaySettings::resolve(&args, &mut FileSection::empty(), &env(&[]), false).unwrap_err();
    assert!(e.to_string().contains("3600"), "{e}");
}

#[test]
fn identifiers_are_required_and_of_their_documented_form() {
    let base = [
        ("WECHATPAY_MCHID", "1900000109".to_owned()),
        ("WECHATPAY_APPID", "wxd678efh567hg6787".to_owned()),
        ("WECHATPAY_SERIAL_NO", "ABC".to_owned()),
        (
            "WECHATPAY_PRIVATE_KEY_FILE",
            "/nonexistent/key.pem".to_owned(),
        ),
    ];
    let with = |name: &str, value: Option<&str>| -> String {
        let vars: Vec<(&str, String)> = base
            .iter()
            .filter(|(k, _)| *k != name)
            .cloned()
            .chain(value.map(|v| (name, v.to_owned())))
            .collect();
        resolve(&vars, true).unwrap_err().to_string()
    };
    let e = with("WECHATPAY_APPID", None);
    assert!(e.contains("WECHATPAY_APPID"), "{e}");
    let e = with("WECHATPAY_MCHID", Some("1900000109,1"));
    assert!(e.starts_with("WECHATPAY_MCHID contains ','"), "{e}");
    let e = with("WECHATPAY_SERIAL_NO", Some("ABC\r\nX-Evil: 1"));
    assert!(e.starts_with("WECHATPAY_SERIAL_NO contains '\\r'"), "{e}");
    let e = with("WECHATPAY_APPID", Some("wxd678\r\nefh"));
    assert!(e.starts_with("WECHATPAY_APPID contains '\\r'"), "{e}");
    let e = with("WECHATPAY_MCHID", Some("merchant-1"));
    assert!(
        e.contains("is not of the documented form: 1 to 32 digits"),
        "{e}"
    );
}
