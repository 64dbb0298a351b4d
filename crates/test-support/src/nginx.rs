//! nginx as a reverse proxy in a temporary prefix directory.
//!
//! [`Nginx::start`] writes `DIR/nginx.conf` and runs
//! `nginx -p DIR -c DIR/nginx.conf -e DIR/error.log` in the foreground
//! (`daemon off`) with its pid file, logs and temp paths inside DIR, so no
//! system file is read or written. It listens on `127.0.0.1:PORT` and
//! proxies `/` to the upstream named [`NginxConfig::upstream_name`], defined in
//! the include file [`Nginx::upstream_file`] (`DIR/upstream.conf`): the file
//! a deploy's nginx router rewrites before [`Nginx::reload`].
//!
//! ```no_run
//! use slipway_test_support::nginx::{Nginx, NginxConfig, Upstream};
//! use slipway_test_support::sample::SampleService;
//! let blue = SampleService::start("1.0.0");
//! let nginx = Nginx::start(NginxConfig::proxy_to(&[blue.port()]));
//! let green = SampleService::start("2.0.0");
//! nginx.write_upstream(&[Upstream::new(green.port())]);
//! nginx.reload();
//! ```
//!
//! A reload takes effect 30 to 190 ms after `nginx -s reload` returns
//! (DESIGN.md §3): poll for the switch with [`crate::process::poll_until`].
//! The access log records `$upstream_addr` and `$upstream_status`, so a test
//! can tell which slot served each request ([`Nginx::access_log`]).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use tempfile::TempDir;

use crate::ports::free_port;
use crate::process::{ServerProcess, is_root, run_checked};
use crate::program;

/// One server of the upstream block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upstream {
    /// `127.0.0.1:PORT` or any address nginx accepts.
    pub address: String,
    /// The `weight=` parameter (nginx's default is 1).
    pub weight: u32,
    /// Marks the server `backup`.
    pub backup: bool,
}

impl Upstream {
    /// `127.0.0.1:port` with weight 1.
    pub fn new(port: u16) -> Self {
        Self {
            address: format!("127.0.0.1:{port}"),
            weight: 1,
            backup: false,
        }
    }

    /// `127.0.0.1:port` with this weight.
    pub fn weighted(port: u16, weight: u32) -> Self {
        Self {
            weight,
            ..Self::new(port)
        }
    }
}

/// What the proxy looks like.
#[derive(Debug, Clone)]
pub struct NginxConfig {
    /// The upstream block's name, used in `proxy_pass http://NAME`
    /// (default `slipway_backend`).
    pub upstream_name: String,
    /// The servers written to the upstream file at start.
    pub upstream: Vec<Upstream>,
    /// Extra directives for the `http` block (e.g. another `server`).
    pub http_extra: String,
    /// Extra directives for `location /` (e.g. `proxy_next_upstream off;`).
    pub location_extra: String,
}

impl Default for NginxConfig {
    fn default() -> Self {
        Self {
            upstream_name: "slipway_backend".to_owned(),
            upstream: Vec::new(),
            http_extra: String::new(),
            location_extra: String::new(),
        }
    }
}

impl NginxConfig {
    /// Proxies to these loopback ports, weight 1 each.
    pub fn proxy_to(ports: &[u16]) -> Self {
        Self {
            upstream: ports.iter().map(|&p| Upstream::new(p)).collect(),
            ..Self::default()
        }
    }
}

/// A running nginx, stopped on drop.
pub struct Nginx {
    process: ServerProcess,
    dir: TempDir,
    port: u16,
    upstream_name: String,
}

