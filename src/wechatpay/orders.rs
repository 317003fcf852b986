//! The orders a run makes beyond its scenarios: W5's pre-pass (every order the scenarios will
//! close, created first, then one wait), the clean-up of a remote run (every order it created,
//! closed), and the embedded double's merchants as the suite's credentials.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use cucumber::gherkin;
use cucumber::tag::Ext as _;
use reqwest::Method;

use super::client::Tamper;
use super::config::{Credentials, Institution, Merchant, Platform};
use super::double::{DoubleConfig, DoubleMerchant, PlatformMode};
use super::steps::{Key, close_body, close_call, create_order};
use super::world::{OrderKind, WechatpayWorld, Who, WxContext};
use crate::runner;
use crate::world::ProviderWorld as _;

/// The double's built-in merchants as the suite's credentials: the first merchant, the second,
/// the institution with its first sub-merchant, the platform key in the double's mode.
pub fn double_credentials(double: &DoubleConfig) -> Credentials {
    let merchant = |m: &DoubleMerchant| Merchant {
        mchid: m.mchid.clone(),
        appid: m.appid.clone(),
        serial_no: m.serial_no.clone(),
        key: Arc::new(m.key.clone()),
    };
    let common: Vec<&DoubleMerchant> = double
        .merchants
        .iter()
        .filter(|m| !m.institutional)
        .collect();
    let institution = double
        .merchants
        .iter()
        .find(|m| m.institutional && !m.sub_mchids.is_empty())
        .map(|m| Institution {
            sp: merchant(m),
            sub_mchid: m.sub_mchids[0].clone(),
            sub_appid: None,
        });
    let platform = match double.mode {
        PlatformMode::PublicKey => Platform::PublicKey {
            id: double.public_key_id.clone(),
            key: double.platform_key.public_key(),
        },
        PlatformMode::Certificate => Platform::Certificate(double.platform_cert.clone()),
    };
    Credentials {
        merchant: merchant(common[0]),
        other: common.get(1).map(|m| merchant(m)),
        institution,
        platform,
        apiv3_key: Some(double.apiv3_key.clone()),
        paid_out_trade_no: Some(double.paid_out_trade_no.clone()),
    }
}

/// The kind of order a `Given` step's text makes, if it takes one from the pool.
fn pooled_kind(step: &str) -> Option<OrderKind> {
    match step {
        "an unpaid order" | "a closed order" => Some(OrderKind::Plain),
        "an unpaid order whose out_trade_no contains \"*\"" => Some(OrderKind::Star),
        "an unpaid order of a sub-merchant" => Some(OrderKind::Sub),
        _ => None,
    }
}

/// W5's pre-pass: creates every order the selected scenarios will close, then waits once for
/// the minimum age. An order that cannot be created is left out (its `Given` creates its own).
pub async fn prepare_orders(
    ctx: &WxContext,
    features: &[gherkin::Feature],
    tags: Option<&gherkin::tagexpr::TagOperation>,
) {
    let mut wanted: Vec<OrderKind> = Vec::new();
    for feature in features {
        for (rule, scenario) in runner::scenarios(feature) {
            let scenario_tags = runner::tags_of(feature, rule, scenario);
            if tags.is_some_and(|expr| !expr.eval(scenario_tags.iter()))
                || WechatpayWorld::skip_reason(ctx, &scenario_tags).is_some()
            {
                continue;
            }
            wanted.extend(scenario.steps.iter().filter_map(|s| pooled_kind(&s.value)));
        }
    }
    if wanted.is_empty() {
        return;
    }
    let mut pool: HashMap<OrderKind, Vec<_>> = HashMap::new();
    for kind in wanted {
        let who = if kind == OrderKind::Sub {
            Who::Institution
        } else {
            Who::Merchant
        };
        let text = if kind == OrderKind::Star { "*" } else { "" };
        if let Ok(order) = create_order(ctx, who, text).await {
            pool.entry(kind).or_default().push(order);
        }
    }
    let count: usize = pool.values().map(Vec::len).sum();
    eprintln!(
        "wechatpay: created {count} orders ahead; waiting {} s once for the minimum close age (W5)",
        ctx.close_min_age.as_secs() + 1
    );
    tokio::time::sleep(ctx.close_min_age + Duration::from_secs(1)).await;
    if let Ok(mut shared) = ctx.pool.lock() {
        *shared = pool;
    }
}

/// A remote run leaves nothing open: every order it created and did not close is closed now
/// (a real account has no sandbox). Answers are not judged; one that is already closed is fine.
pub async fn close_what_is_left(ctx: &WxContext) {
    let created = ctx
        .created
        .lock()
        .map(|mut c| std::mem::take(&mut *c))
        .unwrap_or_default();
    if !created.is_empty() {
        eprintln!(
            "wechatpay: the run created {} orders (none paid); closing each now (one already closed is refused harmlessly)",
            created.len()
        );
    }
    for (who, out_trade_no) in created {
        let call = close_call(
            ctx,
            Key::OutTradeNo,
            &out_trade_no,
            Method::POST,
            close_body(ctx, who),
        );
        let signer = match (who, &ctx.institution) {
            (Who::Institution, Some(i)) => &i.sp,
            _ => &ctx.merchant,
        };
        let _ = ctx.client.call(&call, signer, &Tamper::None).await;
    }
}
