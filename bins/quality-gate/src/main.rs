//! `quality-gate`: one verdict from test, coverage, security, lint and performance reports.

use std::process::ExitCode;

use quality_gate::cli::Cli;

fn main() -> ExitCode {
    slipway_kit::exit::main(|_: &Cli| false, quality_gate::run::run)
}
