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
pub mod mqtt;
pub mod slack;
pub mod webhook;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde_json::Value;
use slipway_kit::{Failure, Ui};

use crate::config::{ChannelConfig, ChannelType, GithubMode, NotifyConfig, TlsMode};
use crate::redact::{Redactor, redact_url};
use crate::routing::Filters;
use crate::secret::SecretRef;

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

/// Loads every configured channel. Config errors are bad input and name the channel.
pub fn from_config(
    config: &NotifyConfig,
    ui: &Ui,
    redactor: &Redactor,
) -> Result<BTreeMap<String, Channel>, Failure> {
    config
        .channels
        .iter()
        .map(|(name, cfg)| Ok((name.clone(), from_channel_config(name, cfg, ui, redactor)?)))
        .collect()
}

fn bad(name: &str, text: impl std::fmt::Display) -> Failure {
    Failure::bad_input(format!("[notify.channels.{name}]: {text}"))
        .help("see docs/notify.md for each channel type's keys")
}

/// The keys each type takes besides the common ones.
fn allowed_keys(kind: ChannelType) -> &'static [&'static str] {
    match kind {
        ChannelType::Slack => &["url_env", "token_env", "channel", "api_url"],
        ChannelType::Teams | ChannelType::Discord | ChannelType::GoogleChat => &["url_env"],
        ChannelType::Webhook => &["url", "url_env", "secret_env"],
        ChannelType::Email => &[
            "url",
            "url_env",
            "host",
            "port",
            "tls",
            "ca_file",
            "username",
            "password_env",
            "from",
            "to",
        ],
        ChannelType::Mqtt => &[
            "url",
            "url_env",
            "host",
            "port",
            "username",
            "password_env",
            "topic",
            "state_topic",
            "client_id",
        ],
        ChannelType::Github => &["token_env", "mode", "labels"],
    }
}

