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

use std::collections::BTreeMap;

use serde::Deserialize;
use slipway_config::Duration;
use slipway_kit::Failure;

use crate::template;

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

/// How a version replaces the previous one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StrategyKind {
    /// Start the new version in the standby slot on every host, check it, switch all traffic.
    #[default]
    BlueGreen,
    /// Move hosts to the new version in batches of `max_surge + max_unavailable`.
    Rolling,
    /// Move traffic to the new version in steps, analysing it at each.
    Canary,
}

impl StrategyKind {
    /// The name used in config, flags and documents.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BlueGreen => "blue-green",
            Self::Rolling => "rolling",
            Self::Canary => "canary",
        }
    }

    /// Parses a `--strategy` value.
    pub fn parse(text: &str) -> Result<Self, Failure> {
        match text {
            "blue-green" | "bluegreen" => Ok(Self::BlueGreen),
            "rolling" => Ok(Self::Rolling),
            "canary" => Ok(Self::Canary),
            other => Err(Failure::bad_input(format!("unknown strategy {other:?}"))
                .help("use blue-green, rolling or canary")),
        }
    }
}

/// Where the service runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PlatformKind {
    /// One or more hosts, this machine or over SSH.
    #[default]
    Hosts,
    /// Every phase a user command on this machine (ECS, Nomad, Fly.io, …).
    Command,
    /// Deployments and a Service in a Kubernetes cluster, through kubectl.
    Kubernetes,
}

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

/// A host: `"local"`, `"user@host:port"`, or a table with per-host overrides.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum HostEntry {
    /// `"local"` or `"[user@]host[:port]"`.
    Plain(String),
    /// `{ ssh = "user@host:port", address = "10.0.0.5", name = "web1", slots = { blue = 9001, green = 9002 } }`.
    Table(HostTable),
}

/// The table form of a host.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostTable {
    /// `"local"` or `"[user@]host[:port]"`.
    pub ssh: String,
    /// The address the router and health checks use to reach the host (default: the SSH host name; `127.0.0.1` for local).
    pub address: Option<String>,
    /// A short name for logs and the ledger (default: the address, with the SSH port when not 22).
    pub name: Option<String>,
    /// Ports of the slots on this host, overriding the environment's `slots`.
    pub slots: Option<BTreeMap<String, u16>>,
}

/// `[deploy.environments.NAME.ssh]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SshConfig {
    /// Name of an environment variable holding a private key (written to a 0600 temporary file).
    pub key_env: Option<String>,
    /// A known_hosts file to use instead of the user's.
    pub known_hosts: Option<String>,
    /// Check host keys (default true). Turning this off allows man-in-the-middle attacks.
    pub strict_host_key_checking: bool,
    /// An ssh_config file (`ssh -F`).
    pub config_file: Option<String>,
    /// Connection timeout (default 10s).
    pub connect_timeout: Duration,
    /// Extra `-o` options, e.g. `["ServerAliveInterval=15"]`.
    pub options: Vec<String>,
    /// How long multiplexed connections persist after the last use (default 60s).
    pub control_persist: Duration,
}

impl Default for SshConfig {
    fn default() -> Self {
        Self {
            key_env: None,
            known_hosts: None,
            strict_host_key_checking: true,
            config_file: None,
            connect_timeout: Duration::from_secs(10),
            options: Vec::new(),
            control_persist: Duration::from_secs(60),
        }
    }
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
    pub haproxy: crate::haproxy::HaproxyConfig,
    /// Phase commands (platform = "command", router = "command").
    pub command: crate::command_platform::CommandConfig,
    /// Kubernetes settings (platform = "kubernetes").
    pub kubernetes: crate::platform::kubernetes::KubernetesConfig,
    /// Canary steps (strategy = "canary").
    pub canary: Option<crate::strategy::canary::CanaryConfig>,
    /// Analysis during canary steps, after each rolling batch and through the validation
    /// window (canary: probe by default; the others only when the section is written).
    pub analysis: Option<crate::analysis::AnalysisConfig>,
    /// Health check.
    pub health: HealthConfig,
    /// Smoke commands.
    pub smoke: SmokeConfig,
    /// Hooks.
    pub hooks: HooksConfig,
    /// How long to watch the new version after the switch, health-checking it (default 0s).
    pub validation_window: Duration,
    /// Rolling: hosts taken out of rotation at a time, as Kubernetes' `maxUnavailable`
    /// (default 1, or 0 when `max_surge` is set).
    pub max_unavailable: Option<usize>,
    /// Rolling: hosts that start the new version while their old one keeps serving, as
    /// Kubernetes' `maxSurge` (default 0).
    pub max_surge: Option<usize>,
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

/// One host, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Host {
    /// Short name for logs and the ledger.
    pub name: String,
    /// `None` for this machine, else the SSH destination.
    pub ssh: Option<SshTarget>,
    /// The address the router and health checks use.
    pub address: String,
    /// Slot name to port on this host.
    pub slots: BTreeMap<String, u16>,
}

