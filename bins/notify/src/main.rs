//! `notify`: pipeline and deploy messages to Slack, Teams, Discord, Google Chat, webhooks,
//! email, MQTT and GitHub issues. The work lives in the `slipway_notify` library.

use std::process::ExitCode;

use clap::Parser as _;
use slipway_kit::Ui;
use slipway_notify::cli::Cli;

fn main() -> ExitCode {
    let cli = Cli::parse();
    slipway_kit::log::init(cli.verbose);
    let ui = Ui::detect();
    slipway_kit::exit::finish(&ui, slipway_notify::run(&cli, &ui))
}
