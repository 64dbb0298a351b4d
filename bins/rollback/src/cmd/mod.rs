//! The command line: `rollback --environment NAME [--version V]`, `--list-versions`.

mod list;
mod rollback;

use std::path::PathBuf;

use clap::Parser;
use slipway_config::{ConfigFile, Duration};
use slipway_deploy_engine::{DeploySection, RollbackSection};
use slipway_kit::{Exit, Failure, OutputArgs, Ui};

/// Back to the previous good or a named version; list versions; forced and emergency modes.
///
/// Without --version, goes back to the newest version in the ledger that served
/// successfully before the current one. The lock is taken first (queueing behind a running
/// deploy with --lock-wait), then the plan is made and shown for confirmation. When the
/// standby slot still runs that version, traffic is re-routed to it after a health check;
/// otherwise the version is redeployed. Database and configuration changes are NOT
/// reverted.
#[derive(Debug, Parser)]
#[command(
    name = "rollback",
    version,
    disable_version_flag = true,
    about,
    long_about
)]
pub(crate) struct Cli {
    /// Print this tool's version (`--version` names the version to deploy).
    #[arg(short = 'V', long = "tool-version", action = clap::ArgAction::Version)]
    pub(crate) tool_version: Option<bool>,
    /// Path to slipway.toml (default: ./slipway.toml, then ./.github/slipway.toml).
    #[arg(long, global = true, env = "SLIPWAY_CONFIG")]
    pub(crate) config: Option<PathBuf>,
    /// Environment from [deploy.environments] (e.g. production).
    #[arg(long, short = 'e', env = "SLIPWAY_ENVIRONMENT")]
    pub(crate) environment: String,
    /// Version to go back to (default: the previous good version).
    #[arg(long)]
    pub(crate) version: Option<String>,
    /// List the versions you can go back to (a table, or JSON with --json) and exit.
    #[arg(long)]
    pub(crate) list_versions: bool,
    /// Break a stale lock, printing who held it (past its TTL, or its process gone on this
    /// machine); never a live lock or a freeze. Health checks still run (see --emergency).
    #[arg(long)]
    pub(crate) force: bool,
    /// Go through a manual freeze (`deploy lock acquire`), breaking it; the output names it.
    #[arg(long)]
    pub(crate) break_freeze: bool,
    /// Do not ask for confirmation (required when there is no terminal, e.g. in CI).
    #[arg(long, short = 'y')]
    pub(crate) auto_approve: bool,
    /// Redeploy the version directly: no fast path, no health checks, no smoke tests.
    #[arg(long)]
    pub(crate) emergency: bool,
    /// Why, recorded in the ledger and the document.
    #[arg(long)]
    pub(crate) reason: Option<String>,
    /// Print what would happen and touch nothing.
    #[arg(long)]
    pub(crate) dry_run: bool,
    /// Wait this long for another run's lock (e.g. 5m).
    #[arg(long, value_name = "DURATION", env = "SLIPWAY_LOCK_WAIT")]
    pub(crate) lock_wait: Option<Duration>,
    /// Log debug detail (every command run) to stderr.
    #[arg(long, short = 'v')]
    pub(crate) verbose: bool,
    #[command(flatten)]
    pub(crate) output: OutputArgs,
}

/// Dispatches.
pub(crate) fn run(cli: &Cli, ui: &Ui) -> anyhow::Result<Exit> {
    let config = ConfigFile::discover(cli.config.as_deref(), std::path::Path::new("."))
        .map_err(Failure::from)?;
    let deploy = DeploySection::load(&config)?;
    let rollback: RollbackSection = config.section("rollback").map_err(Failure::from)?;
    let env = deploy.environment(&cli.environment, &config.display_name())?;
    if cli.list_versions {
        list::list(cli, ui, &env)
    } else {
        rollback::rollback(cli, ui, &env, &deploy, &rollback)
    }
}
