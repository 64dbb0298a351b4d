//! `[deploy.environments.NAME.haproxy]`: the admin socket, the backend and the server
//! names of the slots, and what a retired server becomes.

use serde::Deserialize;
use slipway_kit::Failure;

/// What a server that leaves the routing becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Retire {
    /// `drain`: no new traffic, open connections finish (default).
    #[default]
    Drain,
    /// `maint`: no traffic at all, not even clients pinned by a cookie.
    Maint,
}

/// `[deploy.environments.NAME.haproxy]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HaproxyConfig {
    /// The admin socket: a path (`stats socket PATH level admin`) or `HOST:PORT`.
    pub socket: String,
    /// The backend holding the slots' servers.
    pub backend: String,
    /// Server name template per host and slot (default `{slot}`; `{host}_{slot}` for several hosts).
    pub server: String,
    /// Which host runs HAProxy: `"primary"` (default) or `"local"`.
    pub host: String,
    /// On a remote host, the command that relays stdin to the socket (default `socat stdio UNIX-CONNECT:{socket}`).
    pub socket_command: String,
    /// State of servers leaving the routing: `drain` (default) or `maint`.
    pub retire: Option<Retire>,
    /// The cookie `haproxy.cfg` pins clients with (`cookie NAME insert indirect nocache`):
    /// a sticky canary. Retired servers then go to `maint`, so pinned clients move too.
    pub sticky_cookie: Option<String>,
}

impl Default for HaproxyConfig {
    fn default() -> Self {
        Self {
            socket: String::new(),
            backend: "app".to_owned(),
            server: "{slot}".to_owned(),
            host: "primary".to_owned(),
            socket_command: "socat stdio UNIX-CONNECT:{socket}".to_owned(),
            retire: None,
            sticky_cookie: None,
        }
    }
}

impl HaproxyConfig {
    /// Checks the section; `key` prefixes error messages (`slipway.toml: deploy.environments.prod.haproxy`).
    pub fn check(&self, key: &str, hosts: usize) -> std::result::Result<(), Failure> {
        if self.socket.trim().is_empty() {
            return Err(Failure::bad_input(format!(
                "{key}.socket: is required with router = \"haproxy\" (the admin socket: `stats socket PATH level admin`)"
            )));
        }
        if !plain(&self.backend) {
            return Err(Failure::bad_input(format!(
                "{key}.backend: {:?} is not a backend name",
                self.backend
            )));
        }
        if !self.server.contains("{slot}") {
            return Err(Failure::bad_input(format!(
                "{key}.server: {:?} must contain {{slot}}",
                self.server
            )));
        }
        if hosts > 1 && !self.server.contains("{host}") {
            return Err(Failure::bad_input(format!(
                "{key}.server: {:?} must contain {{host}} with several hosts",
                self.server
            ))
            .help("e.g. server = \"{host}_{slot}\", matching the servers in haproxy.cfg"));
        }
        if !matches!(self.host.as_str(), "primary" | "local") {
            return Err(Failure::bad_input(format!(
                "{key}.host: {:?} must be \"primary\" or \"local\"",
                self.host
            )));
        }
        Ok(())
    }

    /// The retire state in force.
    pub fn retire_state(&self) -> Retire {
        self.retire.unwrap_or(if self.sticky_cookie.is_some() {
            Retire::Maint
        } else {
            Retire::Drain
        })
    }
}

fn plain(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ':'))
}
