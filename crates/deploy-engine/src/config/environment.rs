//! An environment as written (`[deploy.environments.NAME]`) and as checked, with every
//! default filled in ([`Environment`]). The sections of platforms, routers, strategies
//! and analysis are theirs; this module only assembles them.

use std::collections::BTreeMap;

use serde::Deserialize;
use slipway_config::Duration;

use super::strategy::{key_owner, strategy_uses};
use super::{
    HealthConfig, HooksConfig, Host, HostEntry, NginxConfig, PlatformKind, RouterHost, RouterKind,
    SmokeConfig, SshConfig, StrategyKind,
};
use crate::analysis::AnalysisConfig;
use crate::haproxy::config::HaproxyConfig;
use crate::platform::command::config::CommandConfig;
use crate::platform::kubernetes::config::{IntOrPercent, IntOrString, KubernetesConfig};
use crate::strategy::canary::config::CanaryConfig;

/// `[deploy.environments.NAME]` as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EnvironmentConfig {
    /// `blue-green` (default) or `rolling`.
    pub strategy: StrategyKind,
    /// The public URL, reported in outputs.
    pub url: Option<String>,
    /// `hosts` (default).
    pub platform: PlatformKind,
    /// Hosts; the first is the primary (ledger, lock and, by default, nginx). Default `["local"]`.
    pub hosts: Vec<HostEntry>,
    /// Slot name to port; two slots (default `blue = 8081, green = 8082`).
    pub slots: BTreeMap<String, u16>,
    /// Starts a version in a slot; must return once it is started (run the service in the background or through a supervisor).
    pub start: String,
    /// Stops whatever runs in a slot; must succeed when nothing runs there.
    pub stop: String,
    /// Timeout of each start and stop command (default 5m).
    pub command_timeout: Option<Duration>,
    /// SSH settings.
    pub ssh: SshConfig,
    /// `nginx` (default) or `none`.
    pub router: RouterKind,
    /// nginx settings.
    pub nginx: NginxConfig,
    /// HAProxy settings (router = "haproxy").
    pub haproxy: HaproxyConfig,
    /// Phase commands (platform = "command", router = "command").
    pub command: CommandConfig,
    /// Kubernetes settings (platform = "kubernetes").
    pub kubernetes: KubernetesConfig,
    /// Canary steps (strategy = "canary").
    pub canary: Option<CanaryConfig>,
    /// Analysis during canary steps, after each rolling batch and through the validation
    /// window (canary: probe by default; the others only when the section is written).
    pub analysis: Option<AnalysisConfig>,
    /// Health check.
    pub health: HealthConfig,
    /// Smoke commands.
    pub smoke: SmokeConfig,
    /// Hooks.
    pub hooks: HooksConfig,
    /// How long to watch the new version after the switch, health-checking it (default 0s).
    pub validation_window: Duration,
    /// Rolling: hosts taken out of rotation at a time, as Kubernetes' `maxUnavailable`: a
    /// number, or a percentage of the hosts rounded down (default 1, or 0 when
    /// `max_surge` is set).
    pub max_unavailable: Option<IntOrString>,
    /// Rolling: hosts that start the new version while their old one keeps serving, as
    /// Kubernetes' `maxSurge`: a number, or a percentage of the hosts rounded up
    /// (default 0).
    pub max_surge: Option<IntOrString>,
    /// Rolling: how long each batch is analysed after it went back into rotation (default
    /// 30s; needs an `[analysis]` section).
    pub batch_window: Option<Duration>,
    /// Keep the previous version running, idle, in its slot for a fast rollback (default true).
    pub keep_previous: Option<bool>,
    /// Directory on the primary host for the ledger and lock (default `~/.slipway/NAME`).
    pub state_dir: Option<String>,
    /// Ledger entries kept (default 50).
    pub history: Option<usize>,
    /// A lock older than this is stale (default 1h).
    pub lock_ttl: Option<Duration>,
}

impl EnvironmentConfig {
    /// The keys written here that only one strategy uses, in file order of the reference.
    pub fn strategy_keys(&self) -> Vec<&'static str> {
        [
            ("max_surge", self.max_surge.is_some()),
            ("max_unavailable", self.max_unavailable.is_some()),
            ("batch_window", self.batch_window.is_some()),
            ("canary", self.canary.is_some()),
        ]
        .into_iter()
        .filter_map(|(k, set)| set.then_some(k))
        .collect()
    }
}

