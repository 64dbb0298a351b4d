//! How traffic moves between slots: `router`, `[nginx]` and where nginx runs. HAProxy's
//! and the command router's sections live beside them ([`crate::haproxy`],
//! [`crate::platform::command`]).

use serde::Deserialize;
use slipway_config::Duration;

/// How traffic moves between slots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RouterKind {
    /// Rewrite an nginx upstream file and reload.
    #[default]
    Nginx,
    /// Set HAProxy weights and server states over its admin socket, no reload.
    Haproxy,
    /// No router: the slot's port is the service (single slot setups, tests of hooks).
    None,
    /// The `command.route` command applies each routing.
    Command,
    /// The platform's own Service (`platform = "kubernetes"`, set by it).
    Kubernetes,
}

/// `[deploy.environments.NAME.nginx]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NginxConfig {
    /// The file holding the `upstream NAME { … }` block that nginx.conf includes.
    pub upstream_file: String,
    /// The upstream block's name, as in `proxy_pass http://NAME`.
    pub upstream_name: String,
    /// The nginx command, with any prefix arguments (`sudo nginx`, `nginx -p DIR -c FILE`); `-t` and `-s reload` are appended.
    pub command: String,
    /// Which host runs nginx: `"primary"` (the first host, default) or `"local"`.
    pub host: String,
    /// A URL through nginx that the engine polls until the switch is observed.
    pub probe_url: Option<String>,
    /// What a probe response body must contain when every backend runs one version (default `{version}`).
    pub probe_expect: String,
    /// How long to wait for the switch to be observed (default 10s).
    pub switch_timeout: Duration,
    /// How long every probe must show the new routing before the switch counts as done:
    /// old workers still accept connections for a moment after new ones answer (default 250ms).
    pub settle: Duration,
    /// PEM certificates trusted for an `https://` `probe_url`, besides the system roots.
    pub ca_file: Option<String>,
}

impl Default for NginxConfig {
    fn default() -> Self {
        Self {
            upstream_file: String::new(),
            upstream_name: "slipway_backend".to_owned(),
            command: "nginx".to_owned(),
            host: "primary".to_owned(),
            probe_url: None,
            probe_expect: "{version}".to_owned(),
            switch_timeout: Duration::from_secs(10),
            settle: Duration::from_millis(250),
            ca_file: None,
        }
    }
}

/// Where nginx runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouterHost {
    /// The primary host.
    Primary,
    /// This machine.
    Local,
}
