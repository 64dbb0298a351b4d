//! Channels from `[notify.channels.NAME]`: each type's keys checked (an unknown key is an
//! error naming the channel), secrets read from the environment variables named.

use std::collections::BTreeMap;

use slipway_kit::{Failure, Ui};

use super::url::{check_http, parse_url};
use super::{Channel, Target, email, github, mqtt, slack, webhook};
use crate::config::{ChannelConfig, ChannelType, GithubMode, NotifyConfig, TlsMode};
use crate::redact::Redactor;
use crate::routing::Filters;
use crate::secret::SecretRef;

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

pub(super) fn from_channel_config(
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
            let mut email = from_url_or_env(
                name,
                cfg,
                &env,
                |u| email::Email::from_url(u, ui, redactor),
                |host| email::Email {
                    host,
                    port: 0,
                    tls: TlsMode::Starttls,
                    ca: None,
                    username: None,
                    password: None,
                    from: String::new(),
                    to: Vec::new(),
                },
            )?;
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
            let mut mqtt = from_url_or_env(
                name,
                cfg,
                &env,
                |u| mqtt::Mqtt::from_url(u, ui, redactor),
                |host| mqtt::Mqtt {
                    host,
                    port: mqtt::DEFAULT_PORT,
                    username: None,
                    password: None,
                    topic: None,
                    state_topic: None,
                    client_id: None,
                },
            )?;
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

/// An email or MQTT section's server: its `url`, or the URL in the variable `url_env`
/// names, read by `parse`; else `build` from `host`. Errors name the channel (and the
/// variable, never its value).
fn from_url_or_env<T>(
    name: &str,
    cfg: &ChannelConfig,
    env: &dyn Fn(&str) -> SecretRef,
    parse: impl Fn(&str) -> Result<T, String>,
    build: impl FnOnce(String) -> T,
) -> Result<T, Failure> {
    match (&cfg.url, &cfg.url_env) {
        (Some(u), None) => parse(u).map_err(|e| bad(name, e)),
        (None, Some(var)) => {
            let secret = env(var);
            let value = secret.require(name)?.expose().to_owned();
            parse(&value).map_err(|e| bad(name, format!("{}: {e}", secret.describe())))
        }
        (None, None) => cfg
            .host
            .clone()
            .map(build)
            .ok_or_else(|| bad(name, "`host` (or `url`) is required")),
        _ => Err(bad(name, "set at most one of `url` and `url_env`")),
    }
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
