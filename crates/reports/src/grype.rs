//! Grype JSON (`grype -o json`): matches with Grype's severities (`Negligible` is low).

use std::io::BufRead;
use std::path::Path;

use serde::Deserialize;

use crate::error::ParseError;
use crate::model::{Finding, FindingsReport, Severity, clip};

#[derive(Deserialize)]
struct Doc {
    matches: Option<Vec<Match>>,
}

#[derive(Deserialize)]
struct Match {
    vulnerability: Vuln,
    artifact: Artifact,
}

#[derive(Deserialize)]
struct Vuln {
    id: String,
    #[serde(default)]
    severity: String,
    description: Option<String>,
}

#[derive(Deserialize)]
struct Artifact {
    #[serde(default)]
    name: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    locations: Vec<ArtifactLocation>,
}

#[derive(Deserialize)]
struct ArtifactLocation {
    #[serde(default)]
    path: String,
}

/// Parses a Grype JSON report.
pub fn parse(input: impl BufRead, path: &Path) -> Result<FindingsReport, ParseError> {
    let doc: Doc = crate::json::read(input, path)?;
    let matches = doc
        .matches
        .ok_or_else(|| ParseError::whole(path, "not a Grype JSON report: no \"matches\""))?;
    let mut report = FindingsReport::default();
    for m in matches {
        let location = m
            .artifact
            .locations
            .first()
            .map(|l| l.path.clone())
            .unwrap_or_default();
        report.push(Finding {
            message: clip(
                m.vulnerability
                    .description
                    .as_deref()
                    .unwrap_or(&m.vulnerability.id)
                    .lines()
                    .next()
                    .unwrap_or_default(),
                300,
            ),
            severity: Severity::from_word(&m.vulnerability.severity).unwrap_or(Severity::Low),
            rule: m.vulnerability.id,
            location,
            line: None,
            package: Some(format!("{}@{}", m.artifact.name, m.artifact.version)),
            baseline_state: None,
        });
    }
    Ok(report)
}
