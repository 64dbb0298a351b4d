//! Safety JSON, every shape it has had: 1.x (`safety check --json`: a list of
//! `[package, spec, version, advisory, id, ...]` lists), 2.x and 3.x `safety check
//! --output json` (`report_meta`, `scanned_packages`, `vulnerabilities`) and 3.x
//! `safety scan --output json` (`scan_results.projects[].files[].results.dependencies`).
//!
//! Severity: the CVSS v3 (then v2) base severity or score Safety attaches when it has
//! one; otherwise high, as for pip-audit: a known, published vulnerability in a pinned
//! dependency. Ignored vulnerabilities are not counted. A report whose `report_meta`
//! says no package was found is an empty scan.

use std::io::BufRead;
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use crate::error::ParseError;
use crate::model::{Finding, FindingsReport, Severity};

#[derive(Deserialize)]
#[serde(untagged)]
enum Doc {
    V1(Vec<Vec<Value>>),
    Report(Box<Report>),
}

#[derive(Deserialize)]
struct Report {
    report_meta: Option<Meta>,
    vulnerabilities: Option<Vec<Vuln>>,
    scan_results: Option<Value>,
}

#[derive(Deserialize)]
struct Meta {
    packages_found: Option<u64>,
}

#[derive(Deserialize)]
struct Vuln {
    #[serde(default)]
    vulnerability_id: String,
    #[serde(default)]
    package_name: String,
    #[serde(default)]
    analyzed_version: String,
    #[serde(default)]
    advisory: String,
    #[serde(rename = "CVE")]
    cve: Option<String>,
    severity: Option<Value>,
}

/// The severity of Safety's `severity` object (`{"cvssv3": {"base_severity": ...}}`).
fn severity(s: Option<&Value>) -> Severity {
    let Some(s) = s else {
        return Severity::High;
    };
    for key in ["cvssv3", "cvssv2"] {
        let c = &s[key];
        if let Some(w) = c["base_severity"].as_str().and_then(Severity::from_word) {
            return w;
        }
        if let Some(score) = c["base_score"].as_f64() {
            return Severity::from_score(score);
        }
    }
    Severity::High
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Parses a Safety JSON report.
pub fn parse(input: impl BufRead, path: &Path) -> Result<FindingsReport, ParseError> {
    let doc: Doc = crate::json::read(input, path)?;
    let mut report = FindingsReport::default();
    match doc {
        Doc::V1(rows) => {
            for row in rows {
                if row.len() < 5 {
                    return Err(ParseError::whole(
                        path,
                        "not a Safety 1.x report: an entry has fewer than 5 fields (package, spec, version, advisory, id)",
                    ));
                }
                let id = text(&row[4]);
                let rule = row
                    .get(5)
                    .map(text)
                    .filter(|c| c.starts_with("CVE-"))
                    .unwrap_or_else(|| format!("pyup-{id}"));
                report.push(
                    Finding::new(rule, Severity::High, "requirements")
                        .package(&text(&row[0]).to_lowercase(), &text(&row[2]))
                        .message(&text(&row[3])),
                );
            }
        }
        Doc::Report(r) => {
            if let Some(scan) = r.scan_results {
                scan_results(&scan, &mut report);
            } else {
                let vulns = r.vulnerabilities.ok_or_else(|| {
                    ParseError::whole(path, "not a Safety report: no \"vulnerabilities\"")
                })?;
                for v in vulns {
                    let rule = v
                        .cve
                        .filter(|c| c.starts_with("CVE-"))
                        .unwrap_or_else(|| format!("pyup-{}", v.vulnerability_id));
                    report.push(
                        Finding::new(rule, severity(v.severity.as_ref()), "requirements")
                            .package(&v.package_name.to_lowercase(), &v.analyzed_version)
                            .message(&v.advisory),
                    );
                }
            }
            if r.report_meta.and_then(|m| m.packages_found) == Some(0) {
                report.empty_scans.push(format!(
                    "{}: Safety found no packages to check",
                    path.display()
                ));
            }
        }
    }
    Ok(report)
}

/// Safety 3.x `scan` output: projects, files, dependencies, specifications, known
/// vulnerabilities.
fn scan_results(scan: &Value, report: &mut FindingsReport) {
    let list = |v: &Value| v.as_array().cloned().unwrap_or_default();
    for project in list(&scan["projects"]) {
        for file in list(&project["files"]) {
            let location = file["location"]
                .as_str()
                .unwrap_or("requirements")
                .to_owned();
            for dep in list(&file["results"]["dependencies"]) {
                let name = dep["name"].as_str().unwrap_or_default().to_lowercase();
                for spec in list(&dep["specifications"]) {
                    // `raw` is the requirement as written (`django==1.8.0`): the pinned
                    // version when it is one, else the whole specifier.
                    let raw = spec["raw"].as_str().unwrap_or_default();
                    let version = raw
                        .split_once("==")
                        .map_or(raw, |(_, v)| v.split(';').next().unwrap_or(v).trim());
                    for v in list(&spec["vulnerabilities"]["known_vulnerabilities"]) {
                        if v["ignored"].as_bool() == Some(true)
                            || !v["ignored"].is_null() && v["ignored"].is_object()
                        {
                            continue;
                        }
                        let id = text(&v["id"]);
                        // `cve` is null or `{name, cvssv2, cvssv3, advisory}`: the same
                        // scores as the 2.x report's `severity`.
                        let cve = &v["cve"];
                        let rule = cve["name"]
                            .as_str()
                            .filter(|c| c.starts_with("CVE-"))
                            .map_or_else(|| format!("pyup-{id}"), str::to_owned);
                        let message = cve["advisory"].as_str().map_or_else(
                            || format!("{name}: known vulnerability {id}"),
                            str::to_owned,
                        );
                        report.push(
                            Finding::new(
                                rule,
                                severity((!cve.is_null()).then_some(cve)),
                                location.clone(),
                            )
                            .package(&name, version)
                            .message(&message),
                        );
                    }
                }
            }
        }
    }
}
