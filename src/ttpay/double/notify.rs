//! Payment notifications (CONTRACT 1, "Callbacks"): when an order with a `notify_url` is paid,
//! the double POSTs the provider's encrypted notification to it and retries on the provider's
//! schedule until the merchant acknowledges it.
//!
//! The responders are synchronous and run under the state's lock, so they only drop a [`Job`] in
//! an unbounded channel ([`Outbox`]). One notifier task per double, spawned at start, keeps the
//! jobs in a timer queue (bounded by `max_orders`; a job beyond it is dropped and logged on its
//! order) and sends each when due with one shared `reqwest::Client`, built on first use.
//!
//! What the order shows: `notify_num` counts the attempts made; `notify_status` is 0 (nothing to
//! send: no `notify_url`, or not paid), 1 (pending: the next attempt is scheduled),
//! 2 (acknowledged), 3 (given up: the schedule ran out, or the queue was full).
//! The merchant acknowledges with HTTP 200 and a body `success` or `SUCCESS` (whitespace
//! around it is fine) or JSON `{"code": "SUCCESS"}`; anything else is a failed attempt.
//! Each attempt carries the detail as it is when sent (its `notify_num` counts the attempts
//! before it).

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;
use serde_json::{Value, json};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::crypt::encrypt_resource;
use super::detail::detail;
use super::faults::Fault;
use super::respond::lock;
use super::state::{State, TradeState, now_ms};
use crate::ttpay::AppSecret;
use crate::ttpay::signing::{Authorization, nonce, response_message};

/// `notify_status`: nothing to send.
pub const NOTIFY_NONE: i64 = 0;
/// `notify_status`: an attempt is scheduled.
pub const NOTIFY_PENDING: i64 = 1;
/// `notify_status`: the merchant acknowledged.
pub const NOTIFY_DELIVERED: i64 = 2;
/// `notify_status`: no more attempts (schedule ran out, or the queue was full).
pub const NOTIFY_GAVE_UP: i64 = 3;

/// At most this many attempts are logged per order (the schedule has 10).
const LOG_LIMIT: usize = 16;
/// At most this much of a receiver's answer is logged.
const BODY_LIMIT: usize = 200;
/// How long one attempt may take.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);

/// The next attempt for one order: `attempt` indexes the schedule.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Job {
    pub transaction_id: String,
    pub attempt: usize,
    /// Fault `notify-second-event`: this job carries another payment event.
    pub second_event: bool,
}

/// Where the synchronous side drops jobs.
pub(crate) type Outbox = UnboundedSender<Job>;

/// One attempt, as `GET /_control/orders/{id}` shows it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Delivery {
    /// 1 for the first attempt.
    pub attempt: usize,
    /// When it was sent, Unix ms.
    pub at: i64,
    /// The receiver's HTTP status, if it answered.
    pub status: Option<u16>,
    /// The start of the receiver's body, or why there was no answer.
    pub answer: String,
    pub acknowledged: bool,
}

/// Whether the receiver's answer acknowledges the notification.
pub(crate) fn acknowledges(status: u16, body: &str) -> bool {
    let body = body.trim();
    status == 200
        && (body == "success"
            || body == "SUCCESS"
            || serde_json::from_str::<Value>(body)
                .is_ok_and(|v| v.get("code").and_then(Value::as_str) == Some("SUCCESS")))
}

/// Queues the first attempt for a just-paid order, if it has somewhere to go.
pub(crate) fn on_paid(state: &mut State, transaction_id: &str) {
    let Some(order) = state.orders.get_mut(transaction_id) else {
        return;
    };
    if order.notify_url.is_empty() {
        return;
    }
    order.notify_status = match &state.outbox {
        Some(outbox) => {
            let job = Job {
                transaction_id: transaction_id.to_owned(),
                attempt: 0,
                second_event: false,
            };
            match outbox.send(job) {
                Ok(()) => NOTIFY_PENDING,
                Err(_) => NOTIFY_GAVE_UP,
            }
        }
        None => NOTIFY_NONE,
    };
}

/// Starts the notifier of a double: it runs until the handle is aborted.
pub(crate) fn spawn(
    state: Arc<Mutex<State>>,
    outbox: Outbox,
    inbox: UnboundedReceiver<Job>,
    schedule: Vec<Duration>,
    max_pending: usize,
) -> JoinHandle<()> {
    let notifier = Notifier {
        state,
        outbox,
        schedule: Arc::new(schedule),
        client: None,
    };
    tokio::spawn(notifier.run(inbox, max_pending.max(1)))
}

