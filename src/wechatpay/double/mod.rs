//! The embedded WeChat Pay Global double: a stateful fake of the APIv3 close order (with the
//! Native create, the query and the platform certificate list closing needs) on the project's
//! bounded HTTP server ([`crate::double::server`]). Without a fault it keeps every rule of
//! `docs/contract-wechatpay.md`; with a [`Fault`] it breaks the one rule the fault names.
//!
//! Paths (each also under the legacy `/hk/v3/transactions/…` tree, W1):
//! `POST /v3/global/transactions/native` (G1), `GET …/out-trade-no/{otn}?mchid=…` and
//! `GET …/id/{id}?mchid=…` (G2; institutional `?sp_mchid=…&sub_mchid=…`),
//! `POST …/out-trade-no/{otn}/close` and `POST …/id/{id}/close` (W1–W5),
//! `GET /v3/global/certificates` and `/v3/certificates` (W7; the latter is what wechatpayv3
//! downloads). The [control API](control) lives under `/_control/`.
//!
//! # Choices where the contract leaves them open
//!
//! | situation | the double answers |
//! |---|---|
//! | close a `NOTPAY` order | 204, empty body, signed; the order is `CLOSED` |
//! | close a paid order | 403 `ORDERPAID`; it stays `SUCCESS` |
//! | close a `CLOSED` order | 400 `ORDERCLOSED` (the seed's code); it stays `CLOSED` |
//! | close or query an order that does not exist, or another merchant's | 404 `ORDER_NOT_EXIST` (no leak) |
//! | close a `NOTPAY` order younger than `close_min_age` (W5) | 403 `RULE_LIMIT` (none of W4's codes); unchanged |
//! | GET / PUT / DELETE on a close path | 405 `REQUIRE_POST_METHOD`, before the signature; no effect |
//! | another method on create / query / certificates | 405 `REQUIRE_POST_METHOD` / `METHOD_NOT_ALLOWED` |
//! | any signature problem (missing, scheme, syntax, key, bytes, serial, header `mchid`, clock > 300 s) | 401 `SIGN_ERROR`, no effect |
//! | body or query `mchid` (`sp_mchid`) not the signer's | 401 `SIGN_ERROR` (the feature's expectation) |
//! | malformed body (empty, not JSON, not an object, missing / extra field, wrong type, the other mode's fields) | 400 `PARAM_ERROR` with `detail {field, value, issue, location}` |
//! | unknown `sub_mchid` of an institution | 400 `MCH_NOT_EXISTS` |
//! | create with an `appid` (`sp_appid`) that is not the signer's | 400 `APPID_MCHID_NOT_MATCH` |
//! | an `Authorization` `mchid` no merchant has | 401 `SIGN_ERROR`, its message naming the `mchid` as unknown |
//! | create again, same content | 200, the same `code_url` (a paid one 403 `ORDERPAID`, a closed one 400 `ORDERCLOSED`) |
//! | create again, other content | 400 `INVALID_REQUEST` |
//! | beyond `rate_limit` requests per second per signer | 429 `FREQUENCY_LIMITED` |
//! | an unknown path | 404 `NOT_FOUND` |
//!
//! Every answer — 2xx and failures alike — is signed by the platform key and carries a
//! `Request-ID`: `Wechatpay-Serial` is the certificate serial in [`PlatformMode::Certificate`],
//! the `PUB_KEY_ID_…` in [`PlatformMode::PublicKey`]. The certificate list is served in both
//! modes. Every order has its `id` (32 digits) from creation: a query shows it while unpaid.
//! `Accept` and `User-Agent` are not enforced (the contract checks that the client sends them).
//!
//! **Minimum close age**: [`DEFAULT_CLOSE_MIN_AGE`] is the seed's 5 minutes. A run against the
//! embedded double ages each order through `POST /_control/orders/{id}/age` (or
//! [`Double::age`]) instead of sleeping; `close_min_age: Duration::ZERO` turns the rule off.
//!
//! ```
//! use pay_conformance::wechatpay::double::{Double, DoubleConfig, Fault};
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let double = Double::start(DoubleConfig::builtin()).await;
//! assert!(double.uri().starts_with("http://127.0.0.1:"));
//! assert_eq!(double.order_count(), 1); // the paid fixture
//! double.set_fault(Fault::from_name("unsigned-204"));
//! assert_eq!(double.fault().map(Fault::rules), Some(&["W7"][..]));
//! # }
//! ```

