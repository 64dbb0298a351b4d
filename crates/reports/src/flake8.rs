//! flake8's default text output: `path:line:col: CODE message`, one per line.

use std::io::BufRead;
use std::path::Path;

use crate::error::ParseError;
use crate::model::{LintMessage, LintReport};

/// Parses flake8 text output. Lines that are not messages are errors naming their line.
pub fn parse(input: impl BufRead, path: &Path) -> Result<LintReport, ParseError> {
    let mut report = LintReport::default();
    for (i, line) in input.lines().enumerate() {
        let n = i as u64 + 1;
        let line =
            line.map_err(|e| ParseError::at_line(path, n, 1, format!("cannot read: {e}")))?;
        if line.trim().is_empty() {
            continue;
        }
        if !crate::flake8_line(&line) {
            return Err(ParseError::at_line(
                path,
                n,
                1,
                format!(
                    "not a flake8 message (expected path:line:col: CODE text): {:?}",
                    crate::xml::preview(line.as_bytes())
                ),
            ));
        }
        let mut parts = line.splitn(4, ':');
        let file = parts.next().unwrap_or_default().to_owned();
        let l = parts.next().and_then(|l| l.parse().ok());
        let _col = parts.next();
        let rest = parts.next().unwrap_or_default().trim();
        let (code, message) = rest.split_once(' ').unwrap_or((rest, ""));
        report.push(LintMessage {
            class: crate::ruff::class_of(code).to_owned(),
            code: code.to_owned(),
            file,
            line: l,
            message: message.to_owned(),
        });
    }
    Ok(report)
}
