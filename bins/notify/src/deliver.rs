//! Fan-out: every routed channel is rendered first (so a template or config error stops
//! the run before anything is sent), then all are sent at once on tokio, each under its
//! own deadline. One channel failing or hanging never delays or stops the others.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::Value;
use slipway_kit::{Failure, GithubContext};

pub use crate::channel::envelope::{Delivered, SendEnv};
use crate::channel::github::Plan;
use crate::channel::{self, Channel, Target};
use crate::config::ChannelType;
use crate::http::{Attempts, Request, RetryPolicy};
use crate::render::{Rendered, Renderer};
use crate::state::State;

/// A channel's message, rendered and ready to send.
#[derive(Debug, Clone)]
pub enum Prepared {
    /// One HTTP request (chat webhooks, generic webhook).
    Http {
        /// The request.
        request: Request,
        /// The JSON payload, for `--dry-run`.
        preview: Value,
    },
    /// Slack bot post or update.
    SlackBot(channel::slack::BotMessage),
    /// An email.
    Email(channel::email::Mail),
    /// MQTT publications.
    Mqtt(channel::mqtt::Publication),
    /// GitHub requests.
    Github(channel::github::Work),
    /// Nothing to send (a GitHub channel with nothing to do).
    Skip(String),
}

/// How a channel ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Sent and accepted.
    Delivered,
    /// Sending failed.
    Failed,
    /// Filtered out, disabled or nothing to do.
    Skipped,
    /// `--dry-run`: rendered, not sent.
    DryRun,
}

/// One channel's line in the report.
#[derive(Debug, Clone, Serialize)]
pub struct ChannelResult {
    /// Channel name.
    pub name: String,
    /// Channel type.
    #[serde(rename = "type")]
    pub kind: ChannelType,
    /// Where it sends (no secrets).
    pub destination: String,
    /// Outcome.
    pub outcome: Outcome,
    /// Attempts made.
    pub attempts: u32,
    /// Time taken, milliseconds.
    pub duration_ms: u64,
    /// What happened or why it was skipped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Why it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// What it would send (`--dry-run`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payload: Option<Value>,
    /// Step outputs this channel produced.
    #[serde(skip)]
    pub outputs: Vec<(String, String)>,
}

impl ChannelResult {
    /// A result without a send.
    pub fn new(channel: &Channel, outcome: Outcome) -> Self {
        Self {
            name: channel.name.clone(),
            kind: channel.kind,
            destination: channel.destination(),
            outcome,
            attempts: 0,
            duration_ms: 0,
            detail: None,
            error: None,
            payload: None,
            outputs: Vec::new(),
        }
    }
}

/// Renders `channel`'s message: the prepared send and its preview.
pub fn prepare(
    channel: &Channel,
    renderer: &Renderer,
    rendered: &Rendered,
) -> Result<(Prepared, Value), Failure> {
    let custom = channel
        .template
        .as_ref()
        .map(|_| format!("@{}", channel.name));
    let named = |default: &'static str| custom.clone().unwrap_or_else(|| default.to_owned());
    let http = |(request, preview): (Request, Value)| {
        (
            Prepared::Http {
                request,
                preview: preview.clone(),
            },
            preview,
        )
    };
    let wrap = |e: Failure| Failure {
        cause: format!("channel {}: {}", channel.name, e.cause),
        ..e
    };
    match &channel.target {
        Target::SlackWebhook { url } => {
            channel::chat::prepare(&named("slack.json.j2"), url, renderer, rendered).map(http)
        }
        Target::Chat { kind, url } => channel::chat::prepare(
            &named(channel::chat::template_name(*kind)),
            url,
            renderer,
            rendered,
        )
        .map(http),
        Target::SlackBot(bot) => channel::slack::prepare(
            &channel.name,
            bot,
            &named("slack.json.j2"),
            renderer,
            rendered,
        )
        .map(|message| {
            let preview = message.payload.clone();
            (Prepared::SlackBot(message), preview)
        }),
        Target::Webhook(hook) => {
            channel::webhook::prepare(hook, &named("webhook.json.j2"), renderer, rendered).map(http)
        }
        Target::Email(email) => channel::email::prepare(email, renderer, rendered)
            .map(|(mail, preview)| (Prepared::Email(mail), preview)),
        Target::Mqtt(mqtt) => channel::mqtt::prepare(mqtt, renderer, rendered)
            .map(|(publication, preview)| (Prepared::Mqtt(publication), preview)),
        Target::Github(github) => {
            channel::github::prepare(&channel.name, github, renderer, rendered).map(
                |(plan, preview)| match plan {
                    Plan::Run(work) => (Prepared::Github(*work), preview),
                    Plan::Skip(why) => (Prepared::Skip(why), preview),
                },
            )
        }
        Target::Unresolved { url } => {
            let why = format!("{} is not set", url.describe());
            Ok((
                Prepared::Skip(why.clone()),
                serde_json::json!({ "unresolved": why }),
            ))
        }
    }
    .map_err(wrap)
}

