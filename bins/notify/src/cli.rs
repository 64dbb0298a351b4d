//! The command line: `notify --event … --status …` and `notify test --to CHANNEL`.

use std::path::PathBuf;

use crate::event::{EventKind, Status};

/// Send pipeline, deploy, release and quality-gate messages to Slack, Microsoft Teams,
/// Discord, Google Chat, generic webhooks, email, MQTT and GitHub issues, from one config.
///
/// Channels come from `[notify.channels.NAME]` in slipway.toml or are given as URLs with
/// `--to` (slack://, teams://, discord://, gchat://, smtp://, mqtt://, github://, https://).
/// Without `--to`, every configured channel whose filters match is used. A failed delivery
/// is a warning (exit 0) unless `--fail-on-error` is given (exit 1); bad config is exit 2.
#[derive(Debug, Clone, clap::Parser)]
#[command(
    name = "notify",
    version,
    about,
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true
)]
pub struct Cli {
    /// What happened.
    #[arg(
        long,
        value_enum,
        default_value = "pipeline",
        env = "SLIPWAY_NOTIFY_EVENT"
    )]
    pub event: EventKind,

    /// How it ended (or `started`, for a deploy about to begin). `--event summary`
    /// defaults to `success`.
    #[arg(
        long,
        value_enum,
        required_if_eq_any([("event", "pipeline"), ("event", "deploy"), ("event", "release"), ("event", "gate")]),
        env = "SLIPWAY_NOTIFY_STATUS",
        default_value_if("event", "summary", "success")
    )]
    pub status: Option<Status>,

    /// Channel to send to: a name from [notify.channels] or a channel URL. Repeatable.
    /// Default: every configured channel whose filters match.
    #[arg(long = "to", value_name = "CHANNEL")]
    pub to: Vec<String>,

    /// A JSON document written by another Slipway tool (gate.json, deploy.json,
    /// rollback.json, version.json, metrics.json). Repeatable; a missing file is skipped with a warning.
    #[arg(long = "report", value_name = "FILE")]
    pub reports: Vec<PathBuf>,

    /// Extra text for the message (e.g. what failed).
    #[arg(long)]
    pub message: Option<String>,

    /// An extra fact shown in the message, as `LABEL=VALUE` (e.g. `--field "Stage=Unit tests"`).
    /// Repeatable.
    #[arg(long = "field", value_name = "LABEL=VALUE")]
    pub fields: Vec<String>,

    /// When the pipeline started, RFC 3339 (default: asked from the GitHub API when
    /// GITHUB_TOKEN is set), for the duration shown in the message.
    #[arg(long, value_name = "TIME", env = "SLIPWAY_STARTED_AT")]
    pub started_at: Option<String>,

    /// The environment the event is about (default: from deploy.json or rollback.json).
    #[arg(long, env = "SLIPWAY_ENVIRONMENT")]
    pub environment: Option<String>,

    /// Flags shared with the subcommands.
    #[command(flatten)]
    pub common: Common,

    /// `test`, or none for the default command.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Flags shared by the default command and `notify test`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct Common {
    /// Path to slipway.toml (default: ./slipway.toml, then ./.github/slipway.toml).
    #[arg(long, global = true, env = "SLIPWAY_CONFIG")]
    pub config: Option<PathBuf>,

    /// Print what each channel would receive and send nothing. Secrets are never shown.
    #[arg(long, global = true)]
    pub dry_run: bool,

    /// Exit 1 when any delivery failed (default: exit 0 with a warning naming the channel).
    #[arg(long, global = true)]
    pub fail_on_error: bool,

    /// Where to keep message ids between runs (the Slack `ts` of a "deploy started" message,
    /// so the result updates it). Default: `[notify] state_file`, else `$RUNNER_TEMP/slipway-notify-state.json`.
    #[arg(long, value_name = "FILE", global = true, env = "SLIPWAY_NOTIFY_STATE")]
    pub state: Option<PathBuf>,

    /// `--json` and `--output FILE`.
    #[command(flatten)]
    pub output: slipway_kit::OutputArgs,

    /// More log output (debug level).
    #[arg(long, short, global = true)]
    pub verbose: bool,
}

impl std::ops::Deref for Cli {
    type Target = Common;
    fn deref(&self) -> &Common {
        &self.common
    }
}

/// Subcommands.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum Command {
    /// Send a test message to one or more channels (filters are ignored).
    Test {
        /// Channel name or URL. Repeatable.
        #[arg(long = "to", value_name = "CHANNEL", required = true)]
        to: Vec<String>,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser as _;

    #[test]
    fn status_is_required_except_for_the_test_subcommand() {
        assert!(Cli::try_parse_from(["notify", "--event", "deploy"]).is_err());
        let cli = Cli::try_parse_from(["notify", "test", "--to", "ops", "--dry-run"]).unwrap();
        assert!(matches!(cli.command, Some(Command::Test { .. })));
        assert!(cli.dry_run);
        let cli = Cli::try_parse_from([
            "notify",
            "--event",
            "deploy",
            "--status",
            "rolled-back",
            "--to",
            "ops",
            "--to",
            "slack://a/b/c",
        ])
        .unwrap();
        assert_eq!(cli.status, Some(Status::RolledBack));
        assert_eq!(cli.to.len(), 2);
        let cli = Cli::try_parse_from(["notify", "--event", "summary"]).unwrap();
        assert_eq!(
            cli.status,
            Some(Status::Success),
            "a summary needs no status"
        );
    }
}
