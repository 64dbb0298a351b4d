//! `cargo clippy --message-format=json`: one JSON object per line; `compiler-message`
//! records with a primary span count, by level (`error`, `warning`). Other records
//! (artifacts, build scripts, the final `build-finished`) are skipped.

use std::io::BufRead;
use std::path::Path;

use serde::Deserialize;

use crate::error::ParseError;
use crate::model::{LintMessage, LintReport};

#[derive(Deserialize)]
struct Record {
    reason: Option<String>,
    message: Option<Diagnostic>,
}

#[derive(Deserialize)]
struct Diagnostic {
    #[serde(default)]
    message: String,
    #[serde(default)]
    level: String,
    code: Option<Code>,
    #[serde(default)]
    spans: Vec<Span>,
}

#[derive(Deserialize)]
struct Code {
    code: String,
}

#[derive(Deserialize)]
struct Span {
    file_name: String,
    line_start: u32,
    is_primary: bool,
}

/// Parses cargo's JSON message stream.
pub fn parse(mut input: impl BufRead, path: &Path) -> Result<LintReport, ParseError> {
    let mut report = LintReport::default();
    let mut line = String::new();
    let mut n = 0u64;
    loop {
        line.clear();
        let read = input
            .read_line(&mut line)
            .map_err(|e| ParseError::at_line(path, n + 1, 1, format!("cannot read: {e}")))?;
        if read == 0 {
            break;
        }
        n += 1;
        let text = line.trim();
        if text.is_empty() {
            continue;
        }
        if !text.starts_with('{') {
            // cargo prints human lines too when stderr is merged; skip them.
            continue;
        }
        let record: Record = serde_json::from_str(text).map_err(|e| {
            ParseError::at_line(
                path,
                n,
                e.column() as u64,
                format!("malformed JSON message: {e}"),
            )
        })?;
        if record.reason.as_deref() != Some("compiler-message") {
            continue;
        }
        let Some(d) = record.message else { continue };
        let Some(span) = d.spans.iter().find(|s| s.is_primary) else {
            continue;
        };
        let class = match d.level.as_str() {
            "error" | "error: internal compiler error" => "error",
            "warning" => "warning",
            _ => continue,
        };
        report.push(LintMessage {
            class: class.to_owned(),
            code: d.code.map(|c| c.code).unwrap_or_default(),
            file: span.file_name.clone(),
            line: Some(span.line_start),
            message: d.message,
        });
    }
    Ok(report)
}
