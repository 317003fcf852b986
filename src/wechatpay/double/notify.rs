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
use super::faults::Fault;
use super::state::{State, lock, now_s};
use crate::double::notifier::{self, Attempt, Inbox, Job, Notifier, Notify, Outgoing, Status};
use crate::wechatpay::crypto::{
    AEAD_ALGORITHM, AeadError, ApiV3Key, SCHEME, aead_decrypt, aead_encrypt, aead_nonce, nonce,
    sign_response,
};

/// How long one attempt may take.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(5);
/// The key fault `notify-wrong-key` encrypts with (32 bytes, not the APIv3 key).
const WRONG_APIV3_KEY: &str = "NOT-THE-APIV3-KEY-OF-ANY-MCH-000";

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

/// The notification id of one event: the same on every retry (WN4), derived from the order
/// and the event; fault `notify-new-id-per-retry` mixes the attempt in.
fn event_id(job: &Job, fault: Option<Fault>) -> String {
    let attempt = match fault {
        Some(Fault::NotifyNewIdPerRetry) => job.attempt,
        _ => 0,
    };
    let seed = format!("{}/{}/{attempt}", job.id, job.event);
    let digest = ring::digest::digest(&ring::digest::SHA256, seed.as_bytes());
    let hex: String = digest.as_ref()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// The notification body of `job`'s order, or `None` once it is gone.
fn body(state: &Mutex<State>, key: &ApiV3Key, job: &Job) -> Option<(String, Vec<u8>)> {
    let state = lock(state);
    let order = state.orders.get(&job.id)?;
    let url = order.notify_url.clone()?;
    // WN3: the Global resource names the order `id`, as the Global query does.
    let mut transaction = order.query_view(false);
    let fault = state.fault;
    if fault == Some(Fault::NotifyMainlandNames) {
        transaction["transaction_id"] = transaction["id"].take();
        if let Some(map) = transaction.as_object_mut() {
            map.remove("id");
        }
    }
    if fault == Some(Fault::NotifyWrongAmount)
        && let Some(total) = transaction.pointer("/amount/total").and_then(Value::as_i64)
    {
        transaction["amount"]["total"] = Value::from(total + 1);
    }
    let wrong_key;
    let key = if fault == Some(Fault::NotifyWrongKey) {
        wrong_key = ApiV3Key::new(WRONG_APIV3_KEY).ok()?;
        &wrong_key
    } else {
        key
    };
    let nonce = aead_nonce();
    let ciphertext = aead_encrypt(
        key,
        &nonce,
        TRANSACTION_AAD,
        transaction.to_string().as_bytes(),
    )
    .ok()?;
    let event = json!({
        "id": event_id(job, fault),
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
    /// The event, signed by the platform like an answer (as the WN1 faults sign it).
    fn build(&self, job: &Job) -> Option<Outgoing> {
        let config = &self.config;
        let (url, body) = body(&self.state, &config.apiv3_key, job)?;
        let fault = lock(&self.state).fault;
        let mut headers = vec![("content-type", "application/json".to_owned())];
        if fault != Some(Fault::NotifyUnsigned) {
            let ts = match fault {
                Some(Fault::NotifyStaleTimestamp) => now_s() - 3600,
                _ => now_s(),
            };
            let nonce = nonce();
            let signed: &[u8] = match fault {
                Some(Fault::NotifyBadSignature) => b"{}",
                _ => &body,
            };
            let signature = sign_response(&config.platform_key, ts, &nonce, signed);
            let serial = match fault {
                Some(Fault::NotifyWrongSerial) => "PUB_KEY_ID_0000000000000000000000000000",
                _ => config.platform_serial(),
            };
            headers.extend([
                ("wechatpay-timestamp", ts.to_string()),
                ("wechatpay-nonce", nonce),
                ("wechatpay-signature", signature),
                ("wechatpay-serial", serial.to_owned()),
                ("wechatpay-signature-type", SCHEME.to_owned()),
            ]);
        }
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

    /// The WN4 faults: no retry at all, or retries after an acknowledgement.
    fn follow_up(&self, job: &Job, acknowledged: bool, more: bool) -> Vec<Job> {
        match lock(&self.state).fault {
            Some(Fault::NotifyNoRetry) => Vec::new(),
            Some(Fault::NotifyRetriesAfterAck) if more => vec![job.retry()],
            _ if !acknowledged && more => vec![job.retry()],
            _ => Vec::new(),
        }
    }
}
