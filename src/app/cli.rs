//! The command line: each subcommand parses its own flags, dispatches to the provider it
//! names (`--provider`, TTPay by default) and returns an exit code.

use crate::bench;
use crate::error::{ConfigError, exit, report};
use crate::providers;
use crate::{Provider, RunArgs, ServeArgs, proof};
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

use super::qa_cli::{self, FeaturesArgs, LintArgs, StepsArgs};
use super::run_cli;

/// Contract and conformance tests for payment-provider APIs .
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
    Run(Box<RunArgs>),
    /// Serve the stateful double over HTTP, for `run --base-url` or your own integration tests.
    // After its flags, `--help` shows the routes of the provider it names (`parse`).
    Serve(ServeArgs),
    /// Stand between your integration and the provider: forward every request unchanged and
    /// report which rules your requests and the provider's answers broke.
    Proxy(Box<crate::app::proxy::ProxyArgs>),
    /// Generate negative and boundary requests from the request schemas, signed and chained,
    /// judge the answers by the contract, and shrink every failure to a minimal request.
    /// Exit codes as `run`: 0 no finding, 1 findings, 2 usage, 3 inconclusive.
    Explore(Box<crate::app::explore::ExploreArgs>),
    /// Print the `Authorization` value of one request, signed now with the merchant's
    /// credentials (from the environment, else the double's): the curl of an `explore` finding.
    Sign(Box<crate::app::explore::SignArgs>),
    /// List the providers this build knows.
    Providers,
    /// List the faults the double can inject, with the rules each one breaks.
    Faults(ProviderFlag),
    /// List the double's variants: answers the contract allows that integrations may not expect.
    Variants(ProviderFlag),
    /// Show what changed between two behaviour records (`run --record FILE`).
    /// Exit codes: 0 no change or additive/allowed only, 1 breaking changes, 2 bad record.
    Diff(crate::record::cli::DiffArgs),
    /// Check feature files without running them: syntax, steps, tags, tables, markers,
    /// variables. Exit 2 on any finding, 0 when clean.
    Lint(LintArgs),
    /// List the built-in feature files, or write them out (`--export DIR`).
    Features(FeaturesArgs),
    /// List every step a feature file can use: what it does, its parameters, an example.
    Steps(StepsArgs),
    /// Prove the suite: a clean pass on the conforming double, and every fault caught.
    Selftest(SelftestArgs),
    /// Every rule of the contract with the scenarios that check it and the faults that prove
    /// those scenarios can fail; gaps are listed (runs the selftest).
    Rules(RulesArgs),
    /// Measure: the suite's speed, how it hides latency, its pacing, and `serve`'s throughput
    /// (numbers, not pass/fail; loopback only).
    Bench(bench::BenchArgs),
    /// Print the provider's OpenAPI 3.1 document, whose schemas are those of `schemas/`.
    Openapi(OpenapiArgs),
}

#[derive(Debug, clap::Args)]
pub(crate) struct ProviderFlag {
    /// The provider [default: ttpay].
    #[arg(long, value_name = "NAME")]
    provider: Option<String>,
}

impl ProviderFlag {
    pub(crate) fn provider(&self) -> Result<&'static dyn Provider, ConfigError> {
        providers::find(self.provider.as_deref())
    }
}

#[derive(Debug, clap::Args)]
struct OpenapiArgs {
    #[command(flatten)]
    provider: ProviderFlag,
    /// Write it to this file instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    output: Option<std::path::PathBuf>,
}

#[derive(Debug, clap::Args)]
struct SelftestArgs {
    #[command(flatten)]
    provider: ProviderFlag,
    /// Only these faults (repeatable); all of them by default.
    #[arg(long = "fault", value_name = "NAME")]
    faults: Vec<String>,
    /// Fault runs in flight at once.
    #[arg(long, default_value_t = 8, value_name = "N")]
    parallel: usize,
    /// Your own .feature files, run beside the built-in ones under every fault (repeatable).
    #[arg(long, value_name = "DIR")]
    features: Vec<std::path::PathBuf>,
    /// Also write the result as JSON here.
    #[arg(long, value_name = "FILE")]
    json: Option<std::path::PathBuf>,
}

