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
//! and the engine's code names no provider (`ttpay`, `wechatpay`, `TokenPay`, `WeChat`, in any
//! case), not even in a string: a provider's knowledge is the provider's.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const PROVIDERS: &[&str] = &["ttpay", "wechatpay"];
const REGISTRY: &str = "providers";
const APP: &str = "app";
/// The crate's roots: they declare and compose every module.
const ROOTS: &[&str] = &["lib", "main"];

/// Cycles between engine modules that are there today, each a set of modules that name each
/// other around (the trait `provider` names what it returns, `runner::RunReport`,
/// `bench::ProviderBench`, `double::VariantInfo`, `steps::doc::StepDoc`, and those name the
/// trait). They stay inside the engine; the test fails on any other cycle, or on one of these
/// growing.
const KNOWN_ENGINE_CYCLES: &[&[&str]] = &[
    &["exchange", "findings"],
    &[
        "bench", "checks", "double", "lint", "notify", "provider", "report", "runner", "steps",
        "world",
    ],
];

fn layer(module: &str) -> u8 {
    match module {
        m if ROOTS.contains(&m) || m == APP => 3,
        m if m == REGISTRY => 2,
        m if PROVIDERS.contains(&m) => 1,
        _ => 0,
    }
}

/// One source file: where it is, its module path (`["ttpay", "steps", "when"]`), its code.
struct Source {
    rel: PathBuf,
    path: Vec<String>,
    code: String,
}

/// `text` without comments; with `blank`, string and char literals too are spaces (what brace
/// matching reads). Byte offsets stay as they were: what is dropped is replaced by spaces.
fn without_comments(text: &str, blank: bool) -> String {
    let b = text.as_bytes();
    let mut out = b.to_vec();
    let mut i = 0;
    let fill = |out: &mut Vec<u8>, from: usize, to: usize| {
        for c in &mut out[from..to] {
            if *c != b'\n' {
                *c = b' ';
            }
        }
    };
    while i < b.len() {
        if b[i..].starts_with(b"//") {
            let end = text[i..].find('\n').map_or(b.len(), |n| i + n);
            fill(&mut out, i, end);
            i = end;
        } else if b[i..].starts_with(b"/*") {
            let mut depth = 0;
            let mut j = i;
            while j < b.len() {
                if b[j..].starts_with(b"/*") {
                    depth += 1;
                    j += 2;
                } else if b[j..].starts_with(b"*/") {
                    depth -= 1;
                    j += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    j += 1;
                }
            }
            fill(&mut out, i, j);
            i = j;
        } else if b[i] == b'r'
            && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_'))
            && matches!(b.get(i + 1), Some(b'"') | Some(b'#'))
        {
            // A raw string: r"…", r#"…"#.
            let hashes = b[i + 1..].iter().take_while(|&&c| c == b'#').count();
            if b.get(i + 1 + hashes) != Some(&b'"') {
                i += 1;
                continue;
            }
            let close: Vec<u8> = std::iter::once(b'"')
                .chain(std::iter::repeat_n(b'#', hashes))
                .collect();
            let start = i + 2 + hashes;
            let end = b[start..]
                .windows(close.len())
                .position(|w| w == close.as_slice())
                .map_or(b.len(), |n| start + n);
            if blank {
                fill(&mut out, start, end);
            }
            i = (end + close.len()).min(b.len());
        } else if b[i] == b'"' {
            let mut j = i + 1;
            while j < b.len() && b[j] != b'"' {
                j += if b[j] == b'\\' { 2 } else { 1 };
            }
            if blank {
                fill(&mut out, i + 1, j.min(b.len()));
            }
            i = j + 1;
        } else if b[i] == b'\'' {
            // A char literal ('x', '\n', '\''), or a lifetime ('a) left as it is.
            let len = if b.get(i + 1) == Some(&b'\\') {
                b[i + 2..].iter().position(|&c| c == b'\'').map(|n| n + 3)
            } else {
                let ch = text[i + 1..].chars().next().map_or(1, char::len_utf8);
                (b.get(i + 1 + ch) == Some(&b'\'')).then_some(ch + 2)
            };
            match len {
                Some(len) => {
                    if blank {
                        fill(&mut out, i + 1, i + len - 1);
                    }
                    i += len;
                }
                None => i += 1,
            }
        } else {
            i += 1;
        }
    }
    String::from_utf8(out).expect("only ASCII was replaced")
}

