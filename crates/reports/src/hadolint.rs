//! Hadolint JSON (`hadolint -f json Dockerfile`): Dockerfile lint messages. Hadolint's
//! levels map to the lint classes: `error` error, `warning` warning, `info` info,
//! `style` convention.

use std::io::BufRead;
use std::path::Path;

use serde::Deserialize;

use crate::error::ParseError;
use crate::model::{LintMessage, LintReport};

#[derive(Deserialize)]
struct Message {
    #[serde(default)]
    code: String,
    #[serde(default)]
    file: String,
    line: Option<u32>,
    #[serde(default)]
    level: String,
    #[serde(default)]
    message: String,
}

/// Parses a Hadolint JSON report.
pub fn parse(input: impl BufRead, path: &Path) -> Result<LintReport, ParseError> {
    let messages: Vec<Message> = crate::json::read(input, path)?;
    let mut report = LintReport::default();
    for m in messages {
        let class = match m.level.as_str() {
            "error" => "error",
            "warning" => "warning",
            "style" => "convention",
            _ => "info",
        };
        report.push(LintMessage {
            class: class.to_owned(),
            code: m.code,
            file: m.file.replace('\\', "/"),
            line: m.line,
            message: crate::model::clip(&m.message, 300),
        });
    }
    Ok(report)
}
