//! WeChat Pay's preflight against `serve --provider wechatpay`: each setup mistake is one
//! diagnosis, exit 2, in under 2 s — at config time (identifiers) or from the first signed
//! answers (signature, merchant, app id, not the API, platform key); the conforming setup
//! passes; no answer stays inconclusive.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use super::{BIN, Served, serve, text};

/// `serve --provider wechatpay` and the `WECHATPAY_*` variables it prints.
struct WxServed {
    served: Served,
    env: Vec<(String, String)>,
    dir: PathBuf,
}

impl WxServed {
    fn start(extra: &[&str]) -> WxServed {
        let dir = std::env::temp_dir().join(format!("pc-wxpre-{}", uuid::Uuid::new_v4().simple()));
        let mut child = Command::new(BIN)
            .args([
                "serve",
                "--provider",
                "wechatpay",
                "--port",
                "0",
                "--keys-dir",
            ])
            .arg(&dir)
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("serve starts");
        let stdout = child.stdout.take().expect("piped");
        let mut lines = BufReader::new(stdout).lines();
        let first = lines.next().expect("a first line").expect("readable");
        let url = first.rsplit(' ').next().expect("the URL").to_owned();
        let mut env = Vec::new();
        for line in lines.by_ref() {
            let line = line.expect("readable");
            if line.starts_with("# then:") {
                break;
            }
            let Some(words) = line.strip_prefix("export ") else {
                continue;
            };
            for word in words.split(' ') {
                if let Some((k, v)) = word.split_once('=') {
                    env.push((k.to_owned(), v.trim_matches('\'').to_owned()));
                }
            }
        }
        std::thread::spawn(move || for _ in lines {});
        WxServed {
            served: Served { child, url },
            env,
            dir,
        }
    }

    fn url(&self) -> &str {
        &self.served.url
    }

    /// Its variables with `changes` (`None`: unset).
    fn env_with(&self, changes: &[(&str, Option<&str>)]) -> Vec<(String, String)> {
        let mut env: Vec<(String, String)> = self
            .env
            .iter()
            .filter(|(k, _)| !changes.iter().any(|(c, _)| c == k))
            .cloned()
            .collect();
        for (k, v) in changes {
            if let Some(v) = v {
                env.push(((*k).to_owned(), (*v).to_owned()));
            }
        }
        env
    }

    fn file(&self, name: &str) -> String {
        self.dir.join(name).display().to_string()
    }
}

