//! Stopping processes a test started indirectly: through a deploy command,
//! a shell with `&`, or an SSH session.
//!
//! A [`Reaper`] is a unique marker, `SLIPWAY_TEST_REAPER=<id>`, that a test
//! puts in the environment of the command it runs. Every descendant
//! inherits it, even after double-forking away from its parent, so on drop
//! the reaper finds them all in `/proc/<pid>/environ` and stops them
//! (SIGTERM, then SIGKILL after 2 s). [`crate::sshd::Sshd`] sets its own
//! reaper's marker on every session with `SetEnv`, so services started on
//! the "remote" host stop with the fixture.
//!
//! ```no_run
//! use std::process::Command;
//! use slipway_test_support::reaper::Reaper;
//! let reaper = Reaper::new();
//! let mut deploy = Command::new("deploy");
//! reaper.apply(&mut deploy);
//! // … the deploy starts services in the background; they stop when `reaper` drops.
//! ```

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// The environment variable that carries the marker.
pub const VAR: &str = "SLIPWAY_TEST_REAPER";

/// A marker for the processes of one test; stops them on drop.
#[derive(Debug)]
pub struct Reaper {
    value: String,
}

impl Default for Reaper {
    fn default() -> Self {
        Self::new()
    }
}

impl Reaper {
    /// A marker unique to this process and call.
    pub fn new() -> Self {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        Self {
            value: format!(
                "{}-{}",
                std::process::id(),
                NEXT.fetch_add(1, Ordering::Relaxed)
            ),
        }
    }

    /// `SLIPWAY_TEST_REAPER=<id>`.
    pub fn assignment(&self) -> String {
        format!("{VAR}={}", self.value)
    }

    /// The marker's value.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// Puts the marker in `command`'s environment.
    pub fn apply<'c>(&self, command: &'c mut Command) -> &'c mut Command {
        command.env(VAR, &self.value)
    }

    /// The live processes carrying the marker (never this process).
    pub fn pids(&self) -> Vec<u32> {
        let needle = self.assignment().into_bytes();
        let me = std::process::id();
        let Ok(entries) = std::fs::read_dir("/proc") else {
            return Vec::new();
        };
        entries
            .flatten()
            .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
            .filter(|&pid| pid != me)
            .filter(|pid| {
                std::fs::read(Path::new("/proc").join(pid.to_string()).join("environ"))
                    .is_ok_and(|env| env.split(|&b| b == 0).any(|var| var == needle.as_slice()))
            })
            .collect()
    }

    /// Stops every marked process: SIGTERM, then SIGKILL for those still
    /// there after 2 s. Returns how many it found.
    pub fn stop_all(&self) -> usize {
        let pids = self.pids();
        if pids.is_empty() {
            return 0;
        }
        signal("TERM", &pids);
        let deadline = Instant::now() + Duration::from_secs(2);
        while Instant::now() < deadline && !self.pids().is_empty() {
            std::thread::sleep(Duration::from_millis(50));
        }
        let left = self.pids();
        if !left.is_empty() {
            signal("KILL", &left);
        }
        pids.len()
    }
}

impl Drop for Reaper {
    fn drop(&mut self) {
        self.stop_all();
    }
}

/// `kill -SIG PID…` with the shell's builtin.
fn signal(sig: &str, pids: &[u32]) {
    let list = pids
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(" ");
    let _ = Command::new("sh")
        .args(["-c", &format!("kill -{sig} {list} 2>/dev/null")])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_double_forked_background_process_is_found_and_stopped() {
        let reaper = Reaper::new();
        let mut command = Command::new("sh");
        command
            .args(["-c", "(sleep 300 &) ; exit 0"])
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        reaper.apply(&mut command);
        assert!(command.status().unwrap().success());
        let found = reaper.pids();
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(reaper.stop_all(), 1);
        assert!(reaper.pids().is_empty());
    }
}
