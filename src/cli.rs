//! The command line: each subcommand parses its own flags and returns an exit code.

use std::net::TcpListener;
use std::time::Duration;

use clap::{Parser, Subcommand};
use pay_conformance::bench::{self, BenchArgs};
use pay_conformance::config::{RunArgs, RunConfig};
use pay_conformance::error::{ConfigError, exit, report};
use pay_conformance::ttpay::double::{DEFAULT_MAX_ORDERS, Double, DoubleConfig, Fault};
use pay_conformance::ttpay::{AmountUnit, TimestampUnit, selftest, suite};

/// Contract and conformance tests for payment-provider APIs (TTPay / TokenPay).
///
/// Without --base-url, `run` tests the embedded double, so it works anywhere with no
/// credentials. Exit codes: 0 conforming, 1 deviations found, 2 usage or configuration error,
/// 3 inconclusive only.
#[derive(Debug, Parser)]
#[command(name = "pay-conformance", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the conformance suite against a base URL, or the embedded double.
    Run(RunArgs),
    /// Serve the stateful double over HTTP, for `run --base-url` or your own integration tests.
    #[command(after_long_help = SERVE_ROUTES, after_help = SERVE_ROUTES)]
    Serve(ServeArgs),
    /// List the faults the double can inject, with the rules each one breaks.
    Faults,
    /// List every step a feature file can use.
    Steps,
    /// Prove the suite: a clean pass on the conforming double, and every fault caught.
    Selftest(SelftestArgs),
    /// Every rule of the contract with the scenarios that check it and the faults that prove
    /// those scenarios can fail; gaps are listed (runs the selftest).
    Rules,
    /// Measure: the suite's speed, how it hides latency, its pacing, and `serve`'s throughput
    /// (numbers, not pass/fail; loopback only).
    Bench(BenchArgs),
    /// Print the OpenAPI 3.1 document of the API, whose schemas are those of `schemas/ttpay/`.
    Openapi(OpenapiArgs),
}

#[derive(Debug, clap::Args)]
struct OpenapiArgs {
    /// Write it to this file instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    output: Option<std::path::PathBuf>,
}

#[derive(Debug, clap::Args)]
struct SelftestArgs {
    /// Only these faults (repeatable); all of them by default.
    #[arg(long = "fault", value_name = "NAME")]
    faults: Vec<String>,
    /// Fault runs in flight at once.
    #[arg(long, default_value_t = 8, value_name = "N")]
    parallel: usize,
    /// Also write the result as JSON here.
    #[arg(long, value_name = "FILE")]
    json: Option<std::path::PathBuf>,
}

