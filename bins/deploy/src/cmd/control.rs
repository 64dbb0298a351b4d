//! `deploy promote` and `deploy abort`: orders to the canary running in an environment,
//! sent from another process (a person at a terminal, an approval job) through the
//! control record next to the lock (a file on hosts, an annotation of the Lease on
//! Kubernetes, so the order reaches the run from any machine).

use serde::Serialize;
use slipway_config::ConfigFile;
use slipway_deploy_engine::cancel::Cancel;
use slipway_deploy_engine::control::{Action, Control};
use slipway_deploy_engine::deploy::Parts;
use slipway_deploy_engine::platform::Platform as _;
use slipway_deploy_engine::{DeploySection, Run};
use slipway_kit::{Exit, Failure, Ui};

use super::Cli;

#[derive(Debug, Serialize)]
struct Sent {
    action: &'static str,
    environment: String,
    version: Option<String>,
    paused_at: Option<u32>,
    actor: String,
}

pub(crate) fn control(
    cli: &Cli,
    ui: &Ui,
    config: &ConfigFile,
    section: &DeploySection,
    action: Action,
) -> anyhow::Result<Exit> {
    let env = super::environment(cli, config, section)?;
    let parts = Parts::new(&env)?;
    let run = Run::new(ui.clone(), Cancel::new(), false);
    let fail = slipway_deploy_engine::run::Error::into_failure;
    let holder = parts.lock.holder(&run).map_err(fail)?;
    let Some(holder) = holder.filter(|h| h.operation == "deploy") else {
        return Err(Failure::no(format!(
            "no deploy is running in {}: nothing to {}",
            env.name,
            action.as_str()
        ))
        .help("`deploy status` shows what serves now")
        .into());
    };
    let control = Control::with_store(parts.platform.control_store(&env));
    let paused = control.paused(&run).map_err(fail)?;
    let order = control.send(&run, action).map_err(fail)?;
    let version = holder.version.clone();
    let doc = Sent {
        action: action.as_str(),
        environment: env.name.clone(),
        version: version.clone(),
        paused_at: paused.as_ref().map(|p| p.step),
        actor: order.actor,
    };
    if !cli.output.emit(ui, &doc)? {
        let what = version.as_deref().unwrap_or("the running deploy");
        let line = match (action, &paused) {
            (Action::Promote, Some(p)) => {
                format!(
                    "promoted the canary of {what} in {} from {}%",
                    env.name, p.step
                )
            }
            (Action::Promote, None) => format!(
                "the canary of {what} in {} is not paused yet: it will go on when it reaches its pause",
                env.name
            ),
            (Action::Abort, _) => format!(
                "abort sent to the deploy of {what} in {} (held by {}): all traffic goes back to the stable version",
                env.name,
                holder.describe()
            ),
        };
        ui.result(&line);
    }
    Ok(Exit::Success)
}