/// An environment, checked and with every default filled in.
#[derive(Debug, Clone)]
pub struct Environment {
    /// Its name.
    pub name: String,
    /// The strategy (a flag may override it).
    pub strategy: StrategyKind,
    /// Public URL.
    pub url: Option<String>,
    /// Hosts, the primary first.
    pub hosts: Vec<Host>,
    /// Slot names, in order (the first is used for the first deploy).
    pub slot_names: Vec<String>,
    /// Start command template.
    pub start: String,
    /// Stop command template.
    pub stop: String,
    /// Timeout of start and stop commands.
    pub command_timeout: std::time::Duration,
    /// SSH settings.
    pub ssh: SshConfig,
    /// Router.
    pub router: RouterKind,
    /// nginx settings (when `router` is nginx).
    pub nginx: NginxConfig,
    /// Where nginx runs.
    pub router_host: RouterHost,
    /// HAProxy settings (when `router` is haproxy).
    pub haproxy: HaproxyConfig,
    /// Where the service runs.
    pub platform: PlatformKind,
    /// Phase commands (platform or router `command`).
    pub command: CommandConfig,
    /// Kubernetes settings (platform `kubernetes`).
    pub kubernetes: KubernetesConfig,
    /// `maxSurge` for a Kubernetes Deployment's rolling update, when set.
    pub kubernetes_max_surge: Option<IntOrPercent>,
    /// `maxUnavailable` for a Kubernetes Deployment's rolling update, when set.
    pub kubernetes_max_unavailable: Option<IntOrPercent>,
    /// Canary steps.
    pub canary: CanaryConfig,
    /// Analysis (the canary's default when no section is written).
    pub analysis: AnalysisConfig,
    /// Whether an `[analysis]` section is written: blue-green and rolling analyse only then.
    pub analysis_configured: bool,
    /// Health check.
    pub health: HealthConfig,
    /// Smoke commands.
    pub smoke: SmokeConfig,
    /// Hooks.
    pub hooks: HooksConfig,
    /// Timeout of each hook.
    pub hook_timeout: std::time::Duration,
    /// Validation window.
    pub validation_window: std::time::Duration,
    /// Rolling: hosts out of rotation at a time (Kubernetes' `maxUnavailable`, absolute).
    pub max_unavailable: usize,
    /// Rolling: hosts whose new version starts while the old one serves (`maxSurge`).
    pub max_surge: usize,
    /// Rolling: analysis window after each batch.
    pub batch_window: std::time::Duration,
    /// Strategy-specific keys written in the file (`max_surge`, `canary`, …), so a
    /// strategy can refuse or warn about the ones it does not use.
    pub strategy_keys: Vec<&'static str>,
    /// Keep the previous version running for fast rollback.
    pub keep_previous: bool,
    /// Ledger and lock directory on the primary host.
    pub state_dir: String,
    /// Ledger entries kept.
    pub history: usize,
    /// Lock age after which it is stale.
    pub lock_ttl: std::time::Duration,
}

impl Environment {
    /// The primary host (ledger, lock, nginx by default).
    pub fn primary(&self) -> &Host {
        &self.hosts[0]
    }

    /// The host named `name`, else the primary.
    pub fn host(&self, name: &str) -> &Host {
        self.hosts
            .iter()
            .find(|h| h.name == name)
            .unwrap_or(&self.hosts[0])
    }

    /// Keys written for another strategy than `kind` (an override by `--strategy`), one
    /// warning line each; empty when every key is used.
    pub fn unused_by(&self, kind: StrategyKind) -> Vec<String> {
        self.strategy_keys
            .iter()
            .filter(|k| !strategy_uses(kind, k))
            .map(|k| {
                format!(
                    "deploy.environments.{}.{k} is not used by strategy {} ({})",
                    self.name,
                    kind.as_str(),
                    key_owner(k)
                )
            })
            .collect()
    }

    /// The slot that is not `slot`; with a single slot (a version replaced in place), that slot.
    pub fn other_slot(&self, slot: &str) -> &str {
        if self.slot_names.len() < 2 {
            &self.slot_names[0]
        } else if self.slot_names[0] == slot {
            &self.slot_names[1]
        } else {
            &self.slot_names[0]
        }
    }
}
