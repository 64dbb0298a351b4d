//! The figures in Prometheus text exposition format, for node_exporter's textfile collector
//! (`--collector.textfile.directory`): gauges labelled by environment; a figure with nothing
//! to measure is left out rather than written as 0. Written atomically, as the collector
//! requires.

use std::fmt::Write as _;

use slipway_deploy_engine::metrics::{Document, Level, window};

/// Renders the text format.
pub(crate) fn render(doc: &Document) -> String {
    let mut out = String::new();
    let mut gauge = |name: &str, help: &str, samples: Vec<(String, Option<f64>)>| {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge");
        for (labels, value) in samples {
            if let Some(v) = value {
                let _ = writeln!(out, "{name}{{{labels}}} {v}");
            }
        }
    };
    let env = |e: &str| format!("environment=\"{}\"", escape(e));
    let each = |f: &dyn Fn(&slipway_deploy_engine::metrics::EnvironmentMetrics) -> Option<f64>| {
        doc.environments
            .iter()
            .map(|e| (env(&e.environment), f(e)))
            .collect::<Vec<_>>()
    };
    #[allow(clippy::cast_precision_loss)]
    let window_seconds = window::parse_rfc3339(&doc.window.until)
        .zip(window::parse_rfc3339(&doc.window.since))
        .map(|(u, s)| (u - s) as f64);
    gauge(
        "slipway_metrics_window_seconds",
        "Length of the window the figures cover.",
        each(&|_| window_seconds),
    );
    #[allow(clippy::cast_precision_loss)]
    {
        gauge(
            "slipway_deployments",
            "Deploy runs that succeeded in the window.",
            each(&|e| Some(e.figures.deployments as f64)),
        );
        gauge(
            "slipway_failed_deployments",
            "Deployments rolled away from, plus deploy runs that moved traffic and rolled back.",
            each(&|e| Some(e.figures.failed_deployments as f64)),
        );
        gauge(
            "slipway_deploy_runs",
            "Every finished deploy run in the window.",
            each(&|e| Some(e.figures.deploy_runs as f64)),
        );
    }
    gauge(
        "slipway_change_failure_ratio",
        "Failed deployments over deployments plus runs that moved traffic and failed (0..1).",
        each(&|e| e.figures.change_failure_rate),
    );
    let spread = |pick: fn(
        &slipway_deploy_engine::metrics::Figures,
    ) -> slipway_deploy_engine::metrics::Spread| {
        doc.environments
            .iter()
            .flat_map(|e| {
                let s = pick(&e.figures);
                [
                    (
                        format!("{},quantile=\"0.5\"", env(&e.environment)),
                        s.median,
                    ),
                    (format!("{},quantile=\"0.9\"", env(&e.environment)), s.p90),
                ]
            })
            .collect::<Vec<_>>()
    };
    gauge(
        "slipway_time_to_restore_seconds",
        "Time to restore service after a failed deployment.",
        spread(|f| f.time_to_restore_seconds),
    );
    gauge(
        "slipway_lead_time_seconds",
        "Lead time for changes: deploy end minus commit time.",
        spread(|f| f.lead_time_seconds),
    );
    gauge(
        "slipway_deployment_frequency_per_day",
        "Deployments per day.",
        each(&|e| Some(e.figures.deployment_frequency_per_day)),
    );
    gauge(
        "slipway_deployment_days_per_week",
        "Days (UTC) with a deployment, per week.",
        each(&|e| Some(e.figures.deployment_days_per_week)),
    );
    gauge(
        "slipway_success_ratio",
        "Deployments over deploy runs (0..1).",
        each(&|e| e.figures.success_rate),
    );
    gauge(
        "slipway_rollback_ratio",
        "Deploy runs that ended with the previous version serving, over deploy runs (0..1).",
        each(&|e| e.figures.rollback_rate),
    );
    let mut levels = Vec::new();
    for e in &doc.environments {
        let l = &e.figures.levels;
        for (key, value) in [
            ("deployment_frequency", l.deployment_frequency),
            ("lead_time", l.lead_time),
            ("change_failure_rate", l.change_failure_rate),
            ("time_to_restore", l.time_to_restore),
        ] {
            if let Some(value) = value {
                for candidate in [Level::Elite, Level::High, Level::Medium, Level::Low] {
                    levels.push((
                        format!(
                            "{},key=\"{key}\",level=\"{}\"",
                            env(&e.environment),
                            candidate.as_str()
                        ),
                        Some(if candidate == value { 1.0 } else { 0.0 }),
                    ));
                }
            }
        }
    }
    gauge(
        "slipway_dora_level",
        "DORA 2023 level of each key: 1 for the level reached, 0 for the others.",
        levels,
    );
    out
}

fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}