impl Drop for WxServed {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// `run --provider wechatpay` at `url` with exactly `env` of the `WECHATPAY_*` variables.
fn run_wx(url: &str, env: &[(String, String)], extra: &[&str]) -> (Output, Duration) {
    let mut command = Command::new(BIN);
    command
        .args(["run", "--provider", "wechatpay", "--base-url", url])
        .args(["--rate-limit", "0"])
        .args(extra);
    for (name, _) in std::env::vars() {
        if name.starts_with("WECHATPAY_") {
            command.env_remove(name);
        }
    }
    command.envs(env.iter().map(|(k, v)| (k, v)));
    let started = Instant::now();
    let out = command.output().expect("the binary runs");
    (out, started.elapsed())
}

/// Asserts exit 2 within 2 s, no deviation, and `needles` in the one diagnosis; prints the
/// time (the report's numbers).
fn diagnosed(case: &str, url: &str, env: &[(String, String)], needles: &[&str]) {
    let (out, elapsed) = run_wx(url, env, &[]);
    let all = text(&out);
    println!(
        "preflight case `{case}`: exit {:?} in {elapsed:?}",
        out.status.code()
    );
    assert_eq!(out.status.code(), Some(2), "{case}: {all}");
    for needle in needles {
        assert!(
            all.contains(needle),
            "{case}: expected `{needle}` in:\n{all}"
        );
    }
    assert!(!all.contains("DEVIATIONS"), "{case}: {all}");
    assert!(!all.contains("PASS"), "{case}: no scenario may run: {all}");
    assert!(elapsed < Duration::from_secs(2), "{case}: took {elapsed:?}");
}

#[test]
fn identifiers_are_checked_before_anything_is_sent() {
    let wx = WxServed::start(&[]);
    let cases: [(&str, &str, Option<&str>, &str); 5] = [
        ("APPID unset", "WECHATPAY_APPID", None, "WECHATPAY_APPID"),
        (
            "MCHID with a comma",
            "WECHATPAY_MCHID",
            Some("1900000109,1900000110"),
            "WECHATPAY_MCHID contains ','",
        ),
        (
            "SERIAL_NO with CR/LF",
            "WECHATPAY_SERIAL_NO",
            Some("3775B6A45ACD588826D15E583A95F5DD12345678\r\nX-Injected: 1"),
            "WECHATPAY_SERIAL_NO contains '\\r'",
        ),
        (
            "APPID with CR/LF",
            "WECHATPAY_APPID",
            Some("wxd678efh567hg6787\r\nX-Injected: 1"),
            "WECHATPAY_APPID contains '\\r'",
        ),
        (
            "PUBLIC_KEY_ID not of its form",
            "WECHATPAY_PUBLIC_KEY_ID",
            Some("0000000000000024101100397200000006"),
            "WECHATPAY_PUBLIC_KEY_ID `0000000000000024101100397200000006` is not of the documented form",
        ),
    ];
    let public_key = wx.file("platform.pub.pem");
    for (case, name, value, needle) in cases {
        // The key id is read in public-key mode only: give it its key file.
        let env = wx.env_with(&[
            (name, value),
            ("WECHATPAY_PUBLIC_KEY_FILE", Some(&public_key)),
        ]);
        let env = if name == "WECHATPAY_PUBLIC_KEY_ID" {
            env
        } else {
            wx.env_with(&[(name, value)])
        };
        diagnosed(case, wx.url(), &env, &[needle]);
    }
}

#[test]
fn a_refused_signature_is_one_diagnosis() {
    let wx = WxServed::start(&[]);
    let other_key = wx.file("other-merchant.key.pem");
    for (case, name, value) in [
        (
            "a well-formed wrong SERIAL_NO",
            "WECHATPAY_SERIAL_NO",
            "1775B6A45ACD588826D15E583A95F5DD12345678",
        ),
        (
            "the other merchant's private key",
            "WECHATPAY_PRIVATE_KEY_FILE",
            other_key.as_str(),
        ),
    ] {
        diagnosed(
            case,
            wx.url(),
            &wx.env_with(&[(name, Some(value))]),
            &[
                "preflight: the target refuses our signature (401 SIGN_ERROR",
                "check WECHATPAY_SERIAL_NO",
                "WECHATPAY_PRIVATE_KEY_FILE",
            ],
        );
    }
}

#[test]
fn an_unknown_merchant_is_one_diagnosis() {
    let wx = WxServed::start(&[]);
    diagnosed(
        "an unknown MCHID",
        wx.url(),
        &wx.env_with(&[("WECHATPAY_MCHID", Some("1999999999"))]),
        &[
            "preflight: unknown merchant: the target does not know WECHATPAY_MCHID `1999999999`",
            "check WECHATPAY_MCHID",
        ],
    );
}

#[test]
fn a_wrong_appid_is_one_diagnosis() {
    let wx = WxServed::start(&[]);
    diagnosed(
        "a well-formed wrong APPID",
        wx.url(),
        &wx.env_with(&[("WECHATPAY_APPID", Some("wx0000000000000000"))]),
        &[
            "preflight: the target refuses WECHATPAY_APPID `wx0000000000000000`",
            "APPID_MCHID_NOT_MATCH",
        ],
    );
}

#[test]
fn a_url_that_is_not_the_wechatpay_api_is_one_diagnosis() {
    let ttpay = serve(&[]);
    let wx = WxServed::start(&[]);
    diagnosed(
        "a TTPay target",
        &ttpay.url,
        &wx.env,
        &[
            "preflight: this URL does not answer the WeChat Pay API (HTTP 404",
            "TTPay",
        ],
    );
    diagnosed(
        "a base URL ending in /v3",
        &format!("{}/v3", wx.url()),
        &wx.env,
        &[
            "preflight: this URL does not answer the WeChat Pay API (HTTP 404",
            "ends with /v3",
        ],
    );
}

#[test]
fn a_platform_key_that_does_not_verify_the_answers_is_one_diagnosis() {
    let wx = WxServed::start(&["--platform-mode", "public-key"]);
    let lead = "preflight: the response signature does not verify with WECHATPAY_PUBLIC_KEY_ID / the platform certificate";
    diagnosed(
        "a PUBLIC_KEY_ID that is not the key's id",
        wx.url(),
        &wx.env_with(&[(
            "WECHATPAY_PUBLIC_KEY_ID",
            Some("PUB_KEY_ID_0000000000000024101100397200000099"),
        )]),
        &[
            lead,
            "set it to `PUB_KEY_ID_0000000000000024101100397200000006`",
        ],
    );
    let wrong_key = wx.dir.join("wrong.pub.pem");
    let merchant = wx.file("merchant.key.pem");
    let pem = std::fs::read_to_string(&merchant).expect("the merchant key");
    let public = pay_conformance::wechatpay::crypto::PrivateKey::from_pem(&pem)
        .expect("a key")
        .public_key()
        .to_pem();
    std::fs::write(&wrong_key, public).expect("written");
    diagnosed(
        "a PUBLIC_KEY_FILE of another key",
        wx.url(),
        &wx.env_with(&[(
            "WECHATPAY_PUBLIC_KEY_FILE",
            Some(&wrong_key.display().to_string()),
        )]),
        &[lead, "does not verify its answers"],
    );
}

#[test]
fn the_conforming_setup_passes_the_preflight_and_the_run() {
    for (mode, unset) in [
        ("certificate", None),
        ("certificate", Some("WECHATPAY_PLATFORM_CERT_FILE")),
        ("public-key", None),
    ] {
        let wx = WxServed::start(&["--platform-mode", mode]);
        let env = match unset {
            Some(name) => wx.env_with(&[(name, None)]),
            None => wx.env.clone(),
        };
        let (out, elapsed) = run_wx(wx.url(), &env, &["--response-signatures", "strict"]);
        let all = text(&out);
        let setup = format!("{mode} mode{}", unset.map_or("", |_| ", downloaded"));
        println!(
            "conforming run ({setup}): exit {:?} in {elapsed:?}",
            out.status.code()
        );
        assert_eq!(out.status.code(), Some(0), "{setup}: {all}");
        assert!(!all.contains("preflight:"), "{all}");
        assert!(all.contains("CONFORMING"), "{all}");
    }
}

#[test]
fn no_answer_during_the_preflight_stays_inconclusive() {
    let wx = WxServed::start(&[]);
    let port = std::net::TcpListener::bind(("127.0.0.1", 0))
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let (out, elapsed) = run_wx(
        &format!("http://127.0.0.1:{port}"),
        &wx.env,
        &["--tags", "@W2"],
    );
    let all = text(&out);
    println!(
        "preflight with no answer: exit {:?} in {elapsed:?}",
        out.status.code()
    );
    assert_eq!(out.status.code(), Some(3), "{all}");
    assert!(!all.contains("preflight:"), "{all}");
}

#[test]
fn a_target_that_never_answers_is_inconclusive_at_the_deadline_with_reports() {
    let wx = WxServed::start(&[]);
    let url = super::deadline::stalling_target(b"");
    let (junit, json) = (wx.file("junit.xml"), wx.file("report.json"));
    let (out, elapsed) = run_wx(
        &url,
        &wx.env,
        &["--deadline", "3s", "--junit", &junit, "--json", &json],
    );
    let all = text(&out);
    println!(
        "preflight against silence, --deadline 3s: exit {:?} in {elapsed:?}",
        out.status.code()
    );
    assert_eq!(out.status.code(), Some(3), "{all}");
    assert!(elapsed >= Duration::from_secs(3), "took {elapsed:?}: {all}");
    assert!(
        elapsed < Duration::from_secs(3 + 5),
        "took {elapsed:?}: {all}"
    );
    assert!(all.contains("--deadline"), "{all}");
    let report = std::fs::read_to_string(&json).expect("the JSON report is written");
    assert!(report.contains("deadline"), "{report}");
    let junit = std::fs::read_to_string(&junit).expect("the JUnit report is written");
    assert!(junit.contains("<testsuite"), "{junit}");
}

#[test]
fn the_institution_is_probed_too() {
    let wx = WxServed::start(&[]);
    diagnosed(
        "a wrong SP_SERIAL_NO",
        wx.url(),
        &wx.env_with(&[(
            "WECHATPAY_SP_SERIAL_NO",
            Some("1775B6A45ACD588826D15E583A95F5DD1234567A"),
        )]),
        &[
            "preflight: the target refuses our signature (401 SIGN_ERROR",
            "check WECHATPAY_SP_SERIAL_NO",
            "WECHATPAY_SP_PRIVATE_KEY_FILE",
        ],
    );
    diagnosed(
        "an unknown SUB_MCHID",
        wx.url(),
        &wx.env_with(&[("WECHATPAY_SUB_MCHID", Some("1900000999"))]),
        &[
            "preflight: unknown merchant: the target refuses the institution `1900000100` acting for WECHATPAY_SUB_MCHID `1900000999` (400 MCH_NOT_EXISTS",
        ],
    );
}
