//! `rollback`: Back to the previous or a named version; list versions; forced and emergency modes.

use std::process::ExitCode;

use clap::Parser;
use slipway_kit::{Exit, Ui};

/// Back to the previous or a named version; list versions; forced and emergency modes.
#[derive(Debug, Parser)]
#[command(name = "rollback", version, about, long_about = None)]
struct Cli {
    /// Path to slipway.toml (default: ./slipway.toml, then ./.github/slipway.toml).
    #[arg(long, global = true, env = "SLIPWAY_CONFIG")]
    config: Option<std::path::PathBuf>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let ui = Ui::detect();
    slipway_kit::exit::finish(&ui, run(&cli, &ui))
}

fn run(cli: &Cli, _ui: &Ui) -> anyhow::Result<Exit> {
    let _config =
        slipway_config::ConfigFile::discover(cli.config.as_deref(), std::path::Path::new("."))
            .map_err(slipway_kit::Failure::from)?;
    Ok(Exit::Success)
}
