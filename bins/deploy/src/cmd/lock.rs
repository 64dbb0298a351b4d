//! `deploy lock acquire -m REASON | release | status`: a manual freeze of an environment,
//! taken and released the same way a deploy takes its lock.

use clap::Subcommand;
use slipway_config::ConfigFile;
use slipway_deploy_engine::cancel::Cancel;
use slipway_deploy_engine::deploy::{self, Parts};
use slipway_deploy_engine::lock::{Breaking, Holder};
use slipway_deploy_engine::{DeploySection, Run};
use slipway_kit::{Exit, Failure, Ui};

use super::Cli;

/// What to do with the lock.
#[derive(Debug, Subcommand)]
pub(crate) enum Action {
    /// Freeze the environment: deploys and rollbacks are refused until `release`
    /// (e.g. `deploy lock acquire --environment production -m "release freeze until Monday"`).
    Acquire {
        /// Why, shown to whoever is refused.
        #[arg(long, short = 'm')]
        message: String,
    },
    /// Release the lock, whoever holds it (prints the holder), e.g.
    /// `deploy lock release --environment staging`: lifts a freeze, or clears a
    /// lock left by a run that died. Releasing a live run's lock lets another run start
    /// beside it: the output warns when the holder looks alive.
    Release,
    /// Show who holds the lock (exit 0 either way; 3 when the lock path is in a state no
    /// run leaves, such as a file).
    Status,
}

pub(crate) fn lock(
    cli: &Cli,
    ui: &Ui,
    config: &ConfigFile,
    section: &DeploySection,
    action: &Action,
) -> anyhow::Result<Exit> {
    let env = super::environment(cli, config, section)?;
    let parts = Parts::new(&env)?;
    let run = Run::new(ui.clone(), Cancel::new(), false);
    let fail = slipway_deploy_engine::run::Error::into_failure;
    match action {
        Action::Acquire { message } => {
            let holder = Holder::this_process(&deploy::run_id(), "manual", None, Some(message));
            let wait = cli
                .lock_wait
                .map(slipway_config::Duration::as_std)
                .unwrap_or_default();
            deploy::take_lock(&run, &parts, &holder, wait, Breaking::default())
                .map_err(|(exit, cause, help)| Failure { exit, cause, help })?;
            ui.result(&format!("{} is frozen: {message}", env.name));
        }
        Action::Release => match parts.lock.holder(&run).map_err(fail)? {
            Some(h) => {
                if !h.is_freeze() && h.stale_reason(env.lock_ttl).is_none() {
                    ui.warn(&format!(
                        "the {} holding the lock of {} may still be running: releasing it lets another run start beside it",
                        h.operation, env.name
                    ));
                }
                parts.lock.remove(&run, None).map_err(fail)?;
                ui.result(&format!(
                    "released the lock of {}, held by {}",
                    env.name,
                    h.describe()
                ));
            }
            None => ui.result(&format!("{} was not locked", env.name)),
        },
        Action::Status => {
            let holder = parts.lock.holder(&run).map_err(fail)?;
            if cli.output.json || cli.output.output.is_some() {
                cli.output.emit(
                    ui,
                    &serde_json::json!({"environment": env.name, "lock": holder}),
                )?;
            }
            if !cli.output.json {
                match holder {
                    Some(h) => ui.result(&format!("{} is locked by {}", env.name, h.describe())),
                    None => ui.result(&format!("{} is not locked", env.name)),
                }
            }
        }
    }
    Ok(Exit::Success)
}
