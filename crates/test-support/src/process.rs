//! Running a fixture's program as a child process.
//!
//! [`ServerProcess`] starts a program with its standard output and error
//! captured in a log file inside the fixture's temporary directory, waits for
//! readiness with a deadline, and on drop stops it (SIGTERM, then SIGKILL
//! after a grace period) and reaps it, so no test leaks a process. Every
//! readiness failure panics with the tail of the program's log.

use std::fs::File;
use std::io::Read;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A child process owned by a fixture: stopped and reaped on drop.
pub struct ServerProcess {
    name: String,
    child: Child,
    log: PathBuf,
    stop_grace: Duration,
}

impl ServerProcess {
    /// Spawns `command` with stdin closed and stdout and stderr appended to
    /// `log`. `name` appears in every panic message.
    pub fn spawn(name: &str, mut command: Command, log: &Path) -> Self {
        let out = File::options()
            .create(true)
            .append(true)
            .open(log)
            .unwrap_or_else(|e| panic!("{name}: cannot open log {}: {e}", log.display()));
        let err = out.try_clone().expect("clone log file handle");
        command
            .stdin(Stdio::null())
            .stdout(Stdio::from(out))
            .stderr(Stdio::from(err));
        let child = command
            .spawn()
            .unwrap_or_else(|e| panic!("{name}: cannot start {command:?}: {e}"));
        Self {
            name: name.to_owned(),
            child,
            log: log.to_owned(),
            stop_grace: Duration::from_secs(3),
        }
    }

    /// The process id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// The log file (stdout and stderr).
    pub fn log_path(&self) -> &Path {
        &self.log
    }

    /// The whole log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The last `lines` lines of the log.
    pub fn log_tail(&self, lines: usize) -> String {
        tail(&self.log, lines)
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Polls `ready` every 50 ms until it returns true. Panics, with the log
    /// tail, when `timeout` passes or the process exits first.
    pub fn wait_until(&mut self, what: &str, timeout: Duration, mut ready: impl FnMut() -> bool) {
        let deadline = Instant::now() + timeout;
        loop {
            if ready() {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "{} exited ({status}) before {what}; log {}:\n{}",
                    self.name,
                    self.log.display(),
                    self.log_tail(40)
                );
            }
            assert!(
                Instant::now() < deadline,
                "{} not ready after {timeout:?}: {what}; log {}:\n{}",
                self.name,
                self.log.display(),
                self.log_tail(40)
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until a TCP connection to 127.0.0.1:`port` succeeds.
    pub fn wait_for_port(&mut self, port: u16, timeout: Duration) {
        self.wait_until(
            &format!("accepting connections on 127.0.0.1:{port}"),
            timeout,
            || port_open(port),
        );
    }

    /// Panics with `message` and the log tail: for failures after start.
    pub fn fail(&self, message: &str) -> ! {
        panic!(
            "{}: {message}; log {}:\n{}",
            self.name,
            self.log.display(),
            self.log_tail(40)
        )
    }

    /// Waits up to `timeout` for the process to exit by itself; `None` when
    /// it is still running.
    pub fn wait_for_exit(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Sends SIGTERM, waits up to the grace period, then SIGKILLs and reaps.
    pub fn stop(&mut self) {
        if !self.is_running() {
            return;
        }
        // The shell's kill builtin: no dependency on a kill binary.
        let _ = Command::new("sh")
            .args(["-c", "kill -TERM \"$0\"", &self.child.id().to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let deadline = Instant::now() + self.stop_grace;
        while Instant::now() < deadline {
            if !matches!(self.child.try_wait(), Ok(None)) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Kills the process at once (SIGKILL) and reaps it: a crash, for tests
    /// of what happens when a server dies.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Whether something accepts TCP connections on 127.0.0.1:`port`.
pub fn port_open(port: u16) -> bool {
    TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_millis(200)).is_ok()
}

/// The last `lines` lines of the file at `path` (empty when unreadable).
pub fn tail(path: &Path, lines: usize) -> String {
    let mut text = String::new();
    if let Ok(mut file) = File::open(path) {
        let mut bytes = Vec::new();
        let _ = file.read_to_end(&mut bytes);
        text = String::from_utf8_lossy(&bytes).into_owned();
    }
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// Runs a short helper command to completion and panics with its output
/// when it fails. Returns stdout.
pub fn run_checked(what: &str, command: &mut Command) -> String {
    let output = command
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run {command:?}: {e}"));
    assert!(
        output.status.success(),
        "{what} failed ({}): {command:?}\nstdout: {}\nstderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Whether this process runs as root (uid 0), read from `/proc/self/status`.
pub fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status").is_ok_and(|status| {
        status
            .lines()
            .find_map(|l| l.strip_prefix("Uid:"))
            .and_then(|rest| rest.split_whitespace().nth(1))
            .is_some_and(|euid| euid == "0")
    })
}

/// Calls `check` every 20 ms until it returns true; panics naming `what`
/// after `timeout`. For waiting on effects that come some time after the
/// action (an nginx reload, a Prometheus scrape).
pub fn poll_until(what: &str, timeout: Duration, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !check() {
        assert!(
            Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}
