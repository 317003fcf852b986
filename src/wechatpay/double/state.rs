//! The double's memory: orders (bounded, oldest evicted, never the paid fixture), the fault in
//! force, generated ids, the rate limiter, and the queue notifications leave by.

use std::collections::{HashMap, VecDeque};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use super::config::DoubleConfig;
use super::{Fault, beijing_rfc3339};
use crate::double::notifier::{Log, Outbox};
use crate::double::{Ids, RateLimiter};

/// Now, Unix seconds.
pub(crate) fn now_s() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

pub(crate) use crate::double::lock;

/// The trade states an order of this double goes through.
pub(crate) use crate::double::TradeState;

/// An order.
#[derive(Debug, Clone)]
pub(crate) struct Order {
    /// The WeChat Pay order number (32 digits), the `transaction_id` of the close path.
    pub(crate) id: String,
    /// The signing merchant (`mchid`, or the institution's `sp_mchid`).
    pub(crate) owner: String,
    /// The sub-merchant of an institutional order.
    pub(crate) sub_mchid: Option<String>,
    pub(crate) appid: String,
    pub(crate) out_trade_no: String,
    pub(crate) description: String,
    pub(crate) notify_url: Option<String>,
    pub(crate) total: i64,
    pub(crate) currency: String,
    /// The create body as parsed: a second create must equal it (G1).
    pub(crate) created_with: Value,
    pub(crate) code_url: String,
    pub(crate) state: TradeState,
    /// Creation time, Unix seconds (moved back by the control API's `age`).
    pub(crate) created_s: i64,
    pub(crate) success_s: Option<i64>,
    pub(crate) closed_s: Option<i64>,
    pub(crate) notifications: Log,
    /// 0 none, 1 pending, 2 acknowledged, 3 gave up.
    pub(crate) notify_status: u8,
}

impl Order {
    /// The G2 query answer.
    pub(crate) fn query_view(&self, lowercase_state: bool) -> Value {
        let state = if lowercase_state {
            self.state.as_str().to_ascii_lowercase()
        } else {
            self.state.as_str().to_owned()
        };
        let mut v = json!({
            "id": self.id,
            "out_trade_no": self.out_trade_no,
            "trade_type": "NATIVE",
            "trade_state": state,
            "trade_state_desc": match self.state {
                TradeState::NotPay => "not paid",
                TradeState::Success => "paid",
                TradeState::Closed => "closed",
            },
            "description": self.description,
            "amount": {"total": self.total, "currency": self.currency},
            "create_time": beijing_rfc3339(self.created_s),
        });
        match &self.sub_mchid {
            Some(sub) => {
                v["sp_mchid"] = json!(self.owner);
                v["sp_appid"] = json!(self.appid);
                v["sub_mchid"] = json!(sub);
            }
            None => {
                v["mchid"] = json!(self.owner);
                v["appid"] = json!(self.appid);
            }
        }
        if let Some(t) = self.success_s {
            v["success_time"] = json!(beijing_rfc3339(t));
            v["amount"]["payer_total"] = json!(self.total);
            v["amount"]["payer_currency"] = json!(self.currency);
        }
        v
    }

    /// The control API's view: the query answer plus what a test wants to see inside.
    pub(crate) fn inspect_view(&self, now: i64) -> Value {
        json!({
            "order": self.query_view(false),
            "age_seconds": now.saturating_sub(self.created_s),
            "notify_url": self.notify_url,
            "notify_status": self.notify_status,
            "notifications": self.notifications.iter().map(|a| json!({
                "attempt": a.attempt, "at": a.at_ms / 1000, "status": a.status,
                "answer": a.answer, "acknowledged": a.acknowledged,
            })).collect::<Vec<_>>(),
        })
    }
}

/// Everything the double remembers.
pub(crate) struct State {
    pub(crate) orders: HashMap<String, Order>,
    /// `(owner, sub_mchid or "", out_trade_no)` → `id`.
    pub(crate) by_otn: HashMap<(String, String, String), String>,
    /// Ids in creation order, for eviction.
    pub(crate) arrival: VecDeque<String>,
    pub(crate) paid_id: String,
    pub(crate) fault: Option<Fault>,
    pub(crate) ids: Ids,
    pub(crate) rate: Option<RateLimiter>,
    pub(crate) max_orders: usize,
    pub(crate) outbox: Option<Outbox>,
    seq: u64,
}

