//! Who names whom between the top-level modules of `src/`, and what of that breaks the rules.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use crate::source::Source;
use crate::{APP, REGISTRY, ROOTS, layer};

/// The top-level modules `source` names, each with a line that names it.
pub fn references(source: &Source, modules: &BTreeSet<String>) -> BTreeMap<String, usize> {
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
pub type Graph = BTreeMap<String, BTreeMap<String, (PathBuf, usize)>>;

pub fn graph(sources: &[Source]) -> Graph {
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
pub fn layering_violations(graph: &Graph) -> Vec<String> {
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
pub fn cycles(graph: &Graph) -> Vec<BTreeSet<String>> {
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

/// Every cycle, as a line naming its modules.
pub fn cycle_lines(graph: &Graph) -> Vec<String> {
    cycles(graph)
        .into_iter()
        .map(|set| {
            let set: Vec<_> = set.into_iter().collect();
            format!("a cycle between {}", set.join(", "))
        })
        .collect()
}

/// Where engine code names a provider: `file:line: text`.
pub fn provider_names_in_engine(sources: &[Source]) -> Vec<String> {
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
