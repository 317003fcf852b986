//! What a WeChat Pay double is started with ([`DoubleConfig`]): its merchants, the platform key
//! and certificate it signs with, the signing mode, the APIv3 key, the paid fixture, the
//! minimum close age, a fault, and the bounds of a long run.

use std::fmt;
use std::sync::OnceLock;
use std::time::Duration;

use super::Fault;
use crate::wechatpay::crypto::{ApiV3Key, Certificate, PrivateKey};

/// The `out_trade_no` of the paid order every double holds for its first merchant.
pub const BUILTIN_PAID_OUT_TRADE_NO: &str = "WXPAID0001";
/// Orders a double keeps by default (the oldest go first, never the paid fixture).
pub const DEFAULT_MAX_ORDERS: usize = 100_000;
/// The minimum age of an order before it can be closed, by default: the seed's five minutes
/// (W5). `serve --close-min-age 0` or `DoubleConfig { close_min_age: Duration::ZERO, .. }`
/// turns it off; `POST /_control/orders/{id}/age` makes an order old enough without waiting.
pub const DEFAULT_CLOSE_MIN_AGE: Duration = Duration::from_secs(300);
/// The provider's notification retry schedule (delay before each attempt).
pub const NOTIFY_SCHEDULE: [Duration; 10] =
    crate::double::notifier::seconds([0, 15, 15, 30, 180, 600, 1200, 1800, 1800, 3600]);

/// How the platform names the key it signs answers with (`Wechatpay-Serial`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PlatformMode {
    /// The platform certificate's serial (uppercase hex); clients download it from
    /// `GET /v3/global/certificates`.
    #[default]
    Certificate,
    /// A platform public key configured in the client, named `PUB_KEY_ID_…`.
    PublicKey,
}

impl PlatformMode {
    /// `certificate` or `public-key`.
    pub fn name(self) -> &'static str {
        match self {
            PlatformMode::Certificate => "certificate",
            PlatformMode::PublicKey => "public-key",
        }
    }
}

/// A merchant the double knows: common mode, or an institution with its sub-merchants.
#[derive(Clone, PartialEq)]
pub struct DoubleMerchant {
    /// The merchant id (`mchid`; for an institution its `sp_mchid`).
    pub mchid: String,
    /// Its app id (`appid`; for an institution its `sp_appid`).
    pub appid: String,
    /// The serial of its API certificate (the `serial_no` of its `Authorization`).
    pub serial_no: String,
    /// Its private key; the double verifies with its public half.
    pub key: PrivateKey,
    /// Institutional mode: it signs for `sub_mchids` with `{sp_mchid, sub_mchid}` bodies.
    pub institutional: bool,
    /// The sub-merchants an institution may act for (empty in common mode).
    pub sub_mchids: Vec<String>,
}

impl fmt::Debug for DoubleMerchant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DoubleMerchant")
            .field("mchid", &self.mchid)
            .field("appid", &self.appid)
            .field("serial_no", &self.serial_no)
            .field("key", &"<private key>")
            .field("institutional", &self.institutional)
            .field("sub_mchids", &self.sub_mchids)
            .finish()
    }
}

/// Everything a double is started with. Build one with [`DoubleConfig::builtin`] and change
/// fields.
#[derive(Clone)]
pub struct DoubleConfig {
    /// `merchants[0]` and `[1]` common, `[2]` an institution (builtin).
    pub merchants: Vec<DoubleMerchant>,
    /// The platform's private key: every answer is signed with it.
    pub platform_key: PrivateKey,
    /// The platform certificate of `platform_key` (served by `/v3/global/certificates`).
    pub platform_cert: Certificate,
    /// The platform public key's id in public-key mode (`PUB_KEY_ID_…`).
    pub public_key_id: String,
    /// Which of the two `Wechatpay-Serial` names.
    pub mode: PlatformMode,
    /// The APIv3 key: certificates and notifications are encrypted with it.
    pub apiv3_key: ApiV3Key,
    /// An order of `merchants[0]` that is paid from the start (`SUCCESS`).
    pub paid_out_trade_no: String,
    /// A close of a `NOTPAY` order younger than this is refused (403 `RULE_LIMIT`).
    pub close_min_age: Duration,
    /// The fault in force from the start.
    pub fault: Option<Fault>,
    /// Seeds the generated ids (`id`, `Request-ID`, nonces of code URLs).
    pub seed: Option<u64>,
    /// Orders kept at most (the paid fixture included); also bounds pending notifications.
    pub max_orders: usize,
    /// Every answer is delayed this long.
    pub latency: Option<Duration>,
    /// Requests per second per signing merchant; beyond it 429 `FREQUENCY_LIMITED`.
    pub rate_limit: Option<u32>,
    /// Delay before each notification attempt.
    pub notify_schedule: Vec<Duration>,
}

