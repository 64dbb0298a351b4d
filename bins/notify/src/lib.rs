//! `notify`: pipeline, deploy, release, quality-gate and weekly summary messages to Slack, Microsoft Teams,
//! Discord, Google Chat, generic webhooks, email, MQTT and GitHub issues, from one config.
//!
//! The flow of a run: load `[notify]` and the channels ([`channel`]); build the message
//! context from the GitHub run and the other tools' reports ([`event`], [`reports`]); pick
//! the channels (`--to`, else all configured) and apply their filters ([`routing`]); render
//! every message from MiniJinja templates ([`render`]); then send them all at once, each
//! with its deadline and retries ([`deliver`], [`http`]). Secrets are masked and redacted
//! from everything printed ([`redact`]); the results become the JSON document, stdout
//! lines, annotations and step outputs ([`report`]).
#![deny(missing_docs)]

pub mod channel;
pub mod cli;
pub mod config;
pub mod deliver;
pub mod event;
pub mod http;
pub mod metrics;
pub mod redact;
pub mod render;
pub mod report;
pub mod reports;
pub mod routing;
pub mod secret;
pub mod started;
pub mod state;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

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
    if event == EventKind::Summary && reports.metrics.is_none() {
        return Err(Failure::bad_input("--event summary needs the metrics document")
            .help("run `deploy metrics --since 7d --output metrics.json`, then pass --report metrics.json")
            .into());
    }
    let started_at = match &cli.started_at {
        Some(text) => Some(
            time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
                .map_err(|e| {
                    Failure::bad_input(format!("--started-at {text:?}: {e}"))
                        .help("give an RFC 3339 time like 2026-01-02T03:04:05Z")
                })?,
        ),
        None if !test && event == EventKind::Pipeline => started::run_started_at(&github),
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
                if !selected.iter().any(|s| s.name == c.name) {
                    selected.push(c.clone());
                }
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
        let doc = report::NotifyDoc {
            schema: report::SCHEMA,
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
        return report::finish(cli, ui, &redactor, event, status, &rendered.title, results);
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
    report::finish(cli, ui, &redactor, event, status, &rendered.title, results)
}
