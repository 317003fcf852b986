//! Payment notifications: when an order with a `notify_url` is paid, the double POSTs a
//! `TRANSACTION.SUCCESS` event — the transaction JSON `AEAD_AES_256_GCM`-encrypted under the
//! APIv3 key (`associated_data` `"transaction"`), the request signed by the platform like an
//! answer (`Wechatpay-*` headers over `TS\nNONCE\nBODY\n`) — and retries on the provider's
//! schedule until the receiver answers 2xx. The kit's [`Notifier`] runs the schedule: at most
//! `max_orders` deliveries are pending at once (one beyond is dropped: `notify_status` 3); each
//! order logs its latest 16 attempts.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

use super::beijing_rfc3339;
use super::config::DoubleConfig;
use super::state::{State, lock, now_s};
use crate::double::notifier::{self, Attempt, Inbox, Job, Notifier, Notify, Outgoing, Status};
use crate::wechatpay::crypto::{
    AEAD_ALGORITHM, AeadError, ApiV3Key, SCHEME, aead_decrypt, aead_encrypt, aead_nonce, nonce,
    sign_response,
};

/// How long one attempt may take.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
/// The associated data of a notification's resource.
pub const TRANSACTION_AAD: &str = "transaction";

/// A notification that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotificationError {
    /// The body is not the notification JSON.
    #[error("notification body: {0}")]
    Shape(String),
    /// The resource does not decrypt.
    #[error("notification resource: {0}")]
    Aead(#[from] AeadError),
}

/// Reads a notification body: decrypts its resource with the APIv3 key.
pub fn decrypt_notification(key: &ApiV3Key, body: &[u8]) -> Result<Value, NotificationError> {
    let v: Value =
        serde_json::from_slice(body).map_err(|e| NotificationError::Shape(e.to_string()))?;
    let field = |p: &str| {
        v.pointer(p)
            .and_then(Value::as_str)
            .ok_or_else(|| NotificationError::Shape(format!("{p} is not a string")))
    };
    let plain = aead_decrypt(
        key,
        field("/resource/nonce")?,
        field("/resource/associated_data")?,
        field("/resource/ciphertext")?,
    )?;
    serde_json::from_slice(&plain).map_err(|e| NotificationError::Shape(e.to_string()))
}

/// The notification body of order `id`, or `None` once it is gone.
fn body(state: &Mutex<State>, key: &ApiV3Key, id: &str) -> Option<(String, Vec<u8>)> {
    let mut state = lock(state);
    let order = state.orders.get(id)?;
    let url = order.notify_url.clone()?;
    let mut transaction = order.query_view(false);
    transaction["transaction_id"] = transaction["id"].take();
    if let Some(map) = transaction.as_object_mut() {
        map.remove("id");
    }
    let nonce = aead_nonce();
    let ciphertext = aead_encrypt(
        key,
        &nonce,
        TRANSACTION_AAD,
        transaction.to_string().as_bytes(),
    )
    .ok()?;
    let event = json!({
        "id": state.request_id(),
        "create_time": beijing_rfc3339(now_s()),
        "resource_type": "encrypt-resource",
        "event_type": "TRANSACTION.SUCCESS",
        "summary": "payment succeeded",
        "resource": {
            "original_type": "transaction",
            "algorithm": AEAD_ALGORITHM,
            "ciphertext": ciphertext,
            "associated_data": TRANSACTION_AAD,
            "nonce": nonce,
        },
    });
    Some((url, event.to_string().into_bytes()))
}

/// Starts the notifier of a double: it runs until the handle is dropped.
pub(crate) fn spawn(state: Arc<Mutex<State>>, config: Arc<DoubleConfig>, inbox: Inbox) -> Notifier {
    let settings = notifier::Settings {
        schedule: config.notify_schedule.clone(),
        max_pending: config.max_orders,
        attempt_timeout: ATTEMPT_TIMEOUT,
        user_agent: None,
    };
    Notifier::spawn(WechatNotify { state, config }, settings, inbox)
}

struct WechatNotify {
    state: Arc<Mutex<State>>,
    config: Arc<DoubleConfig>,
}

impl Notify for WechatNotify {
    /// The event, signed by the platform like an answer.
    fn build(&self, job: &Job) -> Option<Outgoing> {
        let config = &self.config;
        let (url, body) = body(&self.state, &config.apiv3_key, &job.id)?;
        let ts = now_s();
        let nonce = nonce();
        let signature = sign_response(&config.platform_key, ts, &nonce, &body);
        let headers = vec![
            ("content-type", "application/json".to_owned()),
            ("wechatpay-timestamp", ts.to_string()),
            ("wechatpay-nonce", nonce),
            ("wechatpay-signature", signature),
            ("wechatpay-serial", config.platform_serial().to_owned()),
            ("wechatpay-signature-type", SCHEME.to_owned()),
        ];
        Some(Outgoing { url, headers, body })
    }

    /// Any 2xx acknowledges.
    fn acknowledges(&self, status: u16, _body: &str) -> bool {
        (200..300).contains(&status)
    }

    fn record(&self, job: &Job, attempt: Attempt, status: Status, _sent: bool) {
        let mut state = lock(&self.state);
        if let Some(order) = state.orders.get_mut(&job.id) {
            order.notify_status = status.code();
            order.notifications.push(attempt);
        }
    }
}
