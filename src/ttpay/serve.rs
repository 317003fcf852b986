//! `pay-conformance serve --provider ttpay`: the double on its own, for `run --base-url` or a
//! merchant's integration tests, until Ctrl-C.

use super::config::{TtpayServeArgs, TtpaySettings};
use super::double::{Double, DoubleConfig, Fault};
use crate::config::serve::bind;
use crate::config::{FileSection, ServeSettings};
use crate::error::{ConfigError, exit};

/// Starts the double as the flags and the `TTPAY_*` environment say, prints how to use it, and
/// serves until Ctrl-C.
pub async fn serve(common: &ServeSettings, args: &TtpayServeArgs) -> Result<i32, ConfigError> {
    let env = |name: &str| std::env::var(name).ok();
    let env_settings = TtpaySettings::resolve(
        &super::config::TtpayArgs::default(),
        &mut FileSection::empty(),
        &env,
        false,
    )?;
    let builtin = env_settings.credentials.is_none();
    let mut config = if builtin {
        DoubleConfig::builtin()
    } else {
        super::suite::double_config(&env_settings, None)?
    };
    config.timestamp_unit = args.timestamp_unit.unwrap_or_default();
    config.amount_unit = args.amount_unit.unwrap_or_default();
    config.latency = common.latency;
    config.rate_limit = common.rate_limit;
    config.seed = common.seed;
    config.max_orders = common.max_orders;
    config = config.with_notify_speedup(common.notify_speedup);
    if let Some(name) = &common.fault {
        config.fault = Some(
            Fault::from_name(name)
                .ok_or_else(|| crate::provider::unknown_fault(&super::TTPAY, name))?,
        );
    }
    config.variant = super::suite::variant(common.variant.as_deref())?;
    let listener = bind(common.port)?;
    let double = Double::start_on(listener, config).await;
    println!("pay-conformance double listening on {}", double.uri());
    if let Some(fault) = double.fault() {
        println!(
            "fault in force: {} (breaks {})",
            fault.name(),
            fault.rules().join(", ")
        );
    }
    if let Some(variant) = double.config().variant {
        println!(
            "variant in force: {variant} ({}; the contract allows it)",
            variant.description()
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
