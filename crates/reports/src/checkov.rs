//! Checkov JSON (`checkov -d . -o json`): one finding per failed check, for one
//! framework (an object) or several (a list, one object per `check_type`). A summary
//! without results (`{"passed": 0, "failed": 0, ...}`, what Checkov writes when it
//! found nothing to scan) is an empty scan.
//!
//! Severity: the check's `severity` when Checkov gives one (it does with a platform API
//! key: `CRITICAL`, `HIGH`, `MEDIUM`, `LOW`), else medium (a failed policy of unknown
//! weight, as DefectDojo counts it). Parsing errors become warnings.

use std::io::BufRead;
use std::path::Path;

use serde::Deserialize;

use crate::error::ParseError;
use crate::model::{Finding, FindingsReport, Severity};

#[derive(Deserialize)]
#[serde(untagged)]
enum Doc {
    Many(Vec<Framework>),
    One(Framework),
}

#[derive(Deserialize)]
struct Framework {
    #[serde(default)]
    check_type: String,
    results: Option<Results>,
    #[serde(default, alias = "resource_count")]
    resourcecount: Option<u64>,
}

#[derive(Deserialize)]
struct Results {
    #[serde(default)]
    failed_checks: Vec<Check>,
    #[serde(default)]
    parsing_errors: Vec<String>,
}

#[derive(Deserialize)]
struct Check {
    check_id: String,
    #[serde(default)]
    check_name: String,
    #[serde(default)]
    file_path: String,
    #[serde(default)]
    file_line_range: Vec<u32>,
    #[serde(default)]
    resource: String,
    severity: Option<String>,
}

/// Parses a Checkov JSON report.
pub fn parse(input: impl BufRead, path: &Path) -> Result<FindingsReport, ParseError> {
    let doc: Doc = crate::json::read(input, path)?;
    let frameworks = match doc {
        Doc::Many(v) => v,
        Doc::One(f) => vec![f],
    };
    let mut report = FindingsReport::default();
    for fw in frameworks {
        let Some(results) = fw.results else {
            if fw.resourcecount == Some(0) || fw.check_type.is_empty() {
                report
                    .empty_scans
                    .push(format!("{}: Checkov scanned no resources", path.display()));
            }
            continue;
        };
        for c in results.failed_checks {
            let severity = c
                .severity
                .as_deref()
                .and_then(Severity::from_word)
                .unwrap_or(Severity::Medium);
            let message = if c.resource.is_empty() {
                c.check_name.clone()
            } else {
                format!("{} ({})", c.check_name, c.resource)
            };
            report.push(
                Finding::new(c.check_id, severity, c.file_path.trim_start_matches('/'))
                    .line(c.file_line_range.first().copied())
                    .message(&message),
            );
        }
        for e in results.parsing_errors {
            report
                .warnings
                .push(format!("{}: Checkov could not parse {e}", path.display()));
        }
    }
    Ok(report)
}
