//! MQTT (rumqttc): each event is published with QoS 1 on a topic, and the latest state is
//! published retained on a state topic, so a dashboard (Home Assistant) that connects
//! later still shows it. Payloads from `mqtt.json.j2` and `mqtt-state.json.j2`; topics are
//! MiniJinja strings too (default `slipway/{{ repository }}/{{ event }}` and the topic
//! plus `/state`).

use std::time::Duration;

use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
use serde_json::json;
use slipway_kit::{Failure, Ui};

use super::envelope::{Delivered, SendEnv};
use crate::redact::{Redactor, redact_url};
use crate::render::{Rendered, Renderer};
use crate::secret::SecretRef;

/// MQTT's usual port.
pub const DEFAULT_PORT: u16 = 1883;

/// The default topic template.
pub const DEFAULT_TOPIC: &str = "slipway/{{ repository or 'local' }}/{{ event }}";

/// An MQTT channel.
#[derive(Debug, Clone)]
pub struct Mqtt {
    /// Broker host.
    pub host: String,
    /// Broker port.
    pub port: u16,
    /// User name.
    pub username: Option<String>,
    /// Password.
    pub password: Option<SecretRef>,
    /// Topic template for each message.
    pub topic: Option<String>,
    /// Topic template for the retained state.
    pub state_topic: Option<String>,
    /// Client id.
    pub client_id: Option<String>,
}

impl Mqtt {
    /// Parses `mqtt://[USER[:PASS]@]HOST[:PORT]/TOPIC[?state_topic=T&client_id=C]`.
    pub fn from_url(url: &str, ui: &Ui, redactor: &Redactor) -> Result<Self, String> {
        let parsed = reqwest::Url::parse(url)
            .map_err(|e| format!("{} is not a valid URL: {e}", redact_url(url)))?;
        if parsed.scheme() != "mqtt" {
            return Err(format!("{}:// is not an MQTT URL", parsed.scheme()));
        }
        let host = parsed
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or("the MQTT URL has no host")?
            .to_owned();
        let topic = parsed.path().trim_start_matches('/');
        let mut mqtt = Self {
            host,
            port: parsed.port().unwrap_or(DEFAULT_PORT),
            username: (!parsed.username().is_empty()).then(|| parsed.username().to_owned()),
            password: parsed
                .password()
                .map(|p| SecretRef::inline(p, "mqtt password", ui, redactor)),
            topic: (!topic.is_empty()).then(|| topic.to_owned()),
            state_topic: None,
            client_id: None,
        };
        for (k, v) in parsed.query_pairs() {
            match k.as_ref() {
                "state_topic" => mqtt.state_topic = Some(v.into_owned()),
                "client_id" => mqtt.client_id = Some(v.into_owned()),
                other => return Err(format!("unknown MQTT URL parameter {other:?}")),
            }
        }
        Ok(mqtt)
    }
}

/// A rendered MQTT publication.
#[derive(Debug, Clone)]
pub struct Publication {
    /// The channel.
    pub mqtt: Mqtt,
    /// Event topic.
    pub topic: String,
    /// Event payload.
    pub payload: String,
    /// Retained state topic.
    pub state_topic: String,
    /// Retained state payload.
    pub state: String,
}

fn check_topic(topic: &str) -> Result<(), Failure> {
    if topic.is_empty() || topic.contains(['+', '#', '\0']) {
        return Err(Failure::bad_input(format!(
            "MQTT topic {topic:?} is empty or holds a wildcard (+ or #), which cannot be published to"
        )));
    }
    Ok(())
}

/// Renders topics and payloads.
pub fn prepare(
    mqtt: &Mqtt,
    renderer: &Renderer,
    rendered: &Rendered,
) -> Result<(Publication, serde_json::Value), Failure> {
    let topic = renderer.render_str(mqtt.topic.as_deref().unwrap_or(DEFAULT_TOPIC), rendered)?;
    let state_topic = match &mqtt.state_topic {
        Some(t) => renderer.render_str(t, rendered)?,
        None => format!("{topic}/state"),
    };
    check_topic(&topic)?;
    check_topic(&state_topic)?;
    let payload = renderer.render_json(rendered, "mqtt.json.j2", &[])?;
    let state = renderer.render_json(rendered, "mqtt-state.json.j2", &[])?;
    let preview = json!({
        "topic": topic, "payload": payload, "qos": 1,
        "state_topic": state_topic, "state": state, "state_retained": true,
    });
    Ok((
        Publication {
            mqtt: mqtt.clone(),
            topic,
            payload: payload.to_string(),
            state_topic,
            state: state.to_string(),
        },
        preview,
    ))
}

