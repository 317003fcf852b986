//! Tests of `validate.rs`: what a create must carry and which values are refused.

use serde_json::json;

use super::*;

fn create(overrides: Value) -> Params {
    let mut params = json!({
        "mch_id": "9000000001", "out_trade_no": "A-1", "expire_second": 600,
        "amount": 15000000, "chain": "TRON", "currency": "USDT",
        "order_type": "platform_order",
    });
    if let (Some(base), Value::Object(extra)) = (params.as_object_mut(), overrides) {
        base.extend(extra);
    }
    params.as_object().cloned().unwrap()
}

fn refused(overrides: Value) -> Invalid {
    new_order(&create(overrides), None, AmountUnit::Minor).unwrap_err()
}

#[test]
fn a_complete_create_passes() {
    let order = new_order(&create(json!({})), None, AmountUnit::Minor).unwrap();
    assert_eq!(order.amount, Number::from(15_000_000));
    assert_eq!(order.currency.decimal, 6);
    let order = new_order(&create(json!({"amount": 9})), None, AmountUnit::Major).unwrap();
    assert_eq!(order.amount, Number::from(9_000_000));
    let major =
        |amount: Value| new_order(&create(json!({"amount": amount})), None, AmountUnit::Major);
    assert_eq!(
        major(json!(13.99)).unwrap().amount,
        Number::from(13_990_000)
    );
    assert_eq!(major(json!(0.001)).unwrap().amount, Number::from(1000));
    assert!(major(json!(0.0000001)).is_err());
    let minor =
        |amount: Value| new_order(&create(json!({"amount": amount})), None, AmountUnit::Minor);
    assert!(minor(json!(13.99)).is_err());
    assert!(minor(json!(1399)).is_ok());
}

#[test]
fn missing_fields_are_named() {
    assert!(missing_fields(&create(json!({}))).is_ok());
    let invalid = missing_fields(&create(json!({"amount": null, "chain": null}))).unwrap_err();
    assert_eq!(invalid.code, code::MISSING);
    assert!(invalid.msg.contains("amount, chain"));
    let mut params = create(json!({"amount": null}));
    fill_defaults(&mut params, "9000000001");
    assert!(missing_fields(&params).is_ok());
}

#[test]
fn invalid_values_are_refused_with_100() {
    for overrides in [
        json!({"amount": 0}),
        json!({"amount": -5}),
        json!({"amount": "15"}),
        json!({"expire_second": 0}),
        json!({"expire_second": 1.5}),
        json!({"expire_second": "600"}),
        json!({"chain": "DOGECHAIN"}),
        json!({"currency": "BNB"}),
        json!({"order_type": "gift"}),
        json!({"locale": "fr"}),
        json!({"order_type": "merchant_order"}),
        json!({"description": ["not", "text"]}),
        json!({"out_trade_no": ""}),
    ] {
        assert_eq!(
            refused(overrides.clone()).code,
            code::PARAMETER,
            "{overrides}"
        );
    }
    assert!(refused(json!({"amount": "15"})).wrong_type);
    assert!(!refused(json!({"amount": -5})).wrong_type);
}

#[test]
fn faults_let_invalid_values_through() {
    let lax = |fault, overrides| new_order(&create(overrides), Some(fault), AmountUnit::Minor);
    assert!(lax(Fault::NegativeAmountAccepted, json!({"amount": -5})).is_ok());
    assert!(lax(Fault::AmountStringAccepted, json!({"amount": "15"})).is_ok());
    assert_eq!(
        lax(
            Fault::FractionalExpireAccepted,
            json!({"expire_second": 1.5})
        )
        .unwrap()
        .expire_second,
        1
    );
    assert!(lax(Fault::UnknownChainAccepted, json!({"chain": "DOGE"})).is_ok());
    assert!(
        lax(
            Fault::CurrencyNotOnChainAccepted,
            json!({"currency": "BNB"})
        )
        .is_ok()
    );
    assert!(lax(Fault::UnknownLocaleAccepted, json!({"locale": "fr"})).is_ok());
    assert!(
        lax(
            Fault::MonitorOrderWithoutAddress,
            json!({"order_type": "merchant_order"})
        )
        .is_ok()
    );
}

#[test]
fn mch_id_must_be_the_callers() {
    let params = create(json!({}));
    assert!(check_mch_id(&params, "9000000001", true, false).is_ok());
    assert_eq!(
        check_mch_id(&params, "9000000002", true, false)
            .unwrap_err()
            .code,
        code::PARAMETER
    );
    assert!(check_mch_id(&params, "9000000002", true, true).is_ok());
    assert_eq!(
        check_mch_id(&Params::new(), "x", true, false)
            .unwrap_err()
            .code,
        code::MISSING
    );
    assert!(check_mch_id(&Params::new(), "x", false, false).is_ok());
}
