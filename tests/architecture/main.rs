//! The layering of `src/`, read from the sources as text: which top-level module names which
//! (`crate::NAME`, `$crate::NAME`, `crate::{NAME, …}`, `super::…` up to the crate), outside
//! comments and test code (`#[cfg(test)]` items and the files they declare).
//!
//! The layers, each allowed to name only those below it:
//!
//! 0. the engine: every top-level module but the four below;
//! 1. the providers: `ttpay`, `wechatpay` (never each other);
//! 2. the registry: `providers` (the one list of providers);
//! 3. the application: `app` (and `main.rs`, `lib.rs`, which compose everything).
//!
//! Besides, no two modules name each other, directly or around (inside the engine too: the seam
//! `provider` sits above the parts it composes — `world`, `steps`, `double`, `bench`'s hook,
//! `outcome` — and below `runner`, `lint`, `report` and `proof`, which drive a provider),
//! and the engine's code names no provider (`ttpay`, `wechatpay`, `TokenPay`, `WeChat`, in any
//! case), not even in a string: a provider's knowledge is the provider's.

use std::path::{Path, PathBuf};

mod graph;
mod source;

use graph::{cycle_lines, graph, layering_violations, provider_names_in_engine};
use source::{Source, module_path, sources, test_items, without_comments};

pub(crate) const PROVIDERS: &[&str] = &["ttpay", "wechatpay"];

pub(crate) const REGISTRY: &str = "providers";

pub(crate) const APP: &str = "app";

/// The crate's roots: they declare and compose every module.
pub(crate) const ROOTS: &[&str] = &["lib", "main"];

pub(crate) fn layer(module: &str) -> u8 {
    match module {
        m if ROOTS.contains(&m) || m == APP => 3,
        m if m == REGISTRY => 2,
        m if PROVIDERS.contains(&m) => 1,
        _ => 0,
    }
}

#[test]
fn the_layers_point_one_way_engine_providers_registry_app() {
    let sources = sources();
    let graph = graph(&sources);
    // The reading itself is checked: what is known to be there is found.
    assert!(graph["app"].contains_key(REGISTRY), "{graph:#?}");
    assert!(graph["providers"].contains_key("ttpay"), "{graph:#?}");
    assert!(graph["ttpay"].contains_key("provider"), "{graph:#?}");
    let violations = layering_violations(&graph);
    assert!(
        violations.is_empty(),
        "the layering is broken:\n{}",
        violations.join("\n")
    );
}

#[test]
fn no_cycle_between_modules() {
    let graph = graph(&sources());
    let found = cycle_lines(&graph);
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn the_engine_names_no_provider() {
    let sources = sources();
    assert!(sources.iter().any(|s| s.rel == Path::new("redact/mod.rs")));
    let found = provider_names_in_engine(&sources);
    assert!(
        found.is_empty(),
        "engine code names a provider (move it into the provider, or behind a Provider method):\n{}",
        found.join("\n")
    );
}

/// The checks fail on real violations: sources written to break each rule once.
#[test]
fn each_check_fails_on_a_violation() {
    let source = |rel: &str, text: &str| {
        let rel = PathBuf::from(rel);
        Source {
            path: module_path(&rel),
            rel,
            code: without_comments(text, false),
        }
    };
    let engine = source(
        "redact.rs",
        "fn f() { let p = crate::providers::all(); }\n// crate::app in a comment is nothing\n",
    );
    let provider = source(
        "ttpay/steps/when.rs",
        "use crate::{error::ConfigError, wechatpay::crypto};\n",
    );
    let back = source("wechatpay/mod.rs", "use super::app::cli;\n");
    let root = source("providers.rs", "use crate::ttpay;\n");
    let app = source("app/mod.rs", "use crate::providers;\n");
    let cycle = source("error.rs", "use crate::redact;\n");
    let redact = source(
        "redact.rs",
        "use crate::error;\nconst H: &str = \"TTPay-Signature\";\n",
    );
    let all = [engine, provider, back, root, app, cycle, redact];
    let layers = graph(&all);
    let violations = layering_violations(&layers).join("\n");
    assert!(
        violations.contains("src/redact.rs:1: `redact` names the registry"),
        "{violations}"
    );
    assert!(!violations.contains("`app` names"), "{violations}");
    assert!(
        violations.contains("provider `ttpay` names provider `wechatpay`"),
        "{violations}"
    );
    assert!(
        violations.contains("`wechatpay` (layer 1) names `app` (layer 3)"),
        "{violations}"
    );
    assert!(
        !violations.contains("`providers` (layer 2)"),
        "{violations}"
    );
    let found = cycle_lines(&layers);
    assert_eq!(found.len(), 1, "{found:?}");
    let two = [
        source("error.rs", "use crate::redact;\n"),
        source("redact.rs", "use crate::error;\n"),
        source("lint/mod.rs", "use crate::error;\n"),
    ];
    assert_eq!(cycle_lines(&graph(&two)), ["a cycle between error, redact"]);
    let named = provider_names_in_engine(&all);
    assert_eq!(named.len(), 1, "{named:?}");
    assert!(named[0].starts_with("src/redact.rs:2:"), "{named:?}");
    // Comments, doc examples and test code do not count.
    let quiet = source(
        "report/mod.rs",
        "/// ```\n/// pay_conformance::ttpay::TTPAY;\n/// ```\nfn f() {} /* WeChat */\n#[cfg(test)]\nmod tests {\n    fn t() { crate::ttpay::TTPAY; let s = \"{\"; }\n}\nfn g() { let c = '{'; }\n",
    );
    assert!(provider_names_in_engine(std::slice::from_ref(&quiet)).len() == 1);
    let mut quiet = quiet;
    let blanked = without_comments(&quiet.code, true);
    let mut kept = quiet.code.clone().into_bytes();
    for (from, to) in test_items(&blanked) {
        kept[from..to].fill(b' ');
    }
    quiet.code = String::from_utf8(kept).unwrap();
    assert!(
        provider_names_in_engine(std::slice::from_ref(&quiet)).is_empty(),
        "{}",
        quiet.code
    );
    assert!(quiet.code.contains("fn g()"), "{}", quiet.code);
}
