//! Generic JSON webhook: the whole message context under `schema: slipway.notify.event/v1`
//! (template `webhook.json.j2`), signed like GitHub's webhooks when a key is configured:
//! `X-Slipway-Signature-256: sha256=HEX` is the HMAC-SHA256 of the raw body. Every
//! request also carries `X-Slipway-Event` and `X-Slipway-Delivery` (a UUID that stays the
//! same across retries, so a receiver can drop a duplicate).

use hmac::{Hmac, Mac as _};
use reqwest::Method;
use sha2::Sha256;
use slipway_kit::Failure;

use crate::http::Request;
use crate::render::{Rendered, Renderer};
use crate::secret::SecretRef;

/// The schema of the generic webhook payload.
pub const SCHEMA: &str = "slipway.notify.event/v1";

/// A generic webhook.
#[derive(Debug, Clone)]
pub struct Webhook {
    /// The URL.
    pub url: SecretRef,
    /// The HMAC key.
    pub secret: Option<SecretRef>,
    /// Unused for now (room for payload styles).
    pub style: Option<String>,
}

impl Webhook {
    /// Where it sends, printable.
    pub fn describe(&self) -> String {
        match (&self.url.var, &self.url.value) {
            (Some(var), _) if var != "url" => format!("${var}"),
            (_, Some(url)) => crate::redact::redact_url(url.expose()),
            _ => self.url.describe(),
        }
    }
}

/// `sha256=HEX` of `body` under `key`.
pub fn signature(key: &[u8], body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Renders the payload, signs it and builds the POST.
pub fn prepare(
    hook: &Webhook,
    template: &str,
    renderer: &Renderer,
    rendered: &Rendered,
) -> Result<(Request, serde_json::Value), Failure> {
    let mut payload = serde_json::Map::new();
    payload.insert("schema".into(), SCHEMA.into());
    for (k, v) in rendered.value() {
        payload.insert(k.clone(), v.clone());
    }
    let payload = renderer.render_json(
        rendered,
        template,
        &[("payload", serde_json::Value::Object(payload))],
    )?;
    let body = serde_json::to_vec(&payload).unwrap_or_default();
    let event = rendered
        .value()
        .get("event")
        .and_then(serde_json::Value::as_str)
        .unwrap_or("pipeline")
        .to_owned();
    let mut headers = vec![
        (
            "Content-Type".to_owned(),
            "application/json; charset=utf-8".to_owned(),
        ),
        ("X-Slipway-Event".to_owned(), event),
        (
            "X-Slipway-Delivery".to_owned(),
            uuid::Uuid::new_v4().to_string(),
        ),
    ];
    if let Some(key) = hook.secret.as_ref().and_then(|s| s.value.as_ref()) {
        headers.push((
            "X-Slipway-Signature-256".to_owned(),
            signature(key.expose().as_bytes(), &body),
        ));
    }
    Ok((
        Request {
            method: Method::POST,
            url: hook
                .url
                .value
                .as_ref()
                .map(|s| s.expose().to_owned())
                .unwrap_or_default(),
            headers,
            body,
        },
        payload,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_githubs_documented_example() {
        // From GitHub's "Validating webhook deliveries" documentation.
        assert_eq!(
            signature(b"It's a Secret to Everybody", b"Hello, World!"),
            "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
        );
    }
}
