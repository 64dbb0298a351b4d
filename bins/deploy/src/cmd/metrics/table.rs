//! The terminal form: one block per environment, a line per key with its DORA level.

use std::fmt::Write as _;

use slipway_deploy_engine::metrics::Document;

use super::{level, percent, span, window_text};

/// Renders the document for a terminal.
pub(crate) fn render(doc: &Document) -> String {
    let mut out = format!("Deployment metrics, {}\n", window_text(doc));
    for e in &doc.environments {
        let f = &e.figures;
        let _ = writeln!(out, "\n{}", e.environment);
        let rows = [
            (
                "deployments",
                format!(
                    "{} ({:.2} a day, {:.1} deployment days a week)",
                    f.deployments, f.deployment_frequency_per_day, f.deployment_days_per_week
                ),
                level(f.levels.deployment_frequency),
            ),
            (
                "change failure rate",
                format!(
                    "{} ({} failed)",
                    percent(f.change_failure_rate),
                    f.failed_deployments
                ),
                level(f.levels.change_failure_rate),
            ),
            (
                "time to restore",
                format!(
                    "median {}, p90 {}",
                    span(f.time_to_restore_seconds.median),
                    span(f.time_to_restore_seconds.p90)
                ),
                level(f.levels.time_to_restore),
            ),
            (
                "lead time",
                format!(
                    "median {}, p90 {}",
                    span(f.lead_time_seconds.median),
                    span(f.lead_time_seconds.p90)
                ),
                level(f.levels.lead_time),
            ),
            (
                "success rate",
                format!(
                    "{} of {} deploy runs",
                    percent(f.success_rate),
                    f.deploy_runs
                ),
                "",
            ),
            ("rollback rate", percent(f.rollback_rate), ""),
        ];
        for (name, value, lvl) in rows {
            let _ = writeln!(out, "  {name:<20} {value:<48} {lvl}");
        }
    }
    out.trim_end().to_owned()
}
