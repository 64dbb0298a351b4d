//! Test fixtures (feature `testing`): a deployable environment on loopback with real
//! nginx, real sshd hosts and the sample service, and a bounded load generator. Used by the
//! `deploy` and `rollback` binaries' integration tests and by `benches/deploy`.
//!
//! The start command runs `slipway-sample-service` in the background with a pid file per
//! host and slot; a version ending in `-sick` answers its health check with 503, one ending
//! in `-badsmoke` fails the smoke test, one ending in `-slow` takes 2 s to start, one ending
//! in `-errors20` answers every fifth `GET /` with 500 (20 % errors). Every
//! service is killed when the [`Site`] drops.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

pub mod kube;

use slipway_test_support::nginx::{Nginx, NginxConfig};
use slipway_test_support::ports::free_port;
use slipway_test_support::sample::sample_service_bin;
use slipway_test_support::sshd::Sshd;

/// The environment name every site uses.
pub const ENV: &str = "test";

/// How to build a site.
#[derive(Debug, Clone)]
pub struct Options {
    /// 0: one local host; N: N hosts over SSH (one sshd each).
    pub ssh_hosts: usize,
    /// `blue-green` or `rolling`.
    pub strategy: &'static str,
    /// Validation window (e.g. `"0s"`).
    pub validation_window: &'static str,
    /// Add the smoke command.
    pub smoke: bool,
    /// Extra lines for `[deploy.environments.test]`.
    pub extra: String,
    /// Use `ssh.key_env` (this variable) for the first sshd's key instead of `IdentityFile` options.
    pub key_env: Option<&'static str>,
    /// Health checks and the switch probe over `https://` through TLS-terminating nginx
    /// servers with a throwaway CA ([`SiteTls`]); `health.ca_file` and `nginx.ca_file`
    /// trust it unless `Some(false)`.
    pub tls: Option<bool>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            ssh_hosts: 0,
            strategy: "blue-green",
            validation_window: "0s",
            smoke: true,
            extra: String::new(),
            key_env: None,
            tls: None,
        }
    }
}

/// The TLS front of a site built with [`Options::tls`]: nginx terminates TLS with a
/// certificate of a throwaway CA on two loopback ports.
#[derive(Debug, Clone)]
pub struct SiteTls {
    /// The CA, its certificate and the server's.
    pub certs: slipway_test_support::tls::Certificates,
    /// `https://127.0.0.1:PORT/...?port=P` reaches the slot on port P (health, probes).
    pub slot_port: u16,
    /// `https://127.0.0.1:PORT/` reaches whatever the router serves.
    pub front_port: u16,
}

/// A deployable environment.
pub struct Site {
    /// Temporary directory: config, state, run files.
    pub dir: tempfile::TempDir,
    /// The router.
    pub nginx: Nginx,
    /// SSH hosts (empty for a local site).
    pub sshds: Vec<Sshd>,
    /// `slipway.toml`.
    pub config: PathBuf,
    /// Environment variables the binaries need (the SSH key for `key_env`).
    pub envs: Vec<(String, String)>,
    /// The TLS front, with [`Options::tls`].
    pub tls: Option<SiteTls>,
}

impl std::fmt::Debug for Site {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Site")
            .field("dir", &self.dir.path())
            .finish_non_exhaustive()
    }
}

impl Site {
    /// One local host, blue-green, smoke test, no validation window.
    pub fn local() -> Self {
        Self::start(Options::default())
    }

