//! yarn audit: yarn 1 JSON Lines (`yarn audit --json`: `auditAdvisory` lines, one per
//! advisory and dependency path, counted once per advisory and version) and yarn 2+
//! (`yarn npm audit --json`: one `{"value": package, "children": {...}}` per line). A
//! run that logged an `error` line is refused: the audit did not complete.
//!
//! Severity: the advisory's word (`critical`, `high`, `moderate` medium, `low`, `info`).

use std::io::BufRead;
use std::path::Path;

use serde::Deserialize;

use crate::error::ParseError;
use crate::model::{Finding, FindingsReport};
use crate::npm_audit::Advisory;

#[derive(Deserialize)]
struct Line {
    #[serde(rename = "type", default)]
    kind: String,
    data: Option<serde_json::Value>,
    value: Option<String>,
    children: Option<Berry>,
}

#[derive(Deserialize)]
struct Berry {
    #[serde(rename = "ID", default)]
    id: serde_json::Value,
    #[serde(rename = "Issue", default)]
    issue: String,
    #[serde(rename = "Severity", default)]
    severity: String,
    #[serde(rename = "Tree Versions", default)]
    tree_versions: Vec<String>,
}

/// Parses a yarn audit JSON Lines report.
pub fn parse(input: impl BufRead, path: &Path) -> Result<FindingsReport, ParseError> {
    let mut report = FindingsReport::default();
    let mut error = None;
    crate::jsonl::each(input, path, |l: Line| {
        if let (Some(value), Some(c)) = (&l.value, l.children) {
            report.push({
                let id = match c.id {
                    serde_json::Value::String(s) => s,
                    other => format!("npm-{other}"),
                };
                Finding::new(id, crate::npm_audit::severity(&c.severity), "yarn.lock")
                    .package(value, &c.tree_versions.join(","))
                    .message(&format!("{value}: {}", c.issue))
            });
            return Ok(());
        }
        match (l.kind.as_str(), l.data) {
            ("auditAdvisory", Some(data)) => {
                let a: Advisory = data
                    .get("advisory")
                    .cloned()
                    .map(serde_json::from_value)
                    .transpose()
                    .map_err(|e| ParseError::whole(path, format!("unexpected auditAdvisory: {e}")))?
                    .ok_or_else(|| ParseError::whole(path, "auditAdvisory without \"advisory\""))?;
                let rule = a
                    .cves
                    .first()
                    .cloned()
                    .or(a.github_advisory_id)
                    .unwrap_or_else(|| format!("npm-{}", a.id));
                let mut versions: Vec<&str> =
                    a.findings.iter().map(|f| f.version.as_str()).collect();
                versions.dedup();
                report.push(
                    Finding::new(rule, crate::npm_audit::severity(&a.severity), "yarn.lock")
                        .package(&a.module_name, &versions.join(","))
                        .message(&format!("{}: {}", a.module_name, a.title)),
                );
            }
            ("error", data) => {
                error.get_or_insert_with(|| {
                    data.and_then(|d| d.as_str().map(str::to_owned))
                        .unwrap_or_default()
                });
            }
            _ => {}
        }
        Ok(())
    })?;
    if let Some(e) = error {
        return Err(ParseError::whole(
            path,
            format!(
                "the audit did not complete: yarn logged an error: {}",
                crate::model::clip(e.lines().next().unwrap_or_default(), 200)
            ),
        ));
    }
    Ok(report)
}
