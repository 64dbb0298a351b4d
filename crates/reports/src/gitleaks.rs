//! Gitleaks JSON (`gitleaks detect --report-format json`, v8, and the v7 form with
//! `offender`/`rule`): one secret per entry, counted in the secrets category.
//!
//! Severity: every leaked secret is high (Gitleaks gives no severity; a secret in a
//! repository is exposed to everyone who can read it). The secret itself is never kept.

use std::io::BufRead;
use std::path::Path;

use serde::Deserialize;

use crate::error::ParseError;
use crate::model::{Finding, FindingsReport, Severity};

#[derive(Deserialize)]
struct Leak {
    // v8
    #[serde(rename = "RuleID")]
    rule_id: Option<String>,
    #[serde(rename = "Description")]
    description: Option<String>,
    #[serde(rename = "File")]
    file_v8: Option<String>,
    #[serde(rename = "StartLine")]
    start_line: Option<u32>,
    #[serde(rename = "Commit")]
    commit_v8: Option<String>,
    // v7
    rule: Option<String>,
    file: Option<String>,
    #[serde(rename = "lineNumber")]
    line_number: Option<u32>,
    commit: Option<String>,
}

/// Parses a Gitleaks JSON report.
pub fn parse(input: impl BufRead, path: &Path) -> Result<FindingsReport, ParseError> {
    let leaks: Option<Vec<Leak>> = crate::json::read(input, path)?;
    let mut report = FindingsReport::default();
    for l in leaks.unwrap_or_default() {
        let rule = l
            .rule_id
            .or(l.rule)
            .unwrap_or_else(|| "gitleaks".to_owned());
        let file = l.file_v8.or(l.file).unwrap_or_default();
        let commit = l.commit_v8.or(l.commit).unwrap_or_default();
        let description = l.description.unwrap_or_else(|| rule.clone());
        let short: String = commit.chars().take(12).collect();
        let message = if short.is_empty() {
            format!("{description} secret")
        } else {
            format!("{description} secret (commit {short})")
        };
        // One secret per rule, file and line: the same line seen in several commits of
        // the history merges as a duplicate (DefectDojo's identity too).
        report.push(
            Finding::new(rule, Severity::High, file)
                .line(l.start_line.or(l.line_number))
                .message(&message),
        );
    }
    Ok(report)
}