#[derive(Debug, clap::Args)]
struct RulesArgs {
    #[command(flatten)]
    provider: ProviderFlag,
    /// Only this rule: its text, scenarios and faults.
    #[arg(value_name = "ID")]
    rule: Option<String>,
}

/// What `serve --help` shows after the flags: the routes of the provider the command line
/// names (`--provider NAME` or `--provider=NAME`), of the default one when it names none, of
/// every provider when it names an unknown one.
fn serve_help(args: &[std::ffi::OsString]) -> String {
    let args: Vec<_> = args.iter().map(|a| a.to_string_lossy()).collect();
    let named = args
        .iter()
        .enumerate()
        .find_map(|(i, arg)| match arg.as_ref() {
            "--provider" => args.get(i + 1).map(|v| v.to_string()),
            other => other.strip_prefix("--provider=").map(str::to_owned),
        });
    match providers::find(named.as_deref()) {
        Ok(provider) => provider.serve_help().to_owned(),
        Err(_) => providers::all()
            .iter()
            .map(|p| p.serve_help())
            .filter(|help| !help.is_empty())
            .collect::<Vec<_>>()
            .join("\n\n"),
    }
}

/// The command line parsed, `serve --help` showing the routes of the provider it names.
fn parse() -> Result<Cli, clap::Error> {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let help = serve_help(&args);
    let mut command = Cli::command().mut_subcommand("serve", |serve| {
        serve.after_help(help.clone()).after_long_help(help)
    });
    let matches = command.try_get_matches_from_mut(args)?;
    Cli::from_arg_matches(&matches).map_err(|e| e.format(&mut command))
}

pub fn main() -> i32 {
    let cli = match parse() {
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
        Command::Run(args) => runtime.block_on(run_cli::run(*args)),
        Command::Serve(args) => runtime.block_on(serve(args)),
        Command::Proxy(args) => runtime.block_on(crate::app::proxy::run(&args)),
        Command::Explore(args) => runtime.block_on(crate::app::explore::run(&args)),
        Command::Sign(args) => crate::app::explore::sign(&args),
        Command::Providers => Ok(list_providers()),
        Command::Faults(args) => args.provider().map(faults),
        Command::Variants(args) => args.provider().map(variants),
        Command::Diff(args) => crate::record::cli::diff_command(&args, &provider_names()),
        Command::Lint(args) => qa_cli::lint(&args),
        Command::Features(args) => qa_cli::features(&args),
        Command::Steps(args) => qa_cli::steps(&args),
        Command::Selftest(args) => runtime.block_on(selftest(args)),
        Command::Rules(args) => runtime.block_on(rules(args)),
        Command::Bench(args) => runtime.block_on(run_bench(args)),
        Command::Openapi(args) => openapi(&args),
    };
    outcome.unwrap_or_else(|e| {
        eprintln!("pay-conformance: {}", report(&e));
        e.exit_code()
    })
}

async fn serve(args: ServeArgs) -> Result<i32, ConfigError> {
    let provider = providers::find(args.provider.as_deref())?;
    let settings = args.settings();
    crate::provider::check_names(
        provider,
        settings.fault.as_deref(),
        settings.variant.as_deref(),
    )?;
    provider.serve(&settings, &args.providers.flags()).await
}

/// The names of the providers this build knows.
pub(crate) fn provider_names() -> Vec<&'static str> {
    providers::all().iter().map(|p| p.name()).collect()
}

fn list_providers() -> i32 {
    for provider in providers::all() {
        println!("{:<10} {}", provider.name(), provider.title());
    }
    exit::CONFORMING
}

