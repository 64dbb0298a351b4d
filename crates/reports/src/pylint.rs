//! pylint output: `--output-format=json2` (messages and the score), the older `json`
//! (messages only: no score, since pylint does not write it there), or the default text
//! with its `Your code has been rated at 7.50/10` line.

use std::io::BufRead;
use std::path::Path;

use serde::Deserialize;

use crate::error::ParseError;
use crate::model::{LintMessage, LintReport};

#[derive(Deserialize)]
#[serde(untagged)]
enum Doc {
    Json2 {
        messages: Vec<Message>,
        statistics: Option<Statistics>,
    },
    Json(Vec<Message>),
}

#[derive(Deserialize)]
struct Message {
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    path: String,
    line: Option<u32>,
    #[serde(default)]
    message: String,
    #[serde(rename = "message-id", alias = "messageId", default)]
    message_id: String,
    #[serde(default)]
    symbol: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Statistics {
    score: Option<f64>,
}

/// Parses pylint output, JSON or text.
pub fn parse(mut input: impl BufRead, path: &Path) -> Result<LintReport, ParseError> {
    let head = input
        .fill_buf()
        .map_err(|e| ParseError::whole(path, format!("cannot read: {e}")))?;
    let first = head.iter().find(|b| !b.is_ascii_whitespace()).copied();
    if matches!(first, Some(b'[' | b'{')) {
        return parse_json(input, path);
    }
    parse_text(input, path)
}

fn parse_json(input: impl BufRead, path: &Path) -> Result<LintReport, ParseError> {
    let doc: Doc = crate::json::read(input, path)?;
    let mut report = LintReport::default();
    let messages = match doc {
        Doc::Json2 {
            messages,
            statistics,
        } => {
            report.score = statistics.and_then(|s| s.score);
            messages
        }
        Doc::Json(messages) => messages,
    };
    for m in messages {
        report.push(LintMessage {
            class: m.kind,
            code: if m.symbol.is_empty() {
                m.message_id
            } else {
                format!("{} ({})", m.message_id, m.symbol)
            },
            file: m.path,
            line: m.line,
            message: m.message,
        });
    }
    Ok(report)
}

fn parse_text(input: impl BufRead, path: &Path) -> Result<LintReport, ParseError> {
    let mut report = LintReport::default();
    for (i, line) in input.lines().enumerate() {
        let line = line
            .map_err(|e| ParseError::at_line(path, i as u64 + 1, 1, format!("cannot read: {e}")))?;
        if let Some(rest) = line.split("rated at ").nth(1) {
            let score = rest.split('/').next().unwrap_or_default().trim();
            report.score = Some(score.parse().map_err(|_| {
                ParseError::at_line(
                    path,
                    i as u64 + 1,
                    1,
                    format!("unreadable pylint score {score:?}"),
                )
            })?);
            continue;
        }
        // path:line:col: C0114: message (symbol)
        let mut parts = line.splitn(4, ':');
        let (Some(file), Some(l), Some(_col), Some(rest)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let Ok(l) = l.trim().parse::<u32>() else {
            continue;
        };
        let rest = rest.trim();
        let Some((code, message)) = rest.split_once(": ") else {
            continue;
        };
        let class = match code.chars().next() {
            Some('E') => "error",
            Some('F') => "fatal",
            Some('W') => "warning",
            Some('R') => "refactor",
            Some('C') => "convention",
            Some('I') => "info",
            _ => continue,
        };
        report.push(LintMessage {
            class: class.to_owned(),
            code: code.to_owned(),
            file: file.to_owned(),
            line: Some(l),
            message: message.to_owned(),
        });
    }
    if report.score.is_none() && report.total() == 0 {
        return Err(ParseError::whole(
            path,
            "no pylint messages or score line found",
        ));
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json2_score_and_text_score_are_read() {
        let j = r#"{"messages":[{"type":"convention","module":"m","obj":"","line":1,"column":0,"path":"m.py","symbol":"missing-module-docstring","message":"Missing module docstring","messageId":"C0114"}],"statistics":{"messageTypeCount":{"convention":1},"modulesLinted":1,"score":7.5}}"#;
        let r = parse(j.as_bytes(), Path::new("pylint.json")).unwrap();
        assert_eq!(r.score, Some(7.5));
        assert_eq!(r.counts["convention"], 1);
        let t = "************* Module m\nm.py:1:0: C0114: Missing module docstring (missing-module-docstring)\n\n------\nYour code has been rated at 6.67/10 (previous run: 6.67/10, +0.00)\n";
        let r = parse(t.as_bytes(), Path::new("pylint.txt")).unwrap();
        assert_eq!(r.score, Some(6.67));
        assert_eq!(r.total(), 1);
    }
}
