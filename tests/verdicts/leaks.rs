//! Secrets never by halves: a target that echoes our signature as its `request_id` (and in
//! its `msg`, JSON-escaped) cannot get a 16-character run of any signature it was sent, nor
//! of the app secret, into any output — console, JSON, JUnit, Cucumber JSON, HTML, rerun
//! file, behaviour record, `--log-http` — however long the signature (T5's oversized body is
//! signed too) and wherever a value is cut for display.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use serde_json::json;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use super::{NO_PAID_ORDER, SECRET, run_async, text};

/// The run of a secret or signature that must never show.
const RUN: usize = 16;

/// Answers every request as TTPay answers an order that does not exist, with the request's
/// signature as `request_id` and in `msg`; remembers every `Authorization` value.
struct EchoAsRequestId(Arc<Mutex<Vec<String>>>);

impl Respond for EchoAsRequestId {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let auth = request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let signature = auth
            .split(',')
            .find_map(|kv| kv.trim().strip_prefix("signature="))
            .unwrap_or("")
            .to_owned();
        self.0.lock().unwrap().push(auth);
        ResponseTemplate::new(200).set_body_json(json!({
            "code": 12002,
            "msg": format!("data does not exist ({})", signature.replace('/', "\\/")),
            "request_id": signature,
        }))
    }
}

/// Every file output of a run, by flag; `--rerun` last (a WeChat Pay run leaves it out).
const OUTPUTS: [(&str, &str); 7] = [
    ("--junit", "junit.xml"),
    ("--json", "report.json"),
    ("--cucumber-json", "cucumber.json"),
    ("--html", "report.html"),
    ("--record", "record.json"),
    ("--log-http", "http.ndjson"),
    ("--rerun", "rerun.txt"),
];

/// The console and each of `files` written in `dir`, by what wrote it.
fn outputs(
    dir: &std::path::Path,
    files: &[(&str, &str)],
    out: &std::process::Output,
) -> Vec<(String, String)> {
    let mut outputs = vec![("console".to_owned(), text(out))];
    for (flag, name) in files {
        let written = std::fs::read_to_string(dir.join(name))
            .unwrap_or_else(|e| panic!("{flag} {name} written: {e}\n{}", text(out)));
        outputs.push(((*flag).to_owned(), written));
    }
    outputs
}

/// Every run of [`RUN`] characters of `secret`.
fn runs_of(secret: &str, into: &mut HashSet<Vec<u8>>) {
    for window in secret.as_bytes().windows(RUN) {
        into.insert(window.to_vec());
    }
}

/// The first run of [`RUN`] characters of `text` that is one of `runs`, with some context.
fn leak(text: &str, runs: &HashSet<Vec<u8>>) -> Option<String> {
    let bytes = text.as_bytes();
    let at = bytes.windows(RUN).position(|w| runs.contains(w))?;
    let from = at.saturating_sub(80);
    let to = (at + RUN + 80).min(bytes.len());
    Some(String::from_utf8_lossy(&bytes[from..to]).into_owned())
}

