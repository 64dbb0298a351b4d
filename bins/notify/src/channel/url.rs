//! Channels from `--to` URLs (`slack://…`, `smtp://…`, `github://issue`, …), parsed
//! without ever putting their secret parts in an error.

use slipway_kit::{Failure, Ui};

use super::{Channel, Target, email, github, mqtt, slack, webhook};
use crate::config::{ChannelType, GithubMode};
use crate::redact::{Redactor, redact_url};
use crate::routing::Filters;
use crate::secret::SecretRef;

/// Checks that `url` is an http(s) URL with a host; the error never shows its secrets.
pub(super) fn check_http(url: &str) -> Result<(), String> {
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
