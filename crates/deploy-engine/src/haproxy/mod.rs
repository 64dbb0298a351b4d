//! The HAProxy router: weights and server states changed through the runtime API on the
//! admin socket, with no reload, so no connection is ever reset by a switch (DESIGN.md §3).
//!
//! Every `(host, slot)` pair is a server declared in the user's `haproxy.cfg`, named by
//! the `server` template (`{slot}` by default, `{host}_{slot}` for several hosts). A
//! routing is applied in one runtime API exchange: servers that receive traffic are made
//! `ready` with their weight first, then the others get weight 0 and the `drain` state
//! (`maint` with a sticky cookie, so pinned clients are redispatched), and the result is
//! read back with `show servers state` before the switch counts as done. The routing
//! itself (versions included) is recorded in `haproxy-routing.json` in the state
//! directory, since HAProxy knows servers, not versions.
//!
//! ```toml
//! [deploy.environments.production]
//! router = "haproxy"
//! [deploy.environments.production.haproxy]
//! socket = "/run/haproxy/admin.sock"   # or "127.0.0.1:9999" for a TCP stats socket
//! backend = "app"
//! server = "{slot}"
//! ```

pub mod config;

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Duration;

pub use config::{HaproxyConfig, Retire};

use crate::router::{Router, Routing};
use crate::run::{Error, Mode, Result, Run};
use crate::shell::{Target, quote};
use crate::template::Vars;

const TIMEOUT: Duration = Duration::from_secs(30);
/// HAProxy's largest server weight.
pub const MAX_WEIGHT: u32 = 256;
/// `srv_admin_state` bits meaning "maintenance" (forced, inherited, by DNS, by health).
const ADMIN_MAINT: u32 = 0x01 | 0x02 | 0x04 | 0x20 | 0x40;
/// `srv_admin_state` bits meaning "drain".
const ADMIN_DRAIN: u32 = 0x08 | 0x10;

/// One server as `show servers state` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerState {
    /// Server name.
    pub name: String,
    /// `srv_admin_state` bits.
    pub admin: u32,
    /// `srv_uweight`: the weight set by the user.
    pub weight: u32,
}

impl ServerState {
    /// Takes no new traffic: weight 0, draining or in maintenance.
    pub fn idle(&self) -> bool {
        self.weight == 0 || self.admin & (ADMIN_MAINT | ADMIN_DRAIN) != 0
    }
}

/// Parses `show servers state BACKEND` (format 1): `be_id be_name srv_id srv_name
/// srv_addr srv_op_state srv_admin_state srv_uweight …`.
pub fn parse_servers_state(text: &str, backend: &str) -> Vec<ServerState> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.len() > 7 && f[1] == backend).then(|| ServerState {
                name: f[3].to_owned(),
                admin: f[6].parse().unwrap_or(0),
                weight: f[7].parse().unwrap_or(0),
            })
        })
        .collect()
}

/// HAProxy, driven over its admin socket.
pub struct Haproxy {
    config: HaproxyConfig,
    /// Where HAProxy runs; `None`: this machine, talk to the socket directly.
    remote: Option<Arc<dyn Target>>,
    /// Where the routing record lives (the primary host).
    state: Arc<dyn Target>,
    state_dir: String,
    /// Every `(host, slot)` and its server name.
    servers: Vec<(String, String, String)>,
}

impl std::fmt::Debug for Haproxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Haproxy")
            .field("socket", &self.config.socket)
            .field("backend", &self.config.backend)
            .finish_non_exhaustive()
    }
}

impl Haproxy {
    /// HAProxy as configured. `remote` is the host it runs on when that is not this
    /// machine; `state`/`state_dir` hold the routing record; `slots` lists every
    /// `(host, slot)` the environment has.
    pub fn new(
        config: HaproxyConfig,
        remote: Option<Arc<dyn Target>>,
        state: Arc<dyn Target>,
        state_dir: &str,
        slots: &[(String, String)],
    ) -> Self {
        let servers = slots
            .iter()
            .map(|(host, slot)| {
                let name = Vars::new()
                    .with("host", host)
                    .with("slot", slot)
                    .render(&config.server);
                (host.clone(), slot.clone(), name)
            })
            .collect();
        Self {
            config,
            remote,
            state,
            state_dir: state_dir.trim_end_matches('/').to_owned(),
            servers,
        }
    }

    /// HAProxy for `env`: on this machine when `haproxy.host = "local"` or the primary
    /// host is this machine, else on the primary over its SSH target.
    pub fn for_environment(
        env: &crate::Environment,
        platform: &dyn crate::platform::Platform,
    ) -> Self {
        let remote = (env.haproxy.host != "local" && env.primary().ssh.is_some())
            .then(|| platform.primary());
        let slots: Vec<(String, String)> = env
            .hosts
            .iter()
            .flat_map(|h| env.slot_names.iter().map(|s| (h.name.clone(), s.clone())))
            .collect();
        Self::new(
            env.haproxy.clone(),
            remote,
            platform.primary(),
            &env.state_dir,
            &slots,
        )
    }

    fn record_path(&self) -> String {
        format!("{}/haproxy-routing.json", self.state_dir)
    }

