//! Channels: where messages go. A channel is loaded from `[notify.channels.NAME]` or from
//! a URL given with `--to`; each type lives in its own module and knows how to render its
//! payload (for `--dry-run` too) and send it.
//!
//! | URL | channel |
//! | --- | --- |
//! | `slack://T000/B000/XXXX` | Slack incoming webhook (`https://hooks.slack.com/services/T000/B000/XXXX`) |
//! | `slack://xoxb-TOKEN@CHANNEL` | Slack bot: `chat.postMessage` to CHANNEL (id or name without `#`) |
//! | `teams://HOST/PATH?QUERY` | Teams workflow webhook at `https://HOST/PATH?QUERY` |
//! | `discord://ID/TOKEN` | Discord webhook (`https://discord.com/api/webhooks/ID/TOKEN`) |
//! | `gchat://SPACE/KEY/TOKEN` | Google Chat webhook (`https://chat.googleapis.com/v1/spaces/SPACE/messages?key=KEY&token=TOKEN`) |
//! | `https://…`, `http://…` | generic JSON webhook |
//! | `TYPE+https://…` | that type's payload to any URL (`slack+https://`, `teams+https://`, `discord+https://`, `gchat+https://`, `json+https://`) |
//! | `smtp://[USER[:PASS]@]HOST[:PORT]?from=A&to=B,C` | email with STARTTLS (587); `smtps://` TLS (465); `smtp+plain://` no TLS, loopback only (25) |
//! | `mqtt://[USER[:PASS]@]HOST[:PORT]/TOPIC[?state_topic=T&client_id=C]` | MQTT publish, QoS 1 |
//! | `github://issue`, `github://commit-comment`, `github://pr-comment` | GitHub, with `GITHUB_TOKEN` |

pub mod chat;
pub mod email;
pub mod envelope;
pub mod github;
mod load;
pub mod mqtt;
pub mod slack;
mod url;
pub mod webhook;

use std::path::PathBuf;
use std::time::Duration;

use serde_json::Value;

use crate::config::ChannelType;
use crate::routing::Filters;
use crate::secret::SecretRef;

pub use load::from_config;
pub use url::{from_url, parse_url};

/// Where one channel sends.
#[derive(Debug, Clone)]
pub enum Target {
    /// Slack incoming webhook.
    SlackWebhook {
        /// The webhook URL.
        url: SecretRef,
    },
    /// Slack bot token with chat.postMessage / chat.update.
    SlackBot(slack::Bot),
    /// A chat webhook taking JSON (Teams, Discord, Google Chat).
    Chat {
        /// Which one.
        kind: ChannelType,
        /// The webhook URL.
        url: SecretRef,
    },
    /// Generic JSON webhook.
    Webhook(webhook::Webhook),
    /// Email over SMTP.
    Email(email::Email),
    /// MQTT publish.
    Mqtt(mqtt::Mqtt),
    /// GitHub issues and comments.
    Github(github::Github),
    /// An email or MQTT channel whose `url_env` is not set: fine while the channel is
    /// filtered out; an error (exit 2) when it would be sent.
    Unresolved {
        /// The unset variable.
        url: SecretRef,
    },
}

/// A channel ready to be routed and sent to.
#[derive(Debug, Clone)]
pub struct Channel {
    /// Config name, or `TYPE#N` for the N-th `--to` URL.
    pub name: String,
    /// The channel type.
    pub kind: ChannelType,
    /// Where it sends.
    pub target: Target,
    /// Routing filters (empty for `--to` URLs).
    pub filters: Filters,
    /// A template file replacing the default payload template.
    pub template: Option<PathBuf>,
    /// Deadline for all attempts.
    pub timeout: Option<Duration>,
    /// Attempts.
    pub attempts: Option<u32>,
    /// False when `enabled = false`.
    pub enabled: bool,
}

impl Channel {
    /// A printable description of the destination, never containing a secret.
    pub fn destination(&self) -> String {
        match &self.target {
            Target::SlackWebhook { url }
            | Target::Chat { url, .. }
            | Target::Unresolved { url } => url.describe(),
            Target::SlackBot(bot) => format!("chat.postMessage to {}", bot.channel),
            Target::Webhook(w) => w.describe(),
            Target::Email(e) => format!("{} via {}:{}", e.to.join(", "), e.host, e.port),
            Target::Mqtt(m) => format!("mqtt://{}:{}", m.host, m.port),
            Target::Github(g) => format!("GitHub {}", g.mode_name()),
        }
    }

    /// Secrets the channel needs that are not set.
    pub fn missing_secrets(&self) -> Vec<String> {
        let mut refs: Vec<&SecretRef> = Vec::new();
        match &self.target {
            Target::SlackWebhook { url }
            | Target::Chat { url, .. }
            | Target::Unresolved { url } => refs.push(url),
            Target::SlackBot(bot) => refs.push(&bot.token),
            Target::Webhook(w) => {
                refs.push(&w.url);
                refs.extend(w.secret.as_ref());
            }
            Target::Email(e) => refs.extend(e.password.as_ref()),
            Target::Mqtt(m) => refs.extend(m.password.as_ref()),
            Target::Github(g) => refs.push(&g.token),
        }
        refs.iter()
            .filter(|r| r.value.is_none())
            .map(|r| r.var.clone().unwrap_or_default())
            .collect()
    }
}

/// What a channel would send, for `--dry-run` and `--json`.
pub type Preview = Value;

#[cfg(test)]
mod tests;
