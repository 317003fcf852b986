//! TTPay's part of a run's configuration: its flags (flattened into `run` and `serve`), its
//! TOML table `[ttpay]` (its keys may also stand at the top level, as before providers had
//! tables), and its environment variables — the merchant under test, a second merchant for
//! the privacy rules, and a paid order.

use crate::error::ConfigError;
use crate::provider::Env;
use crate::settings::FileSection;

use super::{AmountUnit, AppSecret, Merchant, Profile, QueryMethod, TimestampUnit};

/// TTPay's flags of `pay-conformance run`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct TtpayArgs {
    /// Brand defaults (User-Agent, host): ttpay or tokenpay.
    #[arg(long, value_enum)]
    pub profile: Option<Profile>,
    /// How query is sent: POST with a JSON body, or GET with a query string [default: post].
    #[arg(long, value_enum)]
    pub query_method: Option<QueryMethod>,
    /// Unit of the signature timestamp [default: ms].
    #[arg(long, value_enum)]
    pub timestamp_unit: Option<TimestampUnit>,
    /// Unit of `amount` on the wire: major (decimals, as integrations send) or minor (smallest
    /// unit, integers) [default: major].
    #[arg(long, value_enum)]
    pub amount_unit: Option<AmountUnit>,
}

/// TTPay's flags of `pay-conformance serve`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct TtpayServeArgs {
    /// Accept only this unit of the Authorization timestamp [default: both, told apart by
    /// magnitude].
    #[arg(long = "timestamp-unit", value_enum, id = "serve_timestamp_unit")]
    pub timestamp_unit: Option<TimestampUnit>,
    /// Unit of `amount` in create requests: major (decimals allowed) or minor (integers only)
    /// [default: major]. Queries and notifications answer the smallest unit either way.
    #[arg(long = "amount-unit", value_enum, id = "serve_amount_unit")]
    pub amount_unit: Option<AmountUnit>,
    /// The notification resource's `associated_data` (the AES-GCM AAD); "" leaves the field
    /// out and uses no AAD [default: transaction].
    #[arg(long, value_name = "TEXT")]
    pub notify_associated_data: Option<String>,
    /// Also sign notifications: `Authorization: TTPAY-AES-256-ECB …` over `TS\nNONCE\nBODY`.
    #[arg(long)]
    pub notify_signed: bool,
}

/// The merchants and fixtures of a target.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub merchant: Merchant,
    pub other: Option<Merchant>,
    pub paid_out_trade_no: Option<String>,
}

/// TTPay's settings of a run, resolved.
#[derive(Debug, Clone)]
pub struct TtpaySettings {
    pub profile: Profile,
    pub query_method: QueryMethod,
    pub timestamp_unit: TimestampUnit,
    pub amount_unit: AmountUnit,
    /// `None` for the embedded double without `TTPAY_*` variables: it uses its own merchants.
    pub credentials: Option<Credentials>,
}

/// The keys of TTPay's table that may also stand at the top level of the file.
const TOP_LEVEL_KEYS: [&str; 5] = [
    "profile",
    "query_method",
    "timestamp_unit",
    "amount_unit",
    "credentials",
];

impl TtpaySettings {
    /// Resolves TTPay's flags over its part of the file over its environment variables.
    pub fn resolve(
        args: &TtpayArgs,
        file: &mut FileSection,
        env: Env<'_>,
        remote: bool,
    ) -> Result<Self, ConfigError> {
        let mut own = file.take_section("ttpay")?;
        own.adopt(file, &TOP_LEVEL_KEYS);
        let profile = crate::settings::or_file(args.profile, &mut own, "profile")?;
        let query_method = crate::settings::or_file(args.query_method, &mut own, "query_method")?;
        let timestamp_unit =
            crate::settings::or_file(args.timestamp_unit, &mut own, "timestamp_unit")?;
        let amount_unit = crate::settings::or_file(args.amount_unit, &mut own, "amount_unit")?;
        let mut names = own.take_section("credentials")?;
        let credentials = credentials(&mut names, env, remote)?;
        names.finish()?;
        own.finish()?;
        Ok(Self {
            profile: profile.unwrap_or_default(),
            query_method: query_method.unwrap_or_default(),
            timestamp_unit: timestamp_unit.unwrap_or_default(),
            amount_unit: amount_unit.unwrap_or_default(),
            credentials,
        })
    }
}

