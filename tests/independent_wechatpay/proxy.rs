//! The independent server behind `pay-conformance proxy --provider wechatpay`, with the suite as
//! the traffic: the suite works through the proxy as it does without it, the conforming server
//! has no provider finding, and a deviation of the server is the provider's finding under its
//! rule — the proxy's WeChat Pay judge held to an implementation that is not the double.

use std::io::{BufRead, BufReader};

use super::*;

/// `proxy --provider wechatpay --upstream URL` on a free port; stopped with SIGTERM by
/// [`stop`], killed when dropped.
struct Proxied {
    child: Option<Child>,
    url: String,
    json: PathBuf,
    out: std::sync::Arc<std::sync::Mutex<String>>,
}

impl Drop for Proxied {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_file(&self.json);
    }
}

fn proxy(upstream: &str, env: &[(&'static str, String)]) -> Proxied {
    let json = std::env::temp_dir().join(format!(
        "pc-wechatpay-proxy-{}.json",
        uuid::Uuid::new_v4().simple()
    ));
    let mut child = common::command(&[])
        .args(["proxy", "--provider", "wechatpay", "--upstream", upstream])
        .args(["--listen", "127.0.0.1:0", "--response-signatures", "strict"])
        .arg("--json")
        .arg(&json)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the proxy starts");
    let mut lines = BufReader::new(child.stdout.take().expect("piped")).lines();
    let first = lines.next().and_then(Result::ok).unwrap_or_default();
    let url = first
        .split("listening on ")
        .nth(1)
        .and_then(|l| l.split(',').next())
        .unwrap_or_default()
        .to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{first}");
    let out = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let sink = std::sync::Arc::clone(&out);
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            let mut out = sink.lock().unwrap();
            out.push_str(&line);
            out.push('\n');
        }
    });
    // The proxy listens before it prints; the judge is ready once "(Ctrl-C" is out.
    for _ in 0..200 {
        if out.lock().unwrap().contains("(Ctrl-C") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(25));
    }
    Proxied {
        child: Some(child),
        url,
        json,
        out,
    }
}

/// SIGTERM; the exit code, what it printed, its JSON report.
fn stop(mut proxied: Proxied) -> (i32, String, Value) {
    let mut child = proxied.child.take().expect("running");
    unsafe {
        libc::kill(child.id() as i32, libc::SIGTERM);
    }
    let code = child.wait().expect("stops").code().unwrap_or(-1);
    std::thread::sleep(std::time::Duration::from_millis(50));
    let printed = proxied.out.lock().unwrap().clone();
    let report = std::fs::read_to_string(&proxied.json)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(Value::Null);
    (code, printed, report)
}

fn provider_rules(report: &Value) -> Vec<String> {
    report["rules"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["side"] == "provider")
        .filter_map(|r| r["rule"].as_str())
        .flat_map(|r| r.split(','))
        .map(str::to_owned)
        .collect()
}

/// The suite against the proxy in front of `server`.
fn through(server: &PyServer, env: &[(&'static str, String)]) -> (String, (i32, String, Value)) {
    let proxied = proxy(&server.url, env);
    let all = run_suite(&proxied.url, env, &[]);
    (all, stop(proxied))
}

#[test]
fn the_independent_server_behind_the_proxy_works_and_has_no_provider_finding() {
    if python_missing("the_independent_server_behind_the_proxy") {
        return;
    }
    let keys = make_keys();
    let env = keys.env(Mode::CertFile);
    let server = start(&keys, Mode::CertFile, &[]);
    let (all, (code, printed, report)) = through(&server, &env);
    assert!(
        all.starts_with("exit code Some(0)\n"),
        "through the proxy: {all}"
    );
    assert!(all.contains("CONFORMING"), "{all}");
    assert_eq!(report["provider_findings"], 0, "{printed}\n{report:#}");
    // The suite's own negative scenarios are the merchant's findings: exit 4.
    assert_eq!(code, 4, "{printed}");
    assert!(report["judged"].as_u64().unwrap_or(0) > 100, "{report:#}");
}

#[test]
fn deviations_of_the_independent_server_are_provider_findings_under_their_rule() {
    if python_missing("deviations_behind_the_proxy") {
        return;
    }
    let keys = make_keys();
    let env = keys.env(Mode::CertFile);
    let mut missed = Vec::new();
    for (deviate, rule) in [
        ("close-paid-ok", "W4"),
        ("error-not-json", "W3"),
        ("bad-signature", "W7"),
        ("close-200-with-body", "W2"),
    ] {
        let server = start(&keys, Mode::CertFile, &["--deviate", deviate]);
        let (_, (code, printed, report)) = through(&server, &env);
        if code != 1 || !provider_rules(&report).iter().any(|r| r == rule) {
            missed.push(format!("{deviate} ({rule}): exit {code}\n{printed}"));
        }
    }
    assert!(missed.is_empty(), "{}", missed.join("\n\n"));
}
