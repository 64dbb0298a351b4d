//! How a finished run is reported: the step summary's table of steps with their timings,
//! and the one-line error a failed deploy or rollback ends with.

use std::fmt::Write as _;

use slipway_kit::{Exit, Failure};

use crate::run::StepRecord;

/// The error a failed deploy or rollback ends with: `SUBJECT STATUS: ERROR — state: STATE`,
/// with the run's exit code and help.
pub fn failure(
    subject: &str,
    status: &str,
    error: Option<&str>,
    state: Option<&str>,
    exit: Exit,
    help: Option<String>,
) -> Failure {
    let mut cause = format!("{subject} {status}: {}", error.unwrap_or("unknown error"));
    if let Some(state) = state {
        let _ = write!(cause, " — state: {state}");
    }
    Failure { exit, cause, help }
}

/// `| step | status | time |` rows, with failures' details.
pub fn steps_table(steps: &[StepRecord]) -> String {
    let mut out = String::from("| step | status | time |\n| --- | --- | --- |\n");
    for s in steps {
        let mark = match s.status {
            "ok" => "✅ ok",
            "planned" => "📝 planned",
            "cancelled" => "⏹️ cancelled",
            _ => "❌ failed",
        };
        let _ = writeln!(
            out,
            "| {} | {mark} | {} |",
            escape(&s.name),
            slipway_kit::ui::format_ms(u128::from(s.duration_ms))
        );
    }
    let failures: Vec<&StepRecord> = steps.iter().filter(|s| s.detail.is_some()).collect();
    for s in failures {
        let _ = write!(
            out,
            "\n**{}**: {}\n",
            escape(&s.name),
            escape(s.detail.as_deref().unwrap_or_default())
        );
        if let Some(o) = &s.output {
            let _ = write!(out, "\n```text\n{}\n```\n", o.replace("```", "'''"));
        }
    }
    out.push_str(&crate::analysis::summary_table(steps));
    out
}

fn escape(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_steps_get_their_detail_and_output() {
        let steps = vec![
            StepRecord {
                name: "start v2 in green on local".into(),
                status: "ok",
                duration_ms: 120,
                detail: None,
                output: None,
            },
            StepRecord {
                name: "smoke tests".into(),
                status: "failed",
                duration_ms: 2400,
                detail: Some("smoke test `curl` exited with 22".into()),
                output: Some("$ curl\nHTTP 500".into()),
            },
        ];
        let md = steps_table(&steps);
        assert!(
            md.contains("| start v2 in green on local | ✅ ok | 120ms |"),
            "{md}"
        );
        assert!(md.contains("| smoke tests | ❌ failed | 2.4s |"), "{md}");
        assert!(md.contains("```text\n$ curl\nHTTP 500\n```"), "{md}");
    }
}
