//! The `[deploy]` and `[rollback]` sections of `slipway.toml`.
//!
//! ```toml
//! [deploy]
//! lock_ttl = "30m"
//!
//! [deploy.environments.staging]
//! strategy = "blue-green"
//! url = "https://staging.example.com"
//! hosts = ["deploy@web1.example.com:22"]
//! slots = { blue = 8081, green = 8082 }
//! start = "sudo systemctl start app@{slot} --version {version}"
//! stop = "sudo systemctl stop app@{slot}"
//! validation_window = "2m"
//!
//! [deploy.environments.staging.nginx]
//! upstream_file = "/etc/nginx/conf.d/app-upstream.conf"
//! upstream_name = "app"
//! command = "sudo nginx"
//! probe_url = "http://127.0.0.1/version"
//! ```
//!
//! [`DeploySection::environment`] checks an environment and turns it into an
//! [`Environment`] with every default filled in; every error names the key.
//!
//! | module | what |
//! | --- | --- |
//! | [`environment`] | `[deploy.environments.NAME]` as written, and the checked [`Environment`] |
//! | [`strategy`] | `strategy` and the keys only one strategy reads |
//! | [`hosts`] | `platform`, `hosts`, SSH destinations and `[ssh]` |
//! | [`router`] | `router`, `[nginx]` and where nginx runs |
//! | [`checks`] | `[health]`, `[smoke]` and `[hooks]` |
//! | [`validate`] | the checks and defaults that turn the one into the other |
//!
//! The sections of the platforms, routers, strategies and analysis live beside what they
//! configure (`crate::platform::kubernetes::config`, `crate::haproxy`, …); nothing they
//! contain imports this module back.

pub mod checks;
pub mod environment;
pub mod hosts;
pub mod router;
pub mod strategy;
mod validate;

use std::collections::BTreeMap;

use serde::Deserialize;
use slipway_config::Duration;
use slipway_kit::Failure;

pub use checks::{HealthConfig, HooksConfig, SmokeConfig};
pub use environment::{Environment, EnvironmentConfig};
pub use hosts::{Host, HostEntry, HostTable, PlatformKind, SshConfig, SshTarget};
pub use router::{NginxConfig, RouterHost, RouterKind};
pub use strategy::StrategyKind;
pub use validate::{check_token, check_version};

/// `[deploy]`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DeploySection {
    /// `[deploy.environments.NAME]`.
    pub environments: BTreeMap<String, EnvironmentConfig>,
    /// Default for every environment's `state_dir`.
    pub state_dir: Option<String>,
    /// Default for every environment's `history`.
    pub history: Option<usize>,
    /// Default for every environment's `lock_ttl`.
    pub lock_ttl: Option<Duration>,
    /// Default `--lock-wait`.
    pub lock_wait: Option<Duration>,
}

/// `[rollback]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RollbackSection {
    /// Re-route to a standby slot that still runs the target version (default true).
    pub fast_path: bool,
    /// Default `--lock-wait` for rollbacks.
    pub lock_wait: Option<Duration>,
}

impl Default for RollbackSection {
    fn default() -> Self {
        Self {
            fast_path: true,
            lock_wait: None,
        }
    }
}

impl DeploySection {
    /// Reads `[deploy]` from a config file.
    pub fn load(file: &slipway_config::ConfigFile) -> Result<Self, Failure> {
        file.section::<Self>("deploy").map_err(Failure::from)
    }
}

#[cfg(test)]
mod tests;
