//! `pay-conformance run`: the run resolved (`RunConfig`), selected, preflighted, run (once or
//! `--repeat N` times), reported in every format asked for, and recorded; the exit code.

use crate::error::ConfigError;
use crate::{RunArgs, RunConfig, exit};

use super::qa_cli;

/// Runs the suite as `args` say.
pub(crate) async fn run(args: RunArgs) -> Result<i32, ConfigError> {
    use crate::record::cli as record;
    if args.dry_run {
        return qa_cli::dry_run(&args);
    }
    let config = RunConfig::resolve(&args, &|name| std::env::var(name).ok())?;
    let baseline = record::baseline(
        &args.record,
        config.provider.name(),
        &super::cli::provider_names(),
    )?;
    let reports: Vec<(&str, &std::path::Path)> = [
        ("--junit", config.settings.junit.as_deref()),
        ("--json", config.settings.json.as_deref()),
        ("--log-http", config.settings.log_http.as_deref()),
        ("--cucumber-json", args.cucumber_json.as_deref()),
        ("--html", args.html.as_deref()),
        ("--rerun", args.rerun.as_deref()),
    ]
    .into_iter()
    .filter_map(|(flag, path)| path.map(|p| (flag, p)))
    .collect();
    crate::settings::checks::report_paths(&reports)?;
    tokio::spawn(async {
        stop_signal().await;
        eprintln!(
            "pay-conformance: interrupted: no more requests are sent; reporting what finished"
        );
        crate::http::interrupt();
    });
    let builtin: Vec<_> = crate::runner::features::embedded(config.provider.name())
        .into_iter()
        .map(|s| s.path)
        .collect();
    let selection = crate::select::Selection::parse(args.name.as_deref(), &args.targets, &builtin)?;
    let mut extra = config.settings.features.clone();
    extra.extend(selection.extra.iter().cloned());
    let features = selection.apply(config.provider.load_features(&extra)?);
    if let Some((text, expr)) = &config.settings.tags {
        crate::feature::lint::check_selection(&features, text, expr)
            .map_err(|what| ConfigError::Invalid { what })?;
    }
    let deadline = args.deadline.unwrap_or_else(|| {
        let scenarios = crate::deadline::scenarios(
            &features,
            config.settings.tags.as_ref().map(|(_, expr)| expr),
        );
        let one = crate::deadline::default_for(
            scenarios,
            config.settings.concurrency,
            config.settings.rate_limit,
            config.settings.timeout,
        );
        // Notification scenarios wait for the payment and the deliveries on top.
        let notify = &config.settings.notify;
        let one = one + notify.pay_timeout + notify.wait * 2;
        one.saturating_mul(args.record.repeat.unwrap_or(1))
    });
    crate::deadline::arm(deadline);
    config.configured.preflight().await?;
    let reports = record::run(config.configured.as_ref(), &features, &args.record).await?;
    let Some(report) = reports.first() else {
        return Ok(exit::USAGE);
    };
    print!("{}", crate::report::console::render(report));
    let settings = crate::report::settings::of(
        config.provider.name(),
        &config.settings,
        config.configured.settings(),
    );
    crate::report::write_files(report, config.settings.junit.as_deref(), None)?;
    if let Some(path) = &config.settings.json {
        let text = crate::report::json::render_with_settings(report, Some(&settings));
        crate::report::write_file(path, &text)?;
    }
    let extra = crate::report::Extra {
        cucumber_json: args.cucumber_json.as_deref(),
        html: args.html.as_deref(),
        rerun: args.rerun.as_deref(),
        features: &features,
        provider: config.provider,
        settings: &settings,
    };
    crate::report::write_extra(report, &extra)?;
    record::finish(
        config.provider.name(),
        config.configured.as_ref(),
        &args.record,
        &reports,
        baseline,
    )
}

/// Ctrl-C, or SIGTERM where there is one.
async fn stop_signal() {
    crate::http::signal().await;
}
