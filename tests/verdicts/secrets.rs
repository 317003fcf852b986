//! Secrets by value: a target that echoes the signatures it gets cannot make the reports show
//! them; a secret written where its variable's name belongs is never echoed.

use std::sync::{Arc, Mutex};

use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use super::{SECRET, run, run_async, text};

/// Answers every request with a body that is not JSON and carries the request's signature
/// (as a careless gateway's error page might), JSON-escaped too; remembers each one.
struct Echo(Arc<Mutex<Vec<String>>>);

impl Respond for Echo {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let auth = request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let signature = auth
            .split(',')
            .find_map(|kv| kv.trim().strip_prefix("signature="))
            .unwrap_or("")
            .to_owned();
        self.0.lock().unwrap().push(signature.clone());
        let escaped = signature.replace('/', "\\/");
        ResponseTemplate::new(200).set_body_raw(
            format!("error: bad request {signature} ({escaped})"),
            "application/json",
        )
    }
}

#[tokio::test]
async fn a_target_echoing_our_signatures_cannot_leak_them_into_any_report() {
    let server = MockServer::start().await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    Mock::given(wiremock::matchers::any())
        .respond_with(Echo(Arc::clone(&seen)))
        .mount(&server)
        .await;
    let dir = std::env::temp_dir().join(format!("pc-echo-{}", std::process::id()));
    let junit = dir.join("junit.xml");
    let json = dir.join("report.json");
    let args: Vec<String> = vec![
        "--base-url".into(),
        server.uri(),
        "--rate-limit".into(),
        "0".into(),
        "--tags".into(),
        "@X4 or @Q3".into(),
        "--junit".into(),
        junit.display().to_string(),
        "--json".into(),
        json.display().to_string(),
    ];
    let out = run_async(args, &[]).await;
    let all = format!(
        "{}{}{}",
        text(&out),
        std::fs::read_to_string(&junit).expect("junit"),
        std::fs::read_to_string(&json).expect("json")
    );
    assert_eq!(out.status.code(), Some(1), "{all}");
    assert!(all.contains("error: bad request <redacted>"), "{all}");
    let seen = seen.lock().unwrap().clone();
    assert!(seen.len() >= 2);
    for signature in seen {
        assert!(signature.len() > 16);
        assert!(!all.contains(&signature), "a signature leaked: {all}");
        assert!(
            !all.contains(&signature.replace('/', "\\/")),
            "leaked escaped"
        );
    }
    assert!(!all.contains(SECRET));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_secret_written_as_app_secret_env_is_not_echoed() {
    let dir = std::env::temp_dir().join(format!("pc-toml-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("run.toml");
    let pasted = "k9Q2-pasted-secret-value-0000042";
    std::fs::write(
        &config,
        format!("[credentials]\napp_secret_env = \"{pasted}\"\n"),
    )
    .unwrap();
    let out = run(
        &[
            "--base-url",
            "http://127.0.0.1:9",
            "--config",
            config.to_str().unwrap(),
        ],
        &[],
    );
    let all = text(&out);
    assert_eq!(out.status.code(), Some(2), "{all}");
    assert!(
        all.contains("app_secret_env must name an environment variable"),
        "{all}"
    );
    assert!(!all.contains(pasted), "{all}");
    let _ = std::fs::remove_dir_all(&dir);
}