    /// The server name of `slot` on `host`.
    pub fn server(&self, host: &str, slot: &str) -> Option<&str> {
        self.servers
            .iter()
            .find(|(h, s, _)| h == host && s == slot)
            .map(|(_, _, n)| n.as_str())
    }

    /// Sends runtime API commands (`;`-separated in one exchange) and returns the answer.
    pub fn send(&self, run: &Run, commands: &str) -> Result<String> {
        match &self.remote {
            None => send_direct(&self.config.socket, commands).map_err(|e| {
                Error::failed(format!("HAProxy admin socket {}: {e}", self.config.socket))
            }),
            Some(target) => {
                let script = Vars::new()
                    .with("socket", quote(&self.config.socket))
                    .render(&self.config.socket_command);
                let out = run.exec_ok(
                    &**target,
                    "HAProxy runtime API",
                    &script,
                    Some(format!("{commands}\n").as_bytes()),
                    TIMEOUT,
                    Mode::Cleanup,
                )?;
                Ok(out.stdout)
            }
        }
    }

    /// Every server of the backend, as HAProxy sees it now.
    pub fn states(&self, run: &Run) -> Result<Vec<ServerState>> {
        let text = self.send(run, &format!("show servers state {}", self.config.backend))?;
        let states = parse_servers_state(&text, &self.config.backend);
        if states.is_empty() {
            return Err(Error::failed(format!(
                "HAProxy has no backend {:?} (or no servers in it): {}",
                self.config.backend,
                text.trim()
            )));
        }
        Ok(states)
    }

    /// The runtime API commands for `routing`: traffic-taking servers first, then the rest.
    pub fn commands(&self, routing: &Routing) -> Result<(String, Vec<(String, u32)>)> {
        let max = routing
            .backends
            .iter()
            .map(|b| b.weight)
            .max()
            .unwrap_or(1)
            .max(1);
        let mut wanted: Vec<(String, u32)> = Vec::new();
        for b in &routing.backends {
            let name = self.server(&b.host, &b.slot).ok_or_else(|| {
                Error::failed(format!("no HAProxy server for {} {}", b.host, b.slot))
            })?;
            // Scale into HAProxy's 1..=256 keeping the ratio (percent weights fit as they are).
            let weight = if max > MAX_WEIGHT {
                (u64::from(b.weight) * u64::from(MAX_WEIGHT) / u64::from(max)).max(1) as u32
            } else {
                b.weight.max(1)
            };
            wanted.push((name.to_owned(), weight));
        }
        let backend = &self.config.backend;
        let mut cmds = String::new();
        for (name, weight) in &wanted {
            let _ = write!(
                cmds,
                "set server {backend}/{name} weight {weight}; set server {backend}/{name} state ready; "
            );
        }
        let retire = match self.config.retire_state() {
            Retire::Drain => "drain",
            Retire::Maint => "maint",
        };
        for (_, _, name) in &self.servers {
            if !wanted.iter().any(|(n, _)| n == name) {
                let _ = write!(
                    cmds,
                    "set server {backend}/{name} weight 0; set server {backend}/{name} state {retire}; "
                );
            }
        }
        Ok((cmds.trim_end_matches([' ', ';']).to_owned(), wanted))
    }

    fn save_record(&self, run: &Run, routing: &Routing) -> Result<()> {
        let json = serde_json::to_string_pretty(routing)
            .map_err(|e| Error::failed(format!("cannot serialise the routing: {e}")))?;
        let dir = quote(&self.state_dir);
        let path = quote(&self.record_path());
        let script = crate::shell::write_file_script(&dir, &path);
        run.exec_ok(
            &*self.state,
            "recording the HAProxy routing",
            &script,
            Some(json.as_bytes()),
            TIMEOUT,
            Mode::Cleanup,
        )?;
        Ok(())
    }
}

/// One exchange with a local admin socket (a path or `HOST:PORT`).
fn send_direct(socket: &str, commands: &str) -> std::io::Result<String> {
    fn exchange<S: std::io::Read + std::io::Write>(
        mut s: S,
        commands: &str,
    ) -> std::io::Result<String> {
        s.write_all(format!("{commands}\n").as_bytes())?;
        let mut answer = String::new();
        s.read_to_string(&mut answer)?;
        Ok(answer)
    }
    if socket.contains('/') {
        let s = std::os::unix::net::UnixStream::connect(socket)?;
        s.set_read_timeout(Some(TIMEOUT))?;
        s.set_write_timeout(Some(TIMEOUT))?;
        exchange(s, commands)
    } else {
        let addr = std::net::ToSocketAddrs::to_socket_addrs(socket)?
            .next()
            .ok_or_else(|| std::io::Error::other("no address"))?;
        let s = std::net::TcpStream::connect_timeout(&addr, TIMEOUT)?;
        s.set_read_timeout(Some(TIMEOUT))?;
        s.set_write_timeout(Some(TIMEOUT))?;
        exchange(s, commands)
    }
}

impl Router for Haproxy {
    fn describe(&self) -> String {
        format!(
            "haproxy backend {} ({})",
            self.config.backend, self.config.socket
        )
    }

