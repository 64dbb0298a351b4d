//! The GitHub API emulator: Stoplight Prism serving GitHub's own OpenAPI
//! description (`@octokit/openapi`, `generated/api.github.com.json`).
//!
//! Point `GITHUB_API_URL` at [`Prism::url`]. Prism validates each request
//! against the description: a request that breaks GitHub's contract (a
//! missing required field, a wrong type, an unknown path) gets a 4xx, mostly
//! 422, with the violations in an `sl-violations` response header and in the
//! log. A valid request gets the status and example body the description
//! documents (201 for `POST /repos/{owner}/{repo}/releases`). Prism keeps no
//! state: a created release is not there on the next `GET`. Ask for another
//! documented answer with a `Prefer: code=404` request header. GitHub's
//! description declares no security scheme, so Prism accepts any or no
//! `Authorization` header.
//!
//! GitHub's description lists only `application/json` responses, and Prism
//! answers `406 Not Acceptable` to GitHub's own media types
//! (`Accept: application/vnd.github+json`, which GitHub recommends and our
//! client sends). So [`Prism::url`] is a small in-process relay that
//! rewrites `Accept: application/vnd.github…+json` to `application/json`
//! and passes everything else through unchanged (method, path, other
//! headers, body; the answer's status, headers and body).
//! [`Prism::direct_url`] is Prism itself. [`Prism::preferring`] gives a relay of
//! a test's own that adds `Prefer: code=404` (or any `Prefer` value) to the
//! requests it names, to exercise a documented answer Prism would not choose.
//!
//! ```no_run
//! use slipway_test_support::prism::Prism;
//! let prism = Prism::shared();
//! let url = prism.url(); // http://127.0.0.1:PORT
//! ```
//!
//! # One Prism for the whole test run
//!
//! Loading the 13 MB description takes about 10 s (more on a busy machine),
//! so [`Prism::shared`] starts one instance and every test process reuses
//! it: cargo test runs one process per test binary, but nextest runs one
//! process per test, so the sharing is across processes. The state lives in
//! `$TMPDIR/slipway-prism-<hash of the spec path>/`:
//!
//! - `lock/`: a directory made with `mkdir` (atomic) while a process checks
//!   or starts the server; its `owner` file holds the pid, and a lock whose
//!   owner is dead is broken.
//! - `state`: `PORT PRISM_PID WATCHDOG_PID` of the running server.
//! - `leases/<pid>`: one empty file per test process using the server.
//! - `prism.log`: Prism's output, started afresh by each new instance.
//!
//! Prism is started by a small `sh` watchdog (`watchdog.sh`) in its own
//! process group, detached from the test's stdio (so test harnesses never
//! wait on it and nextest's per-test process-group kill does not take it
//! down while other tests use it). Every second the watchdog drops the
//! leases of dead processes; once no lease has been alive for
//! [`IDLE_GRACE_SECS`] seconds it takes the lock, checks again, kills Prism
//! and exits. So Prism outlives the last test process by about 15 s and
//! never longer, and a crashed test leaks nothing for good.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::http;

mod relay;
use crate::ports::free_port;
use crate::process::port_open;
use crate::program;
pub use relay::Relayed;

/// Seconds without a live test process after which the watchdog stops Prism.
pub const IDLE_GRACE_SECS: u32 = 15;

/// How long a start may take before the test fails with Prism's log.
const START_TIMEOUT: Duration = Duration::from_secs(120);

const WATCHDOG: &str = r#"#!/bin/sh
# Started by slipway-test-support: runs Prism and stops it once no test
# process holds a lease for $5 seconds. Arguments: DIR PORT PRISM SPEC GRACE.
dir=$1 port=$2 prism=$3 spec=$4 grace=$5
"$prism" mock -h 127.0.0.1 -p "$port" "$spec" >>"$dir/prism.log" 2>&1 &
child=$!
echo "$port $child $$" >"$dir/state.tmp" && mv "$dir/state.tmp" "$dir/state"
any_lease_alive() {
  alive=1
  for lease in "$dir"/leases/*; do
    [ -e "$lease" ] || continue
    if kill -0 "${lease##*/}" 2>/dev/null; then alive=0; else rm -f "$lease"; fi
  done
  return $alive
}
# Removes the state file only while it still describes this instance.
forget_state() {
  read -r _ _ owner <"$dir/state" 2>/dev/null && [ "$owner" = "$$" ] && rm -f "$dir/state"
}
idle=0
while kill -0 "$child" 2>/dev/null; do
  sleep 1
  if any_lease_alive; then idle=0; else idle=$((idle + 1)); fi
  if [ "$idle" -ge "$grace" ] && mkdir "$dir/lock" 2>/dev/null; then
    echo $$ >"$dir/lock/owner"
    if any_lease_alive; then
      idle=0
    else
      forget_state
      kill "$child" 2>/dev/null
      wait "$child"
      rm -rf "$dir/lock"
      exit 0
    fi
    rm -rf "$dir/lock"
  fi
