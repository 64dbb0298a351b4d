//! Trivy JSON (`trivy image --format json`): vulnerabilities, failed misconfigurations and
//! secrets, with Trivy's own severities.

use std::io::BufRead;
use std::path::Path;

use serde::Deserialize;

use crate::error::ParseError;
use crate::model::{Finding, FindingsReport, Severity, clip};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Doc {
    schema_version: Option<serde_json::Value>,
    #[serde(default)]
    results: Option<Vec<Target>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Target {
    #[serde(default)]
    target: String,
    vulnerabilities: Option<Vec<Vuln>>,
    misconfigurations: Option<Vec<Misconfig>>,
    secrets: Option<Vec<Secret>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Vuln {
    #[serde(rename = "VulnerabilityID")]
    vulnerability_id: String,
    #[serde(default)]
    pkg_name: String,
    #[serde(default)]
    installed_version: String,
    #[serde(default)]
    severity: String,
    title: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Misconfig {
    #[serde(rename = "ID", default)]
    id: String,
    #[serde(default)]
    severity: String,
    #[serde(default)]
    status: String,
    title: Option<String>,
    cause_metadata: Option<Cause>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Cause {
    start_line: Option<u32>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Secret {
    #[serde(rename = "RuleID", default)]
    rule_id: String,
    #[serde(default)]
    severity: String,
    title: Option<String>,
    start_line: Option<u32>,
}

fn severity(word: &str) -> Severity {
    Severity::from_word(word).unwrap_or(Severity::Low)
}

/// Parses a Trivy JSON report.
pub fn parse(input: impl BufRead, path: &Path) -> Result<FindingsReport, ParseError> {
    let doc: Doc = crate::json::read(input, path)?;
    if doc.schema_version.is_none() && doc.results.is_none() {
        return Err(ParseError::whole(
            path,
            "not a Trivy JSON report: no SchemaVersion or Results",
        ));
    }
    let mut report = FindingsReport::default();
    for t in doc.results.unwrap_or_default() {
        for v in t.vulnerabilities.unwrap_or_default() {
            report.push(Finding {
                message: clip(v.title.as_deref().unwrap_or(&v.vulnerability_id), 300),
                rule: v.vulnerability_id,
                severity: severity(&v.severity),
                location: t.target.clone(),
                line: None,
                package: Some(format!("{}@{}", v.pkg_name, v.installed_version)),
                baseline_state: None,
            });
        }
        for m in t.misconfigurations.unwrap_or_default() {
            if !m.status.eq_ignore_ascii_case("FAIL") {
                continue;
            }
            report.push(Finding {
                message: clip(m.title.as_deref().unwrap_or(&m.id), 300),
                rule: m.id,
                severity: severity(&m.severity),
                location: t.target.clone(),
                line: m.cause_metadata.and_then(|c| c.start_line),
                package: None,
                baseline_state: None,
            });
        }
        for s in t.secrets.unwrap_or_default() {
            report.push(Finding {
                message: clip(s.title.as_deref().unwrap_or(&s.rule_id), 300),
                rule: s.rule_id,
                severity: severity(&s.severity),
                location: t.target.clone(),
                line: s.start_line,
                package: None,
                baseline_state: None,
            });
        }
    }
    Ok(report)
}