    /// Builds and starts the site (nginx and sshds; no service runs yet).
    #[allow(clippy::needless_pass_by_value)]
    pub fn start(options: Options) -> Self {
        let dir = tempfile::Builder::new()
            .prefix("slipway-site-")
            .tempdir()
            .expect("temporary directory");
        let d = dir.path().to_owned();
        std::fs::create_dir_all(d.join("run")).expect("run directory");
        let tls = options.tls.map(|_| {
            let tls_dir = d.join("tls");
            std::fs::create_dir_all(&tls_dir).expect("tls directory");
            SiteTls {
                certs: slipway_test_support::tls::Certificates::make(&tls_dir, 7),
                slot_port: free_port(),
                front_port: free_port(),
            }
        });
        let nginx_config = NginxConfig::default();
        let nginx = Nginx::start(match &tls {
            None => nginx_config,
            Some(t) => NginxConfig {
                http_extra: format!(
                    "{}{}",
                    t.certs
                        .nginx_server(t.slot_port, "proxy_pass http://127.0.0.1:$arg_port;"),
                    t.certs.nginx_server(
                        t.front_port,
                        &format!("proxy_pass http://{};", nginx_config.upstream_name)
                    )
                ),
                ..nginx_config
            },
        });
        let sshds: Vec<Sshd> = (0..options.ssh_hosts).map(|_| Sshd::start()).collect();
        let bin = sample_service_bin();
        let run = d.join("run").display().to_string();
        let start = format!(
            "mkdir -p {run}/{{host}}; extra=''; case {{version}} in *-sick) extra=--fail-health;; *-slow) sleep 2;; *-errors20) extra='--error-rate 0.2';; esac; \
             nohup {bin} --port {{port}} --version {{version}} --slot {{slot}} $extra > {run}/{{host}}/{{slot}}.log 2>&1 < /dev/null & \
             echo $! > {run}/{{host}}/{{slot}}.pid",
            bin = bin.display()
        );
        // A zombie counts as stopped: the killed service is an orphan that pid 1 reaps, and
        // `kill -0` still answers for it until then (this VM's init reaps about every 2 s,
        // which once added up to 2 s to every stop).
        let stop = format!(
            "case {{version}} in *-slowstop) sleep 3;; esac; f={run}/{{host}}/{{slot}}.pid; if [ -f $f ]; then p=$(cat $f); kill $p 2>/dev/null; i=0; \
             while kill -0 $p 2>/dev/null && ! grep -qs '^[0-9]* ([^)]*) Z' /proc/$p/stat && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done; rm -f $f; fi; true"
        );
        let mut hosts = String::new();
        let mut envs = Vec::new();
        let mut ssh = String::new();
        if sshds.is_empty() {
            let _ = write!(
                hosts,
                "hosts = [\"local\"]\nslots = {{ blue = {}, green = {} }}\n",
                free_port(),
                free_port()
            );
        } else {
            hosts.push_str("hosts = [\n");
            for (i, s) in sshds.iter().enumerate() {
                let _ = writeln!(
                    hosts,
                    "  {{ ssh = \"{}@127.0.0.1:{}\", name = \"h{}\", slots = {{ blue = {}, green = {} }} }},",
                    s.user(),
                    s.port(),
                    i + 1,
                    free_port(),
                    free_port()
                );
            }
            hosts.push_str("]\n");
            let known = d.join("known_hosts");
            let all: String = sshds
                .iter()
                .map(|s| std::fs::read_to_string(s.known_hosts()).expect("known_hosts"))
                .collect();
            std::fs::write(&known, all).expect("write known_hosts");
            let _ = writeln!(
                ssh,
                "[deploy.environments.{ENV}.ssh]\nknown_hosts = \"{}\"",
                known.display()
            );
            #[allow(clippy::single_match_else)]
            match options.key_env {
                Some(var) => {
                    let key = std::fs::read_to_string(sshds[0].identity_file()).expect("key");
                    envs.push((var.to_owned(), key));
                    let _ = writeln!(ssh, "key_env = \"{var}\"");
                }
                None => {
                    let opts: Vec<String> = sshds
                        .iter()
                        .map(|s| format!("\"IdentityFile={}\"", s.identity_file().display()))
                        .collect();
                    let _ = writeln!(ssh, "options = [{}]", opts.join(", "));
                }
            }
        }
        let nginx_cmd = format!(
            "{} {}",
            slipway_test_support::program::require("nginx").display(),
            nginx.command_args().join(" ")
        );
        let smoke = if options.smoke {
            format!(
                "[deploy.environments.{ENV}.smoke]\ncommands = ['''case {{version}} in *-badsmoke) echo \"checkout flow failed on {{version}}\"; exit 1;; esac; curl -fsS {{url}}/version''']\n"
            )
        } else {
            String::new()
        };
        let config = format!(
            "[deploy.environments.{ENV}]\n\
             strategy = \"{strategy}\"\n\
             url = \"{url}\"\n\
             {hosts}\
             start = '''{start}'''\n\
             stop = '''{stop}'''\n\
             validation_window = \"{window}\"\n\
             state_dir = \"{state}\"\n\
             command_timeout = \"30s\"\n\
             {extra}\n\
             [deploy.environments.{ENV}.nginx]\n\
             upstream_file = \"{upstream}\"\n\
             upstream_name = \"{upstream_name}\"\n\
             command = \"{nginx_cmd}\"\n\
             probe_url = \"{url}/version\"\n\
             probe_expect = '\"version\":\"{{version}}\"'\n\
             [deploy.environments.{ENV}.health]\n\
             interval = \"100ms\"\n\
             timeout = \"1s\"\n\
             start_timeout = \"10s\"\n\
             {smoke}{ssh}",
            strategy = options.strategy,
            url = nginx.url(),
            window = options.validation_window,
            state = d.join("state").display(),
            extra = options.extra,
            upstream = nginx.upstream_file().display(),
            upstream_name = nginx.upstream_name(),
        );
        let config = match (&tls, options.tls) {
            (Some(t), Some(trusted)) => {
                let ca = if trusted {
                    format!("ca_file = \"{}\"\n", t.certs.ca.display())
                } else {
                    String::new()
                };
                config
                    .replace(
                        &format!("probe_url = \"{}/version\"\n", nginx.url()),
                        &format!(
                            "probe_url = \"https://127.0.0.1:{}/version\"\n{ca}",
                            t.front_port
                        ),
                    )
                    .replace(
                        "[deploy.environments.test.health]\n",
                        &format!(
                            "[deploy.environments.test.health]\nurl = \"https://localhost:{}/health?port={{port}}\"\n{ca}",
                            t.slot_port
                        ),
                    )
            }
            _ => config,
        };
        let path = d.join("slipway.toml");
        std::fs::write(&path, config).expect("write slipway.toml");
        Self {
            dir,
            nginx,
            sshds,
            config: path,
            envs,
            tls,
        }
    }

