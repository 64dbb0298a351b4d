//! HAProxy with its runtime API, for the hitless traffic switch.
//!
//! [`Haproxy::start`] writes `DIR/haproxy.cfg` (a frontend on
//! `127.0.0.1:PORT`, one backend with the given servers, and `stats socket
//! DIR/admin.sock level admin`) and runs `haproxy -db -f DIR/haproxy.cfg` in
//! the foreground. Weights and server states change through the admin socket
//! without a reload ([`Haproxy::runtime`], [`Haproxy::set_weight`]).
//!
//! ```no_run
//! use slipway_test_support::haproxy::{Haproxy, HaproxyConfig};
//! use slipway_test_support::sample::SampleService;
//! let blue = SampleService::start("1.0.0");
//! let green = SampleService::start("2.0.0");
//! let lb = Haproxy::start(HaproxyConfig::servers(&[("blue", blue.port(), 100), ("green", green.port(), 0)]));
//! lb.set_weight("green", 100);
//! lb.set_weight("blue", 0);
//! ```

use std::fmt::Write as _;
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use tempfile::TempDir;

use crate::ports::free_port;
use crate::process::ServerProcess;
use crate::program;

/// One backend server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HaproxyServer {
    /// The server's name in the backend (`blue`, `green`, `canary`, …).
    pub name: String,
    /// Its port on 127.0.0.1.
    pub port: u16,
    /// Its initial weight (0 to 256; 0 takes no new traffic).
    pub weight: u16,
}

/// What the load balancer looks like.
#[derive(Debug, Clone)]
pub struct HaproxyConfig {
    /// The backend's name (default `app`).
    pub backend: String,
    /// The servers.
    pub servers: Vec<HaproxyServer>,
    /// A health check path (`option httpchk GET PATH`, `check inter 500ms`),
    /// or `None` for no checks.
    pub health_check: Option<String>,
}

impl HaproxyConfig {
    /// A backend `app` with these `(name, port, weight)` servers, no checks.
    pub fn servers(servers: &[(&str, u16, u16)]) -> Self {
        Self {
            backend: "app".to_owned(),
            servers: servers
                .iter()
                .map(|&(name, port, weight)| HaproxyServer {
                    name: name.to_owned(),
                    port,
                    weight,
                })
                .collect(),
            health_check: None,
        }
    }
}

/// A running HAProxy, stopped on drop.
pub struct Haproxy {
    process: ServerProcess,
    dir: TempDir,
    port: u16,
    backend: String,
}

impl Haproxy {
    /// Writes the configuration and starts HAProxy on a free port.
    pub fn start(config: HaproxyConfig) -> Self {
        let binary = program::require("haproxy");
        let dir = tempfile::Builder::new()
            .prefix("slipway-haproxy-")
            .tempdir()
            .expect("create a temporary directory");
        let port = free_port();
        let d = dir.path().display();
        let check = config.health_check.as_ref().map_or(String::new(), |path| {
            format!("  option httpchk GET {path}\n")
        });
        let check_param = if config.health_check.is_some() {
            " check inter 500ms fall 2 rise 1"
        } else {
            ""
        };
        let mut servers = String::new();
        for server in &config.servers {
            let _ = writeln!(
                servers,
                "  server {} 127.0.0.1:{} weight {}{check_param}",
                server.name, server.port, server.weight
            );
        }
        let text = format!(
            "# written by slipway-test-support\n\
             global\n\
             \x20 stats socket {d}/admin.sock mode 600 level admin\n\
             \x20 stats timeout 30s\n\
             defaults\n\
             \x20 mode http\n\
             \x20 timeout connect 2s\n\
             \x20 timeout client 30s\n\
             \x20 timeout server 30s\n\
             frontend web\n\
             \x20 bind 127.0.0.1:{port}\n\
             \x20 default_backend {backend}\n\
             backend {backend}\n\
             \x20 balance roundrobin\n\
             {check}{servers}",
            backend = config.backend,
        );
        std::fs::write(dir.path().join("haproxy.cfg"), text).expect("write haproxy.cfg");
        let mut command = Command::new(binary);
        command
            .arg("-db")
            .arg("-f")
            .arg(dir.path().join("haproxy.cfg"));
        let mut process = ServerProcess::spawn("haproxy", command, &dir.path().join("haproxy.log"));
        process.wait_for_port(port, Duration::from_secs(10));
        let socket = dir.path().join("admin.sock");
        process.wait_until("the admin socket", Duration::from_secs(10), || {
            UnixStream::connect(&socket).is_ok()
        });
        Self {
            process,
            dir,
            port,
            backend: config.backend,
        }
    }

    /// The frontend's port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The backend's name.
    pub fn backend(&self) -> &str {
        &self.backend
    }

    /// The admin socket (`level admin`).
    pub fn admin_socket(&self) -> PathBuf {
        self.dir.path().join("admin.sock")
    }

    /// `DIR/haproxy.cfg`.
    pub fn config_file(&self) -> PathBuf {
        self.dir.path().join("haproxy.cfg")
    }

    /// The temporary directory.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Sends one runtime API command (`show servers state`, `set weight
    /// app/green 50`, …) and returns the answer.
    pub fn runtime(&self, command: &str) -> String {
        let socket = self.admin_socket();
        let mut stream = UnixStream::connect(&socket).unwrap_or_else(|e| {
            self.process
                .fail(&format!("connect {}: {e}", socket.display()))
        });
        let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
        stream
            .write_all(format!("{command}\n").as_bytes())
            .unwrap_or_else(|e| self.process.fail(&format!("send {command:?}: {e}")));
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer);
        answer
    }

    /// `set weight BACKEND/SERVER WEIGHT`; panics when HAProxy refuses.
    pub fn set_weight(&self, server: &str, weight: u16) {
        let answer = self.runtime(&format!("set weight {}/{server} {weight}", self.backend));
        if !answer.trim().is_empty() {
            self.process
                .fail(&format!("set weight {server} {weight}: {}", answer.trim()));
        }
    }

    /// The current weight of a server (`get weight`).
    pub fn weight(&self, server: &str) -> u16 {
        let answer = self.runtime(&format!("get weight {}/{server}", self.backend));
        answer
            .split_whitespace()
            .next()
            .and_then(|w| w.parse().ok())
            .unwrap_or_else(|| {
                self.process
                    .fail(&format!("get weight {server}: {}", answer.trim()))
            })
    }

    /// The server's log.
    pub fn log(&self) -> String {
        self.process.log()
    }
}
