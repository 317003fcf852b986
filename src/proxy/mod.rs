//! `pay-conformance proxy`: a reverse proxy a merchant's integration points at instead of the
//! provider. Every request is forwarded unchanged and every answer returned unchanged
//! ([`forward`]); a copy of each exchange within a bound goes to the provider's [`Judge`], which
//! says which rules the merchant's request and the provider's answer broke. Findings show on
//! the console as they come and in the JSON and JUnit reports, written at Ctrl-C / SIGTERM and
//! every `--report-every N` exchanges.
//!
//! Memory stays flat whatever the traffic: the judge's queue is bounded (an exchange that does
//! not fit is counted as not judged), the tally keeps a count per rule and its first
//! [`tally::EXAMPLES`] examples, a body is kept only up to its bound and only until judged.
//!
//! Exit: 0 no finding, 1 a provider finding, 4 merchant findings only, 3 no finding but the
//! upstream failed, 2 a setup error.

mod forward;
mod html;
pub mod judge;
mod options;
mod report;
pub mod tally;
mod tee;

use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

pub use crate::judge::{Body, Finding, Judge, JudgeSetup, Proxied, Side, StartedDouble, Verdict};
pub use judge::ProxiedExt;
pub use options::{ProxyOptions, parse_upstream};
pub use report::{MERCHANT_FINDINGS, exit_code};

use crate::error::ConfigError;
use forward::{Counts, Event};
use report::Traffic;
use tally::{Failure, Tally};

/// How many exchanges may wait for the judge; beyond it, they pass unjudged (and are counted).
const QUEUE: usize = 1024;

/// Where the proxy writes what it found.
#[derive(Debug, Clone, Default)]
pub struct Reports {
    pub json: Option<PathBuf>,
    pub junit: Option<PathBuf>,
    /// A self-contained HTML page.
    pub html: Option<PathBuf>,
    /// A behaviour record of the traffic, for `diff` (one entry per kind of exchange).
    pub record: Option<PathBuf>,
    /// Every judged exchange, one JSON line each (redacted).
    pub log_http: Option<PathBuf>,
    /// Also write the reports every N judged exchanges (not only at the end).
    pub every: Option<u64>,
}

/// A proxy to start: the provider's name, where to listen, its bounds and upstream.
pub struct Setup {
    pub provider: &'static str,
    pub listener: std::net::TcpListener,
    pub options: ProxyOptions,
    pub reports: Reports,
    /// Lines printed after the listening line (how to use the upstream double).
    pub banner: Vec<String>,
}

/// Proxies until Ctrl-C / SIGTERM, or until `stop` resolves; then writes the reports and
/// answers the exit code.
pub async fn run(
    setup: Setup,
    mut judge: Box<dyn Judge>,
    stop: impl std::future::Future<Output = ()>,
) -> Result<i32, ConfigError> {
    let started = Instant::now();
    // Listening for Ctrl-C / SIGTERM before anyone is told where the proxy is, so that a stop
    // right after start still writes the reports.
    let signal = crate::http::signal();
    tokio::pin!(signal);
    let _ = futures::poll!(&mut signal);
    let counts = Arc::new(Counts::default());
    let (events, queue) = std::sync::mpsc::sync_channel(QUEUE);
    let upstream = setup.options.upstream.clone();
    let running = forward::start(setup.listener, setup.options, events, Arc::clone(&counts))
        .map_err(ConfigError::Start)?;
    println!(
        "pay-conformance proxy ({}) listening on {}, forwarding to {upstream}",
        setup.provider,
        running.uri()
    );
    for line in &setup.banner {
        println!("{line}");
    }
    let limits = judge.limits();
    for limit in &limits {
        println!("note: {limit}");
    }
    println!("(Ctrl-C stops it and writes the reports)");
    let log = match &setup.reports.log_http {
        Some(path) => Some(std::io::BufWriter::new(
            std::fs::File::create(path).map_err(|source| ConfigError::WriteReport {
                path: path.clone(),
                source,
            })?,
        )),
        None => None,
    };
    let provider = setup.provider;
    let traffic = move || Traffic {
        provider,
        upstream: upstream.clone(),
        requests: counts.requests.load(Ordering::Relaxed),
        unjudged: counts.unjudged.load(Ordering::Relaxed),
        inconclusive: counts.upstream_failures.load(Ordering::Relaxed),
        elapsed_s: started.elapsed().as_secs_f64(),
        limits: limits.clone(),
    };
    // The judge works on a thread of its own: the forwarding never waits behind it.
    let stopping = Arc::new(AtomicBool::new(false));
    let reports = setup.reports.clone();
    let judging = {
        let stopping = Arc::clone(&stopping);
        let traffic = traffic.clone();
        std::thread::Builder::new()
            .name("proxy-judge".into())
            .spawn(move || judge_all(&mut *judge, &queue, log, &reports, &stopping, &traffic))
            .map_err(|e| ConfigError::Start(format!("cannot start the judge: {e}")))?
    };
    tokio::pin!(stop);
    tokio::select! {
        () = &mut stop => {}
        () = &mut signal => {}
    }
    // Stop accepting; the judge takes what already passed, then stops.
    drop(running);
    stopping.store(true, Ordering::Relaxed);
    let tally = tokio::task::spawn_blocking(move || judging.join())
        .await
        .map_err(|e| ConfigError::Start(format!("the judge stopped: {e}")))?
        .map_err(|_| ConfigError::Start("the judge panicked".into()))??;
    let traffic = traffic();
    write(&setup.reports, &tally, &traffic)?;
    print!(
        "{}",
        crate::redact::redact(&report::summary(&tally, &traffic))
    );
    Ok(report::exit_code(&tally, &traffic))
}

