//! bandit JSON (`bandit -r src -f json`): issues with bandit's own severity
//! (`HIGH`, `MEDIUM`, `LOW`; bandit has no critical).

use std::io::BufRead;
use std::path::Path;

use serde::Deserialize;

use crate::error::ParseError;
use crate::model::{Finding, FindingsReport, Severity, clip};

#[derive(Deserialize)]
struct Doc {
    results: Option<Vec<Issue>>,
}

#[derive(Deserialize)]
struct Issue {
    #[serde(default)]
    test_id: String,
    #[serde(default)]
    issue_severity: String,
    #[serde(default)]
    issue_text: String,
    #[serde(default)]
    filename: String,
    line_number: Option<u32>,
}

/// Parses a bandit JSON report.
pub fn parse(input: impl BufRead, path: &Path) -> Result<FindingsReport, ParseError> {
    let doc: Doc = crate::json::read(input, path)?;
    let results = doc
        .results
        .ok_or_else(|| ParseError::whole(path, "not a bandit JSON report: no \"results\""))?;
    let mut report = FindingsReport::default();
    for i in results {
        report.push(Finding {
            rule: i.test_id,
            severity: Severity::from_word(&i.issue_severity).unwrap_or(Severity::Low),
            location: i.filename.trim_start_matches("./").to_owned(),
            line: i.line_number,
            package: None,
            message: clip(&i.issue_text, 300),
            baseline_state: None,
        });
    }
    Ok(report)
}
