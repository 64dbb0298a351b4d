//! cargo-audit JSON (`cargo audit --json`). Severity comes from the advisory's CVSS v3
//! vector; advisories without one count as high. Informational warnings (unmaintained,
//! yanked) are not vulnerabilities and are not counted.

use std::io::BufRead;
use std::path::Path;

use serde::Deserialize;

use crate::error::ParseError;
use crate::model::{Finding, FindingsReport, Severity, clip};

#[derive(Deserialize)]
struct Doc {
    vulnerabilities: Option<Vulns>,
}

#[derive(Deserialize)]
struct Vulns {
    #[serde(default)]
    list: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    advisory: Advisory,
    package: Package,
}

#[derive(Deserialize)]
struct Advisory {
    id: String,
    #[serde(default)]
    title: String,
    cvss: Option<String>,
    #[serde(default)]
    aliases: Vec<String>,
}

#[derive(Deserialize)]
struct Package {
    name: String,
    #[serde(default)]
    version: String,
}

/// Parses a cargo-audit JSON report.
pub fn parse(input: impl BufRead, path: &Path) -> Result<FindingsReport, ParseError> {
    let doc: Doc = crate::json::read(input, path)?;
    let vulns = doc.vulnerabilities.ok_or_else(|| {
        ParseError::whole(
            path,
            "not a cargo-audit JSON report: no \"vulnerabilities\"",
        )
    })?;
    let mut report = FindingsReport::default();
    for e in vulns.list {
        let severity = e
            .advisory
            .cvss
            .as_deref()
            .and_then(crate::cvss::base_score)
            .map_or(Severity::High, Severity::from_score);
        let rule = e
            .advisory
            .aliases
            .iter()
            .find(|a| a.starts_with("CVE-"))
            .cloned()
            .unwrap_or(e.advisory.id);
        report.push(Finding {
            rule,
            severity,
            location: "Cargo.lock".to_owned(),
            line: None,
            package: Some(format!("{}@{}", e.package.name, e.package.version)),
            message: clip(&e.advisory.title, 300),
            baseline_state: None,
        });
    }
    Ok(report)
}
