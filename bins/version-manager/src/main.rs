//! `version-manager`: semantic versions from Conventional Commits: version files,
//! changelog, tags and GitHub releases.

use std::process::ExitCode;

use clap::Parser;
use slipway_kit::Ui;
use version_manager::cli::Cli;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    slipway_kit::log::init(false);
    let ui = Ui::detect();
    slipway_kit::exit::finish(&ui, version_manager::cmd::run(&cli, &ui))
}
