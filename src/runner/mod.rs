//! The runner: feeds parsed features to cucumber, binds each scenario's world to the run,
//! skips (and says why) what the configuration cannot support, and gathers one record per
//! scenario. Cucumber's own output is not used: the reports are ours (`crate::report`).

pub mod features;

mod sink;

use std::collections::HashMap;
use std::fmt::Debug;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cucumber::event;
use cucumber::gherkin;
use cucumber::tag::Ext as _;
use futures::FutureExt as _;

pub use crate::feature::{lint, path_of, scenarios, tags_of};
pub use crate::outcome::{Counts, Outcome, RunReport, ScenarioRecord, Verdict};

use crate::findings::Findings;
use crate::world::ProviderWorld;

/// How to run.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Only the scenarios whose tags satisfy this expression.
    pub tags: Option<gherkin::tagexpr::TagOperation>,
    /// Scenarios in flight at once.
    pub concurrency: usize,
    /// Shown in reports as what was tested.
    pub target: String,
    /// A line on stderr per scenario as it finishes (the command line; not the selftest).
    pub progress: bool,
    /// Every exchange written here as it happens, one JSON object a line (`--log-http`).
    pub log_http: Option<std::path::PathBuf>,
    /// Keep every scenario's exchanges (a behaviour record needs them); otherwise only those of
    /// the scenarios that did not pass are kept, for the reports.
    pub keep_exchanges: bool,
}

type Key = (String, usize);

/// How long scenarios get to end once the run is stopped, before they are abandoned.
const STOP_GRACE: Duration = Duration::from_secs(2);

/// Why a scenario abandoned when the run was stopped is inconclusive.
fn unfinished() -> String {
    if crate::http::past_deadline() {
        "not finished by the run's deadline (--deadline)".to_owned()
    } else {
        "not finished when the run was stopped".to_owned()
    }
}

/// Runs `features` (already parsed and step-checked) against `ctx`.
pub async fn run<W: ProviderWorld>(
    features: Vec<gherkin::Feature>,
    ctx: Arc<W::Context>,
    options: RunOptions,
) -> RunReport {
    let started = Instant::now();
    let records: Arc<Mutex<HashMap<Key, ScenarioRecord>>> = Arc::default();
    let starts: Arc<Mutex<HashMap<Key, Instant>>> = Arc::default();
    let failed_steps: Arc<Mutex<HashMap<Key, String>>> = Arc::default();

    // Decide up front what runs, what is skipped (with its reason) and what the tags leave out.
    let mut to_run: std::collections::HashSet<Key> = Default::default();
    for feature in &features {
        for (rule, scenario) in scenarios(feature) {
            let tags = tags_of(feature, rule, scenario);
            if options
                .tags
                .as_ref()
                .is_some_and(|expr| !expr.eval(tags.iter()))
            {
                continue;
            }
            let key = key(feature, scenario);
            match W::skip_reason(&ctx, &tags) {
                Some(reason) => {
                    let mut record = blank_record(feature, scenario, tags);
                    record.outcome = Outcome::Skipped(reason);
                    lock(&records).insert(key, record);
                }
                None => {
                    to_run.insert(key);
                }
            }
        }
    }

    let before_ctx = ctx.clone();
    let before_starts = starts.clone();
    let after_records = records.clone();
    let after_starts = starts.clone();
    let sink = sink::Sink::<W>::new(failed_steps.clone());
    let log = options.log_http.as_deref().and_then(|path| {
        std::fs::File::create(path)
            .map(|f| Arc::new(Mutex::new(std::io::BufWriter::new(f))))
            .ok()
    });
    let after_log = log.clone();
    let progress = options.progress;
    let keep_exchanges = options.keep_exchanges;
    let total = to_run.len();
    let done = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let cucumber = W::cucumber::<&str>()
        .with_parser(sink::Preparsed)
        .with_writer(sink)
        .with_default_cli()
        .max_concurrent_scenarios(options.concurrency.max(1))
        .before(move |feature, rule, scenario, world| {
            let tags = tags_of(feature, rule, scenario);
            world.attach(before_ctx.clone(), &tags);
            lock(&before_starts).insert(key(feature, scenario), Instant::now());
            async {}.boxed_local()
        })
        .after(move |feature, rule, scenario, finished, world| {
            let key = key(feature, scenario);
            let tags = tags_of(feature, rule, scenario);
            let mut record = blank_record(feature, scenario, tags);
            record.findings = world.map(|w| w.take_findings()).unwrap_or_default();
            record.duration = lock(&after_starts)
                .remove(&key)
                .map_or(Duration::ZERO, |t| t.elapsed());
            record.outcome = outcome(finished, &record.findings);
            // The reports show the HTTP behind what did not pass only (a record or the HTTP
            // log, all of it): only those exchanges are redacted into records.
            let shown = !matches!(record.outcome, Outcome::Passed | Outcome::Skipped(_));
            record
                .findings
                .settle_exchanges(keep_exchanges || after_log.is_some() || shown);
            if let Some(log) = &after_log {
                log_exchanges(log, &record);
            }
            if !keep_exchanges && matches!(record.outcome, Outcome::Passed | Outcome::Skipped(_)) {
                // The reports show the HTTP behind what did not pass only.
                record.findings.exchanges.clear();
            }
            if progress {
                let n = done.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                eprintln!("{}", crate::report::progress::line(&record, n, total));
            }
            lock(&after_records).insert(key, record);
            async {}.boxed_local()
        });
    let _quiet = crate::redact::QuietPanics::new();
    let pending = to_run.clone();
    let blanks: HashMap<Key, ScenarioRecord> = features
        .iter()
        .flat_map(|f| scenarios(f).map(move |(r, s)| (f, r, s)))
        .filter(|(f, _, s)| pending.contains(&key(f, s)))
        .map(|(f, r, s)| (key(f, s), blank_record(f, s, tags_of(f, r, s))))
        .collect();
    let running = cucumber.filter_run(features, move |feature, _, scenario| {
        to_run.contains(&key(feature, scenario))
    });
    // Stopped (deadline, Ctrl-C): requests end at once; a step that waits otherwise gets
    // STOP_GRACE to end before its scenario is abandoned as unfinished.
    let backstop = async {
        crate::http::stopped().await;
        tokio::time::sleep(STOP_GRACE).await;
    };
    futures::future::select(Box::pin(running), Box::pin(backstop)).await;
    {
        let mut records = lock(&records);
        for (key, mut blank) in blanks {
            records.entry(key).or_insert_with(|| {
                blank.outcome = Outcome::Inconclusive(unfinished());
                blank
            });
        }
    }

    if let Some(log) = &log {
        use std::io::Write as _;
        let _ = lock(log).flush();
    }
    let failed_steps = std::mem::take(&mut *lock(&failed_steps));
    let mut scenarios: Vec<ScenarioRecord> = std::mem::take(&mut *lock(&records))
        .into_iter()
        .map(|(key, mut record)| {
            record.failed_step = failed_steps.get(&key).cloned();
            record
        })
        .collect();
    scenarios.sort_by_key(sort_key);
    RunReport {
        target: options.target,
        scenarios,
        observations: Vec::new(),
        elapsed: started.elapsed(),
    }
}

