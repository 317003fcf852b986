//! `pay-conformance serve --provider wechatpay`: the double on its own until Ctrl-C. It takes
//! the merchant and platform keys from `--keys-dir` (or generates them), writes every PEM file a
//! client needs to a directory it names, and prints `export WECHATPAY_…=…` lines that
//! `run --provider wechatpay --base-url …` (and the SDK drivers of `tests/sdk/`) accept.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::{Double, DoubleConfig, Fault, PlatformMode};
use crate::error::ConfigError;
use crate::settings::ServeSettings;
use crate::settings::serve::bind;
use crate::wechatpay::crypto::{Certificate, PrivateKey};

/// The PEM files of a keys directory: `(file, what)`; merchants in `DoubleConfig::builtin`
/// order.
pub const KEY_FILES: [&str; 4] = [
    "merchant.key.pem",
    "other-merchant.key.pem",
    "institution.key.pem",
    "platform.key.pem",
];
/// The platform certificate's file in a keys directory.
pub const CERT_FILE: &str = "platform.cert.pem";
/// The platform public key's file in a keys directory.
pub const PUBLIC_KEY_FILE: &str = "platform.pub.pem";
/// Largest key or certificate file read.
const MAX_PEM_BYTES: u64 = 64 * 1024;

/// The flags `serve --provider wechatpay` adds.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct WxServeArgs {
    /// How answers name the platform key: the certificate serial, or a `PUB_KEY_ID_…`.
    #[arg(long, value_name = "MODE", value_parser = ["certificate", "public-key"])]
    pub platform_mode: Option<String>,
    /// Read the keys from DIR (merchant.key.pem, other-merchant.key.pem, institution.key.pem,
    /// platform.key.pem, optionally platform.cert.pem); the missing ones are generated and
    /// written there. Without it, a fresh directory under the system's temp dir.
    #[arg(long, value_name = "DIR")]
    pub keys_dir: Option<PathBuf>,
    /// Refuse to close an order younger than this (W5) [default: 0; the seed says 300].
    #[arg(long, value_name = "SECONDS")]
    pub close_min_age: Option<u64>,
}

fn io_error(path: &Path, e: impl std::fmt::Display) -> ConfigError {
    ConfigError::Start(format!("{}: {e}", path.display()))
}

fn read_pem(path: &Path) -> Result<Option<String>, ConfigError> {
    match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_error(path, e)),
        Ok(m) if m.len() > MAX_PEM_BYTES => Err(ConfigError::Invalid {
            what: format!(
                "{}: over {MAX_PEM_BYTES} bytes, not a PEM key",
                path.display()
            ),
        }),
        Ok(_) => std::fs::read_to_string(path)
            .map(Some)
            .map_err(|e| io_error(path, e)),
    }
}

fn write_pem(path: &Path, text: &str) -> Result<(), ConfigError> {
    std::fs::write(path, text).map_err(|e| io_error(path, e))
}

/// The keys directory: `--keys-dir`, or a fresh one under the temp dir.
fn keys_dir(args: &WxServeArgs) -> Result<PathBuf, ConfigError> {
    let dir = match &args.keys_dir {
        Some(dir) => dir.clone(),
        None => std::env::temp_dir().join(format!(
            "pay-conformance-wechatpay-{}-{}",
            std::process::id(),
            crate::wechatpay::crypto::nonce().get(..8).unwrap_or("keys")
        )),
    };
    std::fs::create_dir_all(&dir).map_err(|e| io_error(&dir, e))?;
    Ok(dir)
}