/// `[user@]host[:port]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshTarget {
    /// Login user, if given.
    pub user: Option<String>,
    /// Host name or address.
    pub host: String,
    /// Port, if given.
    pub port: Option<u16>,
}

impl SshTarget {
    /// Parses `[user@]host[:port]` (IPv6 as `[addr]:port`).
    pub fn parse(text: &str) -> Result<Self, String> {
        let (user, rest) = match text.split_once('@') {
            Some((u, r)) => (Some(u.to_owned()), r),
            None => (None, text),
        };
        let (host, port) = if let Some(stripped) = rest.strip_prefix('[') {
            let (h, after) = stripped
                .split_once(']')
                .ok_or_else(|| format!("{text:?}: missing ']'"))?;
            let port = after.strip_prefix(':');
            (h.to_owned(), port)
        } else {
            match rest.rsplit_once(':') {
                Some((h, p)) => (h.to_owned(), Some(p)),
                None => (rest.to_owned(), None),
            }
        };
        let port = port
            .map(|p| {
                p.parse::<u16>()
                    .map_err(|_| format!("{text:?}: port {p:?} is not a number"))
            })
            .transpose()?;
        if let Some(why) = template::token_problem(&host, template::TokenKind::Address) {
            return Err(format!("{text:?}: host {host:?} {why}"));
        }
        if let Some(u) = &user {
            if let Some(why) = template::token_problem(u, template::TokenKind::Name) {
                return Err(format!("{text:?}: user {u:?} {why}"));
            }
        }
        Ok(Self { user, host, port })
    }

