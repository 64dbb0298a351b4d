//! The GitHub step summary: a table of the figures and, per environment, a Mermaid chart
//! (GitHub renders Mermaid in Markdown) of deployments and failed deployments per week.

use std::fmt::Write as _;

use slipway_deploy_engine::metrics::Document;

use super::{level, percent, span, window_text};

/// Renders the step summary.
pub(crate) fn render(doc: &Document) -> String {
    let mut out = format!("### Deployment metrics, {}\n\n", window_text(doc));
    out.push_str("| environment | deployments | change failure rate | time to restore (median / p90) | lead time (median / p90) | frequency | success rate | rollback rate |\n");
    out.push_str("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    for e in &doc.environments {
        let f = &e.figures;
        let _ = writeln!(
            out,
            "| {} | {} ({} failed) | {} · {} | {} / {} · {} | {} / {} · {} | {:.2}/day, {:.1} days/week · {} | {} | {} |",
            e.environment.replace('|', "\\|"),
            f.deployments,
            f.failed_deployments,
            percent(f.change_failure_rate),
            level(f.levels.change_failure_rate),
            span(f.time_to_restore_seconds.median),
            span(f.time_to_restore_seconds.p90),
            level(f.levels.time_to_restore),
            span(f.lead_time_seconds.median),
            span(f.lead_time_seconds.p90),
            level(f.levels.lead_time),
            f.deployment_frequency_per_day,
            f.deployment_days_per_week,
            level(f.levels.deployment_frequency),
            percent(f.success_rate),
            percent(f.rollback_rate),
        );
    }
    for e in &doc.environments {
        if e.weeks.is_empty() {
            continue;
        }
        let labels: Vec<String> = e
            .weeks
            .iter()
            .map(|w| format!("\"{}\"", &w.week[5..]))
            .collect();
        let deploys: Vec<String> = e.weeks.iter().map(|w| w.deployments.to_string()).collect();
        let failed: Vec<String> = e
            .weeks
            .iter()
            .map(|w| w.failed_deployments.to_string())
            .collect();
        let top = e
            .weeks
            .iter()
            .map(|w| w.deployments.max(w.failed_deployments))
            .max()
            .unwrap_or(0)
            .max(1);
        let _ = write!(
            out,
            "\n```mermaid\nxychart-beta\n    title \"{}: deployments (bars) and failed deployments (line) per week\"\n    x-axis [{}]\n    y-axis \"count\" 0 --> {top}\n    bar [{}]\n    line [{}]\n```\n",
            e.environment.replace('"', "'"),
            labels.join(", "),
            deploys.join(", "),
            failed.join(", "),
        );
    }
    out
}
