//! `quality-gate`: one verdict from test, coverage, security, lint and performance reports.

use std::process::ExitCode;

use clap::Parser;
use quality_gate::cli::Cli;
use slipway_kit::Ui;

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
    slipway_kit::exit::finish(&ui, quality_gate::run::run(&cli, &ui))
}