struct Notifier {
    state: Arc<Mutex<State>>,
    outbox: Outbox,
    schedule: Arc<Vec<Duration>>,
    client: Option<reqwest::Client>,
}

impl Notifier {
    async fn run(mut self, mut inbox: UnboundedReceiver<Job>, max_pending: usize) {
        let mut pending: BinaryHeap<Reverse<(Instant, Job)>> = BinaryHeap::new();
        loop {
            let next = pending.peek().map(|Reverse((due, _))| *due);
            tokio::select! {
                job = inbox.recv() => {
                    let Some(job) = job else { return };
                    let Some(mut wait) = self.schedule.get(job.attempt).copied() else { continue };
                    if lock(&self.state).fault == Some(Fault::NotifyRetriesTooSoon) {
                        wait = Duration::ZERO;
                    }
                    if pending.len() >= max_pending {
                        self.give_up(&job, "dropped: the notification queue is full");
                        continue;
                    }
                    match Instant::now().checked_add(wait) {
                        Some(due) => pending.push(Reverse((due, job))),
                        None => self.give_up(&job, "dropped: the schedule's wait is too long"),
                    }
                }
                () = sleep_until(next) => {
                    while let Some(Reverse((due, _))) = pending.peek() {
                        if *due > Instant::now() {
                            break;
                        }
                        if let Some(Reverse((_, job))) = pending.pop() {
                            self.send(job);
                        }
                    }
                }
            }
        }
    }

    /// Sends one attempt in a task of its own; its result queues the next one.
    fn send(&mut self, job: Job) {
        let Some(client) = self.client() else {
            self.give_up(&job, "cannot build the http client");
            return;
        };
        let state = Arc::clone(&self.state);
        let outbox = self.outbox.clone();
        let schedule = Arc::clone(&self.schedule);
        tokio::spawn(async move {
            let Some(note) = notification(&state, &job.transaction_id, job.second_event) else {
                return;
            };
            let fault = lock(&state).fault;
            let at = now_ms();
            let mut post = client
                .post(&note.url)
                .header("content-type", "application/json")
                .body(note.body);
            if let Some(authorization) = note.authorization {
                post = post.header("authorization", authorization);
            }
            let answer = post.send().await;
            let (status, answer) = match answer {
                Ok(response) => {
                    let status = response.status().as_u16();
                    (Some(status), response.text().await.unwrap_or_default())
                }
                Err(e) => (None, format!("no answer: {e}")),
            };
            let acknowledged = status.is_some_and(|s| acknowledges(s, &answer));
            let more = job.attempt + 1 < schedule.len() && fault != Some(Fault::NotifyNoRetry);
            let delivery = Delivery {
                attempt: job.attempt + 1,
                at,
                status,
                answer: answer.chars().take(BODY_LIMIT).collect(),
                acknowledged,
            };
            let status = match (acknowledged, more) {
                (true, _) => NOTIFY_DELIVERED,
                (false, true) => NOTIFY_PENDING,
                (false, false) => NOTIFY_GAVE_UP,
            };
            record(&state, &job.transaction_id, delivery, status, true);
            let again = status == NOTIFY_PENDING
                || (acknowledged && more && fault == Some(Fault::NotifyRetriesAfterSuccess));
            if again {
                let next = Job {
                    attempt: job.attempt + 1,
                    ..job.clone()
                };
                let _ = outbox.send(next);
            }
            if acknowledged && !job.second_event && fault == Some(Fault::NotifySecondEvent) {
                let _ = outbox.send(Job {
                    attempt: 1,
                    second_event: true,
                    ..job
                });
            }
        });
    }

    fn client(&mut self) -> Option<reqwest::Client> {
        if self.client.is_none() {
            self.client = crate::double::callback::client(
                ATTEMPT_TIMEOUT,
                Some("TTPay API (https://ttpay.io)"),
            );
        }
        self.client.clone()
    }

    fn give_up(&self, job: &Job, why: &str) {
        let delivery = Delivery {
            attempt: job.attempt + 1,
            at: now_ms(),
            status: None,
            answer: why.to_owned(),
            acknowledged: false,
        };
        record(
            &self.state,
            &job.transaction_id,
            delivery,
            NOTIFY_GAVE_UP,
            false,
        );
    }
}

async fn sleep_until(due: Option<Instant>) {
    match due {
        Some(due) => tokio::time::sleep_until(due).await,
        None => std::future::pending().await,
    }
}