impl fmt::Debug for DoubleConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DoubleConfig")
            .field("merchants", &self.merchants)
            .field("platform_serial", &self.platform_cert.serial())
            .field("public_key_id", &self.public_key_id)
            .field("mode", &self.mode)
            .field("paid_out_trade_no", &self.paid_out_trade_no)
            .field("close_min_age", &self.close_min_age)
            .field("fault", &self.fault)
            .field("seed", &self.seed)
            .field("max_orders", &self.max_orders)
            .field("latency", &self.latency)
            .field("rate_limit", &self.rate_limit)
            .finish_non_exhaustive()
    }
}

/// The keys of [`DoubleConfig::builtin`]: the shipped TEST-ONLY keys
/// ([`super::test_keys`]), and a platform certificate made once per process.
struct BuiltinKeys {
    merchants: [PrivateKey; 3],
    platform: PrivateKey,
    cert: Certificate,
}

static BUILTIN: OnceLock<Option<BuiltinKeys>> = OnceLock::new();

fn builtin_keys() -> &'static BuiltinKeys {
    BUILTIN
        .get_or_init(|| {
            let keys = super::test_keys::test_keys();
            let platform = keys.platform.clone();
            let now = crate::wechatpay::double::state::now_s();
            let cert = Certificate::self_signed(
                &platform,
                BUILTIN_PLATFORM_SERIAL,
                "pay-conformance WeChat Pay platform (double)",
                now - 86_400,
                3650,
            )
            .ok()?;
            Some(BuiltinKeys {
                merchants: keys.merchants.clone(),
                platform,
                cert,
            })
        })
        .as_ref()
        .expect("rcgen signs a certificate with a valid rsa key")
}

/// The platform certificate serial of the builtin config (first byte ≥ 0x10: Go and Java
/// spell it alike).
pub const BUILTIN_PLATFORM_SERIAL: &str = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1";
/// The platform public key id of the builtin config.
pub const BUILTIN_PUBLIC_KEY_ID: &str = "PUB_KEY_ID_0000000000000024101100397200000006";
/// The builtin APIv3 key (public test data).
pub const BUILTIN_APIV3_KEY: &str = "PayConformanceDoubleApiV3Key0001";

impl DoubleConfig {
    /// Three merchants — `1900000109` and `1900000110` common, `1900000100` an institution
    /// acting for sub-merchant `1900000201` — with the shipped TEST-ONLY keys, a
    /// self-signed platform certificate, certificate mode, the paid fixture
    /// [`BUILTIN_PAID_OUT_TRADE_NO`], and the 5-minute minimum close age.
    pub fn builtin() -> DoubleConfig {
        let keys = builtin_keys();
        let merchant =
            |i: usize, mchid: &str, appid: &str, serial: &str, subs: &[&str]| DoubleMerchant {
                mchid: mchid.to_owned(),
                appid: appid.to_owned(),
                serial_no: serial.to_owned(),
                key: keys.merchants[i].clone(),
                institutional: !subs.is_empty(),
                sub_mchids: subs.iter().map(|s| (*s).to_owned()).collect(),
            };
        DoubleConfig {
            merchants: vec![
                merchant(
                    0,
                    "1900000109",
                    "wxd678efh567hg6787",
                    "3775B6A45ACD588826D15E583A95F5DD12345678",
                    &[],
                ),
                merchant(
                    1,
                    "1900000110",
                    "wxd678efh567hg6788",
                    "4775B6A45ACD588826D15E583A95F5DD12345679",
                    &[],
                ),
                merchant(
                    2,
                    "1900000100",
                    "wxd678efh567hg6799",
                    "6775B6A45ACD588826D15E583A95F5DD1234567A",
                    &["1900000201"],
                ),
            ],
            platform_key: keys.platform.clone(),
            platform_cert: keys.cert.clone(),
            public_key_id: BUILTIN_PUBLIC_KEY_ID.to_owned(),
            mode: PlatformMode::Certificate,
            apiv3_key: ApiV3Key::new(BUILTIN_APIV3_KEY).expect("32 bytes"),
            paid_out_trade_no: BUILTIN_PAID_OUT_TRADE_NO.to_owned(),
            close_min_age: DEFAULT_CLOSE_MIN_AGE,
            fault: None,
            seed: None,
            max_orders: DEFAULT_MAX_ORDERS,
            latency: None,
            rate_limit: None,
            notify_schedule: NOTIFY_SCHEDULE.to_vec(),
        }
    }

    /// The notification schedule `speedup` times faster (at least 1).
    pub fn with_notify_speedup(mut self, speedup: u32) -> DoubleConfig {
        self.notify_schedule = crate::double::notifier::compressed(&NOTIFY_SCHEDULE, speedup);
        self
    }

    /// The `Wechatpay-Serial` of every answer: the certificate serial or the public key id.
    pub fn platform_serial(&self) -> &str {
        match self.mode {
            PlatformMode::Certificate => self.platform_cert.serial(),
            PlatformMode::PublicKey => &self.public_key_id,
        }
    }
}