impl Nginx {
    /// Writes the configuration and starts nginx on a free port.
    pub fn start(config: NginxConfig) -> Self {
        let binary = program::require("nginx");
        let dir = tempfile::Builder::new()
            .prefix("slipway-nginx-")
            .tempdir()
            .expect("create a temporary directory");
        let port = free_port();
        for sub in ["tmp", "logs"] {
            std::fs::create_dir_all(dir.path().join(sub)).expect("create nginx directories");
        }
        let nginx = |dir: &Path| dir.display().to_string();
        let d = nginx(dir.path());
        let user = if is_root() { "user root;\n" } else { "" };
        let conf = format!(
            "# written by slipway-test-support\n\
             {user}daemon off;\n\
             worker_processes 1;\n\
             pid {d}/nginx.pid;\n\
             error_log {d}/error.log info;\n\
             events {{ worker_connections 1024; }}\n\
             http {{\n\
             \x20 log_format slipway '$remote_addr \"$request\" $status upstream=$upstream_addr upstream_status=$upstream_status';\n\
             \x20 access_log {d}/access.log slipway;\n\
             \x20 client_body_temp_path {d}/tmp/client_body;\n\
             \x20 proxy_temp_path {d}/tmp/proxy;\n\
             \x20 fastcgi_temp_path {d}/tmp/fastcgi;\n\
             \x20 uwsgi_temp_path {d}/tmp/uwsgi;\n\
             \x20 scgi_temp_path {d}/tmp/scgi;\n\
             \x20 include {d}/upstream.conf;\n\
             \x20 server {{\n\
             \x20   listen 127.0.0.1:{port};\n\
             \x20   location / {{\n\
             \x20     proxy_pass http://{name};\n\
             \x20     proxy_http_version 1.1;\n\
             \x20     proxy_set_header Connection \"\";\n\
             \x20     proxy_set_header Host $host;\n\
             \x20     {location_extra}\n\
             \x20   }}\n\
             \x20 }}\n\
             \x20 {http_extra}\n\
             }}\n",
            name = config.upstream_name,
            location_extra = config.location_extra,
            http_extra = config.http_extra,
        );
        std::fs::write(dir.path().join("nginx.conf"), conf).expect("write nginx.conf");
        write_upstream_file(
            &dir.path().join("upstream.conf"),
            &config.upstream_name,
            &config.upstream,
        );
        let mut command = Command::new(binary);
        command.args(prefix_args(dir.path()));
        let mut process = ServerProcess::spawn("nginx", command, &dir.path().join("nginx.out"));
        process.wait_for_port(port, Duration::from_secs(10));
        Self {
            process,
            dir,
            port,
            upstream_name: config.upstream_name,
        }
    }

    /// The port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The prefix directory (nginx.conf, logs, pid file, temp paths).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// `DIR/nginx.conf`.
    pub fn config_file(&self) -> PathBuf {
        self.dir.path().join("nginx.conf")
    }

    /// `DIR/upstream.conf`: the include file holding the whole
    /// `upstream NAME { … }` block.
    pub fn upstream_file(&self) -> PathBuf {
        self.dir.path().join("upstream.conf")
    }

    /// The upstream block's name.
    pub fn upstream_name(&self) -> &str {
        &self.upstream_name
    }

    /// The arguments that address this instance: `-p DIR -c DIR/nginx.conf
    /// -e DIR/error.log`. Add `-t` or `-s reload` for the other commands.
    pub fn command_args(&self) -> Vec<String> {
        prefix_args(self.dir.path())
    }

    /// Rewrites the upstream file with these servers (no reload).
    pub fn write_upstream(&self, servers: &[Upstream]) {
        write_upstream_file(&self.upstream_file(), &self.upstream_name, servers);
    }

    /// `nginx -t`: Ok, or the error output.
    pub fn test_config(&self) -> Result<(), String> {
        let output = Command::new(program::require("nginx"))
            .args(self.command_args())
            .arg("-t")
            .output()
            .map_err(|e| format!("cannot run nginx -t: {e}"))?;
        if output.status.success() {
            Ok(())
        } else {
            Err(String::from_utf8_lossy(&output.stderr).into_owned())
        }
    }

    /// `nginx -s reload`; panics when it fails. The switch is visible some
    /// milliseconds later: poll for it.
    pub fn reload(&self) {
        let mut command = Command::new(program::require("nginx"));
        command.args(self.command_args()).args(["-s", "reload"]);
        run_checked("nginx -s reload", &mut command);
    }

    /// The access log: one line per request with `upstream=ADDR upstream_status=CODE`.
    pub fn access_log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("access.log")).unwrap_or_default()
    }

    /// The error log.
    pub fn error_log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("error.log")).unwrap_or_default()
    }

    /// The master process id.
    pub fn pid(&self) -> u32 {
        self.process.id()
    }
}

fn prefix_args(dir: &Path) -> Vec<String> {
    let d = dir.display();
    vec![
        "-p".into(),
        format!("{d}/"),
        "-c".into(),
        format!("{d}/nginx.conf"),
        "-e".into(),
        format!("{d}/error.log"),
    ]
}

fn write_upstream_file(path: &Path, name: &str, servers: &[Upstream]) {
    let mut text = format!("upstream {name} {{\n");
    for server in servers {
        let _ = writeln!(
            text,
            "  server {} weight={}{};",
            server.address,
            server.weight,
            if server.backup { " backup" } else { "" }
        );
    }
    if servers.is_empty() {
        // An upstream needs a server; this one refuses connections.
        text.push_str("  server 127.0.0.1:1 down;\n");
    }
    text.push_str("}\n");
    std::fs::write(path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}
