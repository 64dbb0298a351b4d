//! TruffleHog JSON Lines: v3 (`trufflehog git|github|filesystem ... --json`, one
//! object per secret with `DetectorName` and `Verified`) and v2 (`trufflehog --json`,
//! with `reason` and `stringsFound`), counted in the secrets category.
//!
//! Severity: a v3 secret TruffleHog verified as live is critical, an unverified one
//! high; v2 cannot verify, so its matches are medium (as DefectDojo maps them). The
//! secret itself (`Raw`, `stringsFound`) is never kept.

use std::io::BufRead;
use std::path::Path;

use serde::Deserialize;

use crate::error::ParseError;
use crate::model::{Finding, FindingsReport, Severity};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Line {
    // v3
    detector_name: Option<String>,
    #[serde(default)]
    verified: bool,
    source_metadata: Option<serde_json::Value>,
    // v2
    #[serde(rename = "reason")]
    reason: Option<String>,
    #[serde(rename = "path")]
    path: Option<String>,
    #[serde(rename = "commitHash")]
    commit_hash: Option<String>,
    #[serde(rename = "stringsFound", default)]
    strings_found: Vec<serde::de::IgnoredAny>,
}

/// The file, line and commit of a v3 `SourceMetadata.Data.<source>` block.
fn where_v3(meta: &serde_json::Value) -> (String, Option<u32>, String) {
    let data = meta
        .get("Data")
        .and_then(|d| d.as_object())
        .and_then(|d| d.values().next());
    let get = |k: &str| data.and_then(|d| d.get(k));
    let file = get("file")
        .or_else(|| get("path"))
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_owned();
    let line = get("line")
        .and_then(serde_json::Value::as_u64)
        .and_then(|l| u32::try_from(l).ok());
    let commit = get("commit")
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_owned();
    (file, line, commit)
}

/// Parses a TruffleHog JSON Lines report.
pub fn parse(input: impl BufRead, path: &Path) -> Result<FindingsReport, ParseError> {
    let mut report = FindingsReport::default();
    crate::jsonl::each(input, path, |l: Line| {
        if let Some(detector) = l.detector_name {
            let (file, line, commit) = l.source_metadata.as_ref().map(where_v3).unwrap_or_default();
            let (severity, state) = if l.verified {
                (Severity::Critical, "verified")
            } else {
                (Severity::High, "unverified")
            };
            let mut f = Finding::new(detector.clone(), severity, file)
                .line(line)
                .message(&format!("{detector} secret ({state})"));
            if !commit.is_empty() {
                f.package = Some(format!("commit {commit}"));
            }
            report.push(f);
        } else if let Some(reason) = l.reason {
            // v2 repeats a finding once per commit that touched the file: one per
            // reason and file.
            let commit = l.commit_hash.unwrap_or_default();
            let short: String = commit.chars().take(12).collect();
            report.push(
                Finding::new(reason.clone(), Severity::Medium, l.path.unwrap_or_default()).message(
                    &format!(
                        "{reason} ({} matching strings, commit {short})",
                        l.strings_found.len()
                    ),
                ),
            );
        } else {
            return Err(ParseError::whole(
                path,
                "not a TruffleHog report: a line has neither DetectorName (v3) nor reason (v2)",
            ));
        }
        Ok(())
    })?;
    Ok(report)
}
