//! `pay-conformance explore` and `pay-conformance sign`: their flags, and how they resolve to an
//! exploration — the provider's explorer, the target (a base URL, or the provider's double
//! started here, with a fault if asked), the reports and the cases file.

use std::path::PathBuf;
use std::time::Duration;

use crate::error::ConfigError;
use crate::explore::{Options, Outcome, Session, report};
use crate::explorer::{ExplorerSetup, Who};
use crate::http::{Transport, TransportPolicy};
use crate::judge::JudgeSetup;
use crate::providers::{self, ProviderArgs};
use crate::settings::{ResponseSignatures, ServeSettings};

/// The flags of `pay-conformance explore`.
#[derive(Debug, Clone, clap::Args)]
pub struct ExploreArgs {
    /// The provider to explore [default: the first one listed].
    #[arg(long, value_name = "NAME")]
    pub provider: Option<String>,
    /// The provider's base URL (a sandbox); without it, its embedded double started here.
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// Random cases per endpoint, after its sweep (each wrong value of the schema's
    /// catalogue alone, on the simplest valid body; another merchant; a bad signature; an
    /// order of no one's).
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub max_examples: u32,
    /// The generator's seed: the same seed, the same cases [default: a random one, printed].
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// Only this endpoint (repeatable): `create`, `query`, `close`, …
    #[arg(long, value_name = "NAME")]
    pub endpoint: Vec<String>,
    /// Run the cases of this file (written by an earlier explore) instead of generating any.
    #[arg(long, value_name = "FILE")]
    pub replay: Option<PathBuf>,
    /// Where to save the minimal case of every finding, for --replay.
    #[arg(long, value_name = "FILE", default_value = "explore-cases.json")]
    pub save: PathBuf,
    /// Runs of a failing case while shrinking it, at most.
    #[arg(long, value_name = "N", default_value_t = 256)]
    pub max_shrink: u32,
    /// Requests per second [default: 5 for a base URL, unpaced for the double].
    #[arg(long, value_name = "N")]
    pub rate_limit: Option<u32>,
    /// Seconds a request may take to be answered [default: 10].
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<u64>,
    /// What a missing or wrong response signature is [default: strict for the double, observe
    /// for a base URL].
    #[arg(long, value_enum)]
    pub response_signatures: Option<ResponseSignatures>,
    /// Write a JSON report here.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Write a JUnit XML report here.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// The embedded double only: break one rule on purpose (see `pay-conformance faults`).
    #[arg(long, value_name = "NAME")]
    pub fault: Option<String>,
    /// The embedded double only: answer in a way the contract allows (see `variants`).
    #[arg(long, value_name = "NAME")]
    pub variant: Option<String>,
    #[command(flatten)]
    pub providers: ProviderArgs,
}

/// The flags of `pay-conformance sign`.
#[derive(Debug, Clone, clap::Args)]
pub struct SignArgs {
    /// The provider whose scheme signs [default: the first one listed].
    #[arg(long, value_name = "NAME")]
    pub provider: Option<String>,
    /// Sign as the merchant, or as the other merchant of its environment (or of the double).
    #[arg(long = "as", value_enum, default_value = "merchant")]
    pub who: SignAs,
    /// The method: POST, GET, …
    pub method: String,
    /// The path and `?query` exactly as sent (`/v1/transaction/query`).
    pub path: String,
    /// The body exactly as sent.
    #[arg(
        long,
        value_name = "TEXT",
        default_value = "",
        conflicts_with = "body_file"
    )]
    pub body: String,
    /// Print the whole header line, `Authorization: …` (for curl's `-H "$(…)"`).
    #[arg(long)]
    pub header: bool,
    /// The body exactly as sent, from a file.
    #[arg(long, value_name = "FILE")]
    pub body_file: Option<PathBuf>,
    #[command(flatten)]
    pub providers: ProviderArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SignAs {
    Merchant,
    OtherMerchant,
}

/// The most `sign --body-file` reads.
const MAX_BODY_FILE: u64 = 1024 * 1024;

