//! pip-audit JSON (`pip-audit -f json`): the object form (`{"dependencies": [...]}`,
//! pip-audit 2.x) and the older bare list. pip-audit gives no severity, so every
//! vulnerability counts as high: a known, published vulnerability in a pinned dependency.
//!
//! Dependencies pip-audit could not audit (`skip_reason`, such as "Dependency not found
//! on PyPI and could not be audited") become one warning; a report that audited no
//! dependency at all (empty, or every one skipped) is an empty scan, never a clean one.

use std::io::BufRead;
use std::path::Path;

use serde::Deserialize;

use crate::error::ParseError;
use crate::model::{Finding, FindingsReport, Severity, clip};

#[derive(Deserialize)]
#[serde(untagged)]
enum Doc {
    Object { dependencies: Vec<Dep> },
    List(Vec<Dep>),
}

#[derive(Deserialize)]
struct Dep {
    name: String,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    vulns: Vec<Vuln>,
    skip_reason: Option<String>,
}

#[derive(Deserialize)]
struct Vuln {
    id: String,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    description: String,
}

/// Parses a pip-audit JSON report.
pub fn parse(input: impl BufRead, path: &Path) -> Result<FindingsReport, ParseError> {
    let doc: Doc = crate::json::read(input, path)?;
    let deps = match doc {
        Doc::Object { dependencies } | Doc::List(dependencies) => dependencies,
    };
    let mut report = FindingsReport::default();
    let skipped: Vec<String> = deps
        .iter()
        .filter_map(|d| Some(format!("{} ({})", d.name, d.skip_reason.as_deref()?)))
        .collect();
    if !skipped.is_empty() {
        let shown: Vec<&str> = skipped.iter().take(5).map(String::as_str).collect();
        let more = skipped.len().saturating_sub(shown.len());
        report.warnings.push(format!(
            "{}: pip-audit did not audit {} dependenc{}: {}{}",
            path.display(),
            skipped.len(),
            if skipped.len() == 1 { "y" } else { "ies" },
            shown.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        ));
    }
    if deps.len() == skipped.len() {
        report.empty_scans.push(format!(
            "{}: pip-audit audited no dependency ({} listed, {} skipped)",
            path.display(),
            deps.len(),
            skipped.len()
        ));
    }
    for d in deps {
        for v in d.vulns {
            // Prefer the CVE alias so the same vulnerability from another scanner merges.
            let rule = v
                .aliases
                .iter()
                .find(|a| a.starts_with("CVE-"))
                .cloned()
                .unwrap_or(v.id);
            report.push(Finding {
                rule,
                severity: Severity::High,
                location: "requirements".to_owned(),
                line: None,
                package: Some(format!(
                    "{}@{}",
                    d.name.to_lowercase(),
                    d.version.clone().unwrap_or_default()
                )),
                message: clip(v.description.lines().next().unwrap_or_default(), 300),
                baseline_state: None,
            });
        }
    }
    Ok(report)
}
