//! `deploy status`: the active version and slot, the lock and the last runs of each
//! environment (or the one named with `--environment`), read from the ledgers.

use serde_json::json;
use slipway_config::ConfigFile;
use slipway_deploy_engine::cancel::Cancel;
use slipway_deploy_engine::{DeploySection, Run};
use slipway_kit::{Exit, Failure, Ui};

use super::Cli;

pub(crate) fn status(
    cli: &Cli,
    ui: &Ui,
    config: &ConfigFile,
    section: &DeploySection,
) -> anyhow::Result<Exit> {
    let run = Run::new(ui.clone(), Cancel::new(), true);
    let mut docs = Vec::new();
    for selected in super::environments(cli, config, section)? {
        let (env, parts) = selected?;
        let ledger = parts
            .ledger
            .load(&run)
            .map_err(|e| Failure::no(e.to_string()))?;
        let holder = parts
            .lock
            .holder(&run)
            .map_err(slipway_deploy_engine::run::Error::into_failure)?;
        let last = ledger.history.first();
        docs.push(json!({
            "environment": env.name,
            "active": ledger.active,
            "slots": ledger.slots,
            "lock": holder,
            "last": last,
        }));
        if !cli.output.json {
            let active = ledger.active.as_ref().map_or_else(
                || "nothing deployed".to_owned(),
                |a| format!("{} (slot {})", a.version, a.slot),
            );
            ui.result(&format!("{}: {active}", env.name));
            if let Some(e) = last {
                ui.result(&format!(
                    "  last: {} of {} {} at {} by {}",
                    e.kind,
                    e.version,
                    e.status.as_str(),
                    e.finished_at.as_deref().unwrap_or(&e.started_at),
                    e.actor
                ));
            }
            if let Some(h) = &holder {
                ui.result(&format!("  locked: {}", h.describe()));
            }
        }
    }
    let doc = json!({"schema": "slipway.deploy-status/v1", "environments": docs});
    if cli.output.json || cli.output.output.is_some() {
        cli.output.emit(ui, &doc)?;
    }
    Ok(Exit::Success)
}
