//! `rollback --environment production [--version V]`: the rollback itself: lock, plan
//! under the lock, confirmation, run.

use std::io::{BufRead as _, IsTerminal as _};
use std::time::{Duration, Instant};

use slipway_deploy_engine::cancel::Cancel;
use slipway_deploy_engine::deploy::Parts;
use slipway_deploy_engine::lock::Breaking;
use slipway_deploy_engine::rollback::{self, Request, Session};
use slipway_deploy_engine::{DeploySection, Environment, RollbackSection, Run, summary};
use slipway_kit::{Exit, Failure, Ui};

use super::Cli;

/// How long the prompt waits for an answer while the lock is held.
const PROMPT_TIMEOUT: Duration = Duration::from_secs(300);

/// What the person at the terminal said.
enum Answer {
    Yes,
    No,
    /// SIGINT or SIGTERM while asking.
    Cancelled,
    /// No answer within [`PROMPT_TIMEOUT`].
    TimedOut,
}

/// Reads one line from stdin on its own thread, so a signal or the deadline ends the wait
/// (a blocking read would not return on SIGINT: the handler restarts it).
fn confirm(cancel: &Cancel) -> Answer {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut answer = String::new();
        let _ = std::io::stdin().lock().read_line(&mut answer);
        let _ = tx.send(answer);
    });
    let deadline = Instant::now() + PROMPT_TIMEOUT;
    loop {
        if cancel.is_cancelled() {
            return Answer::Cancelled;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Answer::TimedOut;
        }
        match rx.recv_timeout(left.min(Duration::from_millis(100))) {
            Ok(answer) => {
                return if matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes") {
                    Answer::Yes
                } else {
                    Answer::No
                };
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return Answer::No,
        }
    }
}

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
    if let Some(v) = &cli.version {
        slipway_deploy_engine::config::check_version(v)?;
    }
    let parts = Parts::new(env)?;
    let request = Request {
        version: cli.version.clone(),
        breaking: Breaking {
            stale: cli.force,
            freeze: cli.break_freeze,
        },
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
    // From here a signal releases the lock (and, once the rollback runs, restores routing).
    let cancel = Cancel::on_signals()
        .map_err(|e| Failure::no(format!("cannot install signal handlers: {e}")))?;
    let run = Run::new(ui.clone(), cancel.clone(), cli.dry_run);
    // The lock first, then the plan: what is confirmed is what runs.
    let outcome = match Session::begin(&run, &parts, &request) {
        Err(outcome) => *outcome,
        Ok(session) => match session.plan() {
            Err(failure) => session.refuse("refused", &failure),
            Ok(plan) if plan.from.as_ref().is_some_and(|a| a.version == plan.to) => {
                let failure =
                    Failure::bad_input(format!("{} already serves {}", env.name, plan.to))
                        .help("see --list-versions for the versions to go back to");
                session.refuse("refused", &failure)
            }
            Ok(plan) => {
                let line = plan.describe(&env.name, cli.emergency);
                if cli.auto_approve || cli.dry_run {
                    ui.info(&line);
                    session.execute(plan)
                } else {
                    ui.warn(rollback::NOT_REVERTED);
                    ui.info(&format!("{line}. Proceed? [y/N]"));
                    match confirm(&cancel) {
                        Answer::Yes => session.execute(plan),
                        Answer::No => {
                            drop(session);
                            ui.info("not rolled back");
                            return Ok(Exit::No);
                        }
                        Answer::Cancelled => session.refuse(
                            "cancelled",
                            &Failure::no(
                                "cancelled by a signal at the prompt; nothing was changed",
                            ),
                        ),
                        Answer::TimedOut => session.refuse(
                            "refused",
                            &Failure::no(format!(
                                "no answer within {}s; nothing was changed",
                                PROMPT_TIMEOUT.as_secs()
                            )),
                        ),
                    }
                }
            }
        },
    };
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