fn from_channel_config(
    name: &str,
    cfg: &ChannelConfig,
    ui: &Ui,
    redactor: &Redactor,
) -> Result<Channel, Failure> {
    let kind = cfg.kind.ok_or_else(|| {
        bad(
            name,
            "`type` is missing (slack, teams, discord, google-chat, webhook, email, mqtt or github)",
        )
    })?;
    let allowed = allowed_keys(kind);
    if let Some(key) = cfg.set_keys().into_iter().find(|k| !allowed.contains(k)) {
        let hint = if key == "url" && !allowed.contains(&"url") {
            " (this URL holds a secret: put it in an environment variable and name it with url_env)"
        } else {
            ""
        };
        return Err(bad(
            name,
            format!("key `{key}` does not apply to type {}{hint}", kind.as_str()),
        ));
    }
    let env = |var: &str| SecretRef::from_env(var, ui, redactor);
    let need_url_env = || {
        cfg.url_env
            .as_deref()
            .ok_or_else(|| bad(name, "`url_env` is required: the name of the environment variable holding the webhook URL"))
    };
    // A URL read from the environment may be a channel URL (slack://…) or a plain one.
    let env_url_target = |secret: SecretRef| -> Result<Option<Target>, Failure> {
        let Some(value) = secret.value.as_ref().map(|v| v.expose().to_owned()) else {
            return Ok(None);
        };
        let parsed = parse_url(&value, Some(kind), ui, redactor)
            .map_err(|e| bad(name, format!("{}: {e}", secret.describe())))?;
        Ok(Some(retag(parsed, secret.var.as_deref())))
    };
    // An SMTP or MQTT URL in an unset variable: decide when (and whether) it is sent.
    let unresolved = match kind {
        ChannelType::Email | ChannelType::Mqtt => cfg
            .url_env
            .as_deref()
            .map(env)
            .filter(|s| s.value.is_none() && cfg.url.is_none()),
        _ => None,
    };
    let target = match kind {
        _ if unresolved.is_some() => Target::Unresolved {
            url: unresolved.unwrap_or_else(|| unreachable!()),
        },
        ChannelType::Slack => {
            if let Some(token_env) = &cfg.token_env {
                let channel = cfg.channel.clone().ok_or_else(|| {
                    bad(
                        name,
                        "a Slack bot (token_env) needs `channel` (e.g. \"#deploys\" or C0123)",
                    )
                })?;
                Target::SlackBot(slack::Bot {
                    token: env(token_env),
                    channel,
                    api_url: cfg
                        .api_url
                        .clone()
                        .unwrap_or_else(|| slack::API_URL.to_owned()),
                })
            } else {
                let var = need_url_env()?;
                let url = env(var);
                match env_url_target(url.clone())? {
                    Some(t) => t,
                    None => Target::SlackWebhook { url },
                }
            }
        }
        ChannelType::Teams | ChannelType::Discord | ChannelType::GoogleChat => {
            let url = env(need_url_env()?);
            match env_url_target(url.clone())? {
                Some(t) => t,
                None => Target::Chat { kind, url },
            }
        }
        ChannelType::Webhook => {
            let url = match (&cfg.url, &cfg.url_env) {
                (Some(u), None) => {
                    check_http(u).map_err(|e| bad(name, e))?;
                    SecretRef::inline(u, "url", ui, redactor)
                }
                (None, Some(var)) => env(var),
                _ => return Err(bad(name, "set exactly one of `url` and `url_env`")),
            };
            if let Some(u) = url.value.as_ref() {
                check_http(u.expose())
                    .map_err(|e| bad(name, format!("{}: {e}", url.describe())))?;
            }
            Target::Webhook(webhook::Webhook {
                url,
                secret: cfg.secret_env.as_deref().map(env),
                style: None,
            })
        }
        ChannelType::Email => {
            let mut email = match (&cfg.url, &cfg.url_env) {
                (Some(u), None) => {
                    email::Email::from_url(u, ui, redactor).map_err(|e| bad(name, e))?
                }
                (None, Some(var)) => {
                    let secret = env(var);
                    let value = secret.require(name)?.expose().to_owned();
                    email::Email::from_url(&value, ui, redactor)
                        .map_err(|e| bad(name, format!("{}: {e}", secret.describe())))?
                }
                (None, None) => email::Email {
                    host: cfg
                        .host
                        .clone()
                        .ok_or_else(|| bad(name, "`host` (or `url`) is required"))?,
                    port: 0,
                    tls: TlsMode::Starttls,
                    ca: None,
                    username: None,
                    password: None,
                    from: String::new(),
                    to: Vec::new(),
                },
                _ => return Err(bad(name, "set at most one of `url` and `url_env`")),
            };
            if let Some(host) = &cfg.host {
                email.host.clone_from(host);
            }
            if let Some(tls) = cfg.tls {
                email.tls = tls;
            }
            if let Some(port) = cfg.port {
                email.port = port;
            }
            if email.port == 0 {
                email.port = email::default_port(email.tls);
            }
            if cfg.username.is_some() {
                email.username.clone_from(&cfg.username);
            }
            if let Some(var) = &cfg.password_env {
                email.password = Some(env(var));
            }
            if let Some(from) = &cfg.from {
                email.from.clone_from(from);
            }
            if let Some(to) = &cfg.to {
                email.to.clone_from(to);
            }
            if let Some(path) = &cfg.ca_file {
                email.ca = Some(email::CaFile::read(path).map_err(|e| bad(name, e))?);
            }
            email.validate().map_err(|e| bad(name, e))?;
            Target::Email(email)
        }
        ChannelType::Mqtt => {
            let mut mqtt = match (&cfg.url, &cfg.url_env) {
                (Some(u), None) => {
                    mqtt::Mqtt::from_url(u, ui, redactor).map_err(|e| bad(name, e))?
                }
                (None, Some(var)) => {
                    let secret = env(var);
                    let value = secret.require(name)?.expose().to_owned();
                    mqtt::Mqtt::from_url(&value, ui, redactor)
                        .map_err(|e| bad(name, format!("{}: {e}", secret.describe())))?
                }
                (None, None) => mqtt::Mqtt {
                    host: cfg
                        .host
                        .clone()
                        .ok_or_else(|| bad(name, "`host` (or `url`) is required"))?,
                    port: mqtt::DEFAULT_PORT,
                    username: None,
                    password: None,
                    topic: None,
                    state_topic: None,
                    client_id: None,
                },
                _ => return Err(bad(name, "set at most one of `url` and `url_env`")),
            };
            if let Some(host) = &cfg.host {
                mqtt.host.clone_from(host);
            }
            if let Some(port) = cfg.port {
                mqtt.port = port;
            }
            if cfg.username.is_some() {
                mqtt.username.clone_from(&cfg.username);
            }
            if let Some(var) = &cfg.password_env {
                mqtt.password = Some(env(var));
            }
            if cfg.topic.is_some() {
                mqtt.topic.clone_from(&cfg.topic);
            }
            if cfg.state_topic.is_some() {
                mqtt.state_topic.clone_from(&cfg.state_topic);
            }
            if cfg.client_id.is_some() {
                mqtt.client_id.clone_from(&cfg.client_id);
            }
            Target::Mqtt(mqtt)
        }
        ChannelType::Github => Target::Github(github::Github {
            mode: cfg.mode.unwrap_or(GithubMode::Issue),
            token: env(cfg.token_env.as_deref().unwrap_or("GITHUB_TOKEN")),
            labels: cfg
                .labels
                .clone()
                .unwrap_or_else(|| vec![github::DEFAULT_LABEL.to_owned()]),
        }),
    };
    let filters = Filters::from_config(cfg).map_err(|e| bad(name, e))?;
    Ok(Channel {
        name: name.to_owned(),
        kind,
        target,
        filters,
        template: cfg.template.clone(),
        timeout: cfg.timeout.map(slipway_config::Duration::as_std),
        attempts: cfg.attempts,
        enabled: cfg.enabled.unwrap_or(true),
    })
}

