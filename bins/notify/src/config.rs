//! The `[notify]` section of slipway.toml.
//!
//! ```toml
//! [notify]
//! templates = ".github/notify"     # MiniJinja overrides (optional)
//! timeout = "30s"                  # per channel, all attempts included
//!
//! [notify.channels.ops]
//! type = "slack"
//! url_env = "SLACK_WEBHOOK_URL"
//! status = ["failure", "rolled-back"]
//! branch = ["main"]
//! ```

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;
use slipway_config::Duration;

/// `[notify]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NotifyConfig {
    /// Directory of template overrides (default `.github/notify` when it exists).
    pub templates: Option<PathBuf>,
    /// Deadline per channel, every attempt included (default 30s).
    pub timeout: Option<Duration>,
    /// Deadline per attempt (default 10s).
    pub attempt_timeout: Option<Duration>,
    /// Attempts per channel (default 3).
    pub attempts: Option<u32>,
    /// First backoff between attempts, doubled each time (default 500ms).
    pub backoff: Option<Duration>,
    /// Where message ids (Slack `ts`) are kept between runs.
    pub state_file: Option<PathBuf>,
    /// Named channels.
    pub channels: BTreeMap<String, ChannelConfig>,
}

/// The channel types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChannelType {
    /// Slack incoming webhook or bot token.
    Slack,
    /// Microsoft Teams workflow webhook.
    Teams,
    /// Discord webhook.
    Discord,
    /// Google Chat space webhook.
    GoogleChat,
    /// Any HTTP endpoint taking JSON, signed with HMAC-SHA256 when `secret_env` is set.
    Webhook,
    /// Email over SMTP.
    Email,
    /// MQTT publish.
    Mqtt,
    /// GitHub issues and comments.
    Github,
}

impl ChannelType {
    /// Kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelType::Slack => "slack",
            ChannelType::Teams => "teams",
            ChannelType::Discord => "discord",
            ChannelType::GoogleChat => "google-chat",
            ChannelType::Webhook => "webhook",
            ChannelType::Email => "email",
            ChannelType::Mqtt => "mqtt",
            ChannelType::Github => "github",
        }
    }
}

/// TLS for SMTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TlsMode {
    /// Plain connection upgraded with STARTTLS (port 587); the default.
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption: only allowed to a loopback host.
    None,
}

/// What a GitHub channel does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum GithubMode {
    /// Open an issue on failure (or comment on the open one), close it on recovery.
    Issue,
    /// Comment on the commit.
    CommitComment,
    /// One comment on the pull request, updated in place.
    PrComment,
}

