//! `deploy`: blue-green and rolling deploys with health checks, smoke tests and automatic
//! rollback, over local or SSH hosts behind nginx. See docs/deploy.md.

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
