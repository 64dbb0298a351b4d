//! Where the service runs and how it is reached: `platform`, the `hosts` list as written
//! and resolved, SSH destinations and `[ssh]`.

use std::collections::BTreeMap;

use serde::Deserialize;
use slipway_config::Duration;

use crate::template;

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

impl Host {
    /// The port of `slot` on this host (0 when it has no such slot).
    pub fn port(&self, slot: &str) -> u16 {
        self.slots.get(slot).copied().unwrap_or_default()
    }

    /// The placeholders of a command run for `version` in `slot` on this host, in
    /// environment `environment`.
    pub fn vars(&self, environment: &str, slot: &str, version: &str) -> template::Vars {
        template::Vars::new()
            .with("version", version)
            .with("slot", slot)
            .with("port", self.port(slot))
            .with("environment", environment)
            .with("host", &self.name)
            .with("address", &self.address)
    }
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