/// One channel to send.
#[derive(Debug, Clone)]
pub struct Job {
    /// The channel.
    pub channel: Channel,
    /// Its message.
    pub prepared: Prepared,
}

async fn send_one(
    prepared: &Prepared,
    env: &SendEnv,
    state: &Arc<Mutex<State>>,
) -> Result<Delivered, String> {
    match prepared {
        Prepared::Http { request, .. } => {
            let reply = crate::http::send(&env.http, request, env.policy, &env.attempts).await?;
            Ok(Delivered {
                detail: Some(format!("answered {}", reply.status)),
                outputs: Vec::new(),
            })
        }
        Prepared::SlackBot(msg) => channel::slack::send(msg, env, state).await,
        Prepared::Email(mail) => channel::email::send(mail, env).await,
        Prepared::Mqtt(p) => channel::mqtt::send(p, env).await,
        Prepared::Github(work) => channel::github::send(work, env).await,
        Prepared::Skip(why) => Ok(Delivered {
            detail: Some(why.clone()),
            outputs: Vec::new(),
        }),
    }
}

/// Deadlines and retries for a run.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Per channel, every attempt included.
    pub timeout: Duration,
    /// Retry rules.
    pub policy: RetryPolicy,
}

/// Sends every job at once; results in the jobs' order.
pub async fn send_all(
    jobs: Vec<Job>,
    limits: Limits,
    github: &GithubContext,
    state: Arc<Mutex<State>>,
) -> Vec<ChannelResult> {
    let http = reqwest::Client::builder()
        .user_agent(concat!("slipway-notify/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(limits.policy.attempt_timeout)
        .build()
        .unwrap_or_default();
    let mut set = tokio::task::JoinSet::new();
    let count = jobs.len();
    for (index, job) in jobs.into_iter().enumerate() {
        let mut policy = limits.policy;
        if let Some(a) = job.channel.attempts {
            policy.attempts = a.max(1);
        }
        let timeout = job.channel.timeout.unwrap_or(limits.timeout);
        let env = SendEnv {
            http: http.clone(),
            policy,
            github: github.clone(),
            attempts: Attempts::default(),
        };
        let state = Arc::clone(&state);
        set.spawn(async move {
            let started = Instant::now();
            let outcome =
                tokio::time::timeout(timeout, send_one(&job.prepared, &env, &state)).await;
            let mut result = ChannelResult::new(&job.channel, Outcome::Delivered);
            result.attempts = env.attempts.get();
            result.duration_ms = started.elapsed().as_millis() as u64;
            match outcome {
                Ok(Ok(delivered)) => {
                    if matches!(job.prepared, Prepared::Skip(_)) {
                        result.outcome = Outcome::Skipped;
                    }
                    result.detail = delivered.detail;
                    result.outputs = delivered.outputs;
                }
                Ok(Err(e)) => {
                    result.outcome = Outcome::Failed;
                    result.error = Some(e);
                }
                Err(_) => {
                    result.outcome = Outcome::Failed;
                    result.error = Some(format!(
                        "no delivery within the channel's {} deadline ({} attempts)",
                        slipway_kit::ui::format_ms(timeout.as_millis()),
                        result.attempts
                    ));
                }
            }
            (index, result)
        });
    }
    let mut results: Vec<Option<ChannelResult>> = vec![None; count];
    while let Some(joined) = set.join_next().await {
        if let Ok((index, result)) = joined {
            results[index] = Some(result);
        }
    }
    results.into_iter().flatten().collect()
}
