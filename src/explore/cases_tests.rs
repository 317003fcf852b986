use super::*;
use crate::explore::mutations::{body, set};
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

fn schema() -> Value {
    json!({
        "type": "object",
        "required": ["amount", "kind"],
        "properties": {
            "amount": {"type": "number", "exclusiveMinimum": 0},
            "kind": {"$ref": "#/$defs/kind"},
            "note": {"type": "string"},
            "banned": {"not": {}}
        },
        "$defs": {"kind": {"type": "string", "enum": ["a", "b"]}}
    })
}

#[test]
fn valid_bodies_pass_the_schema_and_mutations_cover_every_field() {
    let s = schema();
    let resolve = |name: &str| (name == "t/x").then(|| s.clone());
    let generated = cases("create", "t/x", &resolve, Vec::new()).unwrap();
    let strategy = &generated.random;
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]),
    );
    for _ in 0..200 {
        let case = strategy.new_tree(&mut runner).unwrap().current();
        let amount = &case.fields["amount"];
        assert!(amount.as_f64().unwrap() > 0.0, "{amount}");
        assert!(["a", "b"].contains(&case.fields["kind"].as_str().unwrap()));
        assert!(!case.fields.contains_key("banned"));
    }
    let s2 = schema();
    let walker = Walker {
        resolve: &|_: &str| Some(s2.clone()),
        document: "t/x".into(),
    };
    let mut all = Vec::new();
    walker.object_mutations("", &walker.merged(&s2), &mut all, 0);
    let has = |f: &str, what: &str| {
        all.iter()
            .any(|m| m.field() == f && m.describe().contains(what))
    };
    assert!(has("/amount", "left out") && has("/amount", "negative"));
    assert!(has("/amount", "wrong type: string") && !has("/amount", "wrong type: integer"));
    assert!(has("/kind", "not in the enum") && has("/note", "wrong type: integer"));
    assert!(has("/banned", "not allowed") && !has("/note", "left out"));
    // The sweep: every entry alone, signed by the merchant, then the two other signers.
    let sweep: Vec<Case> = generated
        .sweep
        .iter()
        .map(|s| s.new_tree(&mut runner).unwrap().current())
        .collect();
    let others = 5 + crate::explorer::OTHER_METHODS.len();
    assert!(
        sweep.len() > all.len() + others,
        "{} of {}",
        sweep.len(),
        all.len()
    );
    for m in &all {
        assert!(
            sweep
                .iter()
                .any(|c| c.mutations == [m.clone()] && c.who == Who::Merchant),
            "{m:?} is not swept"
        );
    }
    let rest = &sweep[sweep.len() - others..];
    let who: Vec<Who> = rest.iter().map(|c| c.who).collect();
    assert_eq!(
        who[..5],
        [
            Who::OtherMerchant,
            Who::BadSignature,
            Who::Unsigned,
            Who::Garbled,
            Who::Merchant
        ]
    );
    assert!(rest.iter().all(|c| c.mutations.is_empty()));
    assert_eq!(rest[4].pick, crate::explorer::PICK_MADE_UP);
    let methods: Vec<_> = rest[5..]
        .iter()
        .filter_map(|c| c.method.as_deref())
        .collect();
    assert_eq!(methods, crate::explorer::OTHER_METHODS);
}

#[test]
fn a_body_applies_its_mutations_and_sends_a_duplicate_first() {
    let case = |mutations| Case {
        endpoint: "create".into(),
        fields: Map::new(),
        mutations,
        who: Who::Merchant,
        pick: 0,
        method: None,
    };
    let fields: Map<String, Value> =
        serde_json::from_value(json!({"a": 1, "b": {"c": 2}})).unwrap();
    let c = case(vec![
        Mutation::Remove {
            field: "/b/c".into(),
        },
        set("/a", json!("x"), "wrong type"),
    ]);
    assert_eq!(body(&c, fields.clone()), br#"{"a":"x","b":{}}"#);
    let c = case(vec![Mutation::Duplicate {
        field: "/a".into(),
        value: json!(-1),
    }]);
    assert_eq!(body(&c, fields.clone()), br#"{"a":-1,"a":1,"b":{"c":2}}"#);
    let c = case(vec![Mutation::Raw {
        body: "{".into(),
        what: "cut".into(),
    }]);
    assert_eq!(body(&c, fields), b"{");
}
