//! The QA engineer's commands: `lint`, `run --dry-run`, `features [--export DIR]` and
//! `steps [--markdown | --json]`.

use crate::error::{ConfigError, exit};
use crate::providers;
use crate::{RunArgs, RunConfig};

use super::cli::ProviderFlag;

#[derive(Debug, clap::Args)]
pub(crate) struct LintArgs {
    #[command(flatten)]
    pub(crate) provider: ProviderFlag,
    /// .feature files or directories of them [default: the built-in features].
    #[arg(value_name = "PATH")]
    pub(crate) paths: Vec<std::path::PathBuf>,
}

#[derive(Debug, clap::Args)]
pub(crate) struct FeaturesArgs {
    #[command(flatten)]
    pub(crate) provider: ProviderFlag,
    /// Write the built-in feature files under this directory (as `features/<provider>/…`).
    #[arg(long, value_name = "DIR")]
    pub(crate) export: Option<std::path::PathBuf>,
}

#[derive(Debug, clap::Args)]
pub(crate) struct StepsArgs {
    #[command(flatten)]
    pub(crate) provider: ProviderFlag,
    /// As Markdown (`docs/steps.md` is this).
    #[arg(long, conflicts_with = "json")]
    pub(crate) markdown: bool,
    /// As JSON, for editors.
    #[arg(long)]
    pub(crate) json: bool,
}

pub(crate) fn features(args: &FeaturesArgs) -> Result<i32, ConfigError> {
    let provider = args.provider.provider()?;
    let sources = crate::runner::features::embedded(provider.name());
    for source in &sources {
        match &args.export {
            None => println!("{}", source.path.display()),
            Some(dir) => {
                let path = dir.join(&source.path);
                crate::report::write_file(&path, &source.text)?;
                println!("{}", path.display());
            }
        }
    }
    Ok(exit::CONFORMING)
}

pub(crate) fn lint(args: &LintArgs) -> Result<i32, ConfigError> {
    let provider = args.provider.provider()?;
    let report = crate::lint::lint(provider, &crate::lint::sources(provider, &args.paths)?);
    print!("{}", report.render());
    Ok(report.exit_code())
}

/// `run --dry-run`: lint what the run would run (built-in and `--features`), then resolve the
/// configuration; nothing is sent.
pub(crate) fn dry_run(args: &RunArgs) -> Result<i32, ConfigError> {
    let provider = providers::find(args.provider.as_deref())?;
    let mut sources = crate::runner::features::embedded(provider.name());
    if !args.features.is_empty() {
        sources.extend(crate::lint::sources(provider, &args.features)?);
    }
    let report = crate::lint::lint(provider, &sources);
    print!("{}", report.render());
    if report.exit_code() != exit::CONFORMING {
        return Ok(report.exit_code());
    }
    RunConfig::resolve(args, &|name| std::env::var(name).ok())?;
    println!("dry run: the configuration is valid; nothing was sent");
    Ok(exit::CONFORMING)
}

pub(crate) fn steps(args: &StepsArgs) -> Result<i32, ConfigError> {
    use crate::steps::doc;
    let provider = args.provider.provider()?;
    let entries = crate::provider::step_catalogue(provider);
    if args.markdown {
        print!("{}", crate::provider::steps_markdown(provider));
    } else if args.json {
        print!("{}", doc::render_json(&entries));
    } else {
        print!("{}", doc::render_text(&entries));
    }
    Ok(exit::CONFORMING)
}
