//! The two WeChat Pay SDKs of `tests/sdk/` (wechatpayv3, wechatpay-axios-plugin): whether they
//! can be driven here, and their drivers.

use std::path::{Path, PathBuf};
use std::process::Command;

/// How to get the SDKs: the install lines of `.ci/run`.
pub const SDK_HINT: &str = "install them as .ci/run does: python3 -m pip install --target tests/sdk/.python -r tests/sdk/requirements.txt; npm ci --prefix tests/sdk";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sdk {
    Python,
    Axios,
}

impl Sdk {
    pub fn name(self) -> &'static str {
        match self {
            Sdk::Python => "wechatpayv3 2.0.4",
            Sdk::Axios => "wechatpay-axios-plugin 0.9.6",
        }
    }
}

pub fn sdk_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sdk")
}

pub fn python_path() -> String {
    let local = sdk_dir().join(".python");
    let mut parts = Vec::new();
    if local.is_dir() {
        parts.push(local.display().to_string());
    }
    if let Ok(existing) = std::env::var("PYTHONPATH") {
        parts.push(existing);
    }
    parts.join(":")
}

/// Why the SDK cannot be driven here, if it cannot.
pub fn unavailable(sdk: Sdk) -> Option<String> {
    let probe = match sdk {
        Sdk::Python => Command::new("python3")
            .args(["-c", "import wechatpayv3"])
            .env("PYTHONPATH", python_path())
            .output(),
        Sdk::Axios => Command::new("node")
            .args(["-e", "require('wechatpay-axios-plugin')"])
            .current_dir(sdk_dir())
            .output(),
    };
    match probe {
        Ok(out) if out.status.success() => None,
        Ok(out) => Some(format!(
            "{} is not importable ({})",
            sdk.name(),
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .last()
                .unwrap_or("")
        )),
        Err(e) => Some(format!("{}: its interpreter cannot run: {e}", sdk.name())),
    }
}

/// The SDK's driver (`tests/sdk/wechatpayv3_close.py` or `axios_close.js`), ready for its
/// arguments.
pub fn command(sdk: Sdk) -> Command {
    match sdk {
        Sdk::Python => {
            let mut c = Command::new("python3");
            c.arg(sdk_dir().join("wechatpayv3_close.py"))
                .env("PYTHONPATH", python_path());
            c
        }
        Sdk::Axios => {
            let mut c = Command::new("node");
            c.arg(sdk_dir().join("axios_close.js"))
                .current_dir(sdk_dir());
            c
        }
    }
}
