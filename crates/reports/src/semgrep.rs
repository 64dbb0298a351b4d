//! Semgrep JSON (`semgrep scan --json`), and the Semgrep AppSec Platform's supply-chain
//! export (`{"vulns": [...]}`).
//!
//! Severity: Semgrep's rule severity, `ERROR` high, `WARNING` medium, `INFO` low; the
//! newer words (`CRITICAL`, `HIGH`, `MEDIUM`, `LOW`) as they are. Supply-chain findings
//! carry the advisory's severity. Semgrep's own scan errors (a file it could not parse)
//! become warnings.

use std::io::BufRead;
use std::path::Path;

use serde::Deserialize;

use crate::error::ParseError;
use crate::model::{Finding, FindingsReport, Severity};

#[derive(Deserialize)]
struct Doc {
    results: Option<Vec<Match>>,
    #[serde(default)]
    errors: Vec<serde::de::IgnoredAny>,
    vulns: Option<Vec<ScaVuln>>,
}

#[derive(Deserialize)]
struct Match {
    check_id: String,
    #[serde(default)]
    path: String,
    start: Option<Start>,
    #[serde(default)]
    extra: Extra,
}

#[derive(Deserialize)]
struct Start {
    line: Option<u32>,
}

#[derive(Deserialize, Default)]
struct Extra {
    #[serde(default)]
    message: String,
    #[serde(default)]
    severity: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ScaVuln {
    #[serde(default)]
    title: String,
    advisory: Option<Advisory>,
    #[serde(default)]
    severity: String,
    matched_dependency: Option<Dependency>,
    dependency_file_location: Option<FileLocation>,
    triage: Option<Triage>,
    /// The repository the finding is in: an export covers every repository of the
    /// organisation's deployment.
    repository_name: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FileLocation {
    #[serde(default)]
    path: String,
    start_line: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct Triage {
    #[serde(default)]
    status: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Advisory {
    #[serde(default)]
    rule_id: String,
    #[serde(default)]
    severity: String,
    references: Option<References>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct References {
    #[serde(default)]
    cve_ids: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Dependency {
    #[serde(default)]
    name: String,
    #[serde(default)]
    version_specifier: String,
}

/// Semgrep's severity words.
pub fn severity(word: &str) -> Severity {
    match word.trim().to_ascii_uppercase().as_str() {
        "ERROR" | "HIGH" => Severity::High,
        "CRITICAL" => Severity::Critical,
        "WARNING" | "MEDIUM" => Severity::Medium,
        _ => Severity::Low,
    }
}

/// Parses a Semgrep JSON report.
pub fn parse(input: impl BufRead, path: &Path) -> Result<FindingsReport, ParseError> {
    let doc: Doc = crate::json::read(input, path)?;
    let mut report = FindingsReport::default();
    if let Some(vulns) = doc.vulns {
        for v in vulns {
            // Closed (fixed or ignored) findings are history, not current risk.
            if v.triage
                .as_ref()
                .is_some_and(|t| t.status.eq_ignore_ascii_case("closed"))
            {
                continue;
            }
            let advisory = v.advisory.as_ref();
            let rule = advisory
                .and_then(|a| a.references.as_ref()?.cve_ids.first().cloned())
                .or_else(|| advisory.map(|a| a.rule_id.clone()))
                .unwrap_or_else(|| v.title.clone());
            let word = advisory.map_or(v.severity.as_str(), |a| a.severity.as_str());
            let dep = v.matched_dependency.as_ref();
            let file = v.dependency_file_location.as_ref();
            let line = file
                .and_then(|f| match &f.start_line {
                    Some(serde_json::Value::String(s)) => s.parse().ok(),
                    Some(serde_json::Value::Number(n)) => n.as_u64(),
                    _ => None,
                })
                .and_then(|l| u32::try_from(l).ok());
            // The same advisory at the same line of two repositories' lockfiles is two
            // findings, so the repository is part of the place (`repo: path`, as Trivy's
            // Kubernetes resources are named).
            let path = file.map(|f| f.path.clone()).unwrap_or_default();
            let location = match v.repository_name.as_deref().filter(|r| !r.is_empty()) {
                Some(repo) => format!("{repo}: {path}"),
                None => path,
            };
            let mut f = Finding::new(rule, severity(word), location)
                .line(line)
                .message(&v.title);
            if let Some(d) = dep {
                f = f.package(&d.name, &d.version_specifier);
            }
            report.push(f);
        }
        return Ok(report);
    }
    let results = doc
        .results
        .ok_or_else(|| ParseError::whole(path, "not a Semgrep JSON report: no \"results\""))?;
    for r in results {
        report.push(
            Finding::new(r.check_id, severity(&r.extra.severity), r.path)
                .line(r.start.and_then(|s| s.line))
                .message(&r.extra.message),
        );
    }
    if !doc.errors.is_empty() {
        report.warnings.push(format!(
            "{}: Semgrep reported {} scan error(s); some files or rules were not checked",
            path.display(),
            doc.errors.len()
        ));
    }
    Ok(report)
}