/// The builtin config with the keys of `dir` (those missing there are the builtin ones, and
/// are written to it), and every PEM a client needs written to `dir` (created if missing).
pub fn config_with_keys(dir: &Path) -> Result<DoubleConfig, ConfigError> {
    std::fs::create_dir_all(dir).map_err(|e| io_error(dir, e))?;
    let mut config = DoubleConfig::builtin();
    let mut keys: Vec<PrivateKey> = config.merchants.iter().map(|m| m.key.clone()).collect();
    keys.push(config.platform_key.clone());
    let mut platform_replaced = false;
    for (i, file) in KEY_FILES.iter().enumerate() {
        let path = dir.join(file);
        match read_pem(&path)? {
            Some(text) => {
                let key = PrivateKey::from_pem(&text).map_err(|e| ConfigError::Invalid {
                    what: format!("{}: {e}", path.display()),
                })?;
                platform_replaced |= i == 3 && key != config.platform_key;
                keys[i] = key;
            }
            None => write_pem(&path, &keys[i].to_pkcs8_pem())?,
        }
    }
    for (m, key) in config.merchants.iter_mut().zip(keys.iter()) {
        m.key = key.clone();
    }
    config.platform_key = keys[3].clone();
    let cert_path = dir.join(CERT_FILE);
    let cert = match read_pem(&cert_path)? {
        Some(text) => Some(
            Certificate::from_pem(&text).map_err(|e| ConfigError::Invalid {
                what: format!("{}: {e}", cert_path.display()),
            })?,
        ),
        None => None,
    };
    config.platform_cert = match cert {
        Some(c) if c.public_key() == &config.platform_key.public_key() => c,
        Some(_) => {
            return Err(ConfigError::Invalid {
                what: format!(
                    "{}: not the certificate of platform.key.pem",
                    cert_path.display()
                ),
            });
        }
        None if platform_replaced => {
            let now = super::state::now_s();
            Certificate::self_signed(
                &config.platform_key,
                super::BUILTIN_PLATFORM_SERIAL,
                "pay-conformance WeChat Pay platform (double)",
                now - 86_400,
                3650,
            )
            .map_err(|e| ConfigError::Start(format!("platform certificate: {e}")))?
        }
        None => config.platform_cert.clone(),
    };
    write_pem(&cert_path, config.platform_cert.pem())?;
    write_pem(
        &dir.join(PUBLIC_KEY_FILE),
        &config.platform_key.public_key().to_pem(),
    )?;
    Ok(config)
}

/// The `export` lines for a double's config whose PEM files are in `dir`.
pub fn export_lines(config: &DoubleConfig, dir: &Path) -> Vec<String> {
    let file = |name: &str| shell_quote(&dir.join(name).display().to_string());
    let mut lines = Vec::new();
    let m = &config.merchants;
    if let Some(main) = m.first() {
        lines.push(format!(
            "export WECHATPAY_MCHID={} WECHATPAY_APPID={} WECHATPAY_SERIAL_NO={} WECHATPAY_PRIVATE_KEY_FILE={}",
            main.mchid, main.appid, main.serial_no, file(KEY_FILES[0])
        ));
    }
    lines.push(format!(
        "export WECHATPAY_APIV3_KEY={}",
        shell_quote(super::BUILTIN_APIV3_KEY)
    ));
    match config.mode {
        PlatformMode::PublicKey => lines.push(format!(
            "export WECHATPAY_PUBLIC_KEY_ID={} WECHATPAY_PUBLIC_KEY_FILE={}",
            config.public_key_id,
            file(PUBLIC_KEY_FILE)
        )),
        PlatformMode::Certificate => lines.push(format!(
            "export WECHATPAY_PLATFORM_CERT_FILE={}",
            file(CERT_FILE)
        )),
    }
    if let Some(other) = m.get(1) {
        lines.push(format!(
            "export WECHATPAY_OTHER_MCHID={} WECHATPAY_OTHER_SERIAL_NO={} WECHATPAY_OTHER_PRIVATE_KEY_FILE={}",
            other.mchid, other.serial_no, file(KEY_FILES[1])
        ));
    }
    if let Some(sp) = m.get(2).filter(|sp| sp.institutional)
        && let Some(sub) = sp.sub_mchids.first()
    {
        lines.push(format!(
            "export WECHATPAY_SP_MCHID={} WECHATPAY_SP_APPID={} WECHATPAY_SP_SERIAL_NO={} WECHATPAY_SP_PRIVATE_KEY_FILE={} WECHATPAY_SUB_MCHID={sub}",
            sp.mchid, sp.appid, sp.serial_no, file(KEY_FILES[2])
        ));
    }
    lines.push(format!(
        "export WECHATPAY_PAID_OUT_TRADE_NO={}",
        shell_quote(&config.paid_out_trade_no)
    ));
    lines
}