impl State {
    /// A fresh state with the paid fixture of `config.merchants[0]`.
    pub(crate) fn new(config: &DoubleConfig) -> State {
        let mut state = State {
            orders: HashMap::new(),
            by_otn: HashMap::new(),
            arrival: VecDeque::new(),
            paid_id: String::new(),
            fault: config.fault,
            ids: Ids::new(config.seed),
            rate: config.rate_limit.filter(|n| *n > 0).map(RateLimiter::new),
            max_orders: config.max_orders.max(1),
            outbox: None,
            seq: 0,
        };
        state.seed_paid(config);
        state
    }

    fn seed_paid(&mut self, config: &DoubleConfig) {
        let Some(m) = config.merchants.first() else {
            return;
        };
        let now = now_s();
        let body = json!({"paid fixture": true});
        let id = self.insert(
            m.mchid.clone(),
            None,
            m.appid.clone(),
            config.paid_out_trade_no.clone(),
            "the paid fixture".to_owned(),
            None,
            (1, "HKD".to_owned()),
            body,
            now - 86_400,
        );
        if let Some(o) = self.orders.get_mut(&id) {
            o.state = TradeState::Success;
            o.success_s = Some(now - 86_000);
        }
        self.paid_id = id;
    }

    /// Drops every order but the paid fixture and starts the ids over.
    pub(crate) fn reset(&mut self, config: &DoubleConfig) {
        let outbox = self.outbox.take();
        let fault = self.fault;
        *self = State::new(config);
        self.fault = fault;
        self.outbox = outbox;
    }

    /// A fresh 32-digit order number.
    pub(crate) fn new_id(&mut self) -> String {
        self.seq = self.seq.wrapping_add(1);
        let random = u64::from_str_radix(&self.ids.hex(15), 16).unwrap_or(0);
        format!(
            "42{:018}{:012}",
            random % 1_000_000_000_000_000_000,
            self.seq % 1_000_000_000_000
        )
    }

    /// A fresh `Request-ID`.
    pub(crate) fn request_id(&mut self) -> String {
        self.ids.uuid()
    }

    /// Stores a new order (evicting the oldest beyond `max_orders`) and answers its id.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn insert(
        &mut self,
        owner: String,
        sub_mchid: Option<String>,
        appid: String,
        out_trade_no: String,
        description: String,
        notify_url: Option<String>,
        (total, currency): (i64, String),
        created_with: Value,
        created_s: i64,
    ) -> String {
        while self.orders.len() >= self.max_orders {
            let Some(pos) = self.arrival.iter().position(|id| *id != self.paid_id) else {
                break;
            };
            if let Some(old) = self
                .arrival
                .remove(pos)
                .and_then(|id| self.orders.remove(&id))
            {
                self.by_otn.remove(&old.key());
            }
        }
        let id = self.new_id();
        let code_url = format!("weixin://wxpay/bizpayurl/up?pr={}", self.ids.hex(16));
        let order = Order {
            id: id.clone(),
            owner,
            sub_mchid,
            appid,
            out_trade_no,
            description,
            notify_url,
            total,
            currency,
            created_with,
            code_url,
            state: TradeState::NotPay,
            created_s,
            success_s: None,
            closed_s: None,
            notifications: Log::default(),
            notify_status: 0,
        };
        self.by_otn.insert(order.key(), id.clone());
        self.arrival.push_back(id.clone());
        self.orders.insert(id.clone(), order);
        id
    }

    /// The order of this merchant (and sub-merchant) with this `out_trade_no`.
    pub(crate) fn by_out_trade_no(
        &self,
        owner: &str,
        sub: Option<&str>,
        otn: &str,
    ) -> Option<&str> {
        let key = (
            owner.to_owned(),
            sub.unwrap_or("").to_owned(),
            otn.to_owned(),
        );
        self.by_otn.get(&key).map(String::as_str)
    }

    /// An order by `id` or `out_trade_no` of any merchant (the control API's lookup).
    pub(crate) fn find_any(&self, id: &str) -> Option<String> {
        if self.orders.contains_key(id) {
            return Some(id.to_owned());
        }
        self.arrival
            .iter()
            .rev()
            .find(|i| self.orders.get(*i).is_some_and(|o| o.out_trade_no == id))
            .cloned()
    }

    /// Admits a request of `mchid` under the rate limit.
    pub(crate) fn admit(&mut self, mchid: &str) -> bool {
        match &mut self.rate {
            Some(rate) => rate.admit(mchid, Instant::now()),
            None => true,
        }
    }

    pub(crate) fn has(&self, fault: Fault) -> bool {
        self.fault == Some(fault)
    }
}

impl Order {
    fn key(&self) -> (String, String, String) {
        (
            self.owner.clone(),
            self.sub_mchid.clone().unwrap_or_default(),
            self.out_trade_no.clone(),
        )
    }
}
