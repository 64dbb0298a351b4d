//! `rollback`: back to the previous good or a named version; list versions; forced and
//! emergency modes. See docs/rollback.md.

mod cmd;

use std::process::ExitCode;

use clap::Parser;
use slipway_kit::Ui;

fn main() -> ExitCode {
    let cli = cmd::Cli::parse();
    slipway_kit::log::init(cli.verbose);
    let ui = Ui::detect();
    slipway_kit::exit::finish(&ui, cmd::run(&cli, &ui))
}
