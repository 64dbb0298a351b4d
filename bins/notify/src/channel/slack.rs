//! Slack with a bot token: `chat.postMessage`, and `chat.update` to turn a "deploy started"
//! message into its result. The started message's `ts` is kept in the state file (and set
//! as the `slack-ts` step output); a later `notify` for the same channel, event and
//! environment updates that message in place and, when something went wrong, also replies
//! in its thread so people are notified. Incoming webhooks are in [`super::chat`].

use std::sync::{Arc, Mutex};

use reqwest::Method;
use serde_json::{Value, json};
use slipway_kit::Failure;

use super::envelope::{Delivered, SendEnv};
use crate::http::Request;
use crate::render::{Rendered, Renderer};
use crate::secret::SecretRef;
use crate::state::{SlackMessage, State};

/// Slack's Web API.
pub const API_URL: &str = "https://slack.com/api";

/// A Slack bot channel.
#[derive(Debug, Clone)]
pub struct Bot {
    /// `xoxb-…` token.
    pub token: SecretRef,
    /// Channel id or name.
    pub channel: String,
    /// Web API base.
    pub api_url: String,
}

/// A bot message ready to go.
#[derive(Debug, Clone)]
pub struct BotMessage {
    /// The bot.
    pub bot: Bot,
    /// Block Kit payload from `slack.json.j2`.
    pub payload: Value,
    /// State key: `CHANNEL/EVENT/ENVIRONMENT`.
    pub key: String,
    /// Whether this is a start (remember the ts) or a result (update the started message).
    pub started: bool,
    /// Whether to also reply in the thread (a problem).
    pub reply_in_thread: bool,
}

/// Renders the payload.
pub fn prepare(
    name: &str,
    bot: &Bot,
    template: &str,
    renderer: &Renderer,
    rendered: &Rendered,
) -> Result<BotMessage, Failure> {
    let payload = renderer.render_json(rendered, template, &[])?;
    let value = rendered.value();
    let s = |k: &str| {
        value
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or("-")
            .to_owned()
    };
    let scope = value
        .get("environment")
        .or_else(|| value.get("branch"))
        .and_then(Value::as_str)
        .unwrap_or("-");
    let status = s("status");
    Ok(BotMessage {
        bot: bot.clone(),
        payload,
        key: format!("{name}/{}/{scope}", s("event")),
        started: status == "started",
        reply_in_thread: status == "failure" || status == "rolled-back",
    })
}

async fn call(env: &SendEnv, bot: &Bot, method: &str, body: &Value) -> Result<Value, String> {
    let token = bot
        .token
        .value
        .as_ref()
        .ok_or_else(|| "no token".to_owned())?;
    let request = Request {
        method: Method::POST,
        url: format!("{}/{method}", bot.api_url.trim_end_matches('/')),
        headers: vec![
            (
                "Content-Type".to_owned(),
                "application/json; charset=utf-8".to_owned(),
            ),
            (
                "Authorization".to_owned(),
                format!("Bearer {}", token.expose()),
            ),
        ],
        body: serde_json::to_vec(body).unwrap_or_default(),
    };
    let reply = crate::http::send(&env.http, &request, env.policy, &env.attempts).await?;
    let answer: Value = serde_json::from_str(&reply.body)
        .map_err(|e| format!("{method}: Slack answered something that is not JSON: {e}"))?;
    if answer.get("ok").and_then(Value::as_bool) == Some(true) {
        Ok(answer)
    } else {
        let error = answer
            .get("error")
            .and_then(Value::as_str)
            .unwrap_or("unknown error");
        Err(format!("{method}: Slack said {error}"))
    }
}

/// Posts or updates the message; returns what was done.
pub async fn send(
    msg: &BotMessage,
    env: &SendEnv,
    state: &Arc<Mutex<State>>,
) -> Result<Delivered, String> {
    let lock = |s: &Arc<Mutex<State>>| {
        s.lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .slack
            .get(&msg.key)
            .cloned()
    };
    let previous = if msg.started { None } else { lock(state) };
    let mut body = msg.payload.clone();
    if let Some(prev) = previous {
        body["channel"] = json!(prev.channel);
        body["ts"] = json!(prev.ts);
        call(env, &msg.bot, "chat.update", &body).await?;
        if msg.reply_in_thread {
            let mut reply = msg.payload.clone();
            reply["channel"] = json!(prev.channel);
            reply["thread_ts"] = json!(prev.ts);
            call(env, &msg.bot, "chat.postMessage", &reply).await?;
        }
        state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .slack
            .remove(&msg.key);
        return Ok(Delivered {
            detail: Some(format!("updated message {} in {}", prev.ts, prev.channel)),
            outputs: vec![("slack-ts".to_owned(), prev.ts)],
        });
    }
    body["channel"] = json!(msg.bot.channel);
    let answer = call(env, &msg.bot, "chat.postMessage", &body).await?;
    let ts = answer
        .get("ts")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let channel = answer
        .get("channel")
        .and_then(Value::as_str)
        .unwrap_or(&msg.bot.channel)
        .to_owned();
    if msg.started && !ts.is_empty() {
        state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .slack
            .insert(
                msg.key.clone(),
                SlackMessage {
                    channel: channel.clone(),
                    ts: ts.clone(),
                },
            );
    }
    Ok(Delivered {
        detail: Some(format!("posted message {ts} in {channel}")),
        outputs: vec![("slack-ts".to_owned(), ts)],
    })
}
