//! Who holds a lock, and when that lease is stale: the holder record written as
//! `holder.json` (or a Lease's annotations), the identity of this run (actor, machine,
//! pid) and the staleness rule: TTL passed since the last renewal, or a dead process on
//! this same machine. Manual freezes are never stale.

use std::fmt::Write as _;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Who holds a lock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    /// Unique id of the holding run.
    pub id: String,
    /// `deploy`, `rollback` or `manual`.
    pub operation: String,
    /// `GITHUB_ACTOR` or the local user.
    pub actor: String,
    /// Process id of the holder.
    pub pid: u32,
    /// Machine the holder runs on.
    pub machine: String,
    /// When it was taken (RFC 3339).
    pub since: String,
    /// When it was taken (seconds since the epoch).
    pub since_epoch: u64,
    /// The version being deployed.
    pub version: Option<String>,
    /// The workflow run.
    pub run_url: Option<String>,
    /// Why (manual freezes).
    pub message: Option<String>,
    /// When the holder last renewed its lease (seconds since the epoch): a running deploy
    /// renews every quarter of the TTL, so only a holder that stopped renewing goes stale.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renewed_epoch: Option<u64>,
}

impl Holder {
    /// A holder for this process.
    pub fn this_process(
        id: &str,
        operation: &str,
        version: Option<&str>,
        message: Option<&str>,
    ) -> Self {
        let ctx = slipway_kit::GithubContext::from_env();
        Self {
            id: id.to_owned(),
            operation: operation.to_owned(),
            actor: actor(),
            pid: std::process::id(),
            machine: machine(),
            since: crate::ledger::now(),
            since_epoch: epoch(),
            version: version.map(str::to_owned),
            run_url: ctx.run_url(),
            message: message.map(str::to_owned),
            renewed_epoch: None,
        }
    }

    /// One line: `deploy of v2 by alice (pid 42 on runner-1) since … — run URL`.
    pub fn describe(&self) -> String {
        if self.operation == UNKNOWN {
            return format!(
                "an unknown holder (holder.json is missing or unreadable) since {}",
                self.since
            );
        }
        let mut text = match (&self.version, self.operation.as_str()) {
            (_, "manual") => format!("a manual freeze by {}", self.actor),
            (Some(v), op) => format!("{op} of {v} by {}", self.actor),
            (None, op) => format!("{op} by {}", self.actor),
        };
        let _ = write!(
            text,
            " (pid {} on {}) since {}",
            self.pid, self.machine, self.since
        );
        if let Some(m) = &self.message {
            let _ = write!(text, ": {m}");
        }
        if let Some(u) = &self.run_url {
            let _ = write!(text, " — {u}");
        }
        text
    }

    /// Whether this is a manual freeze (`deploy lock acquire`).
    pub fn is_freeze(&self) -> bool {
        self.operation == "manual"
    }

    /// Why the lock is stale, if it is: its TTL has passed, or it is held on this machine by
    /// a process that is gone. Manual freezes are never stale.
    pub fn stale_reason(&self, ttl: Duration) -> Option<String> {
        if self.is_freeze() {
            return None;
        }
        if self.pid != 0 && self.machine == machine() && !pid_alive(self.pid) {
            return Some(format!("process {} is gone on {}", self.pid, self.machine));
        }
        let age = epoch().saturating_sub(self.last_seen());
        (age > ttl.as_secs()).then(|| {
            if self.renewed_epoch.is_some() {
                format!(
                    "its holder stopped renewing it {age}s ago, longer than the lock TTL ({}s)",
                    ttl.as_secs()
                )
            } else {
                format!(
                    "it is older than the lock TTL ({}s > {}s)",
                    age,
                    ttl.as_secs()
                )
            }
        })
    }

    /// When the holder was last known alive: its last renewal, else when it took the lock.
    pub fn last_seen(&self) -> u64 {
        self.renewed_epoch
            .unwrap_or(self.since_epoch)
            .max(self.since_epoch)
    }

    /// When a live lock turns stale by its TTL if its holder stops renewing it (RFC 3339).
    pub fn stale_at(&self, ttl: Duration) -> String {
        rfc3339(self.last_seen().saturating_add(ttl.as_secs()))
    }

    /// The holder of a lock whose record cannot be read (being written, or damaged).
    pub fn unreadable() -> Self {
        Self::unreadable_since(epoch())
    }

    /// The holder of a lock whose record cannot be read, taken at `since_epoch` (the lock
    /// directory's age, when that is all there is).
    pub fn unreadable_since(since_epoch: u64) -> Self {
        Self {
            id: String::new(),
            operation: UNKNOWN.into(),
            actor: "unknown".into(),
            pid: 0,
            machine: "unknown".into(),
            since: rfc3339(since_epoch),
            since_epoch,
            version: None,
            run_url: None,
            message: None,
            renewed_epoch: None,
        }
    }

    /// Whether the holder is a live process on this machine.
    pub fn alive_here(&self) -> bool {
        self.machine == machine() && pid_alive(self.pid)
    }
}

/// Who is running: `GITHUB_ACTOR` in a workflow; outside CI the local user, as
/// `git config user.name` names them, else `$USER` (`$LOGNAME`), else `unknown`.
pub fn actor() -> String {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    pick_actor(
        var("GITHUB_ACTOR"),
        git_user_name,
        var("USER").or_else(|| var("LOGNAME")),
    )
}

fn pick_actor(
    github_actor: Option<String>,
    git_user_name: impl FnOnce() -> Option<String>,
    user: Option<String>,
) -> String {
    github_actor
        .or_else(git_user_name)
        .or(user)
        .map_or_else(|| "unknown".to_owned(), |v| v.trim().to_owned())
}

/// `git config user.name`, if git is installed and it is set (bounded to 5 s).
fn git_user_name() -> Option<String> {
    let mut command = std::process::Command::new("git");
    command.args(["config", "--get", "user.name"]);
    let out = crate::shell::run_command(command, None, Duration::from_secs(5), None).ok()?;
    let name = out.stdout.trim();
    (out.success() && !name.is_empty()).then(|| name.to_owned())
}

/// This machine's host name.
pub fn machine() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| {
            std::process::Command::new("uname")
                .arg("-n")
                .output()
                .ok()
                .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        })
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown".to_owned())
}

/// The operation of a holder whose `holder.json` is missing or unreadable.
pub(super) const UNKNOWN: &str = "unknown";

pub(super) fn rfc3339(epoch: u64) -> String {
    i64::try_from(epoch)
        .ok()
        .and_then(|t| time::OffsetDateTime::from_unix_timestamp(t).ok())
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| format!("{epoch} (seconds since the epoch)"))
}

/// Seconds since the epoch, now.
pub fn epoch() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn pid_alive(pid: u32) -> bool {
    if std::path::Path::new("/proc/self").exists() {
        return std::path::Path::new(&format!("/proc/{pid}")).exists();
    }
    std::process::Command::new("kill")
        .args(["-0", &pid.to_string()])
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_actor_is_the_github_actor_in_ci_else_the_git_user_else_user() {
        let some = |v: &str| Some(v.to_owned());
        assert_eq!(
            pick_actor(some("octocat"), || some("Ada"), some("ada")),
            "octocat"
        );
        assert_eq!(
            pick_actor(None, || some("Ada Lovelace"), some("ada")),
            "Ada Lovelace"
        );
        assert_eq!(pick_actor(None, || None, some("ada")), "ada");
        assert_eq!(pick_actor(None, || None, None), "unknown");
    }
}
