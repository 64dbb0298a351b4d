//! ruff JSON (`ruff check --output-format json`). Codes in flake8's "stop the build" set
//! (`E9`, `F63`, `F7`, `F82`: syntax errors, undefined names) count as errors, the rest
//! as warnings.

use std::io::BufRead;
use std::path::Path;

use serde::Deserialize;

use crate::error::ParseError;
use crate::model::{LintMessage, LintReport};

#[derive(Deserialize)]
struct Message {
    code: Option<String>,
    #[serde(default)]
    message: String,
    #[serde(default)]
    filename: String,
    location: Option<Loc>,
}

#[derive(Deserialize)]
struct Loc {
    row: Option<u32>,
}

/// The class of a flake8/ruff code: `error` for the codes GitHub's starter workflow fails
/// on (E9, F63, F7, F82), else `warning`.
pub fn class_of(code: &str) -> &'static str {
    if ["E9", "F63", "F7", "F82"]
        .iter()
        .any(|p| code.starts_with(p))
        || code.is_empty()
    {
        "error"
    } else {
        "warning"
    }
}

/// Parses ruff's JSON output.
pub fn parse(input: impl BufRead, path: &Path) -> Result<LintReport, ParseError> {
    let messages: Vec<Message> = crate::json::read(input, path)?;
    let mut report = LintReport::default();
    for m in messages {
        let code = m.code.unwrap_or_default();
        report.push(LintMessage {
            class: class_of(&code).to_owned(),
            code,
            file: m.filename,
            line: m.location.and_then(|l| l.row),
            message: m.message,
        });
    }
    Ok(report)
}