done
forget_state
"#;

/// A Prism instance serving GitHub's REST API description.
#[derive(Debug)]
pub struct Prism {
    upstream_port: u16,
    port: u16,
    dir: PathBuf,
    spec: PathBuf,
}

impl Prism {
    /// The Prism of this test run: started on first use, shared by every
    /// test and every test process (see the module docs), stopped by its
    /// watchdog after the last one exits. Panics with the install command
    /// when prism or the description is missing, and with Prism's log when
    /// it does not come up.
    pub fn shared() -> &'static Prism {
        static SHARED: OnceLock<Prism> = OnceLock::new();
        SHARED.get_or_init(|| {
            let (prism_port, dir, spec) = attach_or_start();
            let port = relay::start(prism_port);
            Prism {
                upstream_port: prism_port,
                port,
                dir,
                spec,
            }
        })
    }

    /// `http://127.0.0.1:PORT` (no trailing slash): the `GITHUB_API_URL`.
    /// This is the relay that makes GitHub's media types acceptable to Prism.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The relay's port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Prism itself, without the relay (`Accept: application/vnd.github+json`
    /// gets 406 there).
    pub fn direct_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.upstream_port)
    }

    /// The OpenAPI description it serves.
    pub fn spec(&self) -> &Path {
        &self.spec
    }

    /// Prism's whole log (shared by every test using this instance, so
    /// lines of concurrent tests interleave).
    pub fn log(&self) -> String {
        String::from_utf8_lossy(&std::fs::read(self.log_path()).unwrap_or_default()).into_owned()
    }

    /// A position in the log, for [`Prism::log_since`].
    pub fn log_mark(&self) -> u64 {
        self.log_path().metadata().map_or(0, |m| m.len())
    }

    /// The log written after `mark`.
    pub fn log_since(&self, mark: u64) -> String {
        let bytes = std::fs::read(self.log_path()).unwrap_or_default();
        let start = usize::try_from(mark).unwrap_or(usize::MAX).min(bytes.len());
        String::from_utf8_lossy(&bytes[start..]).into_owned()
    }

    /// The `Violation:` lines logged after `mark` (request and response
    /// contract violations).
    pub fn violations_since(&self, mark: u64) -> Vec<String> {
        self.log_since(mark)
            .lines()
            .filter(|l| l.contains("Violation:"))
            .map(|l| l.trim().to_owned())
            .collect()
    }

    /// The log file.
    pub fn log_path(&self) -> PathBuf {
        self.dir.join("prism.log")
    }

    /// A relay of its own in front of this Prism that adds `Prefer: VALUE` to each
    /// request matching a rule `(METHOD, PATH_PREFIX, VALUE)` and records every request
    /// it relays with Prism's status. Prism keeps no state and answers every valid
    /// request with its first documented success, so this is how a test asks for
    /// another answer GitHub's contract documents, e.g. `code=404` for
    /// `GET /repos/{owner}/{repo}/releases/tags/{tag}` (no release yet), while every
    /// request is still checked against the contract. Its threads live as long as the
    /// test process.
    pub fn preferring(&self, rules: &[(&str, &str, &str)]) -> PreferringRelay {
        let rules: Vec<(String, String, String)> = rules
            .iter()
            .map(|(m, p, v)| ((*m).to_owned(), (*p).to_owned(), (*v).to_owned()))
            .collect();
        let journal = std::sync::Arc::default();
        let port = relay::start_with(
            self.upstream_port,
            std::sync::Arc::new(rules),
            Some(std::sync::Arc::clone(&journal)),
        );
        PreferringRelay { port, journal }
    }
}

/// A relay to Prism that chooses answers with `Prefer` (see [`Prism::preferring`]).
#[derive(Debug)]
pub struct PreferringRelay {
    port: u16,
    journal: std::sync::Arc<std::sync::Mutex<Vec<Relayed>>>,
}