/// Gives a target parsed from an environment variable's value the variable's name, so
/// messages say `$SLACK_WEBHOOK_URL` rather than "the --to URL".
fn retag(target: Target, var: Option<&str>) -> Target {
    let fix = |mut s: SecretRef| {
        if s.var.is_none() {
            s.var = var.map(str::to_owned);
        }
        s
    };
    match target {
        Target::SlackWebhook { url } => Target::SlackWebhook { url: fix(url) },
        Target::Chat { kind, url } => Target::Chat {
            kind,
            url: fix(url),
        },
        Target::SlackBot(mut bot) => {
            bot.token = fix(bot.token);
            Target::SlackBot(bot)
        }
        Target::Webhook(mut w) => {
            w.url = fix(w.url);
            Target::Webhook(w)
        }
        other => other,
    }
}

fn check_http(url: &str) -> Result<(), String> {
    let parsed = reqwest::Url::parse(url)
        .map_err(|e| format!("{} is not a valid URL: {e}", redact_url(url)))?;
    match parsed.scheme() {
        "http" | "https" if parsed.host_str().is_some() => Ok(()),
        _ => Err(format!("{} is not an http(s) URL", redact_url(url))),
    }
}

/// Loads a channel from a `--to` URL; `index` numbers it (`slack#1`).
pub fn from_url(url: &str, index: usize, ui: &Ui, redactor: &Redactor) -> Result<Channel, Failure> {
    let target = parse_url(url, None, ui, redactor).map_err(|e| {
        Failure::bad_input(format!("--to {}: {e}", redact_url(url)))
            .help("see docs/notify.md for the channel URL forms (slack://, teams://, smtp://, …)")
    })?;
    let kind = match &target {
        Target::SlackWebhook { .. } | Target::SlackBot(_) => ChannelType::Slack,
        Target::Chat { kind, .. } => *kind,
        Target::Webhook(_) => ChannelType::Webhook,
        Target::Email(_) | Target::Unresolved { .. } => ChannelType::Email,
        Target::Mqtt(_) => ChannelType::Mqtt,
        Target::Github(_) => ChannelType::Github,
    };
    Ok(Channel {
        name: format!("{}#{index}", kind.as_str()),
        kind,
        target,
        filters: Filters::default(),
        template: None,
        timeout: None,
        attempts: None,
        enabled: true,
    })
}

