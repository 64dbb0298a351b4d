//! `rollback --list-versions`: the versions that served successfully, newest first.

use serde_json::json;
use slipway_deploy_engine::cancel::Cancel;
use slipway_deploy_engine::deploy::Parts;
use slipway_deploy_engine::{Environment, Run, rollback};
use slipway_kit::{Exit, Failure, Ui};

use super::Cli;

pub(crate) fn list(cli: &Cli, ui: &Ui, env: &Environment) -> anyhow::Result<Exit> {
    let parts = Parts::new(env)?;
    let run = Run::new(ui.clone(), Cancel::new(), true);
    let (ledger, versions) =
        rollback::versions(&run, &parts).map_err(|e| Failure::no(e.to_string()))?;
    let active = ledger.active.as_ref().map(|a| a.version.as_str());
    let previous = ledger.previous_good().map(|e| e.version.clone());
    let mut doc = json!({
        "schema": "slipway.versions/v1",
        "environment": env.name,
        "active": ledger.active,
        "previous": previous,
        "versions": versions.iter().map(|e| json!({
            "version": e.version,
            "slot": e.slot,
            "deployed_at": e.finished_at.as_deref().unwrap_or(&e.started_at),
            "actor": e.actor,
            "commit": e.commit,
            "run_url": e.run_url,
            "kind": e.kind,
            "active": Some(e.version.as_str()) == active,
            "standby": ledger.slots.get(&e.slot) == Some(&e.version) && Some(e.version.as_str()) != active,
        })).collect::<Vec<_>>(),
    });
    let github_only =
        slipway_deploy_engine::deployments::Mirror::from_env(&env.name, env.url.as_deref(), ui)
            .map(|m| slipway_deploy_engine::deployments::merge(&mut doc, &m.history()))
            .unwrap_or_default();
    if cli.output.emit(ui, &doc)? {
        return Ok(Exit::Success);
    }
    let print_github_only = || {
        for r in &github_only {
            ui.result(&format!(
                "{:<24} {:<8} {:<21} {:<16} only on GitHub (deployment {})",
                r.version,
                "-",
                r.created_at.get(..19).unwrap_or(&r.created_at),
                r.creator.as_deref().unwrap_or("-"),
                r.id
            ));
        }
    };
    if versions.is_empty() {
        print_github_only();
        ui.result(&format!(
            "{}: no successful deploy in the ledger yet",
            env.name
        ));
        return Ok(Exit::Success);
    }
    ui.result(&format!(
        "{:<24} {:<8} {:<21} {:<16} note",
        "version", "slot", "deployed", "by"
    ));
    for e in &versions {
        let note = if Some(e.version.as_str()) == active {
            "active"
        } else if previous.as_deref() == Some(e.version.as_str()) {
            if ledger.slots.get(&e.slot) == Some(&e.version) {
                "previous (standby, fast path)"
            } else {
                "previous"
            }
        } else {
            ""
        };
        let when = e.finished_at.as_deref().unwrap_or(&e.started_at);
        ui.result(&format!(
            "{:<24} {:<8} {:<21} {:<16} {note}",
            e.version,
            e.slot,
            when.get(..19).unwrap_or(when),
            e.actor
        ));
    }
    print_github_only();
    Ok(Exit::Success)
}
