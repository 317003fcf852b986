//! Reading `src/` as text: each file's code without comments, its `#[cfg(test)]` items blanked
//! and the files they declare left out, and its module path.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// One source file: where it is, its module path (`["ttpay", "steps", "when"]`), its code.
pub struct Source {
    pub rel: PathBuf,
    pub path: Vec<String>,
    pub code: String,
}

/// `text` without comments; with `blank`, string and char literals too are spaces (what brace
/// matching reads). Byte offsets stay as they were: what is dropped is replaced by spaces.
pub fn without_comments(text: &str, blank: bool) -> String {
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
pub fn test_items(blanked: &str) -> Vec<(usize, usize)> {
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

pub fn module_path(rel: &Path) -> Vec<String> {
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
pub fn sources() -> Vec<Source> {
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
