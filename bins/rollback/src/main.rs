//! `rollback`: back to the previous good or a named version; list versions; forced and
//! emergency modes. See docs/rollback.md.

mod cmd;

use std::process::ExitCode;

fn main() -> ExitCode {
    slipway_kit::exit::main(|cli: &cmd::Cli| cli.verbose, cmd::run)
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory as _;

    #[test]
    fn command_line_definition_is_consistent() {
        super::cmd::Cli::command().debug_assert();
    }
}
