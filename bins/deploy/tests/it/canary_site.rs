//! A canary-ready environment on loopback: HAProxy (runtime API) or nginx in front of two
//! slots of the sample service, started by shell commands. A version ending in `-errors`
//! answers 5 % of `GET /` with 500 (every 20th), one ending in `-slow` takes 600 ms per
//! request. Also a keep-alive load generator that counts responses by slot.

use std::fmt::Write as _;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use slipway_test_support::haproxy::{Haproxy, HaproxyConfig};
use slipway_test_support::nginx::{Nginx, NginxConfig};
use slipway_test_support::ports::free_port;
use slipway_test_support::sample::sample_service_bin;

pub(crate) const ENV: &str = "test";

/// Which router fronts the slots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Front {
    Haproxy,
    Nginx,
}

pub(crate) struct CanarySite {
    pub(crate) dir: tempfile::TempDir,
    pub(crate) haproxy: Option<Haproxy>,
    pub(crate) nginx: Option<Nginx>,
    pub(crate) config: PathBuf,
    pub(crate) blue: u16,
    pub(crate) green: u16,
}

impl CanarySite {
    /// Starts the router; `sections` are appended to slipway.toml (analysis, canary, …),
    /// `top` goes into `[deploy.environments.test]`.
    pub(crate) fn start(front: Front, top: &str, sections: &str) -> Self {
        let dir = tempfile::Builder::new()
            .prefix("slipway-canary-")
            .tempdir()
            .unwrap();
        let d = dir.path().to_owned();
        std::fs::create_dir_all(d.join("run")).unwrap();
        let (blue, green) = (free_port(), free_port());
        let bin = sample_service_bin();
        let run = d.join("run").display().to_string();
        let start = format!(
            "extra=''; case {{version}} in *-errors) extra='--error-rate 0.05';; *-slow) extra='--latency-ms 600';; esac; \
             nohup {bin} --port {{port}} --version {{version}} --slot {{slot}} $extra > {run}/{{slot}}.log 2>&1 < /dev/null & \
             echo $! > {run}/{{slot}}.pid",
            bin = bin.display()
        );
        let stop = format!(
            "f={run}/{{slot}}.pid; if [ -f $f ]; then p=$(cat $f); kill $p 2>/dev/null; i=0; \
             while kill -0 $p 2>/dev/null && ! grep -qs '^[0-9]* ([^)]*) Z' /proc/$p/stat && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done; rm -f $f; fi; true"
        );
        let (haproxy, nginx, router) = match front {
            Front::Haproxy => {
                let lb = Haproxy::start(HaproxyConfig::servers(&[
                    ("blue", blue, 0),
                    ("green", green, 0),
                ]));
                let section = format!(
                    "[deploy.environments.{ENV}.haproxy]\nsocket = \"{}\"\nbackend = \"{}\"\n",
                    lb.admin_socket().display(),
                    lb.backend()
                );
                (Some(lb), None, ("haproxy", section))
            }
            Front::Nginx => {
                let nginx = Nginx::start(NginxConfig::default());
                let section = format!(
                    "[deploy.environments.{ENV}.nginx]\nupstream_file = \"{}\"\nupstream_name = \"{}\"\n\
                     command = \"{} {}\"\nprobe_url = \"{}/version\"\nprobe_expect = '\"version\":\"{{version}}\"'\n",
                    nginx.upstream_file().display(),
                    nginx.upstream_name(),
                    slipway_test_support::program::require("nginx").display(),
                    nginx.command_args().join(" "),
                    nginx.url()
                );
                (None, Some(nginx), ("nginx", section))
            }
        };
        let mut config = String::new();
        let _ = write!(
            config,
            "[deploy.environments.{ENV}]\n\
             strategy = \"canary\"\n\
             router = \"{router}\"\n\
             hosts = [\"local\"]\n\
             slots = {{ blue = {blue}, green = {green} }}\n\
             start = '''{start}'''\n\
             stop = '''{stop}'''\n\
             state_dir = \"{state}\"\n\
             command_timeout = \"30s\"\n\
             {top}\n\
             {router_section}\
             [deploy.environments.{ENV}.health]\n\
             interval = \"100ms\"\n\
             timeout = \"1s\"\n\
             start_timeout = \"10s\"\n\
             {sections}\n",
            router = router.0,
            router_section = router.1,
            state = d.join("state").display(),
        );
        let path = d.join("slipway.toml");
        std::fs::write(&path, config).unwrap();
        Self {
            dir,
            haproxy,
            nginx,
            config: path,
            blue,
            green,
        }
    }

