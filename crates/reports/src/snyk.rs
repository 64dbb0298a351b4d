//! Snyk CLI JSON: `snyk test --json` (one project), `--all-projects` (a list of
//! projects) and `snyk container test --json`. One finding per vulnerability and
//! dependency path (`from`), as Snyk lists them; the same vulnerability in the same
//! package through two paths merges as a duplicate. Snyk Code writes SARIF, read as
//! SARIF. Licence issues (`type: license`) are policy, not vulnerabilities, and are
//! not counted.
//!
//! Severity: Snyk's word (`critical`, `high`, `medium`, `low`); where it is missing,
//! from `cvssScore`, then the `CVSSv3` vector; else medium.

use std::io::BufRead;
use std::path::Path;

use serde::Deserialize;

use crate::error::ParseError;
use crate::model::{Finding, FindingsReport, Severity};

#[derive(Deserialize)]
#[serde(untagged)]
enum Doc {
    Many(Vec<Project>),
    One(Project),
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Project {
    vulnerabilities: Option<Vec<Vuln>>,
    #[serde(default)]
    display_target_file: String,
    #[serde(default)]
    dependency_count: Option<u64>,
    error: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Vuln {
    id: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    severity: String,
    #[serde(default)]
    package_name: String,
    #[serde(default)]
    version: String,
    cvss_score: Option<serde_json::Value>,
    #[serde(rename = "CVSSv3")]
    cvss_v3: Option<String>,
    #[serde(rename = "type", default)]
    kind: String,
    identifiers: Option<Identifiers>,
}

#[derive(Deserialize)]
#[serde(rename_all = "UPPERCASE")]
struct Identifiers {
    #[serde(default)]
    cve: Vec<String>,
}

fn severity(v: &Vuln) -> Severity {
    if let Some(s) = Severity::from_word(&v.severity) {
        return s;
    }
    let score = match &v.cvss_score {
        Some(serde_json::Value::Number(n)) => n.as_f64(),
        Some(serde_json::Value::String(s)) => s.parse().ok(),
        _ => None,
    }
    .or_else(|| v.cvss_v3.as_deref().and_then(crate::cvss::base_score));
    score.map_or(Severity::Medium, Severity::from_score)
}

/// Parses a Snyk CLI JSON report.
pub fn parse(input: impl BufRead, path: &Path) -> Result<FindingsReport, ParseError> {
    let doc: Doc = crate::json::read(input, path)?;
    let projects = match doc {
        Doc::Many(v) => v,
        Doc::One(p) => vec![p],
    };
    let mut report = FindingsReport::default();
    for p in projects {
        if let Some(e) = p.error {
            return Err(ParseError::whole(
                path,
                format!(
                    "Snyk could not test a project: {}",
                    e.lines().next().unwrap_or_default()
                ),
            ));
        }
        let Some(vulns) = p.vulnerabilities else {
            return Err(ParseError::whole(
                path,
                "not a Snyk JSON report: no \"vulnerabilities\"",
            ));
        };
        if p.dependency_count == Some(0) {
            report.empty_scans.push(format!(
                "{}: Snyk found no dependencies in {}",
                path.display(),
                p.display_target_file
            ));
        }
        for v in vulns {
            if v.kind == "license" {
                continue;
            }
            let sev = severity(&v);
            let rule = v
                .identifiers
                .as_ref()
                .and_then(|i| i.cve.first().cloned())
                .unwrap_or_else(|| v.id.clone());
            report.push(
                Finding::new(rule, sev, p.display_target_file.clone())
                    .package(&v.package_name, &v.version)
                    .message(&v.title),
            );
        }
    }
    Ok(report)
}