/// `text` as one shell word (`=` plain too).
fn shell_quote(text: &str) -> String {
    crate::double::shell_word(text, b"=")
}

/// Its double's routes, shown after `serve --help` ([`crate::Provider::serve_help`]).
pub const HELP: &str = "\
WeChat Pay Global provider routes (signed, as the provider's): POST /v3/global/transactions/native,
GET /v3/global/transactions/id/{transaction_id} and /out-trade-no/{out_trade_no}, POST …/close
of either; the same under /hk/v3/transactions/; GET /v3/global/certificates.

Control routes (plain JSON, unsigned; {id} = transaction_id or out_trade_no):
  POST /_control/orders/{id}/pay     NOTPAY -> SUCCESS; a TRANSACTION.SUCCESS notification goes
                                     to the order's notify_url
  POST /_control/orders/{id}/age     the order becomes older: {\"seconds\": N} or ?seconds=N,
                                     by default just past the minimum close age
  POST /_control/orders/{id}/expire  NOTPAY -> CLOSED
  GET  /_control/orders/{id}         {\"order\", \"age_seconds\", \"notify_url\", \"notify_status\",
                                     \"notifications\"}
  POST /_control/reset               drop every order but the paid fixture
  GET  /_control/health              {\"status\": \"ok\", \"orders\", \"max_orders\"}
Errors: 400 bad body, 404 unknown order or route, 405 wrong method, 409 order not NOTPAY,
each {\"error\", \"message\"}.

Notifications: notify_status 0 none, 1 pending, 2 acknowledged, 3 gave up. The receiver
acknowledges with any HTTP 2xx.
The first stdout line ends with the base URL.";

/// Starts the double as the flags say, prints how to use it, and serves until Ctrl-C.
pub async fn serve(common: &ServeSettings, args: &WxServeArgs) -> Result<i32, ConfigError> {
    let (double, lines) = start(common, args).await?;
    let uri = double.uri();
    let head = format!("pay-conformance wechatpay double listening on {uri}");
    let tail = [
        format!(
            "# then: pay-conformance run --provider wechatpay --base-url {uri} --response-signatures strict"
        ),
        format!(
            "# control: POST {uri}/_control/orders/{{id}}/pay | /age | /expire, GET {uri}/_control/orders/{{id}}, POST {uri}/_control/reset, GET {uri}/_control/health"
        ),
        "# (Ctrl-C stops it)".to_owned(),
    ];
    crate::double::until_ctrl_c(std::iter::once(head).chain(lines).chain(tail)).await
}

/// The double as the flags say, started on `common.port`, and what to tell its user: the fault
/// in force, where the keys are, the `export` lines.
pub async fn start(
    common: &ServeSettings,
    args: &WxServeArgs,
) -> Result<(Double, Vec<String>), ConfigError> {
    let dir = keys_dir(args)?;
    let mut config = config_with_keys(&dir)?;
    config.mode = match args.platform_mode.as_deref() {
        Some("public-key") => PlatformMode::PublicKey,
        _ => PlatformMode::Certificate,
    };
    config.close_min_age = Duration::from_secs(args.close_min_age.unwrap_or(0));
    config.seed = common.seed;
    config.max_orders = common.max_orders;
    config.latency = common.latency;
    config.rate_limit = common.rate_limit;
    config = config.with_notify_speedup(common.notify_speedup);
    if let Some(name) = &common.fault {
        let unknown = || crate::provider::unknown_fault(&crate::wechatpay::WECHATPAY, name);
        config.fault = Some(Fault::from_name(name).ok_or_else(unknown)?);
    }
    let listener = bind(common.port)?;
    let double = Double::try_start_on(listener, config)
        .await
        .map_err(|e| ConfigError::Start(format!("cannot serve: {e}")))?;
    let mut lines = Vec::new();
    if let Some(fault) = double.fault() {
        lines.push(crate::double::fault_line(fault.name(), fault.rules()));
    }
    let c = double.config();
    lines.push(format!(
        "# platform mode {}; minimum close age {} s; keys and certificate written to {}",
        c.mode.name(),
        c.close_min_age.as_secs(),
        dir.display()
    ));
    lines.extend(export_lines(c, &dir));
    Ok((double, lines))
}