/// The control routes, shown after `serve --help`.
const SERVE_ROUTES: &str = "\
Provider routes: POST /v1/transaction/prepayment, POST|GET /v1/transaction/query,
POST /v1/transaction/close (signed, as the provider's).

Control routes (plain JSON, unsigned; {id} = transaction_id, prepay_id or out_trade_no):
  POST /_control/orders/{id}/pay     NOTPAY -> SUCCESS; optional body
                                     {\"tx_id\", \"from_address\", \"block_no\"}; answers the detail;
                                     a notification goes to the order's notify_url
  POST /_control/orders/{id}/expire  NOTPAY -> CLOSED (close_time now); answers the detail
  GET  /_control/orders/{id}         {\"detail\", \"notifications\": [attempts]}
  POST /_control/reset               drop every order but the paid fixture
  GET  /_control/health              {\"status\": \"ok\", \"orders\", \"max_orders\"}
Errors: 400 bad body, 404 unknown order or route, 405 wrong method, 409 order not NOTPAY,
each {\"error\", \"message\"}.

Notifications: notify_status 0 none, 1 pending, 2 acknowledged, 3 gave up; notify_num counts
attempts. The receiver acknowledges with HTTP 200 and `success` / `SUCCESS` / {\"code\":\"SUCCESS\"}.
The first stdout line ends with the base URL.";

#[derive(Debug, clap::Args)]
struct ServeArgs {
    /// Port on 127.0.0.1 (0 = any free port).
    #[arg(long, default_value_t = 12111)]
    port: u16,
    /// Seed the generated ids (transaction_id, prepay_id, request_id, payment defaults): the
    /// same seed and the same requests give the same ids. Random without it.
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
    /// Keep at most this many orders; the oldest go first, never the paid fixture. Also bounds
    /// the notifications waiting for a retry.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_ORDERS,
          value_parser = at_least_one)]
    max_orders: usize,
    /// Run the provider's notification retry schedule (0s 15s 30s 3m 10m 20m 30m 60m 3h 6h)
    /// N times faster: 1000 makes 15 s into 15 ms.
    #[arg(long, value_name = "N", default_value_t = 1,
          value_parser = clap::value_parser!(u32).range(1..))]
    notify_speedup: u32,
    /// Break one rule on purpose (see `pay-conformance faults`).
    #[arg(long, value_name = "NAME")]
    fault: Option<String>,
    /// Delay every response by this many milliseconds.
    #[arg(long, value_name = "MS")]
    latency: Option<u64>,
    /// Answer 11001 beyond this many requests per second per app_id.
    #[arg(long, value_name = "N")]
    rate_limit: Option<u32>,
    /// Unit of the Authorization timestamp it accepts.
    #[arg(long, value_enum, default_value_t = TimestampUnit::Ms)]
    timestamp_unit: TimestampUnit,
    /// Unit of `amount` in create requests.
    #[arg(long, value_enum, default_value_t = AmountUnit::Minor)]
    amount_unit: AmountUnit,
}

pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                exit::USAGE
            } else {
                exit::CONFORMING
            };
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("pay-conformance: cannot start the async runtime: {e}");
            return exit::USAGE;
        }
    };
    let outcome = match cli.command {
        Command::Run(args) => runtime.block_on(run(args)),
        Command::Serve(args) => runtime.block_on(serve(args)),
        Command::Faults => Ok(faults()),
        Command::Steps => Ok(steps()),
        Command::Selftest(args) => runtime.block_on(selftest(args)),
        Command::Rules => runtime.block_on(rules()),
        Command::Bench(args) => runtime.block_on(bench(args)),
        Command::Openapi(args) => openapi(&args),
    };
    outcome.unwrap_or_else(|e| {
        eprintln!("pay-conformance: {}", report(&e));
        exit::USAGE
    })
}

async fn run(args: RunArgs) -> Result<i32, ConfigError> {
    let config = RunConfig::resolve(&args, &|name| std::env::var(name).ok())?;
    let report = suite::run(&config).await?;
    print!("{}", pay_conformance::report::console::render(&report));
    pay_conformance::report::write_files(&report, config.junit.as_deref(), config.json.as_deref())?;
    Ok(report.verdict().exit_code())
}

async fn serve(args: ServeArgs) -> Result<i32, ConfigError> {
    let env_args = RunArgs::default();
    let env_config = RunConfig::resolve(&env_args, &|name| std::env::var(name).ok())?;
    let mut config = DoubleConfig::builtin();
    let builtin = env_config.credentials.is_none();
    if !builtin {
        config = suite::double_config(&env_config)?;
    }
    config.timestamp_unit = args.timestamp_unit;
    config.amount_unit = args.amount_unit;
    config.latency = args.latency.map(Duration::from_millis);
    config.rate_limit = args.rate_limit;
    config.seed = args.seed;
    config.max_orders = args.max_orders;
    config = config.with_notify_speedup(args.notify_speedup);
    if let Some(name) = &args.fault {
        config.fault = Some(Fault::from_name(name).ok_or_else(|| ConfigError::Invalid {
            what: format!("unknown fault `{name}`\n(hint: `pay-conformance faults` lists them)"),
        })?);
    }
    let port = args.port;
    let listener = TcpListener::bind(("127.0.0.1", port)).map_err(|e| {
        let why = match e.kind() {
            std::io::ErrorKind::AddrInUse => "is already in use".to_owned(),
            _ => format!("cannot be listened on: {e}"),
        };
        ConfigError::Start(format!(
            "--port {port}: 127.0.0.1:{port} {why}\n(hint: pick another --port, or 0 for any free one)"
        ))
    })?;
    let double = Double::start_on(listener, config).await;
    println!("pay-conformance double listening on {}", double.uri());
    if let Some(fault) = double.fault() {
        println!(
            "fault in force: {} (breaks {})",
            fault.name(),
            fault.rules().join(", ")
        );
    }
    let merchants = &double.config().merchants;
    for (i, m) in merchants.iter().enumerate() {
        let prefix = if i == 0 { "TTPAY" } else { "TTPAY_OTHER" };
        // The built-in secrets are public test data; configured ones stay hidden.
        let secret = if builtin {
            m.secret.expose()
        } else {
            "<from your environment>"
        };
        println!(
            "export {prefix}_APP_ID={} {prefix}_MCH_ID={} {prefix}_APP_SECRET={secret}",
            m.app_id, m.mch_id
        );
    }
    println!(
        "export TTPAY_PAID_OUT_TRADE_NO={}",
        double.config().paid_out_trade_no
    );
    println!(
        "then: pay-conformance run --base-url {} --response-signatures strict",
        double.uri()
    );
    println!(
        "control: POST {0}/_control/orders/{{id}}/pay | /expire, GET {0}/_control/orders/{{id}}, POST {0}/_control/reset, GET {0}/_control/health",
        double.uri()
    );
    println!("(Ctrl-C stops it)");
    tokio::signal::ctrl_c()
        .await
        .map_err(|e| ConfigError::Start(format!("cannot wait for Ctrl-C: {e}")))?;
    Ok(exit::CONFORMING)
}

