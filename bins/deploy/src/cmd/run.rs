//! `deploy --environment NAME --version V`: the deploy itself.

use slipway_config::ConfigFile;
use slipway_deploy_engine::cancel::Cancel;
use slipway_deploy_engine::config::{StrategyKind, check_version};
use slipway_deploy_engine::deploy::{self, Parts, Request};
use slipway_deploy_engine::{DeploySection, Run, summary};
use slipway_kit::{Exit, Failure, Ui};

use super::Cli;

pub(crate) fn deploy(
    cli: &Cli,
    ui: &Ui,
    config: &ConfigFile,
    section: &DeploySection,
) -> anyhow::Result<Exit> {
    let mut env = super::environment(cli, config, section)?;
    if let Some(window) = cli.validation_window {
        env.validation_window = window.as_std();
    }
    if let Some(step) = cli.pause_at {
        env.canary.pause_at = Some(step);
        env.canary.check_pause("--pause-at")?;
    }
    let version = cli.version.as_deref().ok_or_else(|| {
        Failure::bad_input("--version is required")
            .help("e.g. deploy --environment staging --version v1.2.3")
    })?;
    check_version(version)?;
    let strategy = cli
        .strategy
        .as_deref()
        .map(StrategyKind::parse)
        .transpose()?;
    for unused in env.unused_by(strategy.unwrap_or(env.strategy)) {
        ui.warn(&format!("{unused}: ignored in this run (--strategy)"));
    }
    let cancel = Cancel::on_signals()
        .map_err(|e| Failure::no(format!("cannot install signal handlers: {e}")))?;
    let parts = Parts::new(&env)?;
    let run = Run::new(ui.clone(), cancel, cli.dry_run);
    let request = Request {
        version: version.to_owned(),
        strategy,
        lock_wait: cli
            .lock_wait
            .or(section.lock_wait)
            .map(slipway_config::Duration::as_std)
            .unwrap_or_default(),
        breaking: slipway_deploy_engine::lock::Breaking {
            stale: cli.force,
            freeze: cli.break_freeze,
        },
    };
    if cli.dry_run {
        ui.info(&format!(
            "dry run: deploying {version} to {} with {} — nothing will be changed",
            env.name,
            strategy.unwrap_or(env.strategy).as_str()
        ));
    }
    let outcome = deploy::deploy(&run, &parts, &request);
    let doc = &outcome.document;
    let printed = cli.output.emit(ui, doc)?;
    ui.set_output("status", &doc.status);
    ui.set_output("version", &doc.version);
    ui.set_output("previous", doc.previous.as_deref().unwrap_or(""));
    ui.set_output("slot", doc.slot.as_deref().unwrap_or(""));
    ui.set_output("url", doc.url.as_deref().unwrap_or(""));
    if let Some(path) = &cli.output.output {
        ui.set_output("report", &path.display().to_string());
    }
    ui.summary(&format!(
        "### Deploy {} to {}: {}\n\n{} → {} ({}, slot {})\n\n{}",
        doc.version,
        doc.environment,
        doc.status,
        doc.previous.as_deref().unwrap_or("nothing"),
        doc.version,
        doc.strategy,
        doc.slot.as_deref().unwrap_or("-"),
        summary::steps_table(&doc.steps)
    ));
    if let Some(state) = &doc.state {
        ui.warn(&format!("state now: {state}"));
    }
    if outcome.exit == Exit::Success {
        if !printed {
            let verb = if doc.dry_run {
                "would deploy"
            } else {
                "deployed"
            };
            ui.result(&format!(
                "{verb} {} to {} (slot {}, {} ms)",
                doc.version,
                doc.environment,
                doc.slot.as_deref().unwrap_or("-"),
                doc.duration_ms
            ));
        }
        return Ok(Exit::Success);
    }
    let subject = format!("deploy of {} to {}", doc.version, doc.environment);
    let failure = summary::failure(
        &subject,
        &doc.status,
        doc.error.as_deref(),
        doc.state.as_deref(),
        outcome.exit,
        outcome.help,
    );
    Err(failure.into())
}
