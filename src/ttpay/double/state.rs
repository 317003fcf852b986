//! The provider's memory: the merchants it knows, the orders it holds (unique per merchant and
//! `out_trade_no`, bounded, oldest evicted first, the paid fixture never), the current fault,
//! the rate limiter, the id source and the way to the notifier.

use std::collections::{HashMap, VecDeque};
use std::time::{SystemTime, UNIX_EPOCH};

use rand::Rng as _;
use serde_json::Number;

use super::chains::{self, Currency};
use super::config::{DoubleConfig, NotifyForm};
use super::{Fault, Variant};
use crate::double::Ids;
use crate::double::RateLimiter;
use crate::double::notifier::{Log, Outbox};
use crate::ttpay::{AmountUnit, Merchant};

/// Now, in Unix milliseconds.
pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| {
            i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
        })
}

/// `len` random lowercase hex digits.
pub(crate) fn random_hex(len: usize) -> String {
    let mut rng = rand::rng();
    (0..len)
        .map(|_| char::from(b"0123456789abcdef"[rng.random_range(0..16)]))
        .collect()
}

/// Where an order is in its life (Q5).
pub(crate) use crate::double::TradeState;

/// One order, with times in Unix milliseconds (0 for "not yet") and the amount in minor units.
#[derive(Debug, Clone)]
pub(crate) struct Order {
    pub mch_id: String,
    pub out_trade_no: String,
    pub transaction_id: String,
    pub prepay_id: String,
    pub trade_state: TradeState,
    pub description: String,
    pub attach: Option<String>,
    pub to_address: Option<String>,
    pub notify_url: String,
    pub amount: Number,
    pub currency: Currency,
    pub expire_second: i64,
    pub create_time: i64,
    pub pay_time: i64,
    pub close_time: i64,
    pub block_no: i64,
    pub block_time: i64,
    pub tx_id: String,
    pub from_address: String,
    pub notify_num: i64,
    pub notify_status: i64,
    /// The notification attempts made for this order, oldest first (bounded).
    pub deliveries: Log,
}

impl Order {
    /// `create_time + expire_second × 1000` (Q7).
    pub fn expire_time(&self) -> i64 {
        self.create_time
            .saturating_add(self.expire_second.saturating_mul(1000))
    }

    /// The seeded paid order: created two minutes before `now`, paid 27 seconds later.
    fn paid_fixture(mch_id: &str, out_trade_no: &str, now: i64, ids: &mut Ids) -> Order {
        let create_time = now - 120_000;
        let pay_time = create_time + 27_000;
        Order {
            mch_id: mch_id.to_owned(),
            out_trade_no: out_trade_no.to_owned(),
            transaction_id: ids.hex(32),
            prepay_id: ids.hex(64),
            trade_state: TradeState::Success,
            description: "recharge".to_owned(),
            attach: Some("anim dolore".to_owned()),
            to_address: None,
            notify_url: String::new(),
            amount: Number::from(15_000_000u64),
            currency: chains::currency("TRON", "USDT")
                .unwrap_or_else(|| Currency::made_up("TRON", "USDT")),
            expire_second: 600,
            create_time,
            pay_time,
            close_time: 0,
            block_no: 33_215_220,
            block_time: pay_time,
            tx_id: ids.hex(64),
            from_address: "TDoub1ePayerWalletOfTheFixtureXXX1".to_owned(),
            notify_num: 1,
            notify_status: 2,
            deliveries: Log::default(),
        }
    }
}

/// The orders, found by `transaction_id` or by (`mch_id`, `out_trade_no`).
#[derive(Debug)]
pub(crate) struct Orders {
    by_id: HashMap<String, Order>,
    by_trade_no: HashMap<(String, String), String>,
    /// `transaction_id`s of evictable orders, oldest first.
    age: VecDeque<String>,
    max: usize,
}

impl Orders {
    fn new(max: usize) -> Orders {
        Orders {
            by_id: HashMap::new(),
            by_trade_no: HashMap::new(),
            age: VecDeque::new(),
            max,
        }
    }

    /// How many orders are held.
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    /// The bound on held orders.
    pub fn max(&self) -> usize {
        self.max
    }

    /// Stores `order`, evicting the oldest orders beyond the bound. The newest order with an
    /// `out_trade_no` is the one found by it.
    pub fn insert(&mut self, order: Order) {
        while self.by_id.len() >= self.max {
            let Some(oldest) = self.age.pop_front() else {
                break;
            };
            if let Some(evicted) = self.by_id.remove(&oldest) {
                let key = (evicted.mch_id, evicted.out_trade_no);
                if self.by_trade_no.get(&key) == Some(&oldest) {
                    self.by_trade_no.remove(&key);
                }
            }
        }
        self.age.push_back(order.transaction_id.clone());
        self.index(order);
    }

    /// Stores `order` outside the eviction order: it stays for the double's life.
    fn pin(&mut self, order: Order) {
        self.index(order);
    }

    fn index(&mut self, order: Order) {
        let key = (order.mch_id.clone(), order.out_trade_no.clone());
        self.by_trade_no.insert(key, order.transaction_id.clone());
        self.by_id.insert(order.transaction_id.clone(), order);
    }

    /// Drops every order but the pinned ones (the paid fixture).
    pub fn clear(&mut self) {
        for id in self.age.drain(..) {
            if let Some(order) = self.by_id.remove(&id) {
                let key = (order.mch_id, order.out_trade_no);
                if self.by_trade_no.get(&key) == Some(&id) {
                    self.by_trade_no.remove(&key);
                }
            }
        }
    }

