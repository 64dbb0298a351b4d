//! Versions in plain text: a `VERSION` file, `__version__ = "..."` in Python modules,
//! Helm's `Chart.yaml` (`version`, `appVersion`), and a user's regex.

use std::ops::Range;

use regex::Regex;

/// The trimmed content of a VERSION file.
pub(super) fn plain(text: &str) -> Vec<Range<usize>> {
    let start = text.len() - text.trim_start().len();
    let end = text.trim_end().len();
    (end > start).then_some(start..end).into_iter().collect()
}

/// `__version__ = "1.2.3"` (also `__version__: str = '1.2.3'`) at the start of a line.
pub(super) fn python_dunder(text: &str) -> Vec<Range<usize>> {
    static RE: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(r#"(?m)^__version__\s*(?::\s*str\s*)?=\s*["']([^"'\n]+)["']"#)
            .expect("static regex")
    });
    re.captures_iter(text)
        .filter_map(|c| c.get(1).map(|m| m.range()))
        .collect()
}

/// Top-level `version:` and `appVersion:` of a Helm chart (quotes kept).
pub(super) fn helm_chart(text: &str) -> Vec<Range<usize>> {
    let mut spans = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let body = line.trim_end_matches(['\n', '\r']);
        let Some(rest) = body
            .strip_prefix("version:")
            .or_else(|| body.strip_prefix("appVersion:"))
        else {
            continue;
        };
        let value = rest.trim_start();
        let value = value.split(" #").next().unwrap_or("").trim_end();
        let value_start = start + (body.len() - rest.trim_start().len());
        let (inner_start, inner) = match value.chars().next() {
            Some(q @ ('"' | '\'')) if value.len() >= 2 && value.ends_with(q) => {
                (value_start + 1, &value[1..value.len() - 1])
            }
            _ => (value_start, value),
        };
        if !inner.is_empty() {
            spans.push(inner_start..inner_start + inner.len());
        }
    }
    spans
}

/// Every match of `re`'s `version` group (or first group, or whole match).
pub(super) fn regex(text: &str, re: &Regex) -> Vec<Range<usize>> {
    re.captures_iter(text)
        .filter_map(|c| {
            c.name("version")
                .or_else(|| c.get(1))
                .or_else(|| c.get(0))
                .map(|m| m.range())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values<'a>(text: &'a str, spans: &[Range<usize>]) -> Vec<&'a str> {
        spans.iter().map(|r| &text[r.clone()]).collect()
    }

    #[test]
    fn plain_dunder_and_helm() {
        assert_eq!(values("1.2.3\n", &plain("1.2.3\n")), vec!["1.2.3"]);
        let py = "\"\"\"Shop.\"\"\"\n__version__ = \"1.2.3\"\nx = '__version__ = \"0\"'\n";
        assert_eq!(values(py, &python_dunder(py)), vec!["1.2.3"]);
        let chart = "apiVersion: v2\nname: shop\nversion: 1.2.3\nappVersion: \"1.2.3\"\ndependencies:\n  - version: 9.0.0\n";
        assert_eq!(values(chart, &helm_chart(chart)), vec!["1.2.3", "1.2.3"]);
        let re = Regex::new(r#"tag: "(?P<version>[^"]+)""#).unwrap();
        let values_yaml = "image:\n  tag: \"1.2.3\"\n";
        assert_eq!(values(values_yaml, &regex(values_yaml, &re)), vec!["1.2.3"]);
    }
}
