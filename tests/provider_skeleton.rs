//! The seam is real: a whole provider — rules, a fault catalogue, a world with domain steps
//! plus the engine's generic QA steps, a double on the engine's HTTP server — written here,
//! outside the crate, with nothing but its public API and the kit's macros, laid out as
//! `docs/adding-a-provider.md` says (each module below would be a file of `src/echo/`).
//! The engine runs its features, proves its fault is caught, and finds no gap in its rules.

use pay_conformance::runner::features::{self, FeatureSource};
use pay_conformance::{Provider, proof};

use provider::ECHO;
use world::EchoWorld;

mod provider {
    use pay_conformance::Provider;

    pub struct Echo;
    pub static ECHO: Echo = Echo;

    impl Provider for Echo {
        fn name(&self) -> &'static str {
            "echo"
        }

        fn title(&self) -> &'static str {
            "a provider that greets back"
        }

        // rules, faults, steps, step_docs, known_variables, load_features and configure, from
        // the modules beside this one (no `serve`: this double is not served on its own).
        pay_conformance::provider_plumbing!(
            super::world::EchoWorld,
            (),
            pay_conformance::settings::NoSettings,
            super::suite::EchoRun
        );
    }
}

mod rules {
    use pay_conformance::Rule;

    pub static RULES: &[Rule] = &[Rule::checked("E1", "the provider greets back with hello")];
}

mod double {
    use pay_conformance::double::server::{DoubleReply, DoubleRequest, Handler};
    use serde_json::json;

    pay_conformance::fault_catalogue! {
        WrongGreeting = "wrong-greeting", ["E1"], "greets with `bye`";
    }

    /// `GET /hello` answers `{"greeting": "hello"}`.
    pub struct Hello(pub Option<Fault>);

    impl Handler for Hello {
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
}

mod world {
    use std::sync::Arc;

    use futures::FutureExt as _;
    use futures::future::LocalBoxFuture;
    use pay_conformance::exchange::{Exchange, Parts, SignatureCheck};
    use pay_conformance::http::{Method, Outgoing, Transport};
    use pay_conformance::{Party, ProviderWorld, ScenarioState, StepFailure, StepResult};
    use serde_json::Value;

    /// The names `#(name)` stands for beyond remembered ones: none.
    pub const KNOWN: &[&str] = &[];

    #[derive(Debug)]
    pub struct EchoContext {
        pub base: String,
        pub transport: Transport,
    }

    #[derive(Debug, Default, cucumber::World)]
    pub struct EchoWorld {
        ctx: Option<Arc<EchoContext>>,
        state: ScenarioState,
    }
    pay_conformance::world_plumbing!(EchoWorld, EchoContext);

    impl EchoWorld {
        pub async fn get(&mut self, path: &str) -> StepResult {
            let outgoing = Outgoing {
                method: Method::GET,
                url: format!("{}{path}", self.ctx().base),
                headers: Vec::new(),
                body: Vec::new(),
            };
            let incoming = self.ctx().transport.send(&outgoing).await;
            let incoming = incoming.map_err(|e| StepFailure::Inconclusive(e.to_string()))?;
            let parts = Parts {
                endpoint: path.to_owned(),
                url: path.to_owned(),
                sent: Value::Null,
                json: serde_json::from_slice(&incoming.body).map_err(|e| e.to_string()),
                request_id: None,
                signature: SignatureCheck::NotApplicable,
            };
            let exchange = Exchange::from_parts(&outgoing, incoming, parts);
            self.findings.requests += 1;
            self.note(&exchange);
            self.last = Some(exchange);
            Ok(())
        }
    }

    impl ProviderWorld for EchoWorld {
        fn send_json<'a>(
            &'a mut self,
            endpoint: &'a str,
            _: Party,
            _: Value,
        ) -> LocalBoxFuture<'a, StepResult> {
            async move { self.get(&format!("/{endpoint}")).await }.boxed_local()
        }
    }
}

mod steps {
    use cucumber::{given, then};
    use pay_conformance::StepResult;
    use serde_json::json;

    use super::world::EchoWorld;

    pay_conformance::generic_steps!(EchoWorld);

    /// The docs of its own steps (`steps --provider echo`); a registered provider's are
    /// held to its steps by the engine's tests.
    pub mod docs {
        pub static DOCS: &[pay_conformance::steps::doc::StepDoc] = &[];
    }

    #[given("I say hello")]
    async fn say_hello(w: &mut EchoWorld) -> StepResult {
        w.get("/hello").await
    }

    #[then("the provider greets back")]
    async fn greets_back(w: &mut EchoWorld) -> StepResult {
        let last = w.last()?.clone();
        let greeting = last.pointer("/greeting").cloned();
        if greeting == Some(json!("hello")) {
            return Ok(());
        }
        let deviation = last.deviation("E1", "/greeting", "\"hello\"", format!("{greeting:?}"));
        w.deviate(vec![deviation])
    }
}

mod suite {
    use std::path::PathBuf;
    use std::sync::Arc;

    use cucumber::gherkin;
    use pay_conformance::double::server::{Limits, Server};
    use pay_conformance::http::{Transport, TransportPolicy};
    use pay_conformance::runner::features::{self, FeatureSource};
    use pay_conformance::runner::{self, RunOptions};
    use pay_conformance::settings::{NoSettings, RunSettings};
    use pay_conformance::{ConfigError, RunReport};
    use serde_json::{Value, json};

    use super::double::{Fault, Hello};
    use super::world::{EchoContext, EchoWorld};

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

    pub fn load_features(_: &[PathBuf]) -> Result<Vec<gherkin::Feature>, ConfigError> {
        let parsed = features::parse(&[FeatureSource {
            path: "features/echo/echo.feature".into(),
            text: FEATURE.to_owned(),
        }])?;
        features::check_steps::<EchoWorld>(&parsed)?;
        Ok(parsed)
    }

    pub struct EchoRun(RunSettings);

    impl EchoRun {
        pub fn new(run: RunSettings, _: NoSettings) -> Result<Self, ConfigError> {
            Ok(EchoRun(run))
        }

        pub async fn run(&self, features: Vec<gherkin::Feature>) -> Result<RunReport, ConfigError> {
            self.run_with_fault(features, None).await
        }

        pub async fn run_with_fault(
            &self,
            features: Vec<gherkin::Feature>,
            fault: Option<&str>,
        ) -> Result<RunReport, ConfigError> {
            let fault = fault.and_then(Fault::from_name);
            let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
            let server = Server::start(listener, Arc::new(Hello(fault)), Limits::default());
            let server = server.await.expect("the double starts");
            let ctx = EchoContext {
                base: server.uri(),
                transport: Transport::new("echo-test", TransportPolicy::default()).expect("client"),
            };
            let options = RunOptions {
                concurrency: self.0.concurrency,
                target: server.uri(),
                ..RunOptions::default()
            };
            let report = runner::run::<EchoWorld>(features, Arc::new(ctx), options).await;
            server.shutdown().await;
            Ok(report)
        }

        pub fn settings(&self) -> Value {
            json!({})
        }
    }

    pay_conformance::configured_plumbing!(EchoRun);
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
