//! Chat webhooks that take one JSON document: Slack incoming webhooks (Block Kit),
//! Microsoft Teams workflow webhooks (Adaptive Card), Discord (embeds) and Google Chat
//! (cardsV2). The payload comes from `<type>.json.j2`.

use reqwest::Method;
use slipway_kit::Failure;

use crate::config::ChannelType;
use crate::http::Request;
use crate::render::{Rendered, Renderer};
use crate::secret::SecretRef;

/// The default payload template of a chat type.
pub fn template_name(kind: ChannelType) -> &'static str {
    match kind {
        ChannelType::Slack => "slack.json.j2",
        ChannelType::Teams => "teams.json.j2",
        ChannelType::Discord => "discord.json.j2",
        ChannelType::GoogleChat => "google-chat.json.j2",
        _ => "webhook.json.j2",
    }
}

/// Renders the payload and builds the POST (the URL may be missing in `--dry-run`), with
/// the payload as its preview.
pub fn prepare(
    template: &str,
    url: &SecretRef,
    renderer: &Renderer,
    rendered: &Rendered,
) -> Result<(Request, serde_json::Value), Failure> {
    let payload = renderer.render_json(rendered, template, &[])?;
    let body = serde_json::to_vec(&payload).unwrap_or_default();
    Ok((
        Request {
            method: Method::POST,
            url: url
                .value
                .as_ref()
                .map(|s| s.expose().to_owned())
                .unwrap_or_default(),
            headers: vec![(
                "Content-Type".to_owned(),
                "application/json; charset=utf-8".to_owned(),
            )],
            body,
        },
        payload,
    ))
}
