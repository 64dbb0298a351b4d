//! pip-audit JSON (`pip-audit -f json`). pip-audit gives no severity, so every
//! vulnerability counts as high: a known, published vulnerability in a pinned dependency.

use std::io::BufRead;
use std::path::Path;

use serde::Deserialize;

use crate::error::ParseError;
use crate::model::{Finding, FindingsReport, Severity, clip};

#[derive(Deserialize)]
#[serde(untagged)]
enum Doc {
    Object { dependencies: Vec<Dep> },
    List(Vec<Dep>),
}

#[derive(Deserialize)]
struct Dep {
    name: String,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    vulns: Vec<Vuln>,
}

#[derive(Deserialize)]
struct Vuln {
    id: String,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    description: String,
}

/// Parses a pip-audit JSON report.
pub fn parse(input: impl BufRead, path: &Path) -> Result<FindingsReport, ParseError> {
    let doc: Doc = crate::json::read(input, path)?;
    let deps = match doc {
        Doc::Object { dependencies } | Doc::List(dependencies) => dependencies,
    };
    let mut report = FindingsReport::default();
    for d in deps {
        for v in d.vulns {
            // Prefer the CVE alias so the same vulnerability from another scanner merges.
            let rule = v
                .aliases
                .iter()
                .find(|a| a.starts_with("CVE-"))
                .cloned()
                .unwrap_or(v.id);
            report.push(Finding {
                rule,
                severity: Severity::High,
                location: "requirements".to_owned(),
                line: None,
                package: Some(format!(
                    "{}@{}",
                    d.name.to_lowercase(),
                    d.version.clone().unwrap_or_default()
                )),
                message: clip(v.description.lines().next().unwrap_or_default(), 300),
                baseline_state: None,
            });
        }
    }
    Ok(report)
}