#[tokio::test]
async fn an_echoed_signature_shows_not_even_in_part_in_any_output() {
    let server = MockServer::start().await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    Mock::given(wiremock::matchers::any())
        .respond_with(EchoAsRequestId(Arc::clone(&seen)))
        .mount(&server)
        .await;
    let dir = std::env::temp_dir().join(format!("pc-leaks-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let files = &OUTPUTS[..];
    let mut args: Vec<String> = vec![
        "--base-url".into(),
        server.uri(),
        "--rate-limit".into(),
        "0".into(),
        "--tags".into(),
        "@T5 or @T3 or @Q3 or @X4 or @C1".into(),
    ];
    for (flag, name) in files {
        args.push((*flag).into());
        args.push(dir.join(name).display().to_string());
    }
    let out = run_async(args, NO_PAID_ORDER).await;
    let outputs = outputs(&dir, files, &out);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));

    let sent = seen.lock().unwrap().clone();
    let mut runs = HashSet::new();
    runs_of(SECRET, &mut runs);
    let mut longest = 0;
    for auth in &sent {
        let signature = auth
            .split(',')
            .find_map(|kv| kv.trim().strip_prefix("signature="))
            .unwrap_or("");
        longest = longest.max(signature.len());
        runs_of(signature, &mut runs);
    }
    assert!(sent.len() > 20, "{} requests", sent.len());
    assert!(
        longest > 10_000,
        "T5's oversized body signed too: {longest}"
    );
    let echoed = outputs.iter().any(|(_, t)| t.contains("<redacted>"));
    assert!(echoed, "the echo reached the outputs, masked");
    for (what, output) in &outputs {
        for shown in [output.clone(), output.replace("\\/", "/")] {
            if let Some(context) = leak(&shown, &runs) {
                panic!("{what} shows a run of a signature or secret: …{context}…");
            }
        }
        for auth in sent.iter().filter(|a| !a.is_empty()) {
            assert!(
                !output.contains(auth.as_str()),
                "{what} shows an Authorization value"
            );
        }
    }
    eprintln!(
        "{} requests, longest signature {longest} characters, {} runs checked in {} outputs",
        sent.len(),
        runs.len(),
        outputs.len()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `serve --provider wechatpay` on a free port: its URL and the `export` lines' variables.
struct WechatServed {
    child: std::process::Child,
    url: String,
    env: Vec<(String, String)>,
}

impl Drop for WechatServed {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve_wechatpay() -> WechatServed {
    use std::io::BufRead;
    let mut child = std::process::Command::new(super::BIN)
        .args(["serve", "--provider", "wechatpay", "--port", "0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("serve starts");
    let mut lines = std::io::BufReader::new(child.stdout.take().expect("piped")).lines();
    let first = lines.next().expect("a first line").expect("readable");
    let url = first.rsplit(' ').next().expect("the URL").to_owned();
    let mut env = Vec::new();
    for line in lines.by_ref() {
        let line = line.expect("readable");
        if line.starts_with("# then") {
            break;
        }
        for pair in line
            .strip_prefix("export ")
            .unwrap_or("")
            .split_whitespace()
        {
            if let Some((k, v)) = pair.split_once('=') {
                env.push((k.to_owned(), v.to_owned()));
            }
        }
    }
    std::thread::spawn(move || for _ in lines {});
    WechatServed { child, url, env }
}

/// `signature="…"` of a WeChat Pay `Authorization` header in a raw request.
fn wechat_signature(request: &[u8]) -> Option<String> {
    let auth = super::proxy::header(request, "authorization")?;
    let at = auth.find("signature=\"")? + "signature=\"".len();
    Some(auth[at..].split('"').next()?.to_owned())
}

#[test]
fn a_wechatpay_target_echoing_our_signature_as_request_id_shows_none_of_it() {
    let served = serve_wechatpay();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let remember = Arc::clone(&seen);
    // The answer's Request-ID header (not covered by the platform signature) carries the
    // request's signature: whatever the verdict, no output may show it.
    let url = super::proxy::start(
        &served.url,
        |_| false,
        move |request, answer| {
            let Some(signature) = wechat_signature(request) else {
                return answer;
            };
            remember.lock().unwrap().push(signature.clone());
            let text = String::from_utf8_lossy(&answer).into_owned();
            let Some((head, body)) = text.split_once("\r\n\r\n") else {
                return answer;
            };
            let mut lines: Vec<String> = head
                .lines()
                .filter(|l| !l.to_ascii_lowercase().starts_with("request-id:"))
                .map(str::to_owned)
                .collect();
            lines.push(format!("Request-ID: {signature}"));
            format!("{}\r\n\r\n{body}", lines.join("\r\n")).into_bytes()
        },
    );
    let dir = std::env::temp_dir().join(format!("pc-leaks-wx-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let files = &OUTPUTS[..OUTPUTS.len() - 1];
    let mut command = std::process::Command::new(super::BIN);
    command.args([
        "run",
        "--provider",
        "wechatpay",
        "--base-url",
        &url,
        "--rate-limit",
        "0",
    ]);
    for (flag, name) in files {
        command.arg(flag).arg(dir.join(name));
    }
    for (k, v) in &served.env {
        command.env(k, v);
    }
    let out = command.output().expect("runs");
    let outputs = outputs(&dir, files, &out);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", text(&out));
    let sent = seen.lock().unwrap().clone();
    assert!(sent.len() > 20, "{} requests: {}", sent.len(), text(&out));
    let mut runs = HashSet::new();
    for signature in &sent {
        assert!(signature.len() > 300, "an RSA-2048 signature: {signature}");
        runs_of(signature, &mut runs);
    }
    for (key, value) in &served.env {
        if key.ends_with("PRIVATE_KEY_FILE") {
            let pem = std::fs::read_to_string(value).expect("the key file");
            pem.lines()
                .filter(|l| !l.starts_with("-----"))
                .for_each(|l| runs_of(l, &mut runs));
        }
        if key == "WECHATPAY_APIV3_KEY" {
            runs_of(value, &mut runs);
        }
    }
    let log = &outputs
        .iter()
        .find(|(f, _)| f == "--log-http")
        .expect("--log-http")
        .1;
    assert!(
        log.contains("<redacted>"),
        "the echo reached --log-http, masked"
    );
    for (what, output) in &outputs {
        if let Some(context) = leak(output, &runs) {
            panic!("{what} shows a run of a signature or secret: …{context}…");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