/// Logs an attempt on its order (if the order is still held), counting it when one was `sent`.
fn record(state: &Mutex<State>, id: &str, delivery: Delivery, status: i64, sent: bool) {
    let mut state = lock(state);
    let counts = state.fault != Some(Fault::NotifyNotCounted);
    if let Some(order) = state.orders.get_mut(id) {
        if sent && counts {
            order.notify_num += 1;
        }
        order.notify_status = status;
        if order.deliveries.len() >= LOG_LIMIT {
            order.deliveries.remove(0);
        }
        order.deliveries.push(delivery);
    }
}

/// One notification, ready to send.
struct Note {
    url: String,
    body: String,
    /// With [`NotifyForm::signed`](super::NotifyForm): the `Authorization` header.
    authorization: Option<String>,
}

/// The notification for a paid order still held, or `None` (`second_event`: fault
/// `notify-second-event`'s other payment).
fn notification(state: &Mutex<State>, transaction_id: &str, second_event: bool) -> Option<Note> {
    let state = lock(state);
    let order = state.orders.get(transaction_id)?;
    if order.trade_state != TradeState::Success || order.notify_url.is_empty() {
        return None;
    }
    let merchant = state.merchants.iter().find(|m| m.mch_id == order.mch_id)?;
    let fault = state.fault;
    let now = now_ms();
    // The order as the query shows it, whatever bends the query bends the notification too.
    let mut plain = detail(order, now, fault, true);
    bend_order(&mut plain, fault, second_event);
    let form = &state.notify_form;
    let key = match fault {
        Some(Fault::NotifyWrongKey) => AppSecret::new(WRONG_KEY).ok()?,
        _ => merchant.secret.clone(),
    };
    let mut resource = encrypt_resource(&key, &form.associated_data, plain.to_string().as_bytes());
    if fault == Some(Fault::NotifyWithoutTag) {
        without_tag(&mut resource);
    }
    let mut body = json!({
        "app_id": merchant.app_id,
        "mch_id": merchant.mch_id,
        "create_time": now,
        "resource_type": "encrypt-resource",
        "event_type": "TRANSACTION.SUCCESS",
        "resource": resource,
    });
    if fault == Some(Fault::NotifyWithoutMchId)
        && let Some(map) = body.as_object_mut()
    {
        map.remove("mch_id");
    }
    let body = body.to_string();
    let bad_signature = fault == Some(Fault::NotifyBadSignature);
    let authorization = (form.signed || bad_signature).then(|| {
        let timestamp = now.to_string();
        let nonce = nonce();
        let signed: &[u8] = if bad_signature {
            b"{}"
        } else {
            body.as_bytes()
        };
        let signature = merchant
            .secret
            .seal(&response_message(&timestamp, &nonce, signed));
        Authorization {
            app_id: merchant.app_id.clone(),
            mch_id: merchant.mch_id.clone(),
            nonce_str: nonce,
            timestamp,
            signature,
        }
        .to_header()
    });
    Some(Note {
        url: order.notify_url.clone(),
        body,
        authorization,
    })
}

/// The key fault `notify-wrong-key` encrypts with (32 bytes, not any merchant's).
const WRONG_KEY: &str = "NOT-THE-APP-SECRET-OF-ANY-MCH-00";

/// The order as a notification fault bends it.
fn bend_order(plain: &mut Value, fault: Option<Fault>, second_event: bool) {
    if fault == Some(Fault::NotifyWrongAmount)
        && let Some(amount) = plain.get("amount").and_then(Value::as_i64)
    {
        plain["amount"] = Value::from(amount + 1);
    }
    if second_event {
        let tx = plain
            .get("tx_id")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        plain["tx_id"] = Value::from(format!("{tx}-second"));
    }
}

/// Fault `notify-without-tag`: the ciphertext less its last 16 bytes.
fn without_tag(resource: &mut Value) {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let Some(sealed) = resource
        .get("ciphertext")
        .and_then(Value::as_str)
        .and_then(|c| b64.decode(c).ok())
    else {
        return;
    };
    let cut = sealed.len().saturating_sub(16);
    resource["ciphertext"] = Value::from(b64.encode(&sealed[..cut]));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acknowledgements_are_the_documented_ones() {
        assert!(acknowledges(200, "success"));
        assert!(acknowledges(200, "SUCCESS\n"));
        assert!(acknowledges(200, r#"{"code": "SUCCESS", "message": "ok"}"#));
        assert!(!acknowledges(200, "fail"));
        assert!(!acknowledges(200, ""));
        assert!(!acknowledges(500, "success"));
        assert!(!acknowledges(200, r#"{"code": "FAIL"}"#));
    }
}