/// Parses a channel URL. `expected` is the configured type when the URL came from
/// `url_env`: a plain http(s) URL then gets that type's payload. Errors never contain
/// the URL's secret parts.
pub fn parse_url(
    url: &str,
    expected: Option<ChannelType>,
    ui: &Ui,
    redactor: &Redactor,
) -> Result<Target, String> {
    let url = url.trim();
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| "not a URL (expected SCHEME://…)".to_owned())?;
    let scheme = scheme.to_ascii_lowercase();
    let secret = |value: &str| SecretRef::inline(value, "url", ui, redactor);
    // The token parts of a URL are secrets on their own too (an error may quote one).
    let token = |part: &str| {
        if part.len() >= 6 {
            redactor.add(part);
        }
    };
    let agree = |kind: ChannelType| -> Result<(), String> {
        match expected {
            Some(e) if e != kind => Err(format!(
                "a {scheme}:// URL is a {} channel, but the channel's type is {}",
                kind.as_str(),
                e.as_str()
            )),
            _ => Ok(()),
        }
    };
    let segments: Vec<&str> = rest.split(['/', '?']).filter(|s| !s.is_empty()).collect();
    let target = match scheme.as_str() {
        "http" | "https" => {
            check_http(url)?;
            if let Some(i) = rest.find(['/', '?']) {
                token(&rest[i..]);
            }
            let url = secret(url);
            match expected {
                None | Some(ChannelType::Webhook) => Target::Webhook(webhook::Webhook {
                    url,
                    secret: None,
                    style: None,
                }),
                Some(ChannelType::Slack) => Target::SlackWebhook { url },
                Some(
                    kind @ (ChannelType::Teams | ChannelType::Discord | ChannelType::GoogleChat),
                ) => Target::Chat { kind, url },
                Some(other) => {
                    return Err(format!(
                        "an http(s) URL cannot be a {} channel",
                        other.as_str()
                    ));
                }
            }
        }
        s if s.contains('+') => {
            let (kind_name, transport) = s.split_once('+').unwrap_or_default();
            let real = format!("{transport}://{rest}");
            if kind_name == "smtp" {
                agree(ChannelType::Email)?;
                let email = email::Email::from_url(url, ui, redactor)?;
                email.validate()?;
                return Ok(Target::Email(email));
            }
            if transport != "http" && transport != "https" {
                return Err(format!("unknown scheme {s}://"));
            }
            check_http(&real)?;
            redactor.add(url);
            let url = secret(&real);
            match kind_name {
                "slack" => {
                    agree(ChannelType::Slack)?;
                    Target::SlackWebhook { url }
                }
                "teams" | "discord" | "gchat" => {
                    let kind = match kind_name {
                        "teams" => ChannelType::Teams,
                        "discord" => ChannelType::Discord,
                        _ => ChannelType::GoogleChat,
                    };
                    agree(kind)?;
                    Target::Chat { kind, url }
                }
                "json" | "webhook" => {
                    agree(ChannelType::Webhook)?;
                    Target::Webhook(webhook::Webhook {
                        url,
                        secret: None,
                        style: None,
                    })
                }
                _ => return Err(format!("unknown scheme {s}://")),
            }
        }
        "slack" => {
            agree(ChannelType::Slack)?;
            redactor.add(url);
            if let Some((token, channel)) = rest.split_once('@') {
                if !token.starts_with("xox") {
                    return Err("a slack://TOKEN@CHANNEL URL needs a bot token (xoxb-…)".into());
                }
                Target::SlackBot(slack::Bot {
                    token: secret(token),
                    channel: channel.trim_matches('/').to_owned(),
                    api_url: slack::API_URL.to_owned(),
                })
            } else if segments.len() == 3 {
                token(segments[2]);
                Target::SlackWebhook {
                    url: secret(&format!(
                        "https://hooks.slack.com/services/{}/{}/{}",
                        segments[0], segments[1], segments[2]
                    )),
                }
            } else {
                return Err(
                    "expected slack://T000/B000/XXXX (webhook) or slack://xoxb-TOKEN@CHANNEL (bot)"
                        .into(),
                );
            }
        }
        "teams" => {
            agree(ChannelType::Teams)?;
            redactor.add(url);
            if segments.is_empty() {
                return Err(
                    "expected teams://HOST/PATH?QUERY (the workflow URL without https://)".into(),
                );
            }
            Target::Chat {
                kind: ChannelType::Teams,
                url: secret(&format!("https://{rest}")),
            }
        }
        "discord" => {
            agree(ChannelType::Discord)?;
            redactor.add(url);
            if segments.len() != 2 {
                return Err("expected discord://WEBHOOK_ID/WEBHOOK_TOKEN".into());
            }
            token(segments[1]);
            Target::Chat {
                kind: ChannelType::Discord,
                url: secret(&format!(
                    "https://discord.com/api/webhooks/{}/{}",
                    segments[0], segments[1]
                )),
            }
        }
        "gchat" | "googlechat" => {
            agree(ChannelType::GoogleChat)?;
            redactor.add(url);
            if segments.len() != 3 {
                return Err("expected gchat://SPACE/KEY/TOKEN".into());
            }
            token(segments[1]);
            token(segments[2]);
            Target::Chat {
                kind: ChannelType::GoogleChat,
                url: secret(&format!(
                    "https://chat.googleapis.com/v1/spaces/{}/messages?key={}&token={}",
                    segments[0], segments[1], segments[2]
                )),
            }
        }
        "smtp" | "smtps" => {
            agree(ChannelType::Email)?;
            let email = email::Email::from_url(url, ui, redactor)?;
            email.validate()?;
            Target::Email(email)
        }
        "mqtt" => {
            agree(ChannelType::Mqtt)?;
            Target::Mqtt(mqtt::Mqtt::from_url(url, ui, redactor)?)
        }
        "github" => {
            agree(ChannelType::Github)?;
            let mode = match segments.first().copied() {
                Some("issue" | "issues") => GithubMode::Issue,
                Some("commit-comment" | "commit") => GithubMode::CommitComment,
                Some("pr-comment" | "pr" | "pull-request") => GithubMode::PrComment,
                _ => {
                    return Err(
                        "expected github://issue, github://commit-comment or github://pr-comment"
                            .into(),
                    );
                }
            };
            Target::Github(github::Github {
                mode,
                token: SecretRef::from_env("GITHUB_TOKEN", ui, redactor),
                labels: vec![github::DEFAULT_LABEL.to_owned()],
            })
        }
        other => return Err(format!("unknown scheme {other}://")),
    };
    Ok(target)
}

