//! The command line: `deploy --environment NAME --version V`, `deploy status` and
//! `deploy lock acquire|release|status` and `deploy metrics`.

mod control;
mod lock;
mod metrics;
mod run;
mod status;

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use slipway_config::{ConfigFile, Duration};
use slipway_deploy_engine::deploy::Parts;
use slipway_deploy_engine::{DeploySection, Environment};
use slipway_kit::{Exit, Failure, OutputArgs, Ui};

/// Blue-green, rolling and canary deploys with health checks, analysis and automatic rollback.
///
/// Deploys VERSION to the environment named in slipway.toml ([deploy.environments.NAME]):
/// starts it in the standby slot, health-checks it, switches nginx, runs smoke tests and
/// watches it through the validation window. Any failure puts traffic back on the previous
/// version (exit 1); if that fails too, exit 3 with the exact state printed.
#[derive(Debug, Parser)]
#[command(
    name = "deploy",
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
    /// Environment from [deploy.environments] (e.g. staging).
    #[arg(long, short = 'e', global = true, env = "SLIPWAY_ENVIRONMENT")]
    pub(crate) environment: Option<String>,
    /// Version to deploy (e.g. v1.2.3).
    #[arg(long)]
    pub(crate) version: Option<String>,
    /// Override the environment's strategy: blue-green, rolling or canary.
    #[arg(long)]
    pub(crate) strategy: Option<String>,
    /// Print every command, host and routing change in order, and touch nothing.
    #[arg(long)]
    pub(crate) dry_run: bool,
    /// Wait this long for another run's lock (e.g. 5m) instead of failing at once.
    #[arg(long, value_name = "DURATION", env = "SLIPWAY_LOCK_WAIT")]
    pub(crate) lock_wait: Option<Duration>,
    /// Override the environment's validation window (e.g. 10m, or 0s to skip it).
    #[arg(long, value_name = "DURATION")]
    pub(crate) validation_window: Option<Duration>,
    /// Break a stale lock, printing who held it: one past its TTL, or whose process is gone
    /// on this machine. A live lock (another runner within its TTL) and a freeze are never
    /// broken.
    #[arg(long)]
    pub(crate) force: bool,
    /// Go through a manual freeze (`deploy lock acquire`), breaking it; the output names it.
    #[arg(long)]
    pub(crate) break_freeze: bool,
    /// Canary: hold at this traffic share (e.g. 30) until `deploy promote` or `deploy abort`.
    #[arg(long, value_name = "STEP")]
    pub(crate) pause_at: Option<u32>,
    /// Log debug detail (every command run) to stderr.
    #[arg(long, short = 'v', global = true)]
    pub(crate) verbose: bool,
    #[command(flatten)]
    pub(crate) output: OutputArgs,
    #[command(subcommand)]
    pub(crate) command: Option<Command>,
}

/// Subcommands besides deploying.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Show the active version, slot, lock and last runs of each environment.
    Status,
    /// Freeze or unfreeze an environment by hand, or show who holds its lock.
    Lock {
        #[command(subcommand)]
        action: lock::Action,
    },
    /// Let a canary paused with --pause-at go on through its remaining steps.
    Promote,
    /// Stop the running canary: all traffic back to the stable version, exit 1 for it.
    Abort,
    /// DORA's four keys (deployment frequency, lead time, change failure rate, time to
    /// restore) plus success and rollback rates, from the ledgers; see docs/metrics.md.
    Metrics(metrics::MetricsArgs),
}

/// Dispatches.
pub(crate) fn run(cli: &Cli, ui: &Ui) -> anyhow::Result<Exit> {
    let config = ConfigFile::discover(cli.config.as_deref(), std::path::Path::new("."))
        .map_err(Failure::from)?;
    let section = DeploySection::load(&config)?;
    match &cli.command {
        None => run::deploy(cli, ui, &config, &section),
        Some(Command::Status) => status::status(cli, ui, &config, &section),
        Some(Command::Lock { action }) => lock::lock(cli, ui, &config, &section, action),
        Some(Command::Promote) => control::control(
            cli,
            ui,
            &config,
            &section,
            slipway_deploy_engine::control::Action::Promote,
        ),
        Some(Command::Metrics(args)) => metrics::metrics(cli, args, ui, &config, &section),
        Some(Command::Abort) => control::control(
            cli,
            ui,
            &config,
            &section,
            slipway_deploy_engine::control::Action::Abort,
        ),
    }
}

/// The environment named by `--environment`, checked.
pub(crate) fn environment(
    cli: &Cli,
    config: &ConfigFile,
    section: &DeploySection,
) -> Result<Environment, Failure> {
    let name = cli.environment.as_deref().ok_or_else(|| {
        Failure::bad_input("--environment is required").help(format!(
            "name one of [deploy.environments] in {}",
            config.display_name()
        ))
    })?;
    section.environment(name, &config.display_name())
}

/// The environments named by `--environment`, else every environment of the file, each
/// checked with its parts as the caller reaches it; none at all is bad input.
pub(crate) fn environments<'a>(
    cli: &Cli,
    config: &'a ConfigFile,
    section: &'a DeploySection,
) -> anyhow::Result<impl Iterator<Item = anyhow::Result<(Environment, Parts)>> + 'a> {
    let names: Vec<String> = match &cli.environment {
        Some(n) => vec![n.clone()],
        None => section.environments.keys().cloned().collect(),
    };
    if names.is_empty() {
        return Err(Failure::bad_input(format!(
            "no [deploy.environments] in {}",
            config.display_name()
        ))
        .help("see docs/deploy.md")
        .into());
    }
    Ok(names.into_iter().map(move |name| {
        let env = section.environment(&name, &config.display_name())?;
        let parts = Parts::new(&env)?;
        Ok((env, parts))
    }))
}