    /// `user@host` for the ssh command line.
    pub fn destination(&self) -> String {
        match &self.user {
            Some(u) => format!("{u}@{}", self.host),
            None => self.host.clone(),
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
    pub haproxy: crate::haproxy::HaproxyConfig,
    /// Where the service runs.
    pub platform: PlatformKind,
    /// Phase commands (platform or router `command`).
    pub command: crate::command_platform::CommandConfig,
    /// Kubernetes settings (platform `kubernetes`).
    pub kubernetes: crate::platform::kubernetes::KubernetesConfig,
    /// `maxSurge` for a Kubernetes Deployment's rolling update, when set.
    pub kubernetes_max_surge: Option<crate::platform::kubernetes::IntOrPercent>,
    /// `maxUnavailable` for a Kubernetes Deployment's rolling update, when set.
    pub kubernetes_max_unavailable: Option<crate::platform::kubernetes::IntOrPercent>,
    /// Canary steps.
    pub canary: crate::strategy::canary::CanaryConfig,
    /// Analysis (the canary's default when no section is written).
    pub analysis: crate::analysis::AnalysisConfig,
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

impl DeploySection {
    /// Reads `[deploy]` from a config file.
    pub fn load(file: &slipway_config::ConfigFile) -> Result<Self, Failure> {
        file.section::<Self>("deploy").map_err(Failure::from)
    }

    /// Checks environment `name` and fills in defaults. `file` names the config in errors.
    pub fn environment(&self, name: &str, file: &str) -> Result<Environment, Failure> {
        let Some(raw) = self.environments.get(name) else {
            let known: Vec<&str> = self.environments.keys().map(String::as_str).collect();
            let help = if known.is_empty() {
                format!("add a [deploy.environments.{name}] section to {file} (docs/deploy.md)")
            } else {
                format!("known environments: {}", known.join(", "))
            };
            return Err(Failure::bad_input(format!(
                "{file}: no environment {name:?} in [deploy.environments]"
            ))
            .help(help));
        };
        let key = |k: &str| format!("{file}: deploy.environments.{name}.{k}");
        let bad = |k: &str, why: String| Failure::bad_input(format!("{}: {why}", key(k)));
        if !template::is_plain_token(name) || name.contains('/') {
            return Err(Failure::bad_input(format!(
                "{file}: environment name {name:?} must be letters, digits, '.', '_' or '-'"
            )));
        }
        let kube = raw.platform == PlatformKind::Kubernetes;
        // Kubernetes rolling replaces a version in place: one slot, the Deployment.
        let in_place = kube && raw.strategy == StrategyKind::Rolling;
        if kube {
            if !raw.hosts.is_empty() {
                return Err(bad(
                    "hosts",
                    "platform = \"kubernetes\" runs in the cluster of [kubernetes]: list no hosts"
                        .into(),
                ));
            }
            if !matches!(raw.router, RouterKind::Nginx | RouterKind::Kubernetes)
                || !raw.nginx.upstream_file.is_empty()
            {
                return Err(bad(
                    "router",
                    "platform = \"kubernetes\" routes through its Service: leave router unset"
                        .into(),
                ));
            }
            raw.kubernetes
                .check(&key("kubernetes"), raw.strategy != StrategyKind::Rolling)?;
        }
        let slots = if in_place {
            BTreeMap::from([(raw.kubernetes.deployment.clone(), 0)])
        } else if raw.slots.is_empty() {
            BTreeMap::from([("blue".to_owned(), 8081), ("green".to_owned(), 8082)])
        } else {
            raw.slots.clone()
        };
        if slots.len() != 2 && !in_place {
            return Err(bad(
                "slots",
                format!(
                    "needs exactly two slots (e.g. blue and green), found {}",
                    slots.len()
                ),
            ));
        }
        for slot in slots.keys() {
            if !template::is_plain_token(slot) {
                return Err(bad(
                    "slots",
                    format!("slot name {slot:?} must be a plain word"),
                ));
            }
        }
        let slot_names: Vec<String> = slots.keys().cloned().collect();
        let entries = if kube {
            vec![HostEntry::Table(HostTable {
                ssh: "local".to_owned(),
                address: Some(crate::platform::kubernetes::HOST.to_owned()),
                name: Some(crate::platform::kubernetes::HOST.to_owned()),
                slots: None,
            })]
        } else if raw.hosts.is_empty() {
            vec![HostEntry::Plain("local".to_owned())]
        } else {
            raw.hosts.clone()
        };
        let mut hosts = Vec::new();
        for (i, entry) in entries.iter().enumerate() {
            let (ssh, address, host_name, host_slots) = match entry {
                HostEntry::Plain(s) => (s.clone(), None, None, None),
                HostEntry::Table(t) => (
                    t.ssh.clone(),
                    t.address.clone(),
                    t.name.clone(),
                    t.slots.clone(),
                ),
            };
            let target = if ssh == "local" || ssh == "localhost" {
                None
            } else {
                Some(SshTarget::parse(&ssh).map_err(|e| bad(&format!("hosts[{i}]"), e))?)
            };
            let address = address.unwrap_or_else(|| {
                target
                    .as_ref()
                    .map_or_else(|| "127.0.0.1".to_owned(), |t| t.host.clone())
            });
            let host_name = host_name.unwrap_or_else(|| match &target {
                None => "local".to_owned(),
                Some(t) => match t.port {
                    Some(p) if p != 22 => format!("{}:{p}", t.host),
                    _ => t.host.clone(),
                },
            });
            let field = |k: &str| format!("{}.{k}", key(&format!("hosts[{i}]")));
            check_token(&field("name"), &host_name, template::TokenKind::Name)?;
            check_token(&field("address"), &address, template::TokenKind::Address)?;
            let host_slots = host_slots.unwrap_or_else(|| slots.clone());
            if host_slots.keys().ne(slots.keys()) {
                return Err(bad(
                    &format!("hosts[{i}].slots"),
                    format!(
                        "must name the same slots as `slots` ({})",
                        slot_names.join(", ")
                    ),
                ));
            }
            if hosts.iter().any(|h: &Host| h.name == host_name) {
                return Err(bad(
                    &format!("hosts[{i}]"),
                    format!("host {host_name:?} is listed twice"),
                ));
            }
            hosts.push(Host {
                name: host_name,
                ssh: target,
                address,
                slots: host_slots,
            });
        }
        if raw.start.trim().is_empty() && !kube {
            return Err(bad(
                "start",
                "is required: the command that starts {version} in {slot} on {port}".into(),
            ));
        }
        if raw.stop.trim().is_empty() && !kube {
            return Err(bad(
                "stop",
                "is required: the command that stops whatever runs in {slot}".into(),
            ));
        }
        let mut templates: Vec<(String, &str)> = vec![
            ("start".into(), &raw.start),
            ("stop".into(), &raw.stop),
            ("health.url".into(), &raw.health.url),
            ("nginx.probe_expect".into(), &raw.nginx.probe_expect),
        ];
        if let Some(p) = &raw.nginx.probe_url {
            templates.push(("nginx.probe_url".into(), p));
        }
        for (i, c) in raw.smoke.commands.iter().enumerate() {
            templates.push((format!("smoke.commands[{i}]"), c));
        }
        for (hook, list) in [
            ("pre_deploy", &raw.hooks.pre_deploy),
            ("post_switch", &raw.hooks.post_switch),
            ("on_failure", &raw.hooks.on_failure),
        ] {
            for (i, c) in list.iter().enumerate() {
                templates.push((format!("hooks.{hook}[{i}]"), c));
            }
        }
        for (k, t) in &templates {
            if let Some(unknown) = template::unknown_placeholder(t) {
                return Err(
                    bad(k, format!("unknown placeholder {{{unknown}}}")).help(format!(
                        "placeholders: {}",
                        template::VARIABLES
                            .iter()
                            .map(|v| format!("{{{v}}}"))
                            .collect::<Vec<_>>()
                            .join(" ")
                    )),
                );
            }
        }
        if raw.router == RouterKind::Nginx && raw.nginx.upstream_file.trim().is_empty() && !kube {
            return Err(bad(
                "nginx.upstream_file",
                "is required with router = \"nginx\" (the file nginx.conf includes with the upstream block)".into(),
            )
            .help("or set router = \"none\" when nothing routes between slots"));
        }
        let router_host = match raw.nginx.host.as_str() {
            "primary" => RouterHost::Primary,
            "local" => RouterHost::Local,
            other => {
                return Err(bad(
                    "nginx.host",
                    format!("{other:?} must be \"primary\" or \"local\""),
                ));
            }
        };
        for (k, ca) in [
            ("health.ca_file", &raw.health.ca_file),
            ("nginx.ca_file", &raw.nginx.ca_file),
        ] {
            if let Some(path) = ca {
                crate::http::check_ca_file(&key(k), path)?;
            }
        }
        if raw.health.failures == 0 || raw.health.successes == 0 {
            return Err(bad(
                "health",
                "failures and successes must be at least 1".into(),
            ));
        }
        let max_surge = raw.max_surge.unwrap_or(0);
        let max_unavailable = raw
            .max_unavailable
            .unwrap_or(usize::from(raw.max_surge.is_none()));
        if max_surge == 0 && max_unavailable == 0 {
            return Err(bad(
                "max_unavailable",
                "max_surge and max_unavailable cannot both be 0: nothing could move".into(),
            )
            .help("max_surge = 1, max_unavailable = 0 keeps every host serving"));
        }
        let strategy_keys = written_strategy_keys(raw);
        if let Some(k) = strategy_keys
            .iter()
            .find(|k| !strategy_uses(raw.strategy, k))
        {
            return Err(bad(
                k,
                format!(
                    "is not used by strategy = \"{}\" ({})",
                    raw.strategy.as_str(),
                    key_owner(k)
                ),
            )
            .help("remove it, or set the strategy that uses it"));
        }
        if raw.batch_window.is_some() && raw.analysis.is_none() {
            return Err(bad(
                "batch_window",
                "analyses each rolling batch: it needs an [analysis] section".into(),
            ));
        }
        if let Some(var) = &raw.ssh.key_env {
            if var.is_empty() || !var.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(bad(
                    "ssh.key_env",
                    format!("{var:?} is not an environment variable name"),
                ));
            }
        }
        if raw.router == RouterKind::Haproxy {
            raw.haproxy.check(&key("haproxy"), hosts.len())?;
        }
        if raw.platform == PlatformKind::Command && hosts.iter().any(|h| h.ssh.is_some()) {
            return Err(bad(
                "hosts",
                "platform = \"command\" runs every phase on this machine: list no SSH hosts".into(),
            ));
        }
        if raw.platform == PlatformKind::Command || raw.router == RouterKind::Command {
            raw.command
                .check(&key("command"), raw.router == RouterKind::Command)?;
        }
        let canary = raw.canary.clone().unwrap_or_default();
        canary.check(&key("canary"))?;
        let analysis = raw.analysis.clone().unwrap_or_default();
        analysis.check(&key("analysis"))?;
        Ok(Environment {
            name: name.to_owned(),
            strategy: raw.strategy,
            url: raw.url.clone(),
            hosts,
            slot_names,
            start: raw.start.clone(),
            stop: raw.stop.clone(),
            command_timeout: raw
                .command_timeout
                .map_or(std::time::Duration::from_secs(300), Duration::as_std),
            ssh: raw.ssh.clone(),
            router: if kube {
                RouterKind::Kubernetes
            } else {
                raw.router
            },
            nginx: raw.nginx.clone(),
            router_host,
            haproxy: raw.haproxy.clone(),
            platform: raw.platform,
            command: raw.command.clone(),
            kubernetes: raw.kubernetes.clone(),
            kubernetes_max_surge: raw
                .max_surge
                .filter(|_| kube)
                .map(|n| crate::platform::kubernetes::IntOrPercent::Int(n as u32)),
            kubernetes_max_unavailable: raw
                .max_unavailable
                .filter(|_| kube)
                .map(|n| crate::platform::kubernetes::IntOrPercent::Int(n as u32)),
            canary,
            analysis,
            analysis_configured: raw.analysis.is_some(),
            health: raw.health.clone(),
            smoke: raw.smoke.clone(),
            hooks: raw.hooks.clone(),
            hook_timeout: raw
                .hooks
                .timeout
                .map_or(std::time::Duration::from_secs(600), Duration::as_std),
            validation_window: raw.validation_window.as_std(),
            max_unavailable,
            max_surge,
            batch_window: raw
                .batch_window
                .map_or(std::time::Duration::from_secs(30), Duration::as_std),
            strategy_keys,
            keep_previous: raw.keep_previous.unwrap_or(true),
            state_dir: raw
                .state_dir
                .clone()
                .or_else(|| {
                    self.state_dir
                        .as_ref()
                        .map(|d| format!("{}/{name}", d.trim_end_matches('/')))
                })
                .unwrap_or_else(|| format!("~/.slipway/{name}")),
            history: raw.history.or(self.history).unwrap_or(50).max(1),
            lock_ttl: raw
                .lock_ttl
                .or(self.lock_ttl)
                .map_or(std::time::Duration::from_secs(3600), Duration::as_std),
        })
    }
}

impl Environment {
    /// The primary host (ledger, lock, nginx by default).
    pub fn primary(&self) -> &Host {
        &self.hosts[0]
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

/// The keys of `raw` that only one strategy uses, in file order of the reference.
fn written_strategy_keys(raw: &EnvironmentConfig) -> Vec<&'static str> {
    [
        ("max_surge", raw.max_surge.is_some()),
        ("max_unavailable", raw.max_unavailable.is_some()),
        ("batch_window", raw.batch_window.is_some()),
        ("canary", raw.canary.is_some()),
    ]
    .into_iter()
    .filter_map(|(k, set)| set.then_some(k))
    .collect()
}

/// Whether strategy `kind` reads key `key` (one of [`written_strategy_keys`]).
fn strategy_uses(kind: StrategyKind, key: &str) -> bool {
    match key {
        "max_surge" | "max_unavailable" | "batch_window" => kind == StrategyKind::Rolling,
        "canary" => kind == StrategyKind::Canary,
        _ => true,
    }
}

/// Which strategy a strategy-specific key belongs to, for messages.
fn key_owner(key: &str) -> &'static str {
    if key == "canary" {
        "only canary reads it"
    } else {
        "only rolling reads it"
    }
}

/// Checks a `--version` value: a token safe in commands and file names (exit 2 naming
/// the flag otherwise).
pub fn check_version(version: &str) -> Result<(), Failure> {
    check_token("--version", version, template::TokenKind::Version)
}

/// Checks that `value`, given as `field`, is a safe token of `kind`
/// ([`template::token_problem`]); the refusal is bad input naming the field.
pub fn check_token(field: &str, value: &str, kind: template::TokenKind) -> Result<(), Failure> {
    match template::token_problem(value, kind) {
        None => Ok(()),
        Some(why) => Err(Failure::bad_input(format!("{field} {value:?} {why}")).help(
            match kind {
                template::TokenKind::Version => {
                    "use letters, digits and '.', '_', '-', '+', ':', '@', with '/' only between segments (e.g. v1.2.3)"
                }
                template::TokenKind::Name => "use letters, digits and '.', '_', '-' (e.g. web1)",
                template::TokenKind::Address => {
                    "use a host name or an IP address (e.g. 10.0.0.5 or web1.example.com)"
                }
            },
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn section(text: &str) -> Result<DeploySection, Failure> {
        let file =
            slipway_config::ConfigFile::from_text(None, text.to_owned()).map_err(Failure::from)?;
        DeploySection::load(&file)
    }

    const STAGING: &str = r#"
[deploy.environments.staging]
strategy = "blue-green"
hosts = ["local", { ssh = "deploy@10.0.0.2:2222", name = "web2", slots = { blue = 9001, green = 9002 } }]
start = "run {version} on {port}"
stop = "stop {slot}"
[deploy.environments.staging.nginx]
upstream_file = "/etc/nginx/upstream.conf"
"#;

    #[test]
    fn staging_environment_fills_in_defaults() {
        let env = section(STAGING)
            .unwrap()
            .environment("staging", "slipway.toml")
            .unwrap();
        assert_eq!(env.slot_names, ["blue", "green"]);
        assert_eq!(env.hosts[0].name, "local");
        assert_eq!(env.hosts[0].slots["green"], 8082);
        let web2 = &env.hosts[1];
        assert_eq!(web2.name, "web2");
        assert_eq!(web2.address, "10.0.0.2");
        assert_eq!(web2.ssh.as_ref().unwrap().port, Some(2222));
        assert_eq!(web2.slots["blue"], 9001);
        assert_eq!(env.health.failures, 3);
        assert_eq!(env.state_dir, "~/.slipway/staging");
        assert_eq!(env.other_slot("blue"), "green");
    }

    #[test]
    fn unknown_key_names_file_and_line() {
        let err = section("[deploy.environments.staging]\nstrat = \"rolling\"\n").unwrap_err();
        assert!(err.cause.contains("strat"), "{}", err.cause);
        assert!(err.cause.contains(":2:"), "{}", err.cause);
    }

    #[test]
    fn misspelt_placeholder_is_bad_input_naming_the_key() {
        let text = STAGING.replace("run {version}", "run {verison}");
        let err = section(&text)
            .unwrap()
            .environment("staging", "slipway.toml")
            .unwrap_err();
        assert!(
            err.cause.contains("deploy.environments.staging.start"),
            "{}",
            err.cause
        );
        assert!(err.cause.contains("{verison}"), "{}", err.cause);
    }

    #[test]
    fn missing_environment_lists_the_known_ones() {
        let err = section(STAGING)
            .unwrap()
            .environment("prod", "slipway.toml")
            .unwrap_err();
        assert!(err.help.unwrap().contains("staging"));
    }

    #[test]
    fn nginx_router_needs_an_upstream_file() {
        let text = "[deploy.environments.dev]\nstart = \"a\"\nstop = \"b\"\n";
        let err = section(text)
            .unwrap()
            .environment("dev", "slipway.toml")
            .unwrap_err();
        assert!(err.cause.contains("nginx.upstream_file"), "{}", err.cause);
    }

    #[test]
    fn ssh_targets_parse() {
        let t = SshTarget::parse("deploy@web1:2222").unwrap();
        assert_eq!(
            (t.user.as_deref(), t.host.as_str(), t.port),
            (Some("deploy"), "web1", Some(2222))
        );
        assert_eq!(SshTarget::parse("web1").unwrap().destination(), "web1");
        assert!(SshTarget::parse("web1:ssh").is_err());
        assert!(SshTarget::parse("a;b@web1").is_err());
    }

    fn dev(top: &str) -> Result<Environment, Failure> {
        let text = format!(
            "[deploy.environments.dev]\nstart = \"a\"\nstop = \"b\"\nrouter = \"none\"\n{top}\n"
        );
        section(&text).unwrap().environment("dev", "slipway.toml")
    }

    #[test]
    fn seed_development_rolling_with_surge_and_no_unavailable_is_accepted() {
        let env = dev("strategy = \"rolling\"\nmax_surge = 1\nmax_unavailable = 0").unwrap();
        assert_eq!((env.max_surge, env.max_unavailable), (1, 0));
        let env = dev("strategy = \"rolling\"\nmax_surge = 2").unwrap();
        assert_eq!((env.max_surge, env.max_unavailable), (2, 0));
        let env = dev("strategy = \"rolling\"").unwrap();
        assert_eq!((env.max_surge, env.max_unavailable), (0, 1));
    }

    #[test]
    fn surge_and_unavailable_both_zero_is_refused() {
        let err = dev("strategy = \"rolling\"\nmax_surge = 0\nmax_unavailable = 0").unwrap_err();
        assert!(err.cause.contains("max_unavailable"), "{}", err.cause);
        assert!(err.cause.contains("both be 0"), "{}", err.cause);
    }

    #[test]
    fn a_key_the_strategy_does_not_use_is_an_error_naming_it() {
        let err = dev("strategy = \"blue-green\"\nmax_surge = 1").unwrap_err();
        assert!(
            err.cause.contains(
                "deploy.environments.dev.max_surge: is not used by strategy = \"blue-green\""
            ),
            "{}",
            err.cause
        );
        let err =
            dev("strategy = \"rolling\"\n[deploy.environments.dev.canary]\nsteps = [50, 100]")
                .unwrap_err();
        assert!(err.cause.contains("dev.canary"), "{}", err.cause);
        let err = dev("strategy = \"rolling\"\nbatch_window = \"5s\"").unwrap_err();
        assert!(err.cause.contains("[analysis]"), "{}", err.cause);
    }

    #[test]
    fn a_strategy_override_names_the_keys_it_ignores() {
        let env = dev("strategy = \"rolling\"\nmax_surge = 1").unwrap();
        assert!(env.unused_by(StrategyKind::Rolling).is_empty());
        let warnings = env.unused_by(StrategyKind::BlueGreen);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].contains("dev.max_surge"), "{warnings:?}");
    }

    #[test]
    fn versions_are_checked() {
        assert!(check_version("v1.2.3").is_ok());
        assert!(check_version("v1 && reboot").is_err());
        let err = check_version("../../..").unwrap_err();
        assert_eq!(err.exit, slipway_kit::Exit::BadInput);
        assert!(
            err.cause
                .starts_with("--version \"../../..\" has a '..' segment"),
            "{}",
            err.cause
        );
    }

    #[test]
    fn host_name_and_address_are_tokens_and_a_refusal_names_the_field() {
        for (table, field) in [
            (r#"{ ssh = "local", name = "../web1" }"#, "hosts[0].name"),
            (r#"{ ssh = "local", name = "-web1" }"#, "hosts[0].name"),
            (
                r#"{ ssh = "local", address = "10.0.0.5; reboot" }"#,
                "hosts[0].address",
            ),
            (r#"{ ssh = "local", address = "/srv" }"#, "hosts[0].address"),
        ] {
            let text = STAGING.replace(r#"hosts = ["local", "#, &format!("hosts = [{table}, "));
            let err = section(&text)
                .unwrap()
                .environment("staging", "slipway.toml")
                .unwrap_err();
            assert_eq!(err.exit, slipway_kit::Exit::BadInput);
            assert!(
                err.cause.starts_with(&format!(
                    "slipway.toml: deploy.environments.staging.{field} "
                )),
                "{}",
                err.cause
            );
        }
        assert!(SshTarget::parse("deploy@-oProxyCommand=x").is_err());
        assert!(SshTarget::parse("../x@web1").is_err());
    }
}