/// What a channel would send, for `--dry-run` and `--json`.
pub type Preview = Value;

#[cfg(test)]
mod tests {
    use super::*;
    use slipway_kit::outputs::StepFiles;
    use slipway_kit::ui::Mode;

    fn ui() -> Ui {
        Ui::with(Mode::Human { color: false }, StepFiles::default())
    }

    fn url_of(target: &Target) -> String {
        match target {
            Target::SlackWebhook { url } | Target::Chat { url, .. } => {
                url.value.as_ref().unwrap().expose().to_owned()
            }
            Target::Webhook(w) => w.url.value.as_ref().unwrap().expose().to_owned(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn apprise_style_urls_expand_to_the_services_endpoints() {
        let r = Redactor::default();
        let t = parse_url("slack://T0/B0/XyZ123abc", None, &ui(), &r).unwrap();
        assert_eq!(
            url_of(&t),
            "https://hooks.slack.com/services/T0/B0/XyZ123abc"
        );
        let t = parse_url("discord://123/tok", None, &ui(), &r).unwrap();
        assert_eq!(url_of(&t), "https://discord.com/api/webhooks/123/tok");
        let t = parse_url("gchat://AAA/key/tok", None, &ui(), &r).unwrap();
        assert_eq!(
            url_of(&t),
            "https://chat.googleapis.com/v1/spaces/AAA/messages?key=key&token=tok"
        );
        let t = parse_url(
            "teams://x.logic.azure.com/workflows/1?sig=s",
            None,
            &ui(),
            &r,
        )
        .unwrap();
        assert_eq!(url_of(&t), "https://x.logic.azure.com/workflows/1?sig=s");
        let t = parse_url("slack+http://127.0.0.1:9/hook", None, &ui(), &r).unwrap();
        assert_eq!(url_of(&t), "http://127.0.0.1:9/hook");
        let t = parse_url("slack://xoxb-1-2@C0123", None, &ui(), &r).unwrap();
        assert!(matches!(t, Target::SlackBot(ref b) if b.channel == "C0123"));
        assert_eq!(r.redact("xoxb-1-2 and XyZ123abc"), "*** and ***");
    }

    #[test]
    fn a_bad_url_names_the_form_and_hides_the_secret() {
        let r = Redactor::default();
        let err = parse_url("slack://only/two", None, &ui(), &r).unwrap_err();
        assert!(err.contains("slack://T000/B000/XXXX"), "{err}");
        let err = from_url("nope://secret-part", 1, &ui(), &r).unwrap_err();
        assert!(!err.cause.contains("secret-part"), "{}", err.cause);
        assert_eq!(err.exit, slipway_kit::Exit::BadInput);
    }

    #[test]
    fn a_plain_url_from_url_env_takes_the_configured_type() {
        let r = Redactor::default();
        let t = parse_url("http://127.0.0.1:1/x", Some(ChannelType::Teams), &ui(), &r).unwrap();
        assert!(matches!(
            t,
            Target::Chat {
                kind: ChannelType::Teams,
                ..
            }
        ));
        let err = parse_url("discord://1/2", Some(ChannelType::Slack), &ui(), &r).unwrap_err();
        assert!(err.contains("type is slack"), "{err}");
    }

    #[test]
    fn keys_of_another_type_and_secret_urls_in_the_file_are_rejected() {
        let cfg = ChannelConfig {
            kind: Some(ChannelType::Slack),
            url: Some("https://hooks.slack.com/services/a/b/c".into()),
            ..ChannelConfig::default()
        };
        let err = from_channel_config("ops", &cfg, &ui(), &Redactor::default()).unwrap_err();
        assert!(err.cause.contains("[notify.channels.ops]"), "{}", err.cause);
        assert!(err.cause.contains("url_env"), "{}", err.cause);
        let cfg = ChannelConfig {
            kind: Some(ChannelType::Slack),
            url_env: Some("X".into()),
            topic: Some("t".into()),
            ..ChannelConfig::default()
        };
        let err = from_channel_config("ops", &cfg, &ui(), &Redactor::default()).unwrap_err();
        assert!(err.cause.contains("`topic`"), "{}", err.cause);
    }
}
