//! One deploy or rollback per environment: `mkdir STATE_DIR/lock` on the primary host is
//! atomic (as Kamal does), and `holder.json` inside records who holds it (actor, pid,
//! machine, time, version, run URL). A lock is stale when its holder's process is gone on
//! this same machine, or when it is older than the TTL; `--force` breaks a stale lock (or
//! one held from another machine), printing the holder, never one whose process is alive
//! here. A manual freeze (`deploy lock acquire -m reason`) holds until released.

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::run::{Error, Mode, Result, Run};
use crate::shell::{Target, quote};

const TIMEOUT: Duration = Duration::from_secs(60);

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
        }
    }

    /// One line: `deploy of v2 by alice (pid 42 on runner-1) since … — run URL`.
    pub fn describe(&self) -> String {
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

    /// Why the lock is stale, if it is. Manual freezes are never stale.
    pub fn stale_reason(&self, ttl: Duration) -> Option<String> {
        if self.operation == "manual" {
            return None;
        }
        if self.machine == machine() && !pid_alive(self.pid) {
            return Some(format!("process {} is gone on {}", self.pid, self.machine));
        }
        let age = epoch().saturating_sub(self.since_epoch);
        (age > ttl.as_secs()).then(|| {
            format!(
                "it is older than the lock TTL ({}s > {}s)",
                age,
                ttl.as_secs()
            )
        })
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

fn epoch() -> u64 {
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

/// Why the lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Someone live holds it (exit 3).
    #[error("environment {environment} is locked by {holder}", holder = .holder.describe())]
    Held {
        /// Environment.
        environment: String,
        /// The holder.
        holder: Box<Holder>,
        /// Stale, and why (then `--force` breaks it).
        stale: Option<String>,
    },
    /// Reading or writing the lock failed.
    #[error(transparent)]
    Run(#[from] Error),
}

/// The lock directory on the primary host.
#[derive(Clone)]
pub struct Lock {
    target: Arc<dyn Target>,
    dir: String,
    environment: String,
    ttl: Duration,
}

impl std::fmt::Debug for Lock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lock")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

impl Lock {
    /// The lock in `state_dir` on `target`.
    pub fn new(target: Arc<dyn Target>, state_dir: &str, environment: &str, ttl: Duration) -> Self {
        Self {
            target,
            dir: format!("{}/lock", state_dir.trim_end_matches('/')),
            environment: environment.to_owned(),
            ttl,
        }
    }

    /// The holder, if the lock is held.
    pub fn holder(&self, run: &Run) -> Result<Option<Holder>> {
        let script = format!(
            "if [ -d {d} ]; then echo held; cat {d}/holder.json 2>/dev/null; fi",
            d = quote(&self.dir)
        );
        let out = run.exec(&*self.target, &script, None, TIMEOUT, Mode::Read)?;
        if !out.success() {
            return Err(Error::failed(format!(
                "cannot read the lock on {}: {}",
                self.target.name(),
                out.combined()
            )));
        }
        let Some(rest) = out
            .stdout
            .strip_prefix("held\n")
            .or(out.stdout.strip_prefix("held"))
        else {
            return Ok(None);
        };
        Ok(Some(serde_json::from_str(rest.trim()).unwrap_or_else(
            |_| Holder {
                id: String::new(),
                operation: "unknown".into(),
                actor: "unknown (holder.json unreadable; being written?)".into(),
                pid: 0,
                machine: "unknown".into(),
                since: "unknown".into(),
                since_epoch: epoch(),
                version: None,
                run_url: None,
                message: None,
            },
        )))
    }

    fn try_take(&self, run: &Run, holder: &Holder) -> Result<bool> {
        let json = serde_json::to_string(holder).unwrap_or_default();
        let d = quote(&self.dir);
        let script = format!(
            "mkdir -p \"$(dirname {d})\" && if mkdir {d} 2>/dev/null; then cat > {d}/holder.json && echo acquired; fi"
        );
        let out = run.exec(
            &*self.target,
            &script,
            Some(json.as_bytes()),
            TIMEOUT,
            Mode::Cleanup,
        )?;
        if !out.success() {
            return Err(Error::failed(format!(
                "cannot take the lock on {}: {}",
                self.target.name(),
                out.combined()
            )));
        }
        Ok(out.stdout.trim() == "acquired")
    }

    /// Removes the lock if `id` still holds it (`None`: whoever holds it).
    pub fn remove(&self, run: &Run, id: Option<&str>) -> Result<()> {
        let d = quote(&self.dir);
        let script = match id {
            Some(id) => format!(
                "if grep -q {} {d}/holder.json 2>/dev/null; then rm -rf {d}; fi",
                quote(&format!("\"id\":\"{id}\""))
            ),
            None => format!("rm -rf {d}"),
        };
        run.exec_ok(
            &*self.target,
            "releasing the lock",
            &script,
            None,
            TIMEOUT,
            Mode::Cleanup,
        )?;
        Ok(())
    }

    /// Takes the lock for `holder`, waiting up to `wait` behind a live holder. With
    /// `force`, breaks a stale lock or one held from another machine, printing the holder.
    pub fn acquire(
        &self,
        run: &Run,
        holder: &Holder,
        wait: Duration,
        force: bool,
    ) -> std::result::Result<(), LockError> {
        if run.dry_run {
            match self.holder(run)? {
                Some(h) => run.ui.detail(&format!(
                    "would take the lock on {} (now held by {})",
                    self.target.name(),
                    h.describe()
                )),
                None => run
                    .ui
                    .detail(&format!("would take the lock on {}", self.target.name())),
            }
            return Ok(());
        }
        let deadline = Instant::now() + wait;
        let mut announced = false;
        loop {
            if self.try_take(run, holder)? {
                return Ok(());
            }
            let Some(current) = self.holder(run)? else {
                continue;
            };
            let stale = current.stale_reason(self.ttl);
            if force && !current.alive_here() {
                run.ui.warn(&format!(
                    "breaking the lock of {}: held by {}{}",
                    self.environment,
                    current.describe(),
                    stale
                        .as_ref()
                        .map(|s| format!(" (stale: {s})"))
                        .unwrap_or_default()
                ));
                self.remove(run, (!current.id.is_empty()).then_some(current.id.as_str()))?;
                if current.id.is_empty() {
                    self.remove(run, None)?;
                }
                continue;
            }
            if stale.is_some() || current.operation == "manual" || Instant::now() >= deadline {
                return Err(LockError::Held {
                    environment: self.environment.clone(),
                    holder: Box::new(current),
                    stale,
                });
            }
            if !announced {
                run.ui.info(&format!(
                    "waiting up to {}s for the lock of {}, held by {}",
                    wait.as_secs(),
                    self.environment,
                    current.describe()
                ));
                announced = true;
            }
            if !run.cancel.sleep(
                Duration::from_millis(500).min(deadline.saturating_duration_since(Instant::now())),
            ) {
                return Err(LockError::Run(Error::Cancelled));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cancel::Cancel;

    fn setup() -> (tempfile::TempDir, Lock, Run) {
        let dir = tempfile::tempdir().unwrap();
        let lock = Lock::new(
            Arc::new(crate::shell::Local),
            &dir.path().join("staging").display().to_string(),
            "staging",
            Duration::from_secs(3600),
        );
        let run = Run::new(slipway_kit::Ui::detect().quiet(true), Cancel::new(), false);
        (dir, lock, run)
    }

    #[test]
    fn second_holder_is_refused_with_the_first_named() {
        let (_dir, lock, run) = setup();
        let first = Holder::this_process("run-1", "deploy", Some("v1"), None);
        lock.acquire(&run, &first, Duration::ZERO, false).unwrap();
        let second = Holder::this_process("run-2", "deploy", Some("v2"), None);
        let err = lock
            .acquire(&run, &second, Duration::from_millis(600), false)
            .unwrap_err();
        assert!(err.to_string().contains("deploy of v1"), "{err}");
        lock.remove(&run, Some("run-1")).unwrap();
        lock.acquire(&run, &second, Duration::ZERO, false).unwrap();
        assert_eq!(lock.holder(&run).unwrap().unwrap().id, "run-2");
    }

    #[test]
    fn a_dead_holder_is_stale_and_force_breaks_it_but_not_a_live_one() {
        let (_dir, lock, run) = setup();
        let mut dead = Holder::this_process("dead", "deploy", Some("v1"), None);
        dead.pid = 999_999_999;
        lock.acquire(&run, &dead, Duration::ZERO, false).unwrap();
        let me = Holder::this_process("me", "deploy", Some("v2"), None);
        match lock.acquire(&run, &me, Duration::from_secs(5), false) {
            Err(LockError::Held {
                stale: Some(why), ..
            }) => assert!(why.contains("gone"), "{why}"),
            other => panic!("expected a stale lock, got {other:?}"),
        }
        lock.acquire(&run, &me, Duration::ZERO, true).unwrap();
        let other = Holder::this_process("other", "deploy", Some("v3"), None);
        assert!(
            lock.acquire(&run, &other, Duration::ZERO, true).is_err(),
            "a live holder here is never broken"
        );
    }

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

    #[test]
    fn release_by_another_id_leaves_the_lock() {
        let (_dir, lock, run) = setup();
        lock.acquire(
            &run,
            &Holder::this_process("a", "manual", None, Some("freeze")),
            Duration::ZERO,
            false,
        )
        .unwrap();
        lock.remove(&run, Some("b")).unwrap();
        assert!(lock.holder(&run).unwrap().is_some());
        lock.remove(&run, None).unwrap();
        assert!(lock.holder(&run).unwrap().is_none());
    }
}
