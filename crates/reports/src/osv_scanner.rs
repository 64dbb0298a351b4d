//! OSV-Scanner JSON (`osv-scanner --format json -r .`): one finding per vulnerability
//! of each package in each scanned source (lockfile, SBOM, image).
//!
//! Severity, first that applies: the advisory's own word (`database_specific.severity`:
//! `CRITICAL`, `HIGH`, `MODERATE`, `LOW`); the highest CVSS v3 base score of its
//! `severity` vectors; the group's `max_severity` score; malicious-package advisories
//! (`MAL-`) are critical; otherwise low (an advisory the database gives no severity).

use std::io::BufRead;
use std::path::Path;

use serde::Deserialize;

use crate::error::ParseError;
use crate::model::{Finding, FindingsReport, Severity};

#[derive(Deserialize)]
struct Doc {
    results: Option<Vec<Source>>,
}

#[derive(Deserialize)]
struct Source {
    #[serde(default)]
    source: SourceInfo,
    #[serde(default)]
    packages: Vec<Package>,
}

#[derive(Deserialize, Default)]
struct SourceInfo {
    #[serde(default)]
    path: String,
}

#[derive(Deserialize)]
struct Package {
    package: PackageInfo,
    #[serde(default)]
    vulnerabilities: Vec<Vuln>,
    #[serde(default)]
    groups: Vec<Group>,
}

#[derive(Deserialize)]
struct PackageInfo {
    #[serde(default)]
    name: String,
    #[serde(default)]
    version: String,
}

#[derive(Deserialize)]
struct Group {
    #[serde(default)]
    ids: Vec<String>,
    max_severity: Option<String>,
}

#[derive(Deserialize)]
struct Vuln {
    id: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    severity: Vec<Score>,
    database_specific: Option<DatabaseSpecific>,
}

#[derive(Deserialize)]
struct Score {
    #[serde(default)]
    score: String,
}

#[derive(Deserialize)]
struct DatabaseSpecific {
    severity: Option<String>,
}

fn severity(v: &Vuln, groups: &[Group]) -> Severity {
    if let Some(s) = v
        .database_specific
        .as_ref()
        .and_then(|d| d.severity.as_deref())
        .and_then(Severity::from_word)
    {
        return s;
    }
    let best = v
        .severity
        .iter()
        .filter_map(|s| crate::cvss::base_score(&s.score))
        .fold(None, |a: Option<f64>, b| Some(a.map_or(b, |a| a.max(b))));
    if let Some(score) = best {
        return Severity::from_score(score);
    }
    if let Some(score) = groups
        .iter()
        .filter(|g| g.ids.contains(&v.id))
        .filter_map(|g| g.max_severity.as_deref()?.trim().parse::<f64>().ok())
        .reduce(f64::max)
    {
        return Severity::from_score(score);
    }
    if v.id.starts_with("MAL-") {
        return Severity::Critical;
    }
    Severity::Low
}

/// Parses an OSV-Scanner JSON report.
pub fn parse(input: impl BufRead, path: &Path) -> Result<FindingsReport, ParseError> {
    let doc: Doc = crate::json::read(input, path)?;
    let results = doc
        .results
        .ok_or_else(|| ParseError::whole(path, "not an OSV-Scanner JSON report: no \"results\""))?;
    let mut report = FindingsReport::default();
    for source in results {
        for p in source.packages {
            for v in &p.vulnerabilities {
                let rule = v
                    .aliases
                    .iter()
                    .find(|a| a.starts_with("CVE-"))
                    .cloned()
                    .unwrap_or_else(|| v.id.clone());
                report.push(
                    Finding::new(rule, severity(v, &p.groups), source.source.path.clone())
                        .package(&p.package.name, &p.package.version)
                        .message(&v.summary),
                );
            }
        }
    }
    Ok(report)
}
