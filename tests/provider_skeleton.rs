//! The seam is real: a whole provider — rules, a fault catalogue, a world with domain steps
//! plus the engine's generic QA steps, a double on the engine's HTTP server — written here,
//! outside the crate, with nothing but its public API. The engine runs its features, proves
//! its fault is caught, and finds no gap in its rules (`docs/adding-a-provider.md`).

use std::path::PathBuf;
use std::sync::Arc;

use cucumber::{World, gherkin, given, then};
use futures::FutureExt as _;
use futures::future::LocalBoxFuture;
use pay_conformance::double::server::{DoubleReply, DoubleRequest, Handler, Limits, Server};
use pay_conformance::exchange::{Exchange, SignatureCheck};
use pay_conformance::http::{Method, Outgoing, Pacer, Transport, TransportPolicy};
use pay_conformance::provider::Env;
use pay_conformance::runner::features::{self, FeatureSource};
use pay_conformance::runner::{self, RunOptions};
use pay_conformance::settings::{FileSection, ProviderFlags, RunSettings};
use pay_conformance::{
    ConfigError, Configured, FaultInfo, Provider, ProviderWorld, Rule, RunReport, ScenarioState,
    StepFailure, StepInfo, StepResult, proof,
};
use serde_json::{Value, json};

pay_conformance::fault_catalogue! {
    WrongGreeting = "wrong-greeting", ["E1"], "greets with `bye`";
}

/// The double: `GET /hello` answers `{"greeting": "hello"}`.
struct EchoDouble(Option<Fault>);

impl Handler for EchoDouble {
    fn handle(&self, request: DoubleRequest) -> DoubleReply {
        if request.path != "/hello" {
            return DoubleReply::json(404, &json!({"error": "no_route"}));
        }
        let greeting = match self.0 {
            Some(Fault::WrongGreeting) => "bye",
            None => "hello",
        };
        DoubleReply::json(200, &json!({ "greeting": greeting }))
    }
}

#[derive(Debug)]
struct EchoContext {
    base: String,
    transport: Transport,
}

#[derive(Debug, Default, World)]
struct EchoWorld {
    ctx: Option<Arc<EchoContext>>,
    state: ScenarioState,
}

impl EchoWorld {
    async fn get(&mut self, path: &str) -> StepResult {
        let ctx = self.ctx.clone().expect("attached");
        let outgoing = Outgoing {
            method: Method::GET,
            url: format!("{}{path}", ctx.base),
            headers: Vec::new(),
            body: Vec::new(),
        };
        let incoming = ctx
            .transport
            .send(&outgoing)
            .await
            .map_err(|e| StepFailure::Inconclusive(e.to_string()))?;
        let exchange = Exchange {
            endpoint: path.to_owned(),
            method: Method::GET,
            url: path.to_owned(),
            request_headers: Vec::new(),
            sent: Value::Null,
            status: incoming.status,
            json: serde_json::from_slice(&incoming.body).map_err(|e| e.to_string()),
            headers: incoming.headers,
            body: incoming.body,
            request_id: None,
            signature: SignatureCheck::NotApplicable,
            elapsed: incoming.elapsed,
        };
        self.state.findings.requests += 1;
        self.state.note(&exchange);
        self.state.last = Some(exchange);
        Ok(())
    }
}

impl ProviderWorld for EchoWorld {
    type Context = EchoContext;

    fn attach(&mut self, ctx: Arc<EchoContext>, tags: &[String]) {
        self.ctx = Some(ctx);
        self.state.begin(tags);
    }

    fn skip_reason(_: &EchoContext, _: &[String]) -> Option<String> {
        None
    }

    fn scenario(&self) -> &ScenarioState {
        &self.state
    }

    fn scenario_mut(&mut self) -> &mut ScenarioState {
        &mut self.state
    }

    fn known(&self, _: &str) -> Option<Value> {
        None
    }

    fn known_names(&self) -> &'static [&'static str] {
        &[]
    }

    fn send_json<'a>(
        &'a mut self,
        endpoint: &'a str,
        _: bool,
        _: Value,
    ) -> LocalBoxFuture<'a, StepResult> {
        async move { self.get(&format!("/{endpoint}")).await }.boxed_local()
    }
}

pay_conformance::generic_steps!(EchoWorld);

#[given("I say hello")]
async fn say_hello(w: &mut EchoWorld) -> StepResult {
    w.get("/hello").await
}

#[then("the provider greets back")]
async fn greets_back(w: &mut EchoWorld) -> StepResult {
    let last = w.state.last()?.clone();
    let greeting = last.pointer("/greeting").cloned();
    if greeting == Some(json!("hello")) {
        return Ok(());
    }
    let deviation = last.deviation("E1", "/greeting", "\"hello\"", format!("{greeting:?}"));
    w.state.deviate(vec![deviation])
}

