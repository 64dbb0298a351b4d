//! Trivy JSON (`trivy image --format json`): vulnerabilities, failed misconfigurations and
//! secrets, with Trivy's own severities.

use std::io::BufRead;
use std::path::Path;

use serde::Deserialize;

use crate::error::ParseError;
use crate::model::{Finding, FindingsReport, Severity, clip};

#[derive(Deserialize)]
#[serde(untagged)]
enum Doc {
    /// Trivy before schema 2: a bare list of targets.
    Legacy(Vec<Target>),
    Report(Box<Report>),
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Report {
    schema_version: Option<serde_json::Value>,
    #[serde(default)]
    results: Option<Vec<Target>>,
    /// `trivy k8s --report all|summary`: findings per Kubernetes resource.
    cluster_name: Option<String>,
    #[serde(default)]
    vulnerabilities: Vec<Resource>,
    #[serde(default)]
    misconfigurations: Vec<Resource>,
    #[serde(default)]
    resources: Vec<Resource>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Resource {
    #[serde(default)]
    namespace: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    results: Vec<Target>,
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
    #[serde(rename = "VulnerabilityID", default)]
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

/// Parses a Trivy JSON report: schema 2 (`SchemaVersion`, `Results`), the legacy
/// top-level list of targets, and the Kubernetes report (`ClusterName` with findings per
/// resource, each resource's targets named `namespace/kind/name: target`). A bare
/// `null` (what old Trivy wrote for a clean scan) has no findings.
pub fn parse(input: impl BufRead, path: &Path) -> Result<FindingsReport, ParseError> {
    let doc: Option<Doc> = crate::json::read(input, path)?;
    let targets = match doc {
        None => Vec::new(),
        Some(Doc::Legacy(targets)) => targets,
        Some(Doc::Report(r)) => {
            if r.schema_version.is_none() && r.results.is_none() && r.cluster_name.is_none() {
                return Err(ParseError::whole(
                    path,
                    "not a Trivy JSON report: no SchemaVersion, Results or ClusterName",
                ));
            }
            let mut targets = r.results.unwrap_or_default();
            for res in r
                .vulnerabilities
                .into_iter()
                .chain(r.misconfigurations)
                .chain(r.resources)
            {
                let prefix = format!("{}/{}/{}", res.namespace, res.kind, res.name);
                targets.extend(res.results.into_iter().map(|mut t| {
                    t.target = format!("{prefix}: {}", t.target);
                    t
                }));
            }
            targets
        }
    };
    Ok(findings(targets))
}

fn findings(targets: Vec<Target>) -> FindingsReport {
    let mut report = FindingsReport::default();
    for t in targets {
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
    report
}