impl PreferringRelay {
    /// `http://127.0.0.1:PORT` (no trailing slash): the `GITHUB_API_URL`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Every request relayed so far, in order, with Prism's status.
    pub fn requests(&self) -> Vec<Relayed> {
        self.journal
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

/// `node_modules/@octokit/openapi/generated/api.github.com.json` in the tools cache.
pub fn spec_path() -> PathBuf {
    let spec = program::tools_dir()
        .join("npm/node_modules/@octokit/openapi/generated/api.github.com.json");
    assert!(
        spec.is_file(),
        "{} (looked for {})",
        program::missing_message("@octokit/openapi"),
        spec.display()
    );
    spec
}

fn state_dir(spec: &Path) -> PathBuf {
    // FNV-1a of the spec path: one shared instance per description.
    let hash = spec
        .as_os_str()
        .as_encoded_bytes()
        .iter()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
    std::env::temp_dir().join(format!("slipway-prism-{hash:016x}"))
}

fn attach_or_start() -> (u16, PathBuf, PathBuf) {
    let prism = program::require("prism");
    let spec = spec_path();
    let dir = state_dir(&spec);
    std::fs::create_dir_all(dir.join("leases"))
        .unwrap_or_else(|e| panic!("create {}: {e}", dir.display()));
    let _lock = DirLock::acquire(&dir.join("lock"));
    std::fs::write(dir.join("leases").join(std::process::id().to_string()), b"")
        .expect("write the Prism lease");

    if let Some(port) = running_port(&dir) {
        return (port, dir, spec);
    }
    let port = free_port();
    std::fs::write(dir.join("watchdog.sh"), WATCHDOG).expect("write watchdog.sh");
    let _ = std::fs::remove_file(dir.join("state"));
    let mut header = String::new();
    let _ = writeln!(
        header,
        "--- slipway-test-support: starting prism on 127.0.0.1:{port} for pid {}",
        std::process::id()
    );
    // A new instance starts a new log: nobody reads the old one any more.
    std::fs::write(dir.join("prism.log"), &header).expect("write prism.log");
    let log_start = dir.join("prism.log").metadata().map_or(0, |m| m.len());
    {
        use std::os::unix::process::CommandExt;
        // The outer sh backgrounds the watchdog and exits at once, so the
        // watchdog is re-parented to init and never becomes our zombie.
        let status = Command::new("sh")
            .arg("-c")
            .arg(r#"sh "$0" "$@" </dev/null >/dev/null 2>&1 &"#)
            .arg(dir.join("watchdog.sh"))
            .arg(&dir)
            .arg(port.to_string())
            .arg(&prism)
            .arg(&spec)
            .arg(IDLE_GRACE_SECS.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .status()
            .unwrap_or_else(|e| panic!("cannot start Prism's watchdog: {e}"));
        assert!(
            status.success(),
            "cannot start Prism's watchdog: sh exited with {status}"
        );
    }
    let deadline = Instant::now() + START_TIMEOUT;
    let root = format!("http://127.0.0.1:{port}/");
    let mut seen_state = false;
    loop {
        if port_open(port) && http::get(&root).is_ok() {
            return (port, dir, spec);
        }
        // The watchdog writes `state` when Prism starts and removes it when Prism exits.
        let has_state = dir.join("state").exists();
        seen_state |= has_state;
        let exited = seen_state && !has_state;
        if exited || Instant::now() >= deadline {
            let log = std::fs::read(dir.join("prism.log")).unwrap_or_default();
            let start = usize::try_from(log_start).unwrap_or(0).min(log.len());
            panic!(
                "Prism did not come up on 127.0.0.1:{port} ({}); log {}:\n{}",
                if exited { "it exited" } else { "timed out" },
                dir.join("prism.log").display(),
                tail_text(&String::from_utf8_lossy(&log[start..]), 40)
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The port of the Prism recorded in `DIR/state` once it answers, or `None`
/// when there is none or it died. An instance still loading (its process
/// alive, its port not answering yet) is waited for, not duplicated.
fn running_port(dir: &Path) -> Option<u16> {
    let deadline = Instant::now() + START_TIMEOUT;
    loop {
        let state = std::fs::read_to_string(dir.join("state")).ok()?;
        let mut fields = state.split_whitespace();
        let port: u16 = fields.next()?.parse().ok()?;
        let pid = fields.next()?;
        if !Path::new("/proc").join(pid).exists() {
            return None;
        }
        if port_open(port)
            && http::request(
                "GET",
                &format!("http://127.0.0.1:{port}/"),
                &[],
                &[],
                Duration::from_secs(10),
            )
            .is_ok()
        {
            return Some(port);
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn tail_text(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// A cross-process lock: a directory created with `mkdir`, removed on drop.
struct DirLock {
    path: PathBuf,
}

impl DirLock {
    fn acquire(path: &Path) -> Self {
        let deadline = Instant::now() + START_TIMEOUT + Duration::from_secs(30);
        loop {
            match std::fs::create_dir(path) {
                Ok(()) => {
                    let _ = std::fs::write(path.join("owner"), std::process::id().to_string());
                    return Self {
                        path: path.to_owned(),
                    };
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    if Self::is_stale(path) {
                        let _ = std::fs::remove_dir_all(path);
                        continue;
                    }
                }
                Err(e) => panic!("cannot create the Prism lock {}: {e}", path.display()),
            }
            assert!(
                Instant::now() < deadline,
                "the Prism lock {} is still held by pid {}",
                path.display(),
                std::fs::read_to_string(path.join("owner")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// A lock whose owner is dead, or that has no owner after 10 s.
    fn is_stale(path: &Path) -> bool {
        match std::fs::read_to_string(path.join("owner")) {
            Ok(pid) if !pid.trim().is_empty() => !Path::new("/proc").join(pid.trim()).exists(),
            _ => path
                .metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|t| t.elapsed().unwrap_or_default() > Duration::from_secs(10)),
        }
    }
}

impl Drop for DirLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}
