//! `version-manager`: semantic versions from Conventional Commits: version files,
//! changelog, tags and GitHub releases.

use std::process::ExitCode;

use version_manager::cli::Cli;

fn main() -> ExitCode {
    slipway_kit::exit::main(|_: &Cli| false, version_manager::cmd::run)
}