    fn current(&self, run: &Run) -> Result<Option<Routing>> {
        let out = run.exec(
            &*self.state,
            &format!("cat {} 2>/dev/null || true", quote(&self.record_path())),
            None,
            TIMEOUT,
            Mode::Read,
        )?;
        let Ok(record) = serde_json::from_str::<Routing>(out.stdout.trim()) else {
            return Ok(None);
        };
        // Trust the record only as far as HAProxy agrees with it.
        let states = self.states(run)?;
        let live: Vec<_> = record
            .backends
            .iter()
            .filter(|b| {
                self.server(&b.host, &b.slot)
                    .is_some_and(|name| states.iter().any(|s| s.name == name && !s.idle()))
            })
            .cloned()
            .collect();
        if live.len() != record.backends.len() {
            run.ui.warn(&format!(
                "HAProxy no longer routes as slipway left it ({}); trusting HAProxy",
                record.describe()
            ));
        }
        Ok((!live.is_empty()).then_some(Routing {
            generation: record.generation,
            backends: live,
        }))
    }

    fn apply(&self, run: &Run, routing: &Routing) -> Result<()> {
        if routing.backends.is_empty() {
            return Err(Error::failed("refusing to route to no backend at all"));
        }
        let (commands, wanted) = self.commands(routing)?;
        if run.dry_run {
            run.ui.detail(&format!(
                "would send to the HAProxy admin socket {}: {commands}",
                self.config.socket
            ));
            return Ok(());
        }
        run.checkpoint()?;
        let answer = self.send(run, &commands)?;
        let answer = answer.trim();
        if !answer.is_empty() {
            return Err(Error::failed(format!(
                "HAProxy refused the routing change: {answer}"
            )));
        }
        let states = self.states(run)?;
        for (_, _, name) in &self.servers {
            let Some(state) = states.iter().find(|s| &s.name == name) else {
                return Err(Error::failed(format!(
                    "HAProxy backend {} has no server {name}",
                    self.config.backend
                )));
            };
            let ok = match wanted.iter().find(|(n, _)| n == name) {
                Some((_, weight)) => state.weight == *weight && !state.idle(),
                None => state.idle(),
            };
            if !ok {
                return Err(Error::failed(format!(
                    "HAProxy shows server {name} with weight {} and admin state {} after the change",
                    state.weight, state.admin
                )));
            }
        }
        self.save_record(run, routing)?;
        run.ui.detail(&format!(
            "HAProxy now routes {}",
            wanted
                .iter()
                .map(|(n, w)| format!("{n}={w}"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::router::Backend;

    fn backend(slot: &str, weight: u32) -> Backend {
        Backend {
            host: "local".into(),
            slot: slot.into(),
            version: "v".into(),
            address: "127.0.0.1".into(),
            port: 1,
            weight,
        }
    }

    /// HAProxy routing the blue and green slots of this machine, configured by `config`.
    fn blue_green_here(config: HaproxyConfig) -> Haproxy {
        Haproxy::new(
            config,
            None,
            Arc::new(crate::shell::Local),
            "/tmp/state",
            &[
                ("local".into(), "blue".into()),
                ("local".into(), "green".into()),
            ],
        )
    }

    #[test]
    fn canary_routing_sets_weights_first_and_drains_the_rest() {
        let h = blue_green_here(HaproxyConfig {
            socket: "/tmp/x.sock".into(),
            ..HaproxyConfig::default()
        });
        let (cmds, _) = h
            .commands(&Routing::new(vec![
                backend("blue", 90),
                backend("green", 10),
            ]))
            .unwrap();
        assert_eq!(
            cmds,
            "set server app/blue weight 90; set server app/blue state ready; \
             set server app/green weight 10; set server app/green state ready"
        );
        let (cmds, _) = h
            .commands(&Routing::new(vec![backend("green", 1)]))
            .unwrap();
        assert!(
            cmds.ends_with("set server app/blue weight 0; set server app/blue state drain"),
            "{cmds}"
        );
    }

    #[test]
    fn a_sticky_canary_retires_servers_to_maint_so_pinned_clients_move() {
        let h = blue_green_here(HaproxyConfig {
            socket: "/tmp/x.sock".into(),
            sticky_cookie: Some("SRV".into()),
            ..HaproxyConfig::default()
        });
        let (cmds, _) = h.commands(&Routing::new(vec![backend("blue", 1)])).unwrap();
        assert!(
            cmds.ends_with("set server app/green weight 0; set server app/green state maint"),
            "{cmds}"
        );
    }

    #[test]
    fn servers_state_parses() {
        let text = "1\n# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight\n\
                    3 app 1 blue 127.0.0.1 2 0 90 1 0 1 0 0 0 0 0 0 - 8081 - 0 0 - - 0\n\
                    3 app 2 green 127.0.0.1 2 8 0 1 0 1 0 0 0 0 0 0 - 8082 - 0 0 - - 0\n";
        let s = parse_servers_state(text, "app");
        assert_eq!(s.len(), 2);
        assert!(!s[0].idle());
        assert_eq!(s[0].weight, 90);
        assert!(s[1].idle());
    }
}
