//! An MQTT broker on loopback: mosquitto, with subscribers that record.
//!
//! [`Mosquitto::start`] runs `mosquitto -v -p PORT` with no config file,
//! which is mosquitto 2's local-only mode (127.0.0.1 and ::1, anonymous
//! clients allowed). [`Mosquitto::subscribe`] starts `mosquitto_sub` and
//! returns once the broker has logged its SUBSCRIBE, so nothing published
//! afterwards is missed; [`Subscriber::messages`] waits for the expected
//! count. Retained messages can be read after the fact with
//! [`Mosquitto::retained`].
//!
//! ```no_run
//! use std::time::Duration;
//! use slipway_test_support::mqtt::Mosquitto;
//! let broker = Mosquitto::start();
//! let sub = broker.subscribe("deploys/#", 1, Duration::from_secs(5));
//! broker.publish("deploys/production", "1.2.3", false);
//! assert_eq!(sub.messages()[0].text(), "1.2.3");
//! ```

use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use tempfile::TempDir;

use crate::ports::free_port;
use crate::process::{ServerProcess, run_checked};
use crate::program;

/// One message a subscriber received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MqttMessage {
    /// The topic it was published on.
    pub topic: String,
    /// The payload bytes.
    pub payload: Vec<u8>,
    /// Whether it was delivered as a retained message.
    pub retained: bool,
    /// The QoS it was delivered with.
    pub qos: u8,
}

impl MqttMessage {
    /// The payload as text (lossy UTF-8).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.payload).into_owned()
    }

    /// The payload parsed as JSON; panics with the payload when it is not JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.payload)
            .unwrap_or_else(|e| panic!("MQTT payload is not JSON ({e}): {}", self.text()))
    }
}

/// A running mosquitto, stopped on drop.
pub struct Mosquitto {
    process: ServerProcess,
    dir: TempDir,
    port: u16,
}

impl Mosquitto {
    /// Starts mosquitto on a free port.
    pub fn start() -> Self {
        let binary = program::require("mosquitto");
        program::require("mosquitto_sub");
        let dir = tempfile::Builder::new()
            .prefix("slipway-mqtt-")
            .tempdir()
            .expect("create a temporary directory");
        let port = free_port();
        let mut command = Command::new(binary);
        command
            .args(["-v", "-p", &port.to_string()])
            .current_dir(dir.path());
        let mut process =
            ServerProcess::spawn("mosquitto", command, &dir.path().join("mosquitto.log"));
        process.wait_for_port(port, Duration::from_secs(10));
        Self { process, dir, port }
    }

    /// The port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `127.0.0.1`.
    pub fn host(&self) -> &'static str {
        "127.0.0.1"
    }

    /// `mqtt://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("mqtt://127.0.0.1:{}", self.port)
    }

    /// Subscribes to `topic` (wildcards allowed) until `count` messages have
    /// arrived or `timeout` has passed. Returns once the broker has the
    /// subscription.
    pub fn subscribe(&self, topic: &str, count: usize, timeout: Duration) -> Subscriber {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let id = format!(
            "slipway-sub-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let out = self.dir.path().join(format!("{id}.out"));
        let mut command = Command::new(program::require("mosquitto_sub"));
        command.args([
            "-h",
            "127.0.0.1",
            "-p",
            &self.port.to_string(),
            "-i",
            &id,
            "-t",
            topic,
            "-q",
            "1",
        ]);
        command.args([
            "-C",
            &count.to_string(),
            "-W",
            &timeout.as_secs().max(1).to_string(),
            "-F",
            "MSG %r %q %x %t",
        ]);
        let mut process = ServerProcess::spawn("mosquitto_sub", command, &out);
        let marker = format!("Received SUBSCRIBE from {id}");
        let log = self.process.log_path().to_owned();
        process.wait_until(
            "the broker to log the SUBSCRIBE",
            Duration::from_secs(10),
            || std::fs::read_to_string(&log).is_ok_and(|l| l.contains(&marker)),
        );
        Subscriber {
            process,
            out,
            timeout,
        }
    }

    /// Publishes `payload` on `topic` with `mosquitto_pub` (QoS 1).
    pub fn publish(&self, topic: &str, payload: &str, retain: bool) {
        let mut command = Command::new(program::require("mosquitto_pub"));
        command.args([
            "-h",
            "127.0.0.1",
            "-p",
            &self.port.to_string(),
            "-q",
            "1",
            "-t",
            topic,
            "-m",
            payload,
        ]);
        if retain {
            command.arg("-r");
        }
        run_checked("mosquitto_pub", &mut command);
    }

    /// The message retained on `topic`, if any (waits at most 1 s).
    pub fn retained(&self, topic: &str) -> Option<MqttMessage> {
        let mut command = Command::new(program::require("mosquitto_sub"));
        command.args([
            "-h",
            "127.0.0.1",
            "-p",
            &self.port.to_string(),
            "-t",
            topic,
            "--retained-only",
        ]);
        command.args(["-C", "1", "-W", "1", "-F", "MSG %r %q %x %t"]);
        let output = command
            .output()
            .unwrap_or_else(|e| panic!("cannot run mosquitto_sub: {e}"));
        parse_messages(&String::from_utf8_lossy(&output.stdout))
            .into_iter()
            .next()
    }

    /// The broker's log (`-v`: every connection, subscription and publish).
    pub fn log(&self) -> String {
        self.process.log()
    }
}

/// A `mosquitto_sub` started by [`Mosquitto::subscribe`]; killed on drop.
pub struct Subscriber {
    process: ServerProcess,
    out: PathBuf,
    timeout: Duration,
}

impl Subscriber {
    /// Waits until the expected count has arrived (or the timeout given to
    /// [`Mosquitto::subscribe`] has passed) and returns what arrived.
    pub fn messages(mut self) -> Vec<MqttMessage> {
        let _ = self
            .process
            .wait_for_exit(self.timeout + Duration::from_secs(2));
        self.received()
    }

    /// What has arrived so far, without waiting.
    pub fn received(&self) -> Vec<MqttMessage> {
        parse_messages(&std::fs::read_to_string(&self.out).unwrap_or_default())
    }
}

/// Parses `MSG RETAINED QOS HEXPAYLOAD TOPIC` lines.
fn parse_messages(output: &str) -> Vec<MqttMessage> {
    output
        .lines()
        .filter_map(|line| {
            let rest = line.strip_prefix("MSG ")?;
            let mut parts = rest.splitn(4, ' ');
            let retained = parts.next()? == "1";
            let qos = parts.next()?.parse().ok()?;
            let hex = parts.next()?;
            let topic = parts.next()?.to_owned();
            let payload = (0..hex.len() / 2)
                .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16))
                .collect::<Result<_, _>>()
                .ok()?;
            Some(MqttMessage {
                topic,
                payload,
                retained,
                qos,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_hex_payloads_with_newlines_and_spaces_in_topics() {
        let messages = parse_messages("MSG 1 1 610a62 a b/c\nnoise\n");
        assert_eq!(
            messages,
            vec![MqttMessage {
                topic: "a b/c".into(),
                payload: b"a\nb".to_vec(),
                retained: true,
                qos: 1
            }]
        );
    }
}