/// The byte ranges of `#[cfg(test)]` items in `blanked` (comments and literals blanked): from
/// the attribute to the item's `;` or its closing brace.
fn test_items(blanked: &str) -> Vec<(usize, usize)> {
    let b = blanked.as_bytes();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(at) = blanked[from..].find("#[cfg(test)]") {
        let start = from + at;
        let mut i = start + "#[cfg(test)]".len();
        // Past further attributes (`#[path = "…"]`), then to the item's end.
        let mut depth = 0usize;
        let mut brackets = 0usize;
        while i < b.len() {
            match b[i] {
                b'[' => brackets += 1,
                b']' => brackets = brackets.saturating_sub(1),
                b';' if depth == 0 && brackets == 0 => break,
                b'{' => depth += 1,
                b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                _ => {}
            }
            i += 1;
        }
        out.push((start, (i + 1).min(b.len())));
        from = (i + 1).min(b.len());
    }
    out
}

fn module_path(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_owned())
        .collect();
    if parts.last().is_some_and(|l| l == "mod") {
        parts.pop();
    }
    parts
}

/// Every file under `src/` that is not test code, with its code outside comments and tests.
fn sources() -> Vec<Source> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("src/ is readable") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    let mut test_files: BTreeSet<PathBuf> = BTreeSet::new();
    let mut test_dirs: Vec<PathBuf> = Vec::new();
    let mut out = Vec::new();
    let mut parsed = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("a source file");
        let code = without_comments(&text, false);
        let blanked = without_comments(&text, true);
        let items = test_items(&blanked);
        // The files `#[cfg(test)] mod NAME;` declares are test code, whole.
        let dir = file.parent().expect("in src/").to_owned();
        let stem = file.file_stem().expect("a name").to_string_lossy();
        let base = if ["mod", "lib", "main"].contains(&stem.as_ref()) {
            dir.clone()
        } else {
            dir.join(stem.as_ref())
        };
        for &(from, to) in &items {
            let item = &code[from..to];
            let declared = item
                .rsplit_once("mod ")
                .map(|(_, rest)| rest.trim().trim_end_matches(';').trim());
            let Some(name) =
                declared.filter(|n| n.chars().all(|c| c.is_alphanumeric() || c == '_'))
            else {
                continue;
            };
            if let Some(path) = item
                .split("#[path = \"")
                .nth(1)
                .and_then(|p| p.split('"').next())
            {
                test_files.insert(dir.join(path));
            } else {
                test_files.insert(base.join(format!("{name}.rs")));
                test_dirs.push(base.join(name));
            }
        }
        let mut kept = code.into_bytes();
        for (from, to) in items {
            for c in &mut kept[from..to] {
                if *c != b'\n' {
                    *c = b' ';
                }
            }
        }
        parsed.push((
            file.clone(),
            String::from_utf8(kept).expect("ASCII blanked"),
        ));
    }
    for (file, code) in parsed {
        if test_files.contains(&file) || test_dirs.iter().any(|d| file.starts_with(d)) {
            continue;
        }
        let rel = file.strip_prefix(&src).expect("under src/").to_owned();
        let path = module_path(&rel);
        out.push(Source { rel, path, code });
    }
    out
}

/// The top-level modules `source` names, each with a line that names it.
fn references(source: &Source, modules: &BTreeSet<String>) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    let code = &source.code;
    let line_of = |at: usize| code[..at].matches('\n').count() + 1;
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let prefixes: &[&str] = if source.path == ["main"] {
        &["crate::", "pay_conformance::"]
    } else {
        &["crate::"]
    };
    for prefix in prefixes {
        let mut from = 0;
        while let Some(at) = code[from..].find(prefix) {
            let at = from + at;
            from = at + prefix.len();
            let before = code[..at].chars().next_back();
            if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
                continue;
            }
            let rest = &code[from..];
            let names: Vec<String> = if let Some(group) = rest.strip_prefix('{') {
                // `crate::{a, b::c, d}`: the first name of each top-level part.
                let mut depth = 0;
                let mut names = vec![String::new()];
                for c in group.chars() {
                    match c {
                        '{' => depth += 1,
                        '}' if depth == 0 => break,
                        '}' => depth -= 1,
                        ',' if depth == 0 => names.push(String::new()),
                        _ => names.last_mut().expect("one").push(c),
                    }
                }
                names.iter().map(|n| ident(n.trim())).collect()
            } else {
                vec![ident(rest)]
            };
            for name in names {
                if modules.contains(&name) {
                    out.entry(name).or_insert_with(|| line_of(at));
                }
            }
        }
    }
    // `super::…` as far up as the crate.
    let depth = source.path.len();
    let mut from = 0;
    while let Some(at) = code[from..].find("super::") {
        let at = from + at;
        let mut rest = &code[at..];
        let mut ups = 0;
        while let Some(r) = rest.strip_prefix("super::") {
            ups += 1;
            rest = r;
        }
        from = code.len() - rest.len();
        if ups == depth {
            let name = ident(rest);
            if modules.contains(&name) {
                out.entry(name).or_insert_with(|| line_of(at));
            }
        }
    }
    out
}

/// Who names whom: `from → to → (file, line)`.
type Graph = BTreeMap<String, BTreeMap<String, (PathBuf, usize)>>;

