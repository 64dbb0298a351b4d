//! What is checked around a switch and run beside it: `[health]`, `[smoke]` and
//! `[hooks]`.

use serde::Deserialize;
use slipway_config::Duration;

/// `[deploy.environments.NAME.health]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HealthConfig {
    /// URL template (default `http://{address}:{port}/health`).
    pub url: String,
    /// Expected status (default 200).
    pub status: u16,
    /// A substring the body must contain.
    pub body: Option<String>,
    /// Time between attempts (default 1s).
    pub interval: Duration,
    /// Timeout of one attempt (default 2s).
    pub timeout: Duration,
    /// Consecutive failures, after the slot first answered, that fail the check (default 3).
    pub failures: u32,
    /// Consecutive successes that pass it (default 1).
    pub successes: u32,
    /// How long a slot may take to answer at all after its start command (default 60s). The
    /// whole check ends by `start_timeout + successes × (interval + timeout)`.
    pub start_timeout: Duration,
    /// PEM certificates trusted for an `https://` health URL, besides the system roots.
    pub ca_file: Option<String>,
}

impl Default for HealthConfig {
    fn default() -> Self {
        Self {
            url: "http://{address}:{port}/health".to_owned(),
            status: 200,
            body: None,
            interval: Duration::from_secs(1),
            timeout: Duration::from_secs(2),
            failures: 3,
            successes: 1,
            start_timeout: Duration::from_secs(60),
            ca_file: None,
        }
    }
}

/// `[deploy.environments.NAME.smoke]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SmokeConfig {
    /// Commands run on this machine after the switch (blue-green: also before it, against the new slot, with `before_switch`).
    pub commands: Vec<String>,
    /// Run the smoke commands against the new slot before switching instead of after (default false: after).
    pub before_switch: bool,
    /// Timeout of each command (default 2m).
    pub timeout: Duration,
}

impl Default for SmokeConfig {
    fn default() -> Self {
        Self {
            commands: Vec::new(),
            before_switch: false,
            timeout: Duration::from_secs(120),
        }
    }
}

/// `[deploy.environments.NAME.hooks]`: commands run on this machine.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HooksConfig {
    /// Before anything starts (migrations). A failure stops the deploy, nothing changed.
    pub pre_deploy: Vec<String>,
    /// After traffic moved to the new version.
    pub post_switch: Vec<String>,
    /// After a failed deploy was routed back (failures here are reported, not fatal).
    pub on_failure: Vec<String>,
    /// Timeout of each hook (default 10m).
    pub timeout: Option<Duration>,
}