/// Reads one value: the variable the file names (`KEY_env`), else the default variable, else
/// a literal from the file (`KEY`; never for secrets).
fn lookup(
    file: &mut FileSection,
    key: &str,
    default_var: &str,
    literal_allowed: bool,
    env: Env<'_>,
) -> Result<(Option<String>, String), ConfigError> {
    let literal = if literal_allowed {
        file.take::<String>(key)?
    } else {
        None
    };
    let name = file
        .take::<String>(&format!("{key}_env"))?
        .unwrap_or_else(|| default_var.to_owned());
    let is_var_name = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !is_var_name {
        // Most likely the secret itself, written where its variable's name belongs: never
        // echoed, and hidden from every output in case it shows up elsewhere.
        crate::redact::register(&name);
        return Err(ConfigError::Invalid {
            what: format!(
                "credentials.{key}_env must name an environment variable (letters, digits, `_`); its value is not one and is not shown, in case it is the secret itself\n(hint: put the value in the environment, e.g. `export MY_VAR=…`, and write `{key}_env = \"MY_VAR\"`)"
            ),
        });
    }
    let value = env(&name).filter(|v| !v.is_empty()).or(literal);
    Ok((value, name))
}

fn credentials(
    names: &mut FileSection,
    env: Env<'_>,
    remote: bool,
) -> Result<Option<Credentials>, ConfigError> {
    let app_id = lookup(names, "app_id", "TTPAY_APP_ID", true, env)?;
    let mch_id = lookup(names, "mch_id", "TTPAY_MCH_ID", true, env)?;
    let secret = lookup(names, "app_secret", "TTPAY_APP_SECRET", false, env)?;
    let other_app = lookup(names, "other_app_id", "TTPAY_OTHER_APP_ID", true, env)?;
    let other_mch = lookup(names, "other_mch_id", "TTPAY_OTHER_MCH_ID", true, env)?;
    let other_secret = lookup(
        names,
        "other_app_secret",
        "TTPAY_OTHER_APP_SECRET",
        false,
        env,
    )?;
    let (paid_out_trade_no, _) = lookup(
        names,
        "paid_out_trade_no",
        "TTPAY_PAID_OUT_TRADE_NO",
        true,
        env,
    )?;
    if let Some(paid) = &paid_out_trade_no {
        crate::settings::checks::identifier("TTPAY_PAID_OUT_TRADE_NO", paid)?;
    }
    if !remote && app_id.0.is_none() && mch_id.0.is_none() && secret.0.is_none() {
        return Ok(None);
    }
    let main = merchant(app_id, mch_id, secret, "the merchant under test")?;
    let other = if other_app.0.is_none() && other_mch.0.is_none() && other_secret.0.is_none() {
        None
    } else {
        Some(merchant(
            other_app,
            other_mch,
            other_secret,
            "a second merchant, for the privacy rules Q9 and X6",
        )?)
    };
    Ok(Some(Credentials {
        merchant: main,
        other,
        paid_out_trade_no,
    }))
}

fn merchant(
    app_id: (Option<String>, String),
    mch_id: (Option<String>, String),
    secret: (Option<String>, String),
    whose: &str,
) -> Result<Merchant, ConfigError> {
    let missing = |name: &str| ConfigError::MissingEnv {
        name: name.to_owned(),
        hint: format!("set it to the credentials of {whose}"),
    };
    let app_id_value = app_id.0.ok_or_else(|| missing(&app_id.1))?;
    let mch_id_value = mch_id.0.ok_or_else(|| missing(&mch_id.1))?;
    crate::settings::checks::identifier(&app_id.1, &app_id_value)?;
    crate::settings::checks::identifier(&mch_id.1, &mch_id_value)?;
    let secret_value = secret.0.ok_or_else(|| missing(&secret.1))?;
    let name = secret.1.clone();
    let secret = AppSecret::new(secret_value.clone()).map_err(|e| ConfigError::BadSecret {
        name: name.clone(),
        message: e.to_string(),
    })?;
    if !crate::redact::register(&secret_value) {
        return Err(ConfigError::BadSecret {
            name,
            message: "too short to keep out of the output safely".into(),
        });
    }
    Ok(Merchant {
        app_id: app_id_value,
        mch_id: mch_id_value,
        secret,
    })
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
