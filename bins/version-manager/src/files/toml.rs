//! Versions in TOML and INI files, found line by line so every other byte stays as it
//! was: `Cargo.toml` (`[package]`, `[workspace.package]`), `Cargo.lock`, `pyproject.toml`
//! (`[project]`, `[tool.poetry]`) and `setup.cfg` (`[metadata]`).

use std::ops::Range;

/// Lines with their byte offsets.
fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut offset = 0;
    text.split_inclusive('\n').map(move |line| {
        let start = offset;
        offset += line.len();
        (start, line.trim_end_matches(['\n', '\r']))
    })
}

/// The table a `[header]` line opens (`package`, `workspace.package`, `[package]` for arrays).
fn header(line: &str) -> Option<String> {
    let t = line.trim();
    let t = t.split('#').next().unwrap_or("").trim();
    if let Some(inner) = t.strip_prefix("[[").and_then(|r| r.strip_suffix("]]")) {
        return Some(format!("[{}]", normalise(inner)));
    }
    let inner = t.strip_prefix('[')?.strip_suffix(']')?;
    Some(normalise(inner))
}

fn normalise(key: &str) -> String {
    key.split('.')
        .map(|p| p.trim().trim_matches('"').trim_matches('\''))
        .collect::<Vec<_>>()
        .join(".")
}

/// The span of the string value of `key = "..."` on this line, if the line is that.
fn quoted_value(line: &str, key: &str) -> Option<Range<usize>> {
    // Every slice below is a suffix of `line`, so offsets are length differences.
    let trimmed = line.trim_start();
    let rest = trimmed
        .strip_prefix(key)
        .or_else(|| trimmed.strip_prefix(&format!("\"{key}\"")))?;
    let after_key = rest.trim_start();
    let eq = after_key.strip_prefix('=')?;
    let value = eq.trim_start();
    let quote = value.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let body = &value[1..];
    let end = body.find(quote)?;
    let start = line.len() - body.len();
    Some(start..start + end)
}

/// The span of an unquoted INI value `key = value` (setup.cfg), up to a comment or the end.
fn ini_value(line: &str, key: &str) -> Option<Range<usize>> {
    let trimmed = line.trim_start();
    let rest = trimmed.strip_prefix(key)?;
    let after_key = rest.trim_start();
    let sep = after_key
        .strip_prefix('=')
        .or_else(|| after_key.strip_prefix(':'))?;
    let value = sep.trim_start();
    let start = line.len() - value.len();
    let value_end = value
        .find(" #")
        .or_else(|| value.find(" ;"))
        .unwrap_or(value.len());
    let len = value[..value_end].trim_end().len();
    (len > 0).then_some(start..start + len)
}

/// Spans of `version = "..."` in each of `tables`.
pub(super) fn table_versions(text: &str, tables: &[&str]) -> Vec<Range<usize>> {
    let mut current = String::new();
    let mut spans = Vec::new();
    for (offset, line) in lines(text) {
        if let Some(h) = header(line) {
            current = h;
            continue;
        }
        if tables.contains(&current.as_str()) {
            if let Some(r) = quoted_value(line, "version") {
                spans.push(offset + r.start..offset + r.end);
            }
        }
    }
    spans
}

/// Spans of `version` in `[metadata]` of setup.cfg; `attr:`/`file:` values are not literal.
pub(super) fn setup_cfg_versions(text: &str) -> Vec<Range<usize>> {
    let mut current = String::new();
    let mut spans = Vec::new();
    for (offset, line) in lines(text) {
        if let Some(h) = header(line) {
            current = h;
            continue;
        }
        if current == "metadata" {
            if let Some(r) = ini_value(line, "version") {
                let value = &line[r.clone()];
                if !value.starts_with("attr:") && !value.starts_with("file:") {
                    spans.push(offset + r.start..offset + r.end);
                }
            }
        }
    }
    spans
}

/// Spans of `version` in Cargo.lock's `[[package]]` entries that are local (no `source`)
/// and still at `old`.
pub(super) fn cargo_lock_versions(text: &str, old: &str) -> Vec<Range<usize>> {
    let mut spans = Vec::new();
    let mut in_package = false;
    let mut candidate: Option<Range<usize>> = None;
    let mut has_source = false;
    let mut flush = |candidate: &mut Option<Range<usize>>, has_source: bool| {
        if let Some(r) = candidate.take() {
            if !has_source {
                spans.push(r);
            }
        }
    };
    for (offset, line) in lines(text) {
        if let Some(h) = header(line) {
            flush(&mut candidate, has_source);
            in_package = h == "[package]";
            has_source = false;
            continue;
        }
        if !in_package {
            continue;
        }
        if let Some(r) = quoted_value(line, "version") {
            if &line[r.clone()] == old {
                candidate = Some(offset + r.start..offset + r.end);
            }
        } else if line.trim_start().starts_with("source") {
            has_source = true;
        }
    }
    flush(&mut candidate, has_source);
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_package_and_workspace_versions_only() {
        let text = "[package]\nname = \"x\"\nversion = \"1.2.3\" # keep\n\n[dependencies]\nserde = { version = \"1\" }\nfoo = \"2\"\n[workspace.package]\nversion='0.1.0'\n";
        let spans = table_versions(text, &["package", "workspace.package"]);
        let got: Vec<&str> = spans.iter().map(|r| &text[r.clone()]).collect();
        assert_eq!(got, vec!["1.2.3", "0.1.0"]);
    }

    #[test]
    fn cargo_lock_updates_local_packages_at_the_old_version() {
        let text = "[[package]]\nname = \"app\"\nversion = \"1.2.3\"\ndependencies = [\"serde\"]\n\n[[package]]\nname = \"serde\"\nversion = \"1.2.3\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n";
        let spans = cargo_lock_versions(text, "1.2.3");
        assert_eq!(spans.len(), 1);
        assert_eq!(&text[spans[0].clone()], "1.2.3");
        assert!(spans[0].start < 40);
    }

    #[test]
    fn setup_cfg_literal_versions_only() {
        let text = "[metadata]\nname = shop\nversion = 1.2.3\n[options]\nversion = 9\n";
        let spans = setup_cfg_versions(text);
        assert_eq!(
            spans.iter().map(|r| &text[r.clone()]).collect::<Vec<_>>(),
            vec!["1.2.3"]
        );
        assert!(setup_cfg_versions("[metadata]\nversion = attr: shop.__version__\n").is_empty());
    }
}
