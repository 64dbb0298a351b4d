//! npm audit JSON: npm 6 and pnpm (`npm audit --json`, `pnpm audit --json`: an
//! `advisories` object, one finding per advisory) and npm 7+ (`auditReportVersion` 2:
//! a `vulnerabilities` object, one finding per vulnerable package, direct or through a
//! dependency). An audit that could not run (`{"error": {"code": "ENOAUDIT"}}`) is
//! refused: it says nothing about the dependencies.
//!
//! Severity: npm's word (`critical`, `high`, `moderate` medium, `low`, `info` low).

use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::Path;

use serde::Deserialize;

use crate::error::ParseError;
use crate::model::{Finding, FindingsReport, Severity};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Doc {
    advisories: Option<BTreeMap<String, Advisory>>,
    audit_report_version: Option<u32>,
    vulnerabilities: Option<BTreeMap<String, Vulnerable>>,
    error: Option<AuditError>,
    metadata: Option<Metadata>,
}

#[derive(Deserialize)]
struct AuditError {
    #[serde(default)]
    code: String,
    #[serde(default)]
    summary: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Metadata {
    total_dependencies: Option<u64>,
    dependencies: Option<serde_json::Value>,
}

/// One advisory as npm 6 and yarn 1 write it.
#[derive(Deserialize)]
pub(crate) struct Advisory {
    #[serde(default)]
    pub(crate) id: serde_json::Value,
    #[serde(default)]
    pub(crate) title: String,
    #[serde(default)]
    pub(crate) module_name: String,
    #[serde(default)]
    pub(crate) severity: String,
    #[serde(default)]
    pub(crate) cves: Vec<String>,
    pub(crate) github_advisory_id: Option<String>,
    #[serde(default)]
    pub(crate) findings: Vec<AdvisoryFinding>,
}

/// A vulnerable version of an advisory's module.
#[derive(Deserialize)]
pub(crate) struct AdvisoryFinding {
    #[serde(default)]
    pub(crate) version: String,
}

#[derive(Deserialize)]
struct Vulnerable {
    #[serde(default)]
    name: String,
    #[serde(default)]
    severity: String,
    #[serde(default)]
    range: String,
    #[serde(default)]
    via: Vec<serde_json::Value>,
}

/// npm's severity words.
pub fn severity(word: &str) -> Severity {
    Severity::from_word(word).unwrap_or(Severity::Low)
}

/// Parses an npm (6 or 7+) or pnpm audit JSON report.
pub fn parse(input: impl BufRead, path: &Path) -> Result<FindingsReport, ParseError> {
    let doc: Doc = crate::json::read(input, path)?;
    let mut report = FindingsReport::default();
    if let Some(e) = doc.error {
        return Err(ParseError::whole(
            path,
            format!(
                "the audit did not run ({}: {}); rerun it where the registry's audit endpoint is reachable",
                e.code,
                e.summary.lines().next().unwrap_or_default()
            ),
        ));
    }
    if let Some(advisories) = doc.advisories {
        for a in advisories.into_values() {
            let rule = a
                .cves
                .first()
                .cloned()
                .or(a.github_advisory_id)
                .unwrap_or_else(|| match &a.id {
                    serde_json::Value::String(s) => s.clone(),
                    other => format!("npm-{other}"),
                });
            let mut versions: Vec<&str> = a.findings.iter().map(|f| f.version.as_str()).collect();
            versions.dedup();
            report.push(
                Finding::new(rule, severity(&a.severity), "package-lock.json")
                    .package(&a.module_name, &versions.join(","))
                    .message(&format!("{}: {}", a.module_name, a.title)),
            );
        }
    } else if let Some(vulns) = doc.vulnerabilities {
        if doc.audit_report_version.is_none() {
            return Err(ParseError::whole(
                path,
                "not an npm audit report: \"vulnerabilities\" without \"auditReportVersion\"",
            ));
        }
        for (key, v) in vulns {
            let name = if v.name.is_empty() { key } else { v.name };
            let advisory = v.via.iter().find_map(|x| x.as_object());
            let rule = advisory
                .and_then(|a| {
                    a.get("url")?
                        .as_str()?
                        .rsplit('/')
                        .next()
                        .map(str::to_owned)
                })
                .unwrap_or_else(|| format!("npm:{name}"));
            let title = advisory
                .and_then(|a| a.get("title")?.as_str().map(str::to_owned))
                .unwrap_or_else(|| {
                    let through: Vec<&str> = v.via.iter().filter_map(|x| x.as_str()).collect();
                    format!("vulnerable through {}", through.join(", "))
                });
            report.push(
                Finding::new(rule, severity(&v.severity), "package-lock.json")
                    .package(&name, &v.range)
                    .message(&format!("{name}: {title}")),
            );
        }
    } else {
        return Err(ParseError::whole(
            path,
            "not an npm audit report: no \"advisories\" (npm 6, pnpm) or \"vulnerabilities\" (npm 7+)",
        ));
    }
    if let Some(m) = doc.metadata {
        let deps = m.total_dependencies.or_else(|| match m.dependencies {
            Some(serde_json::Value::Number(n)) => n.as_u64(),
            Some(serde_json::Value::Object(o)) => {
                o.get("total").and_then(serde_json::Value::as_u64)
            }
            _ => None,
        });
        if deps == Some(0) {
            report.empty_scans.push(format!(
                "{}: the audit found no dependencies",
                path.display()
            ));
        }
    }
    Ok(report)
}
