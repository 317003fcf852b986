//! The embedded double: a stateful fake of the TTPay / TokenPay provider on a local port, on the
//! kit's bounded HTTP server ([`crate::double::server`]) — the same [`Handler`] for `run`'s
//! embedded double and for `serve`. Without a fault it follows every rule of CONTRACT section 1; with a [`Fault`]
//! it breaks exactly the rules that fault names, which is how the suite proves that each of its
//! checks can fail.
//!
//! It serves `POST /v1/transaction/prepayment`, `POST` and `GET /v1/transaction/query` and
//! `POST /v1/transaction/close` for the merchants of its [`DoubleConfig`], holds their orders
//! in memory (a paid one is seeded for the first merchant) and signs its answers.
//!
//! Where the contract leaves a choice, the double takes one and keeps to it:
//! - refusals: a missing field 11003, a bad value or a foreign `mch_id` 100, an unknown or
//!   foreign order 12002, closing a paid order 20005, a repeated `out_trade_no` 12001;
//! - a `GET` query may leave `mch_id` out of its query string (the caller's is assumed);
//! - `expire_second` counts down while an order is `NOTPAY`, and is 0 once paid or closed;
//! - `attach` is echoed from creation on; `to_address` shows the platform's wallet for a
//!   platform order created without one;
//! - a wrong method on an endpoint is refused with 100; any other path gets HTTP 404 JSON;
//! - the rate limit counts only authenticated requests it admits;
//! - an order past its `expire_time` stays `NOTPAY` until the control API expires it, which
//!   makes it `CLOSED` with `close_time` set.
//!
//! Beyond the provider's paths, a [control API](control) under `/_control/` lets a test pay or
//! expire an order, look inside one, and reset the double ([`Double::pay`] and friends
//! in-process). A paid order with a `notify_url` gets the provider's encrypted
//! [notification](notify), retried on the provider's schedule.
//!
//! ```
//! use pay_conformance::ttpay::double::{BUILTIN_PAID_OUT_TRADE_NO, Double, DoubleConfig, Fault};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let double = Double::start(DoubleConfig::builtin()).await;
//! assert!(double.uri().starts_with("http://127.0.0.1:"));
//! assert_eq!(double.order_count(), 1); // the order BUILTIN_PAID_OUT_TRADE_NO
//!
//! double.set_fault(Fault::from_name("close-ignores-signature"));
//! assert_eq!(double.fault().map(Fault::rules), Some(&["A3"][..]));
//! # }
//! ```

mod auth;
mod chains;
mod config;
pub mod control;
mod detail;
mod endpoints;
mod envelope;
mod faults;
pub mod notify;
mod router;
pub(crate) mod serve;
mod state;
mod validate;
mod variants;

use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use crate::double::notifier::Notifier;
use serde_json::Value;

pub use crate::ttpay::crypto::{NotificationError, decrypt_notification, encrypt_resource};
pub use config::{
    BUILTIN_PAID_OUT_TRADE_NO, DEFAULT_MAX_ORDERS, DoubleConfig, NotifyForm,
    PROVIDER_NOTIFY_SCHEDULE,
};
pub use control::{CONTROL_PREFIX, ControlError, PaymentFacts};
pub use faults::{Fault, UnknownFault};
pub use variants::Variant;

use crate::double::server::{Handler, Limits, Server};
use router::{TtpayHandler, lock};
use state::{State, now_ms};

/// The server limits TTPay's double runs within: the kit's defaults (1 MiB body, 10 s head,
/// 30 s body, 75 s idle, 4096 connections), except the head. TTPay's signature is the
/// encrypted request, so the `Authorization` header grows with the body (4/3 of it, in Base64):
/// a head may be as large as a full-size body's signature plus 16 KiB. Beyond that hyper
/// answers a bare 431 (CONTRACT T5 allows it). hyper's buffer grows only as a head arrives.
pub fn limits() -> Limits {
    let defaults = Limits::default();
    Limits {
        max_headers_bytes: defaults.max_body / 3 * 4 + 16 * 1024,
        ..defaults
    }
}

/// Why a double could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot serve the listener: {0}")]
    Serve(std::io::Error),
}

/// A running double. It stops when dropped.
pub struct Double {
    server: Server,
    state: Arc<Mutex<State>>,
    config: DoubleConfig,
    /// Stops when the double goes.
    _notifier: Notifier,
}

crate::double_handle!(Double, DoubleConfig, Fault);

impl Double {
    /// Starts a double on `127.0.0.1` and a random free port.
    ///
    /// # Panics
    /// When no loopback port can be had (use [`Double::start_on`] to handle that).
    pub async fn start(config: DoubleConfig) -> Double {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a free loopback port");
        match Double::start_on(listener, config, limits()).await {
            Ok(double) => double,
            Err(e) => panic!("{e}"),
        }
    }

    /// Starts a double on a listener already bound (`serve --port`), within `limits`.
    pub async fn start_on(
        listener: TcpListener,
        config: DoubleConfig,
        limits: Limits,
    ) -> Result<Double, StartError> {
        let (outbox, inbox) = crate::double::notifier::queue(config.max_orders);
        let mut fresh = State::new(&config, now_ms());
        fresh.outbox = Some(outbox);
        let state = Arc::new(Mutex::new(fresh));
        let notifier = notify::spawn(
            Arc::clone(&state),
            inbox,
            config.notify_schedule.clone(),
            config.max_orders,
        );
        let handler: Arc<dyn Handler> = Arc::new(TtpayHandler {
            state: Arc::clone(&state),
            latency: config.latency,
            merchants: config.merchants.clone(),
            timestamp_unit: config.timestamp_unit,
        });
        let server = match Server::start(listener, handler, limits).await {
            Ok(server) => server,
            Err(e) => return Err(StartError::Serve(e)),
        };
        Ok(Double {
            server,
            state,
            config,
            _notifier: notifier,
        })
    }

    /// A customer pays the order (`POST /_control/orders/{id}/pay`): it becomes `SUCCESS`
    /// with the chain facts given or generated, and a notification goes to its `notify_url`.
    /// `id` is a `transaction_id`, `prepay_id` or `out_trade_no`. Answers the new detail.
    pub fn pay(&self, id: &str, facts: PaymentFacts) -> Result<Value, ControlError> {
        control::pay(&mut lock(&self.state), id, facts)
    }

    /// The order runs out of time (`POST /_control/orders/{id}/expire`): `CLOSED`, with
    /// `close_time` now. Answers the new detail.
    pub fn expire(&self, id: &str) -> Result<Value, ControlError> {
        control::expire(&mut lock(&self.state), id)
    }

    /// `{detail, notifications}` of an order (`GET /_control/orders/{id}`).
    pub fn inspect(&self, id: &str) -> Result<Value, ControlError> {
        control::inspect(&lock(&self.state), id)
    }

    /// Drops every order but the paid fixture (`POST /_control/reset`).
    pub fn reset(&self) {
        control::reset(&mut lock(&self.state));
    }
}
