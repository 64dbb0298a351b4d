//! `rollback --environment NAME [--version V]`: the rollback itself, after confirmation.

use std::io::{BufRead as _, IsTerminal as _};

use slipway_deploy_engine::cancel::Cancel;
use slipway_deploy_engine::deploy::Parts;
use slipway_deploy_engine::rollback::{self, Request};
use slipway_deploy_engine::{DeploySection, Environment, RollbackSection, Run, summary};
use slipway_kit::{Exit, Failure, Ui};

use super::Cli;

pub(crate) fn rollback(
    cli: &Cli,
    ui: &Ui,
    env: &Environment,
    deploy: &DeploySection,
    config: &RollbackSection,
) -> anyhow::Result<Exit> {
    let interactive = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    if !cli.auto_approve && !cli.dry_run && !interactive {
        return Err(Failure::bad_input(
            "rollback needs confirmation and there is no terminal to ask on",
        )
        .help("pass --auto-approve (a workflow's approval is the confirmation)")
        .into());
    }
    let parts = Parts::new(env)?;
    // Plain Ctrl-C ends the process while it only reads and asks; signal handling that
    // restores routing starts with the rollback itself.
    let planning = Run::new(ui.clone(), Cancel::new(), true);
    let request = Request {
        version: cli.version.clone(),
        force: cli.force,
        emergency: cli.emergency,
        reason: cli.reason.clone(),
        lock_wait: cli
            .lock_wait
            .or(config.lock_wait)
            .or(deploy.lock_wait)
            .map(slipway_config::Duration::as_std)
            .unwrap_or_default(),
        fast_path: config.fast_path,
    };
    let plan = rollback::plan(&planning, &parts, &request)?;
    let line = plan.describe(&env.name, cli.emergency);
    if plan.from.as_ref().is_some_and(|a| a.version == plan.to) {
        return Err(
            Failure::bad_input(format!("{} already serves {}", env.name, plan.to))
                .help("see --list-versions for the versions to go back to")
                .into(),
        );
    }
    if !cli.auto_approve && !cli.dry_run {
        ui.warn(rollback::NOT_REVERTED);
        ui.info(&format!("{line}. Proceed? [y/N]"));
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer).ok();
        if !matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes") {
            ui.info("not rolled back");
            return Ok(Exit::No);
        }
    } else {
        ui.info(&line);
    }
    let cancel = Cancel::on_signals()
        .map_err(|e| Failure::no(format!("cannot install signal handlers: {e}")))?;
    let run = Run::new(ui.clone(), cancel, cli.dry_run);
    let outcome = rollback::rollback(&run, &parts, &request, &plan);
    let doc = &outcome.document;
    let printed = cli.output.emit(ui, doc)?;
    ui.set_output("status", &doc.status);
    ui.set_output("from", doc.from.as_deref().unwrap_or(""));
    ui.set_output("to", doc.to.as_deref().unwrap_or(""));
    if let Some(path) = &cli.output.output {
        ui.set_output("report", &path.display().to_string());
    }
    ui.summary(&format!(
        "### Rollback of {}: {}\n\n{} → {} ({})\n\n> {}\n\n{}",
        doc.environment,
        doc.status,
        doc.from.as_deref().unwrap_or("nothing"),
        doc.to.as_deref().unwrap_or("-"),
        doc.method.as_deref().unwrap_or("-"),
        rollback::NOT_REVERTED,
        summary::steps_table(&doc.steps)
    ));
    if outcome.exit == Exit::Success {
        if !printed {
            let verb = if doc.dry_run {
                "would roll back"
            } else {
                "rolled back"
            };
            ui.result(&format!(
                "{verb} {} from {} to {} ({}, {} ms)",
                doc.environment,
                doc.from.as_deref().unwrap_or("nothing"),
                doc.to.as_deref().unwrap_or("-"),
                doc.method.as_deref().unwrap_or("-"),
                doc.duration_ms
            ));
        }
        return Ok(Exit::Success);
    }
    let subject = format!(
        "rollback of {} to {}",
        doc.environment,
        doc.to.as_deref().unwrap_or("-")
    );
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
