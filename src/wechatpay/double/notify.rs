//! Payment notifications: when an order with a `notify_url` is paid, the double POSTs a
//! `TRANSACTION.SUCCESS` event — the transaction JSON `AEAD_AES_256_GCM`-encrypted under the
//! APIv3 key (`associated_data` `"transaction"`), the request signed by the platform like an
//! answer (`Wechatpay-*` headers over `TS\nNONCE\nBODY\n`) — and retries on the provider's
//! schedule until the receiver answers 2xx. At most `max_orders` deliveries are pending at once
//! (one beyond is dropped: `notify_status` 3); each order logs at most 16 attempts.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::mpsc::Receiver;
use tokio::task::JoinSet;

use super::beijing_rfc3339;
use super::config::DoubleConfig;
use super::faults::Fault;
use super::state::{Attempt, Job, MAX_LOGGED_ANSWER, MAX_LOGGED_ATTEMPTS, State, lock, now_s};
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

/// The notification body of order `id`, or `None` once it is gone.
fn body(
    state: &Mutex<State>,
    key: &ApiV3Key,
    id: &str,
    event_id: &str,
) -> Option<(String, Vec<u8>)> {
    let mut state = lock(state);
    let order = state.orders.get(id)?;
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
    let event_id = match fault {
        Some(Fault::NotifyNewIdPerRetry) => state.request_id(),
        _ => event_id.to_owned(),
    };
    let event = json!({
        "id": event_id,
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

fn record(state: &Mutex<State>, id: &str, attempt: Attempt, last: bool) {
    let mut state = lock(state);
    if let Some(order) = state.orders.get_mut(id) {
        order.notify_status = match (attempt.acknowledged, last) {
            (true, _) => 2,
            (false, true) => 3,
            (false, false) => 1,
        };
        if order.notifications.len() < MAX_LOGGED_ATTEMPTS {
            order.notifications.push(attempt);
        }
    }
}

async fn deliver(
    state: Arc<Mutex<State>>,
    config: Arc<DoubleConfig>,
    client: reqwest::Client,
    id: String,
) {
    let schedule = config.notify_schedule.clone();
    let event_id = lock(&state).request_id();
    for (n, delay) in schedule.iter().enumerate() {
        tokio::time::sleep(*delay).await;
        let Some((url, body)) = body(&state, &config.apiv3_key, &id, &event_id) else {
            return;
        };
        let fault = lock(&state).fault;
        let mut post = client.post(&url).header("content-type", "application/json");
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
            post = post
                .header("wechatpay-timestamp", ts.to_string())
                .header("wechatpay-nonce", &nonce)
                .header("wechatpay-signature", signature)
                .header("wechatpay-serial", serial)
                .header("wechatpay-signature-type", SCHEME);
        }
        let sent = post.body(body).send().await;
        let (status, answer) = match sent {
            Ok(resp) => {
                let status = resp.status().as_u16();
                let text = resp.text().await.unwrap_or_default();
                (Some(status), text.chars().take(MAX_LOGGED_ANSWER).collect())
            }
            Err(e) => (
                None,
                e.to_string().chars().take(MAX_LOGGED_ANSWER).collect(),
            ),
        };
        let acknowledged = status.is_some_and(|s| (200..300).contains(&s));
        let last = n + 1 == schedule.len();
        let attempt = Attempt {
            attempt: n + 1,
            at: now_s(),
            status,
            answer,
            acknowledged,
        };
        record(&state, &id, attempt, last);
        let retries_anyway = fault == Some(Fault::NotifyRetriesAfterAck);
        if (acknowledged && !retries_anyway) || fault == Some(Fault::NotifyNoRetry) {
            return;
        }
    }
}

/// The notifier: takes jobs from the queue and delivers each, at most `max_pending` at once.
pub(crate) async fn run(
    state: Arc<Mutex<State>>,
    config: Arc<DoubleConfig>,
    mut inbox: Receiver<Job>,
) {
    let Some(client) = crate::double::callback::client(ATTEMPT_TIMEOUT, None) else {
        return;
    };
    let max_pending = config.max_orders.max(1);
    let mut tasks = JoinSet::new();
    loop {
        tokio::select! {
            job = inbox.recv() => {
                let Some(job) = job else { break };
                while tasks.try_join_next().is_some() {}
                if tasks.len() >= max_pending {
                    let attempt = Attempt { attempt: 0, at: now_s(), status: None,
                        answer: "dropped: too many notifications pending".into(), acknowledged: false };
                    record(&state, &job.order_id, attempt, true);
                    continue;
                }
                tasks.spawn(deliver(Arc::clone(&state), Arc::clone(&config), client.clone(), job.order_id));
            }
            Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
        }
    }
}
