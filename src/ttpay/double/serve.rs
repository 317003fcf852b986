//! `pay-conformance serve --provider ttpay`: the double on its own, for `run --base-url` or a
//! merchant's integration tests, until Ctrl-C.

use super::{Double, DoubleConfig, Fault};
use crate::error::ConfigError;
use crate::settings::serve::bind;
use crate::settings::{FileSection, ServeSettings};
use crate::ttpay::config::{TtpayServeArgs, TtpaySettings};

/// Its double's routes, shown after `serve --help` ([`crate::Provider::serve_help`]).
pub const HELP: &str = "\
TTPay provider routes: POST /v1/transaction/prepayment, POST|GET /v1/transaction/query,
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

/// Starts the double as the flags and the `TTPAY_*` environment say, prints how to use it, and
/// serves until Ctrl-C.
pub async fn serve(common: &ServeSettings, args: &TtpayServeArgs) -> Result<i32, ConfigError> {
    let (double, lines) = start(common, args).await?;
    let uri = double.uri();
    let head = format!("pay-conformance double listening on {uri}");
    let tail = [
        format!("then: pay-conformance run --base-url {uri} --response-signatures strict"),
        format!(
            "control: POST {uri}/_control/orders/{{id}}/pay | /expire, GET {uri}/_control/orders/{{id}}, POST {uri}/_control/reset, GET {uri}/_control/health"
        ),
        "(Ctrl-C stops it)".to_owned(),
    ];
    crate::double::until_ctrl_c(std::iter::once(head).chain(lines).chain(tail)).await
}

/// The double as the flags and the `TTPAY_*` environment say, started on `common.port`, and
/// what to tell its user: the fault or variant in force, the credentials to export.
pub async fn start(
    common: &ServeSettings,
    args: &TtpayServeArgs,
) -> Result<(Double, Vec<String>), ConfigError> {
    let env = |name: &str| std::env::var(name).ok();
    let env_settings = TtpaySettings::resolve(
        &crate::ttpay::config::TtpayArgs::default(),
        &mut FileSection::empty(),
        &env,
        false,
    )?;
    let builtin = env_settings.credentials.is_none();
    let mut config = if builtin {
        DoubleConfig::builtin()
    } else {
        crate::ttpay::suite::double_config(&env_settings, None)?
    };
    config.timestamp_unit = args.timestamp_unit;
    config.amount_unit = args.amount_unit.unwrap_or_default();
    if let Some(text) = &args.notify_associated_data {
        config.notify_form.associated_data = text.clone();
    }
    config.notify_form.signed = args.notify_signed;
    config.latency = common.latency;
    config.rate_limit = common.rate_limit;
    config.seed = common.seed;
    config.max_orders = common.max_orders;
    config = config.with_notify_speedup(common.notify_speedup);
    if let Some(name) = &common.fault {
        config.fault = Some(
            Fault::from_name(name)
                .ok_or_else(|| crate::provider::unknown_fault(&crate::ttpay::TTPAY, name))?,
        );
    }
    config.variant = crate::ttpay::suite::variant(common.variant.as_deref())?;
    let listener = bind(common.port)?;
    let double = Double::start_on(listener, config, super::limits())
        .await
        .map_err(|e| ConfigError::Start(e.to_string()))?;
    let mut lines = Vec::new();
    if let Some(fault) = double.fault() {
        lines.push(crate::double::fault_line(fault.name(), fault.rules()));
    }
    if let Some(variant) = double.config().variant {
        lines.push(format!(
            "variant in force: {variant} ({}; the contract allows it)",
            variant.description()
        ));
    }
    lines.extend(export_lines(double.config(), builtin));
    Ok((double, lines))
}

/// The `export` lines for the double's merchants, valid bash as printed: every value
/// single-quoted when it needs it; a configured secret is never printed (a comment says where it
/// comes from), the built-in ones are public test data.
fn export_lines(config: &DoubleConfig, builtin: bool) -> Vec<String> {
    let mut lines = Vec::new();
    for (i, m) in config.merchants.iter().enumerate() {
        let prefix = if i == 0 { "TTPAY" } else { "TTPAY_OTHER" };
        let mut line = format!(
            "export {prefix}_APP_ID={} {prefix}_MCH_ID={}",
            shell_quote(&m.app_id),
            shell_quote(&m.mch_id)
        );
        if builtin {
            line.push_str(&format!(
                " {prefix}_APP_SECRET={}",
                shell_quote(m.secret.expose())
            ));
        } else {
            line.push_str(&format!(
                "  # {prefix}_APP_SECRET: the one already in your environment"
            ));
        }
        lines.push(line);
    }
    lines.push(format!(
        "export TTPAY_PAID_OUT_TRADE_NO={}",
        shell_quote(&config.paid_out_trade_no)
    ));
    lines
}

/// `text` as one bash word: as it is when it is plain, else in single quotes.
fn shell_quote(text: &str) -> String {
    crate::double::shell_word(text, b"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn export_lines_are_plain_words_or_quoted() {
        assert_eq!(shell_quote("a b'c"), "'a b'\\''c'");
        let lines = export_lines(&DoubleConfig::builtin(), false);
        assert!(lines[0].contains("# TTPAY_APP_SECRET"), "{}", lines[0]);
        assert!(!lines.iter().any(|l| l.contains("<")));
    }
}
