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

#[cfg(test)]
mod tests {
    use clap::CommandFactory as _;

    #[test]
    fn command_line_definition_is_consistent() {
        super::cmd::Cli::command().debug_assert();
    }
}