const FEATURE: &str = "\
Feature: Echo
  @E1
  Scenario: The provider greets back
    Given I say hello
    Then the provider greets back

  @E1
  Scenario: The generic steps work here too
    When I send to hello:
      \"\"\"
      {}
      \"\"\"
    Then /greeting is \"hello\"
";

static RULES: &[Rule] = &[Rule::checked("E1", "the provider greets back with hello")];

struct Echo;
static ECHO: Echo = Echo;

struct EchoRun(RunSettings);

impl EchoRun {
    async fn run_against(
        &self,
        features: Vec<gherkin::Feature>,
        fault: Option<Fault>,
    ) -> RunReport {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
        let server = Server::start(listener, Arc::new(EchoDouble(fault)), Limits::default())
            .await
            .expect("the double starts");
        let ctx = EchoContext {
            base: server.uri(),
            transport: Transport::new("echo-test", TransportPolicy::default()).expect("client"),
        };
        let _pacer = Pacer::new(0);
        let report = runner::run::<EchoWorld>(
            features,
            Arc::new(ctx),
            RunOptions {
                tags: None,
                concurrency: self.0.concurrency,
                target: server.uri(),
                ..RunOptions::default()
            },
        )
        .await;
        server.shutdown().await;
        report
    }
}

impl Configured for EchoRun {
    fn run(
        &self,
        features: Vec<gherkin::Feature>,
    ) -> LocalBoxFuture<'_, Result<RunReport, ConfigError>> {
        async move { Ok(self.run_against(features, None).await) }.boxed_local()
    }

    fn run_with_fault<'a>(
        &'a self,
        features: Vec<gherkin::Feature>,
        fault: Option<&'a str>,
    ) -> LocalBoxFuture<'a, Result<RunReport, ConfigError>> {
        let fault = fault.and_then(Fault::from_name);
        async move { Ok(self.run_against(features, fault).await) }.boxed_local()
    }

    fn settings(&self) -> Value {
        json!({})
    }
}

impl Provider for Echo {
    fn name(&self) -> &'static str {
        "echo"
    }

    fn title(&self) -> &'static str {
        "a provider that greets back"
    }

    fn rules(&self) -> &'static [Rule] {
        RULES
    }

    fn faults(&self) -> Vec<FaultInfo> {
        Fault::all().iter().map(|f| f.info()).collect()
    }

    fn steps(&self) -> Vec<StepInfo> {
        pay_conformance::world::step_patterns::<EchoWorld>()
    }

    fn load_features(&self, _: &[PathBuf]) -> Result<Vec<gherkin::Feature>, ConfigError> {
        let parsed = features::parse(&[FeatureSource {
            path: "features/echo/echo.feature".into(),
            text: FEATURE.to_owned(),
        }])?;
        features::check_steps::<EchoWorld>(&parsed)?;
        Ok(parsed)
    }

    fn configure(
        &self,
        run: &RunSettings,
        _: &ProviderFlags,
        _: &mut FileSection,
        _: Env<'_>,
    ) -> Result<Box<dyn Configured>, ConfigError> {
        Ok(Box::new(EchoRun(run.clone())))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_written_outside_the_engine_runs_proves_its_faults_and_has_no_gap() {
    let report = proof::selftest::run(&ECHO, &ECHO.faults(), &[], 2)
        .await
        .expect("selftest runs");
    let table = proof::render_selftest(&report);
    assert!(report.clean_passed, "{table}");
    assert_eq!(report.clean_scenarios, 2, "{table}");
    assert!(report.ok(), "{table}");
    assert_eq!(
        report.faults[0].caught_by.len(),
        2,
        "both scenarios see it:\n{table}"
    );

    let features = ECHO.load_features(&[]).expect("features");
    let coverage = proof::coverage(ECHO.rules(), &features, &report);
    assert!(coverage.iter().all(|c| !c.is_gap()), "{coverage:?}");
    assert!(
        ECHO.steps().iter().any(|s| s.pattern.contains("I send to")),
        "the generic steps are registered for the new world"
    );
}

#[tokio::test]
async fn an_unknown_step_in_its_features_is_a_usage_error() {
    let parsed = features::parse(&[FeatureSource {
        path: "qa/echo.feature".into(),
        text: "Feature: x\n  Scenario: y\n    Given I whisper hello\n".into(),
    }])
    .expect("parses");
    let e = features::check_steps::<EchoWorld>(&parsed).unwrap_err();
    assert!(e.to_string().contains("qa/echo.feature:3"), "{e}");
    assert_eq!(e.exit_code(), 2);
}