    /// The temporary directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The version nginx serves now (`GET /version` through it), if any.
    pub fn serving(&self) -> Option<String> {
        let r = slipway_test_support::http::get(&format!("{}/version", self.nginx.url())).ok()?;
        if r.status != 200 {
            return None;
        }
        r.json()["version"].as_str().map(str::to_owned)
    }

    /// The ledger file, parsed.
    pub fn ledger(&self) -> serde_json::Value {
        let text = std::fs::read_to_string(self.path().join("state/ledger.json"))
            .unwrap_or_else(|_| "null".into());
        serde_json::from_str(&text).unwrap_or(serde_json::Value::Null)
    }

    /// Whether the lock directory exists.
    pub fn locked(&self) -> bool {
        self.path().join("state/lock").exists()
    }

    /// The upstream file nginx reads.
    pub fn upstream(&self) -> String {
        std::fs::read_to_string(self.nginx.upstream_file()).unwrap_or_default()
    }

    /// The environment as the engine sees it.
    pub fn environment(&self) -> crate::Environment {
        environment_of(&self.config, self.path())
    }

    fn kill_all(&self) {
        let Ok(hosts) = std::fs::read_dir(self.path().join("run")) else {
            return;
        };
        for host in hosts.flatten() {
            for file in std::fs::read_dir(host.path())
                .into_iter()
                .flatten()
                .flatten()
            {
                if file.path().extension().is_some_and(|e| e == "pid") {
                    if let Ok(pid) = std::fs::read_to_string(file.path()) {
                        let _ = std::process::Command::new("kill")
                            .arg("-9")
                            .arg(pid.trim())
                            .status();
                    }
                }
            }
        }
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        self.kill_all();
    }
}

/// One request of a [`Load`] run.
#[derive(Debug, Clone)]
pub struct Sample {
    /// When it started.
    pub at: Instant,
    /// Status, or 0 for a connection error.
    pub status: u16,
    /// Body or error text.
    pub body: String,
}

/// A bounded load through a URL: sequential requests, each on a new connection, from
/// `workers` threads, until stopped or `max` requests each.
#[derive(Debug)]
pub struct Load {
    stop: Arc<AtomicBool>,
    workers: Vec<std::thread::JoinHandle<Vec<Sample>>>,
}

impl Load {
    /// Starts `workers` threads against `url`.
    pub fn start(url: &str, workers: usize, max: usize) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let workers = (0..workers)
            .map(|_| {
                let url = url.to_owned();
                let stop = Arc::clone(&stop);
                std::thread::spawn(move || {
                    let mut samples = Vec::new();
                    while !stop.load(Ordering::SeqCst) && samples.len() < max {
                        let at = Instant::now();
                        let sample = match slipway_test_support::http::request(
                            "GET",
                            &url,
                            &[],
                            &[],
                            Duration::from_secs(5),
                        ) {
                            Ok(r) => Sample {
                                at,
                                status: r.status,
                                body: r.text(),
                            },
                            Err(e) => Sample {
                                at,
                                status: 0,
                                body: e.to_string(),
                            },
                        };
                        samples.push(sample);
                    }
                    samples
                })
            })
            .collect();
        Self { stop, workers }
    }

    /// Stops and returns every sample, in start order.
    pub fn stop(self) -> Vec<Sample> {
        self.stop.store(true, Ordering::SeqCst);
        let mut all: Vec<Sample> = self
            .workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_default())
            .collect();
        all.sort_by_key(|s| s.at);
        all
    }
}

/// Environment `test` of the slipway.toml at `config`, as the binaries read it.
pub(crate) fn environment_of(config: &Path, dir: &Path) -> crate::Environment {
    let file = slipway_config::ConfigFile::discover(Some(config), dir).expect("config");
    crate::DeploySection::load(&file)
        .expect("deploy section")
        .environment(ENV, "slipway.toml")
        .expect("environment")
}