mod auth;
mod config;
pub mod control;
mod endpoints;
mod envelope;
mod faults;
pub mod notify;
pub mod serve;
mod state;
pub mod test_keys;
#[cfg(test)]
mod tests;
mod validate;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::double::notifier::Notifier;
use serde_json::Value;

pub use config::{
    BUILTIN_APIV3_KEY, BUILTIN_PAID_OUT_TRADE_NO, BUILTIN_PLATFORM_SERIAL, BUILTIN_PUBLIC_KEY_ID,
    DEFAULT_CLOSE_MIN_AGE, DEFAULT_MAX_ORDERS, DoubleConfig, DoubleMerchant, NOTIFY_SCHEDULE,
    PlatformMode,
};
pub use control::{CONTROL_PREFIX, ControlError};
pub use endpoints::{CERTIFICATES_PATHS, TRANSACTIONS_PREFIXES};
pub use faults::Fault;
pub use notify::{NotificationError, TRANSACTION_AAD, decrypt_notification};
pub use serve::{WxServeArgs, serve};

use crate::double::server::{Limits, Server};
use state::{State, lock};

/// Unix seconds as WeChat Pay writes times (RFC 3339, Beijing time).
pub(crate) fn beijing_rfc3339(unix: i64) -> String {
    crate::wechatpay::crypto::beijing_time(unix).unwrap_or_default()
}

/// A running double; it stops when dropped.
pub struct Double {
    server: Server,
    state: Arc<Mutex<State>>,
    config: Arc<DoubleConfig>,
    /// Stops when the double goes.
    _notifier: Notifier,
}

crate::double_handle!(Double, DoubleConfig, Fault);

impl Double {
    /// Starts a double on `127.0.0.1` and a free port.
    ///
    /// # Panics
    /// If no loopback port can be bound (the machine has no loopback): use
    /// [`Double::try_start_on`] to handle that.
    pub async fn start(config: DoubleConfig) -> Double {
        let listener = std::net::TcpListener::bind(("127.0.0.1", 0))
            .expect("a free port on 127.0.0.1 can be bound");
        Double::start_on(listener, config).await
    }

    /// Starts a double on a listener already bound (`serve --port`).
    ///
    /// # Panics
    /// If the listener cannot be registered with tokio (see [`Double::try_start_on`]).
    pub async fn start_on(listener: std::net::TcpListener, config: DoubleConfig) -> Double {
        Double::try_start_on(listener, config)
            .await
            .expect("the listener can be served")
    }

    /// Starts a double on a listener, or says why it cannot.
    pub async fn try_start_on(
        listener: std::net::TcpListener,
        config: DoubleConfig,
    ) -> std::io::Result<Double> {
        let config = Arc::new(config);
        let (outbox, inbox) = crate::double::notifier::queue(config.max_orders);
        let mut fresh = State::new(&config);
        fresh.outbox = Some(outbox);
        let state = Arc::new(Mutex::new(fresh));
        let notifier = notify::spawn(Arc::clone(&state), Arc::clone(&config), inbox);
        let handler = endpoints::Endpoints {
            state: Arc::clone(&state),
            config: Arc::clone(&config),
        };
        let server = match Server::start(listener, Arc::new(handler), Limits::default()).await {
            Ok(server) => server,
            Err(e) => return Err(e),
        };
        Ok(Double {
            server,
            state,
            config,
            _notifier: notifier,
        })
    }

    /// A customer pays the order (`POST /_control/orders/{id}/pay`); answers its query view.
    pub fn pay(&self, id: &str) -> Result<Value, ControlError> {
        control::pay(&mut lock(&self.state), id)
    }

    /// Makes the order older by `by`, or just past the minimum close age with `None`
    /// (`POST /_control/orders/{id}/age`).
    pub fn age(&self, id: &str, by: Option<Duration>) -> Result<Value, ControlError> {
        let secs = by.map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
        let min = i64::try_from(self.config.close_min_age.as_secs()).unwrap_or(i64::MAX);
        control::age(&mut lock(&self.state), id, secs, min)
    }

    /// The order runs out of time: `CLOSED` (`POST /_control/orders/{id}/expire`).
    pub fn expire(&self, id: &str) -> Result<Value, ControlError> {
        control::expire(&mut lock(&self.state), id)
    }

    /// What it holds about an order (`GET /_control/orders/{id}`).
    pub fn inspect(&self, id: &str) -> Result<Value, ControlError> {
        control::inspect(&lock(&self.state), id)
    }

    /// Drops every order but the paid fixture (`POST /_control/reset`).
    pub fn reset(&self) {
        lock(&self.state).reset(&self.config);
    }
}