async fn selftest(args: SelftestArgs) -> Result<i32, ConfigError> {
    let provider = args.provider.provider()?;
    let faults = if args.faults.is_empty() {
        provider.faults()
    } else {
        args.faults
            .iter()
            .map(|name| {
                provider
                    .fault(name.trim())
                    .ok_or_else(|| crate::provider::unknown_fault(provider, name))
            })
            .collect::<Result<_, _>>()?
    };
    let report = proof::selftest::run(provider, &faults, &args.features, args.parallel).await?;
    print!("{}", proof::render_selftest(&report));
    if let Some(path) = &args.json {
        let text = serde_json::to_string_pretty(&report).unwrap_or_default();
        crate::report::write_file(path, &text)?;
    }
    Ok(if report.ok() {
        exit::CONFORMING
    } else {
        exit::DEVIATIONS
    })
}

async fn rules(args: RulesArgs) -> Result<i32, ConfigError> {
    let provider = args.provider.provider()?;
    if let Some(id) = &args.rule
        && provider.rule(id).is_none()
    {
        return Err(ConfigError::Invalid {
            what: format!(
                "provider {} has no rule `{id}`\n(hint: `pay-conformance rules --provider {}` lists them)",
                provider.name(),
                provider.name()
            ),
        });
    }
    let features = provider.load_features(&[])?;
    let report = proof::selftest::run(provider, &provider.faults(), &[], 8).await?;
    let mut coverage = proof::coverage(provider.rules(), &features, &report);
    if let Some(id) = &args.rule {
        coverage.retain(|c| c.id == id);
        if let Some(rule) = provider.rule(id) {
            match provider
                .contract()
                .and_then(|doc| crate::contract::section(doc, id))
            {
                Some(text) => println!("{text}\n"),
                None => println!("{} — {}", rule.id, rule.title),
            }
        }
    }
    print!("{}", proof::render_coverage(provider.rules(), &coverage));
    let gaps = coverage.iter().any(|c| c.is_gap());
    Ok(if gaps || !report.ok() {
        exit::DEVIATIONS
    } else {
        exit::CONFORMING
    })
}

async fn run_bench(args: bench::BenchArgs) -> Result<i32, ConfigError> {
    let exe = std::env::current_exe().map_err(|e| {
        ConfigError::Start(format!("cannot find this binary to spawn `serve`: {e}"))
    })?;
    let found = if args.providers.is_empty() {
        providers::find(None).map(|p| vec![p])
    } else {
        args.providers
            .iter()
            .map(|name| providers::find(Some(name)))
            .collect::<Result<Vec<_>, _>>()
    };
    let measured = match found {
        Ok(providers) => {
            let benches: Vec<_> = providers.iter().map(|p| (p.name(), p.bench())).collect();
            bench::run(&args, &benches, &exe).await
        }
        Err(e) => Err(e.into()),
    };
    match measured {
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
    let provider = args.provider.provider()?;
    let invalid = |what: String| ConfigError::Invalid { what };
    let document = provider
        .openapi()
        .ok_or_else(|| {
            invalid(format!(
                "provider {} has no OpenAPI document",
                provider.name()
            ))
        })?
        .map_err(|e| invalid(format!("cannot build the OpenAPI document: {e}")))?;
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

fn faults(provider: &'static dyn Provider) -> i32 {
    let faults = provider.faults();
    let width = faults.iter().map(|f| f.name.len()).max().unwrap_or(0);
    for fault in faults {
        println!(
            "{:width$}  {:<8}  {}",
            fault.name,
            fault.rules.join(","),
            fault.description
        );
    }
    exit::CONFORMING
}

fn variants(provider: &'static dyn Provider) -> i32 {
    let variants = provider.variants();
    if variants.is_empty() {
        println!("provider {} has no variants", provider.name());
    }
    let width = variants.iter().map(|v| v.name.len()).max().unwrap_or(0);
    for variant in variants {
        println!(
            "{:width$}  {:<22}  {}",
            variant.name, variant.endpoint, variant.description
        );
    }
    exit::CONFORMING
}
