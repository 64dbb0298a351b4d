//! `notify`: pipeline and deploy messages to Slack, Teams, Discord, Google Chat, webhooks,
//! email, MQTT and GitHub issues. The work lives in the `slipway_notify` library.

use std::process::ExitCode;

use slipway_notify::cli::Cli;

fn main() -> ExitCode {
    slipway_kit::exit::main(|cli: &Cli| cli.verbose, slipway_notify::run)
}