    /// Appends `text` to slipway.toml (sections that need ports known only after start).
    pub(crate) fn append(&self, text: &str) {
        let mut config = std::fs::read_to_string(&self.config).unwrap();
        config.push_str(text);
        std::fs::write(&self.config, config).unwrap();
    }

    /// Whether the canary waits at its pause.
    pub(crate) fn paused(&self) -> bool {
        self.dir.path().join("state/paused").exists()
    }

    /// The router's URL.
    pub(crate) fn url(&self) -> String {
        match (&self.haproxy, &self.nginx) {
            (Some(h), _) => h.url(),
            (_, Some(n)) => n.url(),
            _ => unreachable!(),
        }
    }

    /// The canary (green) slot's share of the router's weights, in percent.
    pub(crate) fn green_share(&self) -> Option<u32> {
        let (blue, green) = if let Some(h) = &self.haproxy {
            (u32::from(h.weight("blue")), u32::from(h.weight("green")))
        } else {
            let text = std::fs::read_to_string(self.nginx.as_ref()?.upstream_file()).ok()?;
            let weight = |port: u16| {
                text.lines()
                    .find(|l| l.contains(&format!(":{port} ")))
                    .and_then(|l| l.split("weight=").nth(1))
                    .and_then(|w| w.split(';').next())
                    .and_then(|w| w.parse::<u32>().ok())
                    .unwrap_or(0)
            };
            (weight(self.blue), weight(self.green))
        };
        (blue + green > 0).then(|| green * 100 / (blue + green))
    }

    /// The `deploy` binary with a clean environment, pointed at this site.
    pub(crate) fn command(&self) -> std::process::Command {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("deploy"));
        for (k, _) in std::env::vars() {
            if k == "CI"
                || k.starts_with("GITHUB_")
                || k.starts_with("RUNNER_")
                || k.starts_with("SLIPWAY_")
            {
                cmd.env_remove(k);
            }
        }
        cmd.current_dir(self.dir.path())
            .env("NO_COLOR", "1")
            .arg("--config")
            .arg(&self.config)
            .args(["--environment", ENV]);
        cmd
    }

    /// Runs `deploy ARGS --json` to the end (bounded).
    pub(crate) fn deploy(&self, args: &[&str]) -> std::process::Output {
        finish(self.background(args))
    }

    /// Starts `deploy ARGS --json` in the background.
    pub(crate) fn background(&self, args: &[&str]) -> std::process::Child {
        self.command()
            .arg("--json")
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    }

    /// The ledger, parsed.
    pub(crate) fn ledger(&self) -> serde_json::Value {
        let text = std::fs::read_to_string(self.dir.path().join("state/ledger.json"))
            .unwrap_or_else(|_| "null".into());
        serde_json::from_str(&text).unwrap_or(serde_json::Value::Null)
    }

    /// The version the router serves (one request).
    pub(crate) fn serving(&self) -> Option<String> {
        let r = slipway_test_support::http::get(&format!("{}/version", self.url())).ok()?;
        (r.status == 200).then(|| r.json()["version"].as_str().unwrap_or_default().to_owned())
    }

    /// Counts `n` requests through the router by slot: (green, total).
    pub(crate) fn count_green(&self, n: usize) -> (usize, usize) {
        let url = self.url();
        let mut green = 0;
        for _ in 0..n {
            let r = slipway_test_support::http::get(&url).unwrap();
            if r.header("X-Slot") == Some("green") {
                green += 1;
            }
        }
        (green, n)
    }
}

impl Drop for CanarySite {
    fn drop(&mut self) {
        for slot in ["blue", "green"] {
            if let Ok(pid) =
                std::fs::read_to_string(self.dir.path().join(format!("run/{slot}.pid")))
            {
                let _ = std::process::Command::new("kill")
                    .args(["-9", pid.trim()])
                    .status();
            }
        }
    }
}