type Log = Option<std::io::BufWriter<std::fs::File>>;

/// The judge's thread: every event as it comes, the reports every `--report-every`, until the
/// proxy stops and the queue is empty.
fn judge_all(
    judge: &mut dyn Judge,
    queue: &std::sync::mpsc::Receiver<Event>,
    mut log: Log,
    reports: &Reports,
    stopping: &AtomicBool,
    traffic: &dyn Fn() -> Traffic,
) -> Result<Tally, ConfigError> {
    use std::sync::mpsc::RecvTimeoutError;
    let mut tally = Tally {
        behaviour: reports
            .record
            .is_some()
            .then(crate::record::traffic::Recorder::default),
        ..Tally::default()
    };
    loop {
        match queue.recv_timeout(Duration::from_millis(50)) {
            Ok(event) => {
                take(judge, &mut tally, &mut log, event);
                if let Some(every) = reports.every.filter(|n| *n > 0)
                    && tally.judged.is_multiple_of(every)
                {
                    write(reports, &tally, &traffic())?;
                }
            }
            Err(RecvTimeoutError::Timeout) if stopping.load(Ordering::Relaxed) => break,
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
    }
    while let Ok(event) = queue.try_recv() {
        take(judge, &mut tally, &mut log, event);
    }
    if let Some(log) = &mut log {
        let _ = log.flush();
    }
    Ok(tally)
}

/// Judges one event, prints its new findings, logs it.
fn take(judge: &mut dyn Judge, tally: &mut Tally, log: &mut Log, event: Event) {
    match event {
        Event::Passed(exchange) => {
            let verdict = judge.judge(&exchange);
            if let Some(log) = log {
                let record = tally::record_of(&exchange, &verdict);
                let line = serde_json::json!({
                    "seq": exchange.seq,
                    "exchange": record,
                    "findings": verdict.findings,
                });
                let _ = writeln!(log, "{}", crate::redact::redact(&line.to_string()));
            }
            for example in tally.add(&exchange, verdict) {
                println!("{}", crate::redact::redact(&report::line(&example)));
            }
        }
        Event::Upstream {
            seq,
            method,
            url,
            status,
            why,
        } => {
            println!(
                "{}",
                crate::redact::redact(&format!(
                    "#{seq} inconclusive: {method} {url}: the upstream failed ({status}): {why}"
                ))
            );
            tally.failure(Failure {
                seq,
                method,
                url,
                status,
                why,
            });
        }
    }
}

fn write(reports: &Reports, tally: &Tally, traffic: &Traffic) -> Result<(), ConfigError> {
    if let Some(path) = &reports.json {
        crate::report::write_file(path, &report::json(tally, traffic))?;
    }
    if let Some(path) = &reports.junit {
        crate::report::write_file(path, &report::junit(tally, traffic))?;
    }
    if let Some(path) = &reports.html {
        crate::report::write_file(path, &html::render(tally, traffic))?;
    }
    if let (Some(path), Some(behaviour)) = (&reports.record, &tally.behaviour) {
        crate::record::save(&behaviour.record(traffic.provider, &traffic.upstream), path)?;
    }
    Ok(())
}
