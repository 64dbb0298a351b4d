//! `notify`: pipeline, deploy, release and quality-gate messages to Slack, Microsoft Teams,
//! Discord, Google Chat, generic webhooks, email, MQTT and GitHub issues, from one config.
//!
//! The flow of a run: load `[notify]` and the channels ([`channel`]); build the message
//! context from the GitHub run and the other tools' reports ([`event`], [`reports`]); pick
//! the channels (`--to`, else all configured) and apply their filters ([`routing`]); render
//! every message from MiniJinja templates ([`render`]); then send them all at once, each
//! with its deadline and retries ([`deliver`], [`http`]). Secrets are masked and redacted
//! from everything printed ([`redact`]).
#![deny(missing_docs)]

pub mod channel;
pub mod cli;
pub mod config;
pub mod deliver;
pub mod event;
pub mod http;
pub mod redact;
pub mod render;
pub mod reports;
pub mod routing;
pub mod secret;
pub mod state;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;
use slipway_kit::workflow::{Level, Location};
use slipway_kit::{Exit, Failure, GithubContext, Ui};

use crate::channel::Channel;
use crate::cli::{Cli, Command};
use crate::config::NotifyConfig;
use crate::deliver::{ChannelResult, Job, Limits, Outcome};
use crate::event::{Context, EventKind, Inputs, Status};
use crate::http::RetryPolicy;
use crate::redact::Redactor;
use crate::render::Renderer;
use crate::reports::Reports;

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