/// Waits for a background run (60 s at most, then kills it).
pub(crate) fn finish(mut child: std::process::Child) -> std::process::Output {
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "deploy did not finish within 60 s; stderr:\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

/// The JSON document on stdout.
pub(crate) fn doc(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// A quick canary with probe analysis: each step's window holds min_samples probes even
/// when a loaded machine makes one probe take 350 ms (a 500 ms window once held only two:
/// "no data", and a good version rolled back). The p95 limit is far above a loaded
/// machine's loopback latency: these canaries are judged on errors.
pub(crate) const QUICK: &str = "[deploy.environments.test.canary]\nstep_duration = \"2s\"\n\
    [deploy.environments.test.analysis]\nmin_samples = 5\nmax_p95 = \"10s\"\n\
    [deploy.environments.test.analysis.probe]\ninterval = \"10ms\"\n";

/// Asserts a run succeeded and returns its document.
pub(crate) fn succeeded(out: &std::process::Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "deploy failed with {:?}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    doc(out)
}

/// One response of a keep-alive load: status (0 for a transport error) and slot.
#[derive(Debug, Clone)]
pub(crate) struct Hit {
    pub(crate) status: u16,
    pub(crate) slot: String,
    pub(crate) error: Option<String>,
}

/// `workers` threads sending `GET /` over persistent HTTP/1.1 connections until stopped
/// (at most `max` each), reconnecting only when the server closes.
pub(crate) struct KeepAliveLoad {
    stop: Arc<AtomicBool>,
    workers: Vec<std::thread::JoinHandle<Vec<Hit>>>,
}

impl KeepAliveLoad {
    pub(crate) fn start(url: &str, workers: usize, max: usize) -> Self {
        let authority = url.trim_start_matches("http://").to_owned();
        let stop = Arc::new(AtomicBool::new(false));
        let workers = (0..workers)
            .map(|_| {
                let authority = authority.clone();
                let stop = Arc::clone(&stop);
                std::thread::spawn(move || {
                    let mut hits = Vec::new();
                    let mut conn: Option<BufReader<TcpStream>> = None;
                    while !stop.load(Ordering::SeqCst) && hits.len() < max {
                        if conn.is_none() {
                            match TcpStream::connect(&authority) {
                                Ok(s) => {
                                    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
                                    conn = Some(BufReader::new(s));
                                }
                                Err(e) => {
                                    hits.push(Hit {
                                        status: 0,
                                        slot: String::new(),
                                        error: Some(format!("connect: {e}")),
                                    });
                                    continue;
                                }
                            }
                        }
                        let Some(reader) = conn.as_mut() else {
                            continue;
                        };
                        match exchange(reader, &authority) {
                            Ok((hit, keep)) => {
                                hits.push(hit);
                                if !keep {
                                    conn = None;
                                }
                            }
                            Err(e) => {
                                hits.push(Hit {
                                    status: 0,
                                    slot: String::new(),
                                    error: Some(e.to_string()),
                                });
                                conn = None;
                            }
                        }
                    }
                    hits
                })
            })
            .collect();
        Self { stop, workers }
    }

    pub(crate) fn stop(self) -> Vec<Hit> {
        self.stop.store(true, Ordering::SeqCst);
        self.workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_default())
            .collect()
    }
}

fn exchange(reader: &mut BufReader<TcpStream>, authority: &str) -> std::io::Result<(Hit, bool)> {
    reader
        .get_mut()
        .write_all(format!("GET / HTTP/1.1\r\nHost: {authority}\r\n\r\n").as_bytes())?;
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "closed before a response",
        ));
    }
    let status = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let (mut length, mut slot, mut keep) = (0_usize, String::new(), true);
    loop {
        let mut h = String::new();
        reader.read_line(&mut h)?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            let (k, v) = (k.trim().to_ascii_lowercase(), v.trim());
            match k.as_str() {
                "content-length" => length = v.parse().unwrap_or(0),
                "x-slot" => v.clone_into(&mut slot),
                "connection" if v.eq_ignore_ascii_case("close") => keep = false,
                _ => {}
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    Ok((
        Hit {
            status,
            slot,
            error: None,
        },
        keep,
    ))
}
