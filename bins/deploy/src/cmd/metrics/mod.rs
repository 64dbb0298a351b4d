//! `deploy metrics`: DORA's four keys, success and rollback rates of each environment (or
//! the one named with `--environment`) over a window, from the ledgers, their
//! `history.jsonl` and, with `GITHUB_TOKEN`, GitHub Deployments older than both. Lead time
//! comes from the git repository in the current directory. Definitions: docs/metrics.md.

mod html;
mod prometheus;
mod summary;
mod table;

use std::path::{Path, PathBuf};

use clap::Args;
use slipway_config::ConfigFile;
use slipway_deploy_engine::cancel::Cancel;
use slipway_deploy_engine::deployments::Mirror;
use slipway_deploy_engine::metrics::{self, Document, History, Window, lead_time};
use slipway_deploy_engine::{DeploySection, Run};
use slipway_kit::{Exit, Failure, Ui};

use super::Cli;

/// `deploy metrics` flags.
#[derive(Debug, Clone, Args)]
pub(crate) struct MetricsArgs {
    /// Start of the window: a span back from --until (30d, 12w) or a date (2026-03-01).
    #[arg(long, value_name = "30d|DATE", default_value = "30d")]
    pub(crate) since: String,
    /// End of the window: a date (its whole day is in) or an RFC 3339 time; default now.
    #[arg(long, value_name = "DATE")]
    pub(crate) until: Option<String>,
    /// Write a self-contained HTML dashboard (inline SVG charts, no network) to FILE.
    #[arg(long, value_name = "FILE")]
    pub(crate) html: Option<PathBuf>,
    /// Write the figures in Prometheus text format (node_exporter's textfile collector).
    #[arg(long, value_name = "FILE")]
    pub(crate) prometheus: Option<PathBuf>,
}

pub(crate) fn metrics(
    cli: &Cli,
    args: &MetricsArgs,
    ui: &Ui,
    config: &ConfigFile,
    section: &DeploySection,
) -> anyhow::Result<Exit> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    let window = Window::parse(Some(&args.since), args.until.as_deref(), now).map_err(|e| {
        Failure::bad_input(e).help("e.g. --since 30d, or --since 2026-01-01 --until 2026-03-31")
    })?;
    let run = Run::new(ui.clone(), Cancel::new(), true);
    let mut environments = Vec::new();
    for selected in super::environments(cli, config, section)? {
        let (env, parts) = selected?;
        let mut entries = parts
            .ledger
            .load_all(&run)
            .map_err(|e| Failure::no(e.to_string()))?;
        if let Some(mirror) = Mirror::from_env(&env.name, env.url.as_deref(), ui) {
            let oldest = entries.first().map(|e| e.started_at.clone());
            let older = metrics::github::older_than(
                &mirror.runs_before(oldest.as_deref()),
                oldest.as_deref(),
            );
            if !older.is_empty() {
                ui.detail(&format!(
                    "{}: {} runs older than the ledger from GitHub Deployments",
                    env.name,
                    older.len()
                ));
            }
            entries.splice(0..0, older);
        }
        let history = with_lead_times(ui, &env.name, History::new(&entries), Path::new("."));
        environments.push(history.report(&env.name, window));
    }
    let doc = Document {
        schema: metrics::SCHEMA,
        window: window.into(),
        environments,
    };
    let printed = cli.output.emit(ui, &doc)?;
    if !printed {
        ui.result(&table::render(&doc));
    }
    ui.summary(&summary::render(&doc));
    if let Some(path) = &args.html {
        write(path, &html::render(&doc))?;
        ui.info(&format!("dashboard written to {}", path.display()));
    }
    if let Some(path) = &args.prometheus {
        write(path, &prometheus::render(&doc))?;
        ui.info(&format!("Prometheus figures written to {}", path.display()));
    }
    if let Some(path) = &cli.output.output {
        ui.set_output("report", &path.display().to_string());
    }
    Ok(Exit::Success)
}

fn with_lead_times(ui: &Ui, environment: &str, history: History, repo: &Path) -> History {
    match lead_time::Source::load(repo, &history.commits()) {
        lead_time::Source::NoRepository(why) => {
            ui.detail(&format!(
                "{environment}: no lead time: not in a git repository ({why})"
            ));
            history
        }
        lead_time::Source::Graph { graph, missing } => {
            if !missing.is_empty() {
                ui.warn(&format!(
                    "{environment}: {} deployed commits are not in this repository (fetch its full history: actions/checkout with fetch-depth: 0); their lead time is left out",
                    missing.len()
                ));
            }
            history.with_graph(&graph)
        }
    }
}

fn write(path: &Path, text: &str) -> Result<(), Failure> {
    slipway_kit::fs::write_atomic(path, text.as_bytes()).map_err(|e| {
        Failure::bad_input(format!("cannot write {}: {e}", path.display()))
            .help("check that the directory exists and is writable")
    })
}

/// `12.5 %` or `-`.
pub(crate) fn percent(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_owned(), |v| format!("{:.1} %", v * 100.0))
}

/// `1h03m` or `-`.
pub(crate) fn span(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_owned(), slipway_kit::ui::format_seconds)
}

/// The level's name or `-`.
pub(crate) fn level(l: Option<metrics::Level>) -> &'static str {
    l.map_or("-", metrics::Level::as_str)
}

/// The window as `2026-03-01 → 2026-03-31` (the last day inclusive when it ends at midnight).
pub(crate) fn window_text(doc: &Document) -> String {
    let since = &doc.window.since;
    let until = &doc.window.until;
    let last = metrics::window::parse_rfc3339(until).map_or_else(
        || until.clone(),
        |u| {
            if u % metrics::window::DAY == 0 {
                metrics::window::date(u - 1)
            } else {
                until.replace('T', " ").trim_end_matches('Z').to_owned()
            }
        },
    );
    let first = if since.ends_with("T00:00:00Z") {
        since[..10].to_owned()
    } else {
        since.replace('T', " ").trim_end_matches('Z').to_owned()
    };
    format!("{first} → {last}")
}
