//! What a run reports: the `slipway.notify/v1` document, one line per channel on stdout,
//! a warning annotation per failed channel, the step outputs and the step summary. Every
//! free-text field is redacted before anything is printed.

use std::fmt::Write as _;

use serde::Serialize;
use slipway_kit::workflow::{Level, Location};
use slipway_kit::{Exit, Failure, Ui};

use crate::cli::Cli;
use crate::deliver::{ChannelResult, Outcome};
use crate::event::{EventKind, Status};
use crate::redact::Redactor;

/// The schema of notify's own JSON document.
pub const SCHEMA: &str = "slipway.notify/v1";

/// `--json` / `--output`: what was sent where.
#[derive(Debug, Clone, Serialize)]
pub struct NotifyDoc {
    /// Always [`SCHEMA`].
    pub schema: &'static str,
    /// The event.
    pub event: EventKind,
    /// The status.
    pub status: Status,
    /// The rendered title.
    pub title: String,
    /// True for `--dry-run`.
    pub dry_run: bool,
    /// Channels delivered.
    pub delivered: usize,
    /// Channels failed.
    pub failed: usize,
    /// Every channel considered.
    pub channels: Vec<ChannelResult>,
}

/// Redacts, prints and records the results; the exit code honours `--fail-on-error`.
pub fn finish(
    cli: &Cli,
    ui: &Ui,
    redactor: &Redactor,
    event: EventKind,
    status: Status,
    title: &str,
    mut results: Vec<ChannelResult>,
) -> anyhow::Result<Exit> {
    // Nothing printed below may carry a secret: redact every free-text field.
    for r in &mut results {
        r.destination = redactor.redact(&r.destination);
        r.detail = r.detail.as_deref().map(|d| redactor.redact(d));
        r.error = r.error.as_deref().map(|e| redactor.redact(e));
        if let Some(p) = &r.payload {
            let text = redactor.redact(&p.to_string());
            r.payload = serde_json::from_str(&text)
                .ok()
                .or(Some(serde_json::Value::Null));
        }
    }
    let delivered = results
        .iter()
        .filter(|r| r.outcome == Outcome::Delivered)
        .count();
    let failed: Vec<&ChannelResult> = results
        .iter()
        .filter(|r| r.outcome == Outcome::Failed)
        .collect();
    let failed_count = failed.len();
    for r in &failed {
        ui.annotate(
            Level::Warning,
            &format!(
                "channel {} ({}) failed: {}",
                r.name,
                r.kind.as_str(),
                r.error.as_deref().unwrap_or("unknown error")
            ),
            &Location::default().titled("notify"),
        );
    }
    let doc = NotifyDoc {
        schema: SCHEMA,
        event,
        status,
        title: title.to_owned(),
        dry_run: cli.dry_run,
        delivered,
        failed: failed_count,
        channels: results,
    };
    let printed = cli.output.emit(ui, &doc)?;
    if !printed {
        for r in &doc.channels {
            print_result(ui, r);
        }
    }
    let names = |outcome: Outcome| {
        doc.channels
            .iter()
            .filter(|r| r.outcome == outcome)
            .map(|r| r.name.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    };
    if !cli.dry_run {
        ui.summary(&summary_markdown(&doc));
        ui.set_output("delivered", &names(Outcome::Delivered));
        ui.set_output("failed", &names(Outcome::Failed));
        for r in &doc.channels {
            for (k, v) in &r.outputs {
                ui.set_output(k, v);
            }
        }
    }
    if failed_count > 0 && cli.fail_on_error {
        return Err(Failure::no(format!(
            "{failed_count} of {} channel(s) failed",
            delivered + failed_count
        ))
        .help("see the warnings above; without --fail-on-error a failed delivery does not fail the step")
        .into());
    }
    Ok(Exit::Success)
}

/// The step summary: one table row per channel.
fn summary_markdown(doc: &NotifyDoc) -> String {
    let cell = |text: &str| text.replace('|', "\\|").replace('\n', " ");
    let mut md = format!(
        "### Notifications: {}\n\n| channel | type | outcome | detail |\n| --- | --- | --- | --- |\n",
        cell(&doc.title)
    );
    for r in &doc.channels {
        let (mark, outcome) = match r.outcome {
            Outcome::Delivered => ("✅", "delivered"),
            Outcome::Failed => ("❌", "failed"),
            Outcome::Skipped => ("⏭️", "skipped"),
            Outcome::DryRun => ("📝", "dry run"),
        };
        let detail = r.error.as_deref().or(r.detail.as_deref()).unwrap_or("");
        let _ = writeln!(
            md,
            "| {} | {} | {mark} {outcome} | {} |",
            cell(&r.name),
            r.kind.as_str(),
            cell(detail)
        );
    }
    md
}

fn print_result(ui: &Ui, r: &ChannelResult) {
    let took = slipway_kit::ui::format_ms(u128::from(r.duration_ms));
    match r.outcome {
        Outcome::Delivered => {
            let attempts = if r.attempts > 1 {
                format!(", {} attempts", r.attempts)
            } else {
                String::new()
            };
            ui.result(&format!(
                "delivered  {} ({}) to {} in {took}{attempts}{}",
                r.name,
                r.kind.as_str(),
                r.destination,
                r.detail
                    .as_deref()
                    .map(|d| format!(": {d}"))
                    .unwrap_or_default()
            ));
        }
        Outcome::Failed => ui.result(&format!(
            "failed     {} ({}) to {} after {took}: {}",
            r.name,
            r.kind.as_str(),
            r.destination,
            r.error.as_deref().unwrap_or_default()
        )),
        Outcome::Skipped => ui.result(&format!(
            "skipped    {} ({}): {}",
            r.name,
            r.kind.as_str(),
            r.detail.as_deref().unwrap_or_default()
        )),
        Outcome::DryRun => {
            ui.result(&format!(
                "── {} ({}) → {} ──",
                r.name,
                r.kind.as_str(),
                r.destination
            ));
            if let Some(p) = &r.payload {
                ui.result(&serde_json::to_string_pretty(p).unwrap_or_default());
            }
        }
    }
}