/// Writes a scenario's exchanges as NDJSON lines, redacted.
fn log_exchanges(log: &Mutex<std::io::BufWriter<std::fs::File>>, record: &ScenarioRecord) {
    use std::io::Write as _;
    let mut log = lock(log);
    for exchange in &record.findings.exchanges {
        let line = serde_json::json!({
            "scenario": record.name,
            "location": record.location,
            "exchange": exchange,
        });
        let _ = writeln!(log, "{}", crate::redact::redact(&line.to_string()));
    }
}

fn sort_key(r: &ScenarioRecord) -> (String, usize) {
    let (path, line) = r.location.rsplit_once(':').unwrap_or((&r.location, "0"));
    (path.to_owned(), line.parse().unwrap_or(0))
}

fn outcome(finished: &event::ScenarioFinished, findings: &Findings) -> Outcome {
    if !findings.deviations.is_empty() {
        return Outcome::Failed;
    }
    if let Some(inconclusive) = &findings.inconclusive {
        return Outcome::Inconclusive(inconclusive.to_string());
    }
    match finished {
        event::ScenarioFinished::StepPassed => Outcome::Passed,
        event::ScenarioFinished::StepSkipped => {
            Outcome::Error("a step matches no step definition".to_owned())
        }
        event::ScenarioFinished::BeforeHookFailed(info) => {
            Outcome::Error(format!("setup failed: {}", panic_text(info.as_ref())))
        }
        event::ScenarioFinished::StepFailed(_, _, error) => Outcome::Error(match error {
            event::StepError::Panic(info) => panic_text(info.as_ref()),
            other => other.to_string(),
        }),
    }
}

/// The text of a panic payload (a failed step's message), redacted.
pub fn panic_text(info: &(dyn std::any::Any + Send)) -> String {
    let text = info
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| info.downcast_ref::<&str>().copied())
        .unwrap_or("(no message)");
    crate::redact::redact(text).into_owned()
}

fn key(feature: &gherkin::Feature, scenario: &gherkin::Scenario) -> Key {
    (path_of(feature), scenario.position.line)
}

fn blank_record(
    feature: &gherkin::Feature,
    scenario: &gherkin::Scenario,
    tags: Vec<String>,
) -> ScenarioRecord {
    ScenarioRecord {
        feature: feature.name.clone(),
        location: format!("{}:{}", path_of(feature), scenario.position.line),
        name: scenario.name.clone(),
        rules: tags
            .iter()
            .filter(|t| crate::contract::is_rule_tag(t))
            .cloned()
            .collect(),
        tags,
        outcome: Outcome::Passed,
        failed_step: None,
        findings: Findings::default(),
        duration: Duration::ZERO,
    }
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