    /// The `transaction_id` of the order `key` names: a `transaction_id`, a `prepay_id` or an
    /// `out_trade_no` (any merchant's), tried in that order.
    pub fn find(&self, key: &str) -> Option<String> {
        if self.by_id.contains_key(key) {
            return Some(key.to_owned());
        }
        self.by_id
            .values()
            .find(|order| order.prepay_id == key)
            .map(|order| order.transaction_id.clone())
            .or_else(|| self.id_by_trade_no_anywhere(key).map(str::to_owned))
    }

    /// The order with this `transaction_id`, whoever's it is.
    pub fn get(&self, transaction_id: &str) -> Option<&Order> {
        self.by_id.get(transaction_id)
    }

    /// The order with this `transaction_id`, to change it.
    pub fn get_mut(&mut self, transaction_id: &str) -> Option<&mut Order> {
        self.by_id.get_mut(transaction_id)
    }

    /// The `transaction_id` of `mch_id`'s order with this `out_trade_no`.
    pub fn id_by_trade_no(&self, mch_id: &str, out_trade_no: &str) -> Option<&str> {
        self.by_trade_no
            .get(&(mch_id.to_owned(), out_trade_no.to_owned()))
            .map(String::as_str)
    }

    /// The `transaction_id` of any merchant's order with this `out_trade_no`.
    pub fn id_by_trade_no_anywhere(&self, out_trade_no: &str) -> Option<&str> {
        self.by_trade_no
            .iter()
            .find(|((_, trade_no), _)| trade_no == out_trade_no)
            .map(|(_, id)| id.as_str())
    }

    /// The `transaction_id` of `mch_id`'s most recently created order.
    pub fn latest_of(&self, mch_id: &str) -> Option<&str> {
        self.age
            .iter()
            .rev()
            .chain(self.by_id.keys())
            .find(|id| self.by_id.get(*id).is_some_and(|o| o.mch_id == mch_id))
            .map(String::as_str)
    }
}

/// Everything the responders share, behind one `std::sync::Mutex`.
#[derive(Debug)]
pub(crate) struct State {
    pub merchants: Vec<Merchant>,
    pub amount_unit: AmountUnit,
    pub fault: Option<Fault>,
    pub variant: Option<Variant>,
    pub orders: Orders,
    pub limiter: Option<RateLimiter>,
    pub ids: Ids,
    /// Seeded ids as they were right after the fixture was made: `reset` starts again here.
    pub fresh_ids: Option<Ids>,
    /// Where paid orders with a `notify_url` go; `None` when no notifier runs.
    pub outbox: Option<Outbox>,
    /// How notifications are written.
    pub notify_form: NotifyForm,
}

impl State {
    /// A fresh state with the paid fixture seeded for the first merchant.
    pub fn new(config: &DoubleConfig, now: i64) -> State {
        let mut orders = Orders::new(config.max_orders);
        let mut ids = Ids::new(config.seed);
        if let Some(first) = config.merchants.first() {
            orders.pin(Order::paid_fixture(
                &first.mch_id,
                &config.paid_out_trade_no,
                now,
                &mut ids,
            ));
        }
        State {
            merchants: config.merchants.clone(),
            amount_unit: config.amount_unit,
            fault: config.fault,
            variant: config.variant,
            orders,
            limiter: config.rate_limit.map(RateLimiter::new),
            fresh_ids: config.seed.map(|_| ids.clone()),
            ids,
            outbox: None,
            notify_form: config.notify_form.clone(),
        }
    }

    /// Whether `fault` is the one in force.
    pub fn has(&self, fault: Fault) -> bool {
        self.fault == Some(fault)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(mch_id: &str, out_trade_no: &str) -> Order {
        let mut order = Order::paid_fixture(mch_id, out_trade_no, now_ms(), &mut Ids::new(None));
        order.trade_state = TradeState::NotPay;
        order
    }

    #[test]
    fn eviction_keeps_the_bound_and_the_fixture() {
        let config = DoubleConfig {
            max_orders: 3,
            ..DoubleConfig::builtin()
        };
        let mut state = State::new(&config, now_ms());
        let fixture = state.orders.id_by_trade_no("9000000001", "PAID-ORDER-0001");
        let fixture = fixture.map(str::to_owned).unwrap();
        for n in 0..10 {
            state.orders.insert(order("9000000001", &format!("O-{n}")));
            assert!(state.orders.len() <= 3);
        }
        assert!(state.orders.get(&fixture).is_some());
        assert!(state.orders.id_by_trade_no("9000000001", "O-0").is_none());
        assert!(state.orders.id_by_trade_no("9000000001", "O-9").is_some());
        assert!(state.orders.id_by_trade_no("9000000001", "O-8").is_some());
    }

    #[test]
    fn out_trade_no_is_per_merchant() {
        let mut state = State::new(&DoubleConfig::builtin(), now_ms());
        state.orders.insert(order("9000000001", "SAME"));
        state.orders.insert(order("9000000002", "SAME"));
        let one = state.orders.id_by_trade_no("9000000001", "SAME").unwrap();
        let two = state.orders.id_by_trade_no("9000000002", "SAME").unwrap();
        assert_ne!(one, two);
        assert_eq!(
            state.orders.latest_of("9000000002"),
            Some(two.to_owned()).as_deref()
        );
    }

    #[test]
    fn ids_have_the_documented_shapes() {
        let id = random_hex(32);
        assert_eq!(id.len(), 32);
        assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(TradeState::NotPay.as_str(), "NOTPAY");
    }
}