async fn publish_once(publication: &Publication, deadline: Duration) -> Result<(), String> {
    let m = &publication.mqtt;
    let client_id = m.client_id.clone().unwrap_or_else(|| {
        format!(
            "slipway-notify-{}",
            &uuid::Uuid::new_v4().simple().to_string()[..12]
        )
    });
    let mut options = MqttOptions::new(client_id, m.host.clone(), m.port);
    options.set_keep_alive(Duration::from_secs(10));
    options.set_clean_session(true);
    if let Some(user) = &m.username {
        let password = m
            .password
            .as_ref()
            .and_then(|p| p.value.as_ref())
            .map(|p| p.expose().to_owned())
            .unwrap_or_default();
        options.set_credentials(user.clone(), password);
    }
    let (client, mut events) = AsyncClient::new(options, 10);
    client
        .publish(
            publication.topic.clone(),
            QoS::AtLeastOnce,
            false,
            publication.payload.clone().into_bytes(),
        )
        .await
        .map_err(|e| e.to_string())?;
    client
        .publish(
            publication.state_topic.clone(),
            QoS::AtLeastOnce,
            true,
            publication.state.clone().into_bytes(),
        )
        .await
        .map_err(|e| e.to_string())?;
    let acked = tokio::time::timeout(deadline, async {
        let mut acks = 0;
        while acks < 2 {
            match events.poll().await {
                Ok(Event::Incoming(Packet::PubAck(_))) => acks += 1,
                Ok(Event::Incoming(Packet::ConnAck(ack)))
                    if ack.code != rumqttc::ConnectReturnCode::Success =>
                {
                    return Err(format!("broker refused the connection: {:?}", ack.code));
                }
                Ok(_) => {}
                Err(e) => return Err(e.to_string()),
            }
        }
        Ok(())
    })
    .await;
    match acked {
        Ok(Ok(())) => {
            let _ = client.disconnect().await;
            let _ = tokio::time::timeout(Duration::from_millis(200), events.poll()).await;
            Ok(())
        }
        Ok(Err(e)) => Err(e),
        Err(_) => Err(format!(
            "no PUBACK within {}",
            slipway_kit::ui::format_ms(deadline.as_millis())
        )),
    }
}

/// Publishes the event and the retained state (QoS 1), retrying the whole exchange.
pub async fn send(publication: &Publication, env: &SendEnv) -> Result<Delivered, String> {
    let m = &publication.mqtt;
    let total = env.policy.attempts.max(1);
    let mut delay = env.policy.backoff;
    loop {
        let attempt = env.attempts.bump();
        match publish_once(publication, env.policy.attempt_timeout).await {
            Ok(()) => {
                return Ok(Delivered {
                    detail: Some(format!(
                        "published on {} and retained on {} at {}:{}",
                        publication.topic, publication.state_topic, m.host, m.port
                    )),
                    outputs: Vec::new(),
                });
            }
            Err(e) => {
                let text = format!("MQTT {}:{}: {e}", m.host, m.port);
                if attempt >= total {
                    return Err(if attempt > 1 {
                        format!("{text} (gave up after {attempt} attempts)")
                    } else {
                        text
                    });
                }
                tokio::time::sleep(delay).await;
                delay = delay.saturating_mul(2);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use slipway_kit::outputs::StepFiles;
    use slipway_kit::ui::Mode;

    #[test]
    fn mqtt_urls_give_host_port_topic_and_options() {
        let ui = Ui::with(Mode::Human { color: false }, StepFiles::default());
        let r = Redactor::default();
        let m = Mqtt::from_url(
            "mqtt://ha:pw@broker.lan:1884/home/ci?state_topic=home/ci/state",
            &ui,
            &r,
        )
        .unwrap();
        assert_eq!((m.host.as_str(), m.port), ("broker.lan", 1884));
        assert_eq!(m.topic.as_deref(), Some("home/ci"));
        assert_eq!(m.state_topic.as_deref(), Some("home/ci/state"));
        assert_eq!(r.redact("pw"), "***");
        assert!(Mqtt::from_url("mqtt://h/?qos=2", &ui, &r).is_err());
    }

    #[test]
    fn wildcard_topics_are_refused() {
        assert!(check_topic("a/+/b").is_err());
        assert!(check_topic("a/b").is_ok());
    }
}