/// `[notify.channels.NAME]`: every key any channel type takes; [`crate::channel`] checks
/// that only the keys of the channel's type are set.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ChannelConfig {
    /// The channel type (required).
    #[serde(rename = "type")]
    pub kind: Option<ChannelType>,
    /// Endpoint URL, for `webhook`, `email` (smtp://) and `mqtt` (mqtt://) when it holds no
    /// secret. Chat webhook URLs are secrets: use `url_env`.
    pub url: Option<String>,
    /// Environment variable holding the endpoint URL (a webhook URL or a channel URL).
    pub url_env: Option<String>,
    /// Environment variable holding a token (Slack bot `xoxb-…`; GitHub, default `GITHUB_TOKEN`).
    pub token_env: Option<String>,
    /// Environment variable holding a password (SMTP, MQTT).
    pub password_env: Option<String>,
    /// Environment variable holding the HMAC-SHA256 key of a generic webhook.
    pub secret_env: Option<String>,
    /// Slack channel for the bot (`#deploys` or an id).
    pub channel: Option<String>,
    /// Slack Web API base (default `https://slack.com/api`).
    pub api_url: Option<String>,
    /// SMTP or MQTT host.
    pub host: Option<String>,
    /// SMTP or MQTT port.
    pub port: Option<u16>,
    /// SMTP TLS mode.
    pub tls: Option<TlsMode>,
    /// SMTP: a PEM file of CA certificates trusted for this channel's TLS, besides the
    /// usual public roots (a company CA, a relay with its own CA).
    pub ca_file: Option<PathBuf>,
    /// SMTP or MQTT user name.
    pub username: Option<String>,
    /// Email sender.
    pub from: Option<String>,
    /// Email recipients.
    pub to: Option<Vec<String>>,
    /// MQTT topic for each message (MiniJinja; default `slipway/{{ repository }}/{{ event }}`).
    pub topic: Option<String>,
    /// MQTT topic for the retained state (default: the topic plus `/state`).
    pub state_topic: Option<String>,
    /// MQTT client id (default `slipway-notify-<random>`).
    pub client_id: Option<String>,
    /// GitHub: `issue`, `commit-comment` or `pr-comment`.
    pub mode: Option<GithubMode>,
    /// GitHub issue labels (default `["slipway-failure"]`).
    pub labels: Option<Vec<String>>,
    /// A template file replacing this channel's default payload template.
    pub template: Option<PathBuf>,
    /// Filter: events to send (`pipeline`, `deploy`, `release`, `gate`).
    pub event: Option<Vec<String>>,
    /// Filter: statuses to send (`success`, `failure`, `cancelled`, `started`, `rolled-back`).
    pub status: Option<Vec<String>>,
    /// Filter: environments to send (globs).
    pub environment: Option<Vec<String>>,
    /// Filter: branches or tags to send (globs).
    pub branch: Option<Vec<String>>,
    /// Per-channel deadline, overriding `[notify] timeout`.
    pub timeout: Option<Duration>,
    /// Per-channel attempts, overriding `[notify] attempts`.
    pub attempts: Option<u32>,
    /// Set to false to keep the channel configured but unused.
    pub enabled: Option<bool>,
}

impl ChannelConfig {
    /// The names of the keys that are set, for "does not apply to this type" errors.
    pub fn set_keys(&self) -> Vec<&'static str> {
        let mut keys = Vec::new();
        let mut check = |set: bool, key: &'static str| {
            if set {
                keys.push(key);
            }
        };
        check(self.url.is_some(), "url");
        check(self.url_env.is_some(), "url_env");
        check(self.token_env.is_some(), "token_env");
        check(self.password_env.is_some(), "password_env");
        check(self.secret_env.is_some(), "secret_env");
        check(self.channel.is_some(), "channel");
        check(self.api_url.is_some(), "api_url");
        check(self.host.is_some(), "host");
        check(self.port.is_some(), "port");
        check(self.tls.is_some(), "tls");
        check(self.ca_file.is_some(), "ca_file");
        check(self.username.is_some(), "username");
        check(self.from.is_some(), "from");
        check(self.to.is_some(), "to");
        check(self.topic.is_some(), "topic");
        check(self.state_topic.is_some(), "state_topic");
        check(self.client_id.is_some(), "client_id");
        check(self.mode.is_some(), "mode");
        check(self.labels.is_some(), "labels");
        keys
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<NotifyConfig, slipway_config::ConfigError> {
        slipway_config::ConfigFile::from_text(Some("slipway.toml".into()), text.to_owned())?
            .section("notify")
    }

    #[test]
    fn channels_parse_with_filters() {
        let cfg = parse(
            r#"
[notify]
timeout = "20s"
[notify.channels.ops]
type = "slack"
url_env = "SLACK_WEBHOOK_URL"
status = ["failure", "rolled-back"]
[notify.channels.mail]
type = "email"
host = "smtp.example.com"
from = "ci@example.com"
to = ["ops@example.com"]
password_env = "SMTP_PASSWORD"
"#,
        )
        .unwrap();
        assert_eq!(cfg.channels.len(), 2);
        assert_eq!(cfg.channels["ops"].kind, Some(ChannelType::Slack));
        assert_eq!(cfg.timeout.unwrap().as_std().as_secs(), 20);
    }

    #[test]
    fn a_typo_names_the_key_and_line() {
        let err = parse("[notify.channels.ops]\ntype = \"slack\"\nurl_enf = \"X\"\n").unwrap_err();
        let text = err.to_string();
        assert!(text.contains("slipway.toml:3"), "{text}");
        assert!(text.contains("url_enf"), "{text}");
    }
}