/// Runs the command; the result maps to the exit code (DESIGN.md §2).
pub fn run(cli: &Cli, ui: &Ui) -> anyhow::Result<Exit> {
    let root = Path::new(".");
    let file =
        slipway_config::ConfigFile::discover(cli.config.as_deref(), root).map_err(Failure::from)?;
    let config: NotifyConfig = file.section("notify").map_err(Failure::from)?;
    let (event, status, to, test) = match &cli.command {
        Some(Command::Test { to }) => (EventKind::Pipeline, Status::Success, to.clone(), true),
        None => (
            cli.event,
            cli.status
                .ok_or_else(|| Failure::bad_input("--status is required"))?,
            cli.to.clone(),
            false,
        ),
    };
    let mut fields = Vec::new();
    for f in &cli.fields {
        fields.push(
            event::parse_field(f).ok_or_else(|| {
                Failure::bad_input(format!("--field {f:?}: expected LABEL=VALUE"))
            })?,
        );
    }
    let github = GithubContext::from_env();
    let reports = Reports::read(&cli.reports, ui)?;
    let started_at = match &cli.started_at {
        Some(text) => Some(
            time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
                .map_err(|e| {
                    Failure::bad_input(format!("--started-at {text:?}: {e}"))
                        .help("give an RFC 3339 time like 2026-01-02T03:04:05Z")
                })?,
        ),
        None if !test && event == EventKind::Pipeline => run_started_at(&github),
        None => None,
    };
    let inputs = Inputs {
        message: if test {
            cli.message
                .clone()
                .or_else(|| Some("This is a test message.".to_owned()))
        } else {
            cli.message.clone()
        },
        fields,
        environment: cli.environment.clone(),
        test,
        started_at,
    };
    let ctx = Context::build(event, status, &github, &reports, &inputs);

    let redactor = Redactor::default();
    let configured = channel::from_config(&config, ui, &redactor)?;
    let mut selected: Vec<Channel> = Vec::new();
    if to.is_empty() {
        selected.extend(configured.values().filter(|c| c.enabled).cloned());
    } else {
        for (i, target) in to.iter().enumerate() {
            if target.contains("://") {
                selected.push(channel::from_url(target, i + 1, ui, &redactor)?);
            } else if let Some(c) = configured.get(target) {
                selected.push(c.clone());
            } else {
                let known: Vec<&str> = configured.keys().map(String::as_str).collect();
                return Err(Failure::bad_input(format!(
                    "--to {target}: no channel of that name in [notify.channels]"
                ))
                .help(if known.is_empty() {
                    "configure it in slipway.toml, or pass a channel URL (slack://…, https://…)"
                        .to_owned()
                } else {
                    format!("configured channels: {}", known.join(", "))
                })
                .into());
            }
        }
    }
    if selected.is_empty() {
        ui.notice("no notification channels configured: add [notify.channels.NAME] to slipway.toml or pass --to URL");
        let doc = NotifyDoc {
            schema: SCHEMA,
            event,
            status,
            title: String::new(),
            dry_run: cli.dry_run,
            delivered: 0,
            failed: 0,
            channels: Vec::new(),
        };
        cli.output.emit(ui, &doc)?;
        return Ok(Exit::Success);
    }

    let templates = config.templates.clone().or_else(|| {
        let default = PathBuf::from(".github/notify");
        default.is_dir().then_some(default)
    });
    if let Some(dir) = &templates {
        if !dir.is_dir() {
            return Err(Failure::bad_input(format!(
                "[notify] templates: {} is not a directory",
                dir.display()
            ))
            .into());
        }
    }
    let mut renderer = Renderer::with_overrides(templates.as_deref())?;
    for c in &selected {
        if let Some(path) = &c.template {
            renderer.add_file(&format!("@{}", c.name), path)?;
        }
    }
    let rendered = renderer.prepare(&ctx)?;

    // Route, render and check secrets before anything is sent.
    let mut results: Vec<ChannelResult> = Vec::new();
    let mut jobs: Vec<Job> = Vec::new();
    let mut previews = Vec::new();
    for c in &selected {
        if !test {
            if let Err(skip) = c.filters.check(&ctx) {
                let mut r = ChannelResult::new(c, Outcome::Skipped);
                r.detail = Some(skip.0);
                results.push(r);
                continue;
            }
        }
        let (prepared, preview) = deliver::prepare(c, &renderer, &rendered)?;
        let missing = c.missing_secrets();
        if !missing.is_empty() {
            let vars = missing.join(", ");
            if cli.dry_run {
                ui.warn(&format!(
                    "channel {}: {vars} not set; a real run would stop here",
                    c.name
                ));
            } else {
                return Err(Failure::bad_input(format!(
                    "channel {}: environment variable {vars} is not set or empty",
                    c.name
                ))
                .help(format!(
                    "export {} (in a workflow: `env: {}: ${{{{ secrets.{} }}}}`)",
                    missing[0], missing[0], missing[0]
                ))
                .into());
            }
        }
        previews.push((c.clone(), preview));
        jobs.push(Job {
            channel: c.clone(),
            prepared,
        });
    }

    if cli.dry_run {
        for (c, preview) in previews {
            let mut r = ChannelResult::new(&c, Outcome::DryRun);
            r.payload = Some(preview);
            results.push(r);
        }
        return finish(cli, ui, &redactor, event, status, &rendered.title, results);
    }

    let limits = Limits {
        timeout: config
            .timeout
            .map_or(Duration::from_secs(30), slipway_config::Duration::as_std),
        policy: RetryPolicy {
            attempts: config.attempts.unwrap_or(3).max(1),
            attempt_timeout: config
                .attempt_timeout
                .map_or(Duration::from_secs(10), slipway_config::Duration::as_std),
            backoff: config
                .backoff
                .map_or(Duration::from_millis(500), slipway_config::Duration::as_std),
            max_retry_after: Duration::from_secs(60),
        },
    };
    let state_path = state::path(cli.state.as_deref(), config.state_file.as_deref());
    let state = Arc::new(Mutex::new(state::State::load(state_path.as_deref())));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| anyhow::anyhow!("cannot start the async runtime: {e}"))?;
    let sent = runtime.block_on(deliver::send_all(jobs, limits, &github, Arc::clone(&state)));
    runtime.shutdown_timeout(Duration::from_millis(100));
    results.extend(sent);
    if let Some(path) = &state_path {
        let state = state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Err(e) = state.save(path) {
            ui.warn(&format!("cannot write state file {}: {e}", path.display()));
        }
    }
    finish(cli, ui, &redactor, event, status, &rendered.title, results)
}

/// When this workflow run started, from the GitHub API (`run_started_at`); `None` without
/// a token or an answer within 3 seconds. Only for the duration in the message.
fn run_started_at(github: &GithubContext) -> Option<time::OffsetDateTime> {
    let (owner, repo) = github.owner_repo()?;
    let run_id = github.run_id.as_deref()?;
    let token = std::env::var("GITHUB_TOKEN")
        .ok()
        .filter(|t| !t.is_empty())?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .ok()?;
    let path = format!("/repos/{owner}/{repo}/actions/runs/{run_id}");
    let answer = runtime.block_on(async {
        let client = slipway_github::Client::new(&github.api_url, &token).ok()?;
        tokio::time::timeout(Duration::from_secs(3), client.get(&path))
            .await
            .ok()?
            .ok()
    })?;
    let text = answer.get("run_started_at")?.as_str()?;
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()
}

fn finish(
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