fn graph(sources: &[Source]) -> Graph {
    let modules: BTreeSet<String> = sources.iter().map(|s| s.path[0].clone()).collect();
    let mut graph = Graph::new();
    for source in sources {
        let top = &source.path[0];
        for (to, line) in references(source, &modules) {
            if &to != top {
                graph
                    .entry(top.clone())
                    .or_default()
                    .entry(to)
                    .or_insert_with(|| (source.rel.clone(), line));
            }
        }
    }
    graph
}

/// What breaks the layering: each a line naming the file and line of the reference.
fn layering_violations(graph: &Graph) -> Vec<String> {
    let mut out = Vec::new();
    for (from, tos) in graph {
        for (to, (file, line)) in tos {
            let at = format!("src/{}:{line}", file.display());
            let (lf, lt) = (layer(from), layer(to));
            if ROOTS.contains(&from.as_str()) {
                continue;
            }
            if to == REGISTRY && from != APP {
                out.push(format!(
                    "{at}: `{from}` names the registry `crate::{REGISTRY}` (only `{APP}` may: hand the providers in)"
                ));
            } else if lt > lf {
                out.push(format!(
                    "{at}: `{from}` (layer {lf}) names `{to}` (layer {lt}): a lower layer names a higher one"
                ));
            } else if lf == 1 && lt == 1 {
                out.push(format!(
                    "{at}: provider `{from}` names provider `{to}`: providers know only the engine"
                ));
            }
        }
    }
    out
}

/// The strongly connected sets of two or more modules (Tarjan's algorithm).
fn cycles(graph: &Graph) -> Vec<BTreeSet<String>> {
    struct Tarjan<'g> {
        graph: &'g Graph,
        index: BTreeMap<&'g str, usize>,
        low: BTreeMap<&'g str, usize>,
        stack: Vec<&'g str>,
        out: Vec<BTreeSet<String>>,
    }
    impl<'g> Tarjan<'g> {
        fn visit(&mut self, v: &'g str) {
            let n = self.index.len();
            self.index.insert(v, n);
            self.low.insert(v, n);
            self.stack.push(v);
            for w in self.graph.get(v).into_iter().flat_map(|t| t.keys()) {
                let w = w.as_str();
                if !self.index.contains_key(w) {
                    self.visit(w);
                    let low = self.low[v].min(self.low[w]);
                    self.low.insert(v, low);
                } else if self.stack.contains(&w) {
                    let low = self.low[v].min(self.index[w]);
                    self.low.insert(v, low);
                }
            }
            if self.low[v] == self.index[v] {
                let mut set = BTreeSet::new();
                while let Some(w) = self.stack.pop() {
                    set.insert(w.to_owned());
                    if w == v {
                        break;
                    }
                }
                if set.len() > 1 {
                    self.out.push(set);
                }
            }
        }
    }
    let mut t = Tarjan {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        out: Vec::new(),
    };
    let nodes: BTreeSet<&str> = graph
        .iter()
        .flat_map(|(k, v)| std::iter::once(k.as_str()).chain(v.keys().map(String::as_str)))
        .collect();
    for v in nodes {
        if !t.index.contains_key(v) {
            t.visit(v);
        }
    }
    t.out
}

fn unknown_cycles(graph: &Graph) -> Vec<String> {
    cycles(graph)
        .into_iter()
        .filter(|set| {
            !KNOWN_ENGINE_CYCLES
                .iter()
                .any(|known| set.iter().all(|m| known.contains(&m.as_str())))
        })
        .map(|set| {
            let set: Vec<_> = set.into_iter().collect();
            format!("a cycle between {}", set.join(", "))
        })
        .collect()
}

/// Where engine code names a provider: `file:line: text`.
fn provider_names_in_engine(sources: &[Source]) -> Vec<String> {
    let words = regex::Regex::new(r"(?i)ttpay|tokenpay|wechat").expect("a pattern");
    let mut out = Vec::new();
    for source in sources.iter().filter(|s| layer(&s.path[0]) == 0) {
        for (n, line) in source.code.lines().enumerate() {
            if words.is_match(line) {
                out.push(format!(
                    "src/{}:{}: {}",
                    source.rel.display(),
                    n + 1,
                    line.trim()
                ));
            }
        }
    }
    out
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
fn no_cycle_between_modules_but_the_known_engine_ones() {
    let graph = graph(&sources());
    let found = unknown_cycles(&graph);
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
    let found = unknown_cycles(&layers);
    assert_eq!(found.len(), 1, "{found:?}");
    let two = [
        source("error.rs", "use crate::redact;\n"),
        source("redact.rs", "use crate::error;\n"),
        source("lint/mod.rs", "use crate::error;\n"),
    ];
    assert_eq!(
        unknown_cycles(&graph(&two)),
        ["a cycle between error, redact"]
    );
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
