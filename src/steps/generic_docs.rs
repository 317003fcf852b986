//! The docs of the generic steps ([`super::generic`]), every provider's.

use super::doc::{Docstring, StepDoc};

/// The generic steps, documented.
pub static DOCS: &[StepDoc] = &[
    StepDoc {
        pattern: r"^I send to ([A-Za-z0-9_]+)( as the other merchant)?:$",
        summary: "Sends the docstring's JSON, signed, to an endpoint of the provider and keeps \
                  the answer as the one later Then steps look at. `#(name)` in the JSON is \
                  replaced by a remembered or known value.",
        params: &[
            (
                "endpoint",
                "the endpoint's short name, as the provider's own steps call it (e.g. create, query, close)",
            ),
            (
                "as the other merchant",
                "optional: sign as the second merchant (tag the scenario @needs-second-merchant)",
            ),
        ],
        table: None,
        docstring: Some(Docstring::JsonRequest),
        example: "When I send to query:\n  \"\"\"\n  {\"app_id\": \"#(app_id)\", \"mch_id\": \"#(mch_id)\", \"out_trade_no\": \"#(out_trade_no)\"}\n  \"\"\"",
    },
    StepDoc {
        pattern: r"^the response code is (-?[0-9]+)$",
        summary: "The last answer's `code` is this number; anything else is a deviation of the \
                  scenario's rule tags.",
        params: &[("code", "a whole number, e.g. 0 or 12002")],
        table: None,
        docstring: None,
        example: "Then the response code is 0",
    },
    StepDoc {
        pattern: r"^the response code is one of ([-0-9, ]+)$",
        summary: "The last answer's `code` is one of these numbers.",
        params: &[("codes", "whole numbers separated by commas")],
        table: None,
        docstring: None,
        example: "Then the response code is one of 0, 20005",
    },
    StepDoc {
        pattern: r"^((?:data|code|msg|message|detail|request_id)(?:\.\w+)*|/\S*) is (.+)$",
        summary: "The value at a path of the last answer equals the expected value (JSON if it \
                  reads as JSON, else text; a marker such as #string works too).",
        params: &[
            (
                "path",
                "dotted (data.trade_state) from data, code, msg, message, detail or request_id; or a JSON pointer (/data/amount)",
            ),
            ("value", "JSON (\"NOTPAY\", 0, null) or a marker (#uuid)"),
        ],
        table: None,
        docstring: None,
        example: "Then data.trade_state is \"NOTPAY\"",
    },
    StepDoc {
        pattern: r"^the response matches:$",
        summary: "The last answer matches the docstring's expected JSON: every key written must \
                  match (extra keys are fine), with markers for what varies.",
        params: &[],
        table: None,
        docstring: Some(Docstring::JsonExpected),
        example: "Then the response matches:\n  \"\"\"\n  {\"code\": 0, \"request_id\": \"#uuid\", \"data\": {\"attach\": \"##string\"}}\n  \"\"\"",
    },
    StepDoc {
        pattern: r#"^I remember (\S+) as "(\w+)"$"#,
        summary: "Keeps a value of the last answer under a name, for `#(name)` in later steps \
                  of the same scenario.",
        params: &[
            ("path", "dotted path or JSON pointer into the last answer"),
            ("name", "letters, digits and _"),
        ],
        table: None,
        docstring: None,
        example: "Then I remember data.transaction_id as \"txid\"",
    },
];