/// A count of at least 1.
fn at_least_one(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(0) => Err("must be at least 1".to_owned()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("`{text}` is not a whole number")),
    }
}

async fn selftest(args: SelftestArgs) -> Result<i32, ConfigError> {
    let faults = if args.faults.is_empty() {
        Fault::all().to_vec()
    } else {
        args.faults
            .iter()
            .map(|name| {
                Fault::from_name(name).ok_or_else(|| ConfigError::Invalid {
                    what: format!(
                        "unknown fault `{name}`\n(hint: `pay-conformance faults` lists them)"
                    ),
                })
            })
            .collect::<Result<_, _>>()?
    };
    let report = selftest::run(&faults, args.parallel).await?;
    print!("{}", selftest::render(&report));
    if let Some(path) = &args.json {
        let text = serde_json::to_string_pretty(&report).unwrap_or_default();
        pay_conformance::report::write_file(path, &text)?;
    }
    Ok(if report.ok() {
        exit::CONFORMING
    } else {
        exit::DEVIATIONS
    })
}

async fn rules() -> Result<i32, ConfigError> {
    let features = suite::load_features(None)?;
    let report = selftest::run(Fault::all(), 8).await?;
    let coverage = pay_conformance::ttpay::rules::coverage(&features, &report);
    print!("{}", pay_conformance::ttpay::rules::render(&coverage));
    let gaps = coverage.iter().any(|c| c.is_gap());
    Ok(if gaps || !report.ok() {
        exit::DEVIATIONS
    } else {
        exit::CONFORMING
    })
}

async fn bench(args: BenchArgs) -> Result<i32, ConfigError> {
    let exe = std::env::current_exe().map_err(|e| {
        ConfigError::Start(format!("cannot find this binary to spawn `serve`: {e}"))
    })?;
    match bench::run(&args, &exe).await {
        Ok(figures) => {
            if let Some(path) = &args.json {
                bench::write_json(&figures, path)?;
            }
            Ok(exit::CONFORMING)
        }
        Err(e) => {
            eprintln!("pay-conformance bench: {}", report(&e));
            Ok(exit::USAGE)
        }
    }
}

fn openapi(args: &OpenapiArgs) -> Result<i32, ConfigError> {
    let invalid = |what: String| ConfigError::Invalid { what };
    let document = pay_conformance::ttpay::openapi::embedded()
        .map_err(|e| invalid(format!("cannot build the OpenAPI document: {}", report(&e))))?;
    let mut text = serde_json::to_string_pretty(&document)
        .map_err(|e| invalid(format!("cannot print the OpenAPI document: {e}")))?;
    text.push('\n');
    match &args.output {
        Some(path) => std::fs::write(path, text)
            .map_err(|e| invalid(format!("cannot write {}: {e}", path.display())))?,
        None => print!("{text}"),
    }
    Ok(exit::CONFORMING)
}

fn faults() -> i32 {
    let width = Fault::all()
        .iter()
        .map(|f| f.name().len())
        .max()
        .unwrap_or(0);
    for fault in Fault::all() {
        println!(
            "{:width$}  {:<8}  {}",
            fault.name(),
            fault.rules().join(","),
            fault.description()
        );
    }
    exit::CONFORMING
}

fn steps() -> i32 {
    for (kind, pattern) in pay_conformance::ttpay::world::step_patterns() {
        println!("{kind:<5} {pattern}");
    }
    exit::CONFORMING
}