/// Runs the exploration; the exit code.
pub async fn run(args: &ExploreArgs) -> Result<i32, ConfigError> {
    let provider = providers::find(args.provider.as_deref())?;
    let remote = args.base_url.is_some();
    if remote && (args.fault.is_some() || args.variant.is_some()) {
        return Err(ConfigError::Invalid {
            what: "--fault and --variant change the embedded double only\n(hint: leave out --base-url)".into(),
        });
    }
    crate::provider::check_names(provider, args.fault.as_deref(), args.variant.as_deref())?;
    if args.max_examples == 0 {
        return Err(ConfigError::Invalid {
            what: "--max-examples 0 explores nothing\n(hint: --max-examples 100)".into(),
        });
    }
    let reports: Vec<(&str, &std::path::Path)> = [
        ("--json", args.json.as_deref()),
        ("--junit", args.junit.as_deref()),
        ("--save", Some(args.save.as_path())),
    ]
    .into_iter()
    .filter_map(|(flag, path)| path.map(|p| (flag, p)))
    .collect();
    crate::settings::checks::report_paths(&reports)?;
    let replay = match &args.replay {
        Some(path) => Some(report::load(path, provider.name())?),
        None => None,
    };
    let (base_url, _double) = match &args.base_url {
        Some(url) => {
            let url = url.trim().trim_end_matches('/').to_owned();
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(ConfigError::Invalid {
                    what: format!("--base-url {url:?}: not an http(s) URL"),
                });
            }
            (url, None)
        }
        None => {
            let common = ServeSettings::embedded(args.fault.clone(), args.variant.clone(), 1);
            let started = provider
                .start_double(&common, &providers::ProviderServeArgs::default().flags())
                .await?;
            (started.uri, Some(started.keep))
        }
    };
    let env = |name: &str| std::env::var(name).ok();
    let flags = args.providers.flags();
    let seed = args.seed.unwrap_or_else(rand::random);
    let mut explorer = provider.explorer(&ExplorerSetup {
        judge: JudgeSetup {
            flags: &flags,
            env: &env,
            double: !remote,
            signatures: args.response_signatures.unwrap_or(if remote {
                ResponseSignatures::Observe
            } else {
                ResponseSignatures::Strict
            }),
        },
        base_url: base_url.clone(),
        run_id: run_id(seed),
    })?;
    let policy = TransportPolicy {
        timeout: Duration::from_secs(
            args.timeout
                .unwrap_or(crate::explore::DEFAULT_TIMEOUT_S)
                .max(1),
        ),
        retries: 0,
        ..TransportPolicy::default()
    };
    let user_agent = concat!("pay-conformance/", env!("CARGO_PKG_VERSION"), " (explore)");
    let transport = if remote {
        Transport::new(user_agent, policy)
    } else {
        Transport::for_embedded(user_agent, policy)
    }
    .map_err(|e| ConfigError::Start(format!("HTTP client: {e}")))?;
    let rate = args.rate_limit.unwrap_or(if remote { 5 } else { 0 });
    tokio::spawn(async {
        crate::http::signal().await;
        crate::http::interrupt();
    });
    eprintln!(
        "explore {} at {base_url}: {} cases per endpoint, seed {seed}{}",
        provider.name(),
        args.max_examples,
        match (&args.fault, &args.replay) {
            (_, Some(path)) => format!(", replaying {}", path.display()),
            (Some(fault), None) => format!(", fault {fault}"),
            (None, None) => String::new(),
        }
    );
    let options = Options {
        max_examples: args.max_examples,
        seed,
        endpoints: args.endpoint.clone(),
        replay,
        max_shrink: args.max_shrink,
    };
    let schemas = crate::checks::schema::SchemaSet::embedded()
        .map_err(|e| ConfigError::Start(format!("built-in schemas: {e}")))?;
    let resolve = |name: &str| schemas.raw(name).cloned();
    let mut outcome = Outcome {
        provider: provider.name().to_owned(),
        base_url,
        ..Outcome::default()
    };
    let mut session = Session::new(explorer.as_mut(), transport, rate);
    session.explore(&options, &resolve, &mut outcome).await?;
    print!("{}", crate::redact::redact(&report::summary(&outcome)));
    if let Some(path) = &args.json {
        crate::report::write_file(path, &report::json(&outcome))?;
    }
    if let Some(path) = &args.junit {
        crate::report::write_file(path, &report::junit(&outcome))?;
    }
    if !outcome.findings.is_empty() && args.replay.is_none() {
        report::save(&args.save, &outcome)?;
        println!(
            "saved the {} minimal cases to {}: `pay-conformance explore --provider {} --replay {}` runs them again",
            outcome.findings.len(),
            args.save.display(),
            provider.name(),
            args.save.display()
        );
    }
    Ok(outcome.exit_code())
}

/// Prints the `Authorization` value for one request, signed now.
pub fn sign(args: &SignArgs) -> Result<i32, ConfigError> {
    let provider = providers::find(args.provider.as_deref())?;
    let body = match &args.body_file {
        Some(path) => {
            crate::fsutil::read_text(path, MAX_BODY_FILE).map_err(|e| ConfigError::Invalid {
                what: format!("--body-file {}: {e}", path.display()),
            })?
        }
        None => args.body.clone(),
    };
    if !args.path.starts_with('/') {
        return Err(ConfigError::Invalid {
            what: format!(
                "{:?}: the path and ?query as sent, starting with `/`",
                args.path
            ),
        });
    }
    let env = |name: &str| std::env::var(name).ok();
    let flags = args.providers.flags();
    let any_credentials = std::env::vars()
        .any(|(k, _)| k.starts_with(&format!("{}_", provider.name().to_uppercase())));
    let explorer = provider.explorer(&ExplorerSetup {
        judge: JudgeSetup {
            flags: &flags,
            env: &env,
            double: !any_credentials,
            signatures: ResponseSignatures::Observe,
        },
        base_url: String::new(),
        run_id: String::new(),
    })?;
    if !any_credentials {
        eprintln!(
            "(signed as the embedded double's built-in merchant: no credentials in the environment)"
        );
    }
    let who = match args.who {
        SignAs::Merchant => Who::Merchant,
        SignAs::OtherMerchant => Who::OtherMerchant,
    };
    let signed = explorer.sign(
        who,
        &args.method.to_uppercase(),
        &args.path,
        body.as_bytes(),
    );
    let authorization = signed
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("authorization"))
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    // The one place a signature is printed on purpose: for the shell's `$(…)`.
    if args.header {
        println!("Authorization: {authorization}");
    } else {
        println!("{authorization}");
    }
    Ok(crate::error::exit::CONFORMING)
}

/// A short tag of this exploration in its order numbers.
fn run_id(seed: u64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0);
    format!("{:x}", (now ^ seed.rotate_left(17)) & 0xff_ffff_ffff)
}
