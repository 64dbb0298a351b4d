//! `[deploy.environments.NAME.command]`: the phase commands of the `command` platform
//! and router.

use serde::Deserialize;
use slipway_config::Duration as ConfigDuration;
use slipway_kit::Failure;

/// Placeholders of `route` besides the usual ones.
pub const ROUTE_VARIABLES: &[&str] = &["backends", "weights", "versions", "environment"];

/// `[deploy.environments.NAME.command]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CommandConfig {
    /// Run before `start` (optional).
    pub prepare: Option<String>,
    /// Exits 0 when the slot is healthy; polled after start (optional: else the HTTP check).
    pub health: Option<String>,
    /// Applies a routing (required with `router = "command"`).
    pub route: Option<String>,
    /// Between health attempts (default 1s).
    pub health_interval: ConfigDuration,
    /// How long a slot may take to become healthy (default 5m).
    pub health_timeout: ConfigDuration,
}

impl Default for CommandConfig {
    fn default() -> Self {
        Self {
            prepare: None,
            health: None,
            route: None,
            health_interval: ConfigDuration::from_secs(1),
            health_timeout: ConfigDuration::from_secs(300),
        }
    }
}

impl CommandConfig {
    /// Checks the section for `platform = "command"` / `router = "command"`.
    pub fn check(&self, key: &str, router: bool) -> std::result::Result<(), Failure> {
        for (name, value) in [("prepare", &self.prepare), ("health", &self.health)] {
            if let Some(p) = value
                .as_deref()
                .and_then(crate::template::unknown_placeholder)
            {
                return Err(Failure::bad_input(format!(
                    "{key}.{name}: unknown placeholder {{{p}}}"
                )));
            }
        }
        if router {
            let Some(route) = self.route.as_deref().filter(|r| !r.trim().is_empty()) else {
                return Err(Failure::bad_input(format!(
                    "{key}.route: is required with router = \"command\" (the command that applies a routing)"
                ))
                .help("it gets {backends}, {weights} and {versions}, and the routing as JSON on stdin"));
            };
            if let Some(p) = crate::template::unknown_placeholder_among(route, ROUTE_VARIABLES) {
                return Err(Failure::bad_input(format!(
                    "{key}.route: unknown placeholder {{{p}}}"
                ))
                .help("route may use {backends} {weights} {versions} {environment}"));
            }
        }
        Ok(())
    }
}
