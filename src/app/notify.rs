//! The notification flags of `run` (`--notify-*`, `--pay-*`), resolved into
//! [`NotifySettings`] over the TOML file's `[notify]`-free top-level keys.

use std::net::SocketAddr;
use std::time::Duration;

use crate::error::ConfigError;
use crate::settings::{FileSection, NotifySettings, PayMethod, or_file};

/// How the run receives and provokes payment notifications.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct NotifyArgs {
    /// Where the suite's notification receiver listens [default: 127.0.0.1 on a free port].
    #[arg(long, value_name = "ADDR")]
    pub notify_listen: Option<SocketAddr>,
    /// The base URL the target reaches the receiver at (a tunnel, the CI host's public name);
    /// each order's notify_url is this plus `/notify/{token}`. Needed for a remote target.
    #[arg(long, value_name = "URL")]
    pub notify_url: Option<String>,
    /// Pays an order of a remote target: a shell command, `{payment_url}` and `{out_trade_no}`
    /// passed to it as its arguments $1 and $2 (e.g. 'my-wallet pay "$1"').
    #[arg(long, value_name = "CMD", conflicts_with = "pay_interactive")]
    pub pay_command: Option<String>,
    /// Prints each payment URL and waits (up to --pay-timeout) for someone to pay it.
    #[arg(long)]
    pub pay_interactive: bool,
    /// How long one payment may take, in seconds [default: 300 for a remote target, 10 for
    /// the embedded double].
    #[arg(long, value_name = "SECONDS")]
    pub pay_timeout: Option<u64>,
    /// How long a scenario waits for the notifications it expects, in seconds; what has not
    /// come by then is inconclusive, never passed [default: 120 remote, 10 embedded].
    #[arg(long, value_name = "SECONDS")]
    pub notify_wait: Option<u64>,
    /// The provider's retry schedule times this, e.g. 0.001 against `serve --notify-speedup
    /// 1000` [default: 1 remote, 0.001 for the embedded double].
    #[arg(long, value_name = "FACTOR")]
    pub notify_schedule_scale: Option<f64>,
}

impl NotifyArgs {
    /// The flags over the file's keys over the defaults of the target.
    pub fn resolve(
        &self,
        remote: bool,
        file: &mut FileSection,
    ) -> Result<NotifySettings, ConfigError> {
        let base = if remote {
            NotifySettings::remote()
        } else {
            NotifySettings::embedded()
        };
        let listen = or_file(self.notify_listen, file, "notify_listen")?.unwrap_or(base.listen);
        let public_url = or_file(self.notify_url.clone(), file, "notify_url")?;
        if let Some(url) = &public_url {
            let parsed = reqwest::Url::parse(url).map_err(|e| ConfigError::Invalid {
                what: format!(
                    "--notify-url `{url}` is not a URL: {e}\n(hint: e.g. https://my-tunnel.example)"
                ),
            })?;
            if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
                return Err(ConfigError::Invalid {
                    what: format!("--notify-url `{url}` must be an http(s) URL with a host"),
                });
            }
        }
        let command = or_file(self.pay_command.clone(), file, "pay_command")?;
        let interactive =
            self.pay_interactive || file.take::<bool>("pay_interactive")?.unwrap_or(false);
        let pay = match (command, interactive) {
            (Some(_), true) => {
                return Err(ConfigError::Invalid {
                    what: "--pay-command and --pay-interactive exclude each other".into(),
                });
            }
            (Some(cmd), false) if cmd.trim().is_empty() => {
                return Err(ConfigError::Invalid {
                    what: "--pay-command is empty\n(hint: a shell command; $1 is the payment URL, $2 the out_trade_no)".into(),
                });
            }
            (Some(cmd), false) => PayMethod::Command(cmd),
            (None, true) => PayMethod::Interactive,
            (None, false) => PayMethod::Auto,
        };
        let seconds = |flag: Option<u64>, key: &str, default: Duration, file: &mut FileSection| {
            Ok::<_, ConfigError>(match or_file(flag, file, key)? {
                Some(0) => {
                    return Err(ConfigError::Invalid {
                        what: format!("{key} must be at least 1 second"),
                    });
                }
                Some(n) if n > 86_400 => {
                    return Err(ConfigError::Invalid {
                        what: format!("{key} of {n} s is more than a day"),
                    });
                }
                Some(n) => Duration::from_secs(n),
                None => default,
            })
        };
        let pay_timeout = seconds(self.pay_timeout, "pay_timeout", base.pay_timeout, file)?;
        let wait = seconds(self.notify_wait, "notify_wait", base.wait, file)?;
        let scale = or_file(self.notify_schedule_scale, file, "notify_schedule_scale")?
            .unwrap_or(base.schedule_scale);
        if !(scale.is_finite() && scale > 0.0 && scale <= 1000.0) {
            return Err(ConfigError::Invalid {
                what: format!(
                    "--notify-schedule-scale {scale} must be a number above 0 and at most 1000\n(hint: 0.001 against `serve --notify-speedup 1000`)"
                ),
            });
        }
        Ok(NotifySettings {
            listen,
            public_url,
            pay,
            pay_timeout,
            wait,
            schedule_scale: scale,
        })
    }
}
