//! One deploy or rollback per environment, held like a lease (Kamal's `mkdir` lock, with
//! the staleness rule of a Kubernetes Lease): `mkdir STATE_DIR/lock` on the primary host
//! is atomic, and `holder.json` inside records who holds it (actor, pid, machine, time,
//! version, run URL).
//!
//! - A lock is **stale** only when its TTL has passed since its holder last renewed it, or
//!   when its holder is provably gone: it runs on this same machine and its process is
//!   dead. A running deploy renews its lease every quarter of the TTL ([`Guard::renewing`]),
//!   so a long canary is never taken for a dead one. A lock held from another machine and
//!   renewed within its TTL is live, whatever `--force` says.
//! - `--force` breaks a stale lock and says whose it was; it never breaks a live one.
//! - A manual freeze (`deploy lock acquire -m reason`) is never stale: it is lifted by
//!   `deploy lock release`, or broken by an explicit `--break-freeze`, which names it.
//! - Anything unexpected at the lock path (a file, a symbolic link, no permission) is an
//!   error naming the host and path, never a retry.
//!
//! Every wait here is bounded: `--lock-wait` behind a live holder, and each command on the
//! primary host by [`TIMEOUT`].

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::run::{Error, Mode, Result, Run};
use crate::shell::{Target, quote};

/// The bound of each command that reads, takes or releases the lock.
pub const TIMEOUT: Duration = Duration::from_secs(60);
/// How often a run waiting behind a live holder looks again.
const POLL: Duration = Duration::from_millis(500);
/// How many times one acquire breaks a stale lock that comes back (another run taking and
/// losing it in between) before giving up.
const MAX_BREAKS: u32 = 3;

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
        let since_epoch = epoch();
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
const UNKNOWN: &str = "unknown";

fn rfc3339(epoch: u64) -> String {
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

/// Why the lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Someone holds it: a live run, a freeze, or a stale lock without `--force` (exit 3).
    #[error("environment {environment} is locked by {holder}", holder = .holder.describe())]
    Held {
        /// Environment.
        environment: String,
        /// The holder.
        holder: Box<Holder>,
        /// Stale, and why (then `--force` breaks it).
        stale: Option<String>,
        /// When the lock turns stale by its TTL (RFC 3339; live locks).
        stale_at: String,
        /// Whether `--force` was given (and refused: the lock is live or a freeze).
        forced: bool,
    },
    /// The lock path is in a state no run leaves (a file, a link, no permission): a person
    /// must look (exit 3).
    #[error("the lock {path} on {host} {why}")]
    Unexpected {
        /// Host holding the lock.
        host: String,
        /// The lock path.
        path: String,
        /// What is wrong with it.
        why: String,
    },
    /// Reading or writing the lock failed.
    #[error(transparent)]
    Run(#[from] Error),
}

/// What an acquire may break.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Breaking {
    /// `--force`: break a stale lock (never a live one, never a freeze).
    pub stale: bool,
    /// `--break-freeze`: break a manual freeze, naming it.
    pub freeze: bool,
}

/// A taken lock: [`Guard::release`] releases it (once); dropping the guard releases it
/// too, so a panic that unwinds never leaves the lock behind.
pub struct Guard<'a> {
    lock: &'a Lock,
    run: &'a Run,
    id: String,
    released: std::cell::Cell<bool>,
    renewer: Option<Arc<std::sync::atomic::AtomicBool>>,
}

impl std::fmt::Debug for Guard<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Guard")
            .field("id", &self.id)
            .field("released", &self.released.get())
            .finish_non_exhaustive()
    }
}

impl Guard<'_> {
    /// Renews the lease of `holder` (this guard's run) every quarter of the TTL until the
    /// lock is released, so a long run is never mistaken for a dead one. Not under
    /// `--dry-run` (nothing was taken).
    #[must_use]
    pub fn renewing(mut self, holder: &Holder) -> Self {
        if self.run.dry_run || self.renewer.is_some() {
            return self;
        }
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let every = (self.lock.ttl / 4).max(Duration::from_millis(200));
        let (lock, mut holder, flag) = (self.lock.clone(), holder.clone(), Arc::clone(&stop));
        let spawned = std::thread::Builder::new()
            .name("lock-renewal".into())
            .spawn(move || {
                let stopped = || flag.load(std::sync::atomic::Ordering::SeqCst);
                loop {
                    let next = Instant::now() + every;
                    while Instant::now() < next {
                        if stopped() {
                            return;
                        }
                        std::thread::sleep(Duration::from_millis(50));
                    }
                    holder.renewed_epoch = Some(epoch());
                    if let Err(e) = lock.renew(&holder) {
                        tracing::warn!("could not renew the lock of {}: {e}", lock.environment);
                    }
                }
            });
        if spawned.is_ok() {
            self.renewer = Some(stop);
        }
        self
    }

    /// Releases the lock if this run still holds it; a failure is a warning (the lock
    /// then stays until it is stale or released by hand).
    pub fn release(&self) {
        if let Some(stop) = &self.renewer {
            stop.store(true, std::sync::atomic::Ordering::SeqCst);
        }
        if self.released.replace(true) {
            return;
        }
        if let Err(e) = self.lock.remove(self.run, Some(&self.id)) {
            self.run.ui.warn(&format!(
                "could not release the lock of {}: {e}",
                self.lock.environment
            ));
        }
    }
}

impl Drop for Guard<'_> {
    fn drop(&mut self) {
        self.release();
    }
}

/// What an attempt to take a lock found.
#[derive(Debug)]
pub enum Found {
    /// The lock is this run's now.
    Acquired,
    /// Somebody holds it.
    Held(Holder),
    /// The lock is in a state no run leaves (a file, a link, no permission): why.
    Unexpected(String),
}

/// Where a lock is taken: atomically, with the holder recorded. Platforms choose one
/// ([`crate::platform::Platform::lock_store`]): a directory on the primary host
/// ([`DirLock`]), a `coordination.k8s.io/v1` Lease on Kubernetes. [`Lock`] adds the
/// waiting, staleness and `--force` rules on top, the same for every store.
pub trait LockStore: Send + Sync {
    /// The host or cluster holding the lock, for messages (`web1`).
    fn location(&self) -> String;

    /// The lock's path or name, for messages.
    fn path(&self) -> String;

    /// The holder, if the lock is held.
    fn holder(&self, run: &Run) -> Result<Option<Holder>>;

    /// One attempt to take the lock for `holder`.
    fn try_take(&self, run: &Run, holder: &Holder) -> Result<Found>;

    /// Removes the lock if `id` still holds it (`None`: whoever holds it).
    fn remove(&self, run: &Run, id: Option<&str>) -> Result<()>;

    /// Records `holder`'s renewal (its `renewed_epoch`) if it still holds the lock; a lock
    /// released or broken in between is left alone. Runs outside any run (a thread).
    fn renew(&self, holder: &Holder) -> std::result::Result<(), crate::shell::RunError>;
}

/// The lock directory on the primary host.
#[derive(Clone)]
pub struct DirLock {
    target: Arc<dyn Target>,
    dir: String,
}

impl DirLock {
    /// `STATE_DIR/lock` on `target`.
    pub fn new(target: Arc<dyn Target>, state_dir: &str) -> Self {
        Self {
            target,
            dir: format!("{}/lock", state_dir.trim_end_matches('/')),
        }
    }

    /// Shell that reports an unexpected state of `$d` (exit 0 with `unexpected WHY`).
    fn unexpected_check() -> &'static str {
        "if [ -L \"$d\" ]; then echo 'unexpected is a symbolic link, not the directory a run creates'; exit 0; fi; \
         if [ -e \"$d\" ] && [ ! -d \"$d\" ]; then echo 'unexpected is a file, not the directory a run creates'; exit 0; fi"
    }

    /// Shell that prints `held`, the directory's age source (mtime) and `holder.json`.
    fn held_report() -> &'static str {
        "echo held; stat -c %Y \"$d\" 2>/dev/null || date +%s; cat \"$d/holder.json\" 2>/dev/null; exit 0"
    }

    fn parse(stdout: &str) -> Option<Found> {
        let mut lines = stdout.splitn(3, '\n');
        match lines.next()?.trim() {
            "acquired" => Some(Found::Acquired),
            "held" => {
                let mtime = lines.next().and_then(|l| l.trim().parse::<u64>().ok());
                let json = lines.next().unwrap_or_default().trim();
                Some(Found::Held(serde_json::from_str(json).unwrap_or_else(
                    |_| {
                        let since_epoch = mtime.unwrap_or_else(epoch);
                        Holder {
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
                    },
                )))
            }
            other => other
                .strip_prefix("unexpected ")
                .map(|why| Found::Unexpected(why.to_owned())),
        }
    }
}

impl LockStore for DirLock {
    fn location(&self) -> String {
        self.target.name().to_owned()
    }

    fn path(&self) -> String {
        self.dir.clone()
    }

    /// The holder, if the lock is held. An unexpected state of the lock path (a file, a
    /// link) is an error naming the path.
    fn holder(&self, run: &Run) -> Result<Option<Holder>> {
        let script = format!(
            "d={}; {}; if [ -d \"$d\" ]; then {}; fi",
            quote(&self.dir),
            Self::unexpected_check(),
            Self::held_report()
        );
        let out = run.exec(&*self.target, &script, None, TIMEOUT, Mode::Read)?;
        if !out.success() {
            return Err(Error::failed(format!(
                "cannot read the lock {} on {}: {}",
                self.dir,
                self.target.name(),
                out.combined()
            )));
        }
        match Self::parse(&out.stdout) {
            Some(Found::Held(h)) => Ok(Some(h)),
            Some(Found::Unexpected(why)) => Err(Error::failed(
                LockError::Unexpected {
                    host: self.location(),
                    path: self.dir.clone(),
                    why,
                }
                .to_string(),
            )),
            Some(Found::Acquired) | None => Ok(None),
        }
    }

    /// One attempt: `mkdir`, else what is there.
    fn try_take(&self, run: &Run, holder: &Holder) -> Result<Found> {
        let json = serde_json::to_string(holder).unwrap_or_default();
        let script = format!(
            "d={d}; {check}; \
             if ! err=$(mkdir -p \"$(dirname \"$d\")\" 2>&1); then echo \"unexpected cannot be created: $err\"; exit 0; fi; \
             if mkdir \"$d\" 2>/dev/null; then \
               if cat > \"$d/holder.json\"; then echo acquired; else rm -rf \"$d\"; echo 'unexpected could not record its holder (holder.json)'; fi; exit 0; \
             fi; \
             {check}; \
             if [ -d \"$d\" ]; then {held}; fi; \
             echo \"unexpected cannot be created: $(mkdir \"$d\" 2>&1)\"",
            d = quote(&self.dir),
            check = Self::unexpected_check(),
            held = Self::held_report()
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
                "cannot take the lock {} on {}: {}",
                self.dir,
                self.target.name(),
                out.combined()
            )));
        }
        Ok(Self::parse(&out.stdout).unwrap_or_else(|| {
            Found::Unexpected(format!(
                "answered {:?} to the attempt to take it",
                out.combined()
            ))
        }))
    }

    fn remove(&self, run: &Run, id: Option<&str>) -> Result<()> {
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

    /// Rewrites `holder.json` with `holder` (its renewal time) if `holder` still holds the
    /// lock; a lock released or broken in between is left alone.
    fn renew(&self, holder: &Holder) -> std::result::Result<(), crate::shell::RunError> {
        let json = serde_json::to_string(holder).unwrap_or_default();
        let script = format!(
            "d={d}; if grep -q {id} \"$d/holder.json\" 2>/dev/null; then cat > \"$d/.holder.json.$$\" && mv -f \"$d/.holder.json.$$\" \"$d/holder.json\"; fi",
            d = quote(&self.dir),
            id = quote(&format!("\"id\":\"{}\"", holder.id))
        );
        self.target
            .run(&script, Some(json.as_bytes()), TIMEOUT, None)
            .map(|_| ())
    }
}

/// An environment's lock: a [`LockStore`] with the rules for waiting, staleness and
/// `--force`.
#[derive(Clone)]
pub struct Lock {
    store: Arc<dyn LockStore>,
    environment: String,
    ttl: Duration,
}

impl std::fmt::Debug for Lock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lock")
            .field("path", &self.store.path())
            .finish_non_exhaustive()
    }
}

impl Lock {
    /// The lock in `state_dir` on `target`.
    pub fn new(target: Arc<dyn Target>, state_dir: &str, environment: &str, ttl: Duration) -> Self {
        Self::with_store(Arc::new(DirLock::new(target, state_dir)), environment, ttl)
    }

    /// The lock of `environment` kept in `store`.
    pub fn with_store(store: Arc<dyn LockStore>, environment: &str, ttl: Duration) -> Self {
        Self {
            store,
            environment: environment.to_owned(),
            ttl,
        }
    }

    /// The lock path, for messages.
    pub fn path(&self) -> String {
        self.store.path()
    }

    fn unexpected(&self, why: impl Into<String>) -> LockError {
        LockError::Unexpected {
            host: self.store.location(),
            path: self.store.path(),
            why: why.into(),
        }
    }

    /// The holder, if the lock is held.
    pub fn holder(&self, run: &Run) -> Result<Option<Holder>> {
        self.store.holder(run)
    }

    fn try_take(&self, run: &Run, holder: &Holder) -> std::result::Result<Found, LockError> {
        Ok(self.store.try_take(run, holder)?)
    }

    /// Removes the lock if `id` still holds it (`None`: whoever holds it).
    pub fn remove(&self, run: &Run, id: Option<&str>) -> Result<()> {
        self.store.remove(run, id)
    }

    /// A guard that releases the lock held by run `id` when dropped, also when a panic
    /// unwinds through the run.
    pub fn guard<'a>(&'a self, run: &'a Run, id: &str) -> Guard<'a> {
        Guard {
            lock: self,
            run,
            id: id.to_owned(),
            released: std::cell::Cell::new(false),
            renewer: None,
        }
    }

    /// Records `holder`'s renewal if it still holds the lock.
    fn renew(&self, holder: &Holder) -> std::result::Result<(), crate::shell::RunError> {
        self.store.renew(holder)
    }

    /// Takes the lock for `holder`, waiting up to `wait` behind a live holder. `breaking`
    /// says what may be broken: a stale lock (`--force`) or a freeze (`--break-freeze`),
    /// each announced with its holder. A live lock is never broken.
    pub fn acquire(
        &self,
        run: &Run,
        holder: &Holder,
        wait: Duration,
        breaking: Breaking,
    ) -> std::result::Result<(), LockError> {
        if run.dry_run {
            match self.holder(run)? {
                Some(h) => run.ui.detail(&format!(
                    "would take the lock on {} (now held by {})",
                    self.store.location(),
                    h.describe()
                )),
                None => run
                    .ui
                    .detail(&format!("would take the lock on {}", self.store.location())),
            }
            return Ok(());
        }
        let deadline = Instant::now() + wait;
        let mut announced = false;
        let mut breaks = 0;
        loop {
            // Taken now, not when the run started waiting: a long --lock-wait must not
            // make a fresh lock look old.
            let mut attempt = holder.clone();
            attempt.since = crate::ledger::now();
            attempt.since_epoch = epoch();
            let current = match self.try_take(run, &attempt)? {
                Found::Acquired => return Ok(()),
                Found::Unexpected(why) => return Err(self.unexpected(why)),
                Found::Held(current) => current,
            };
            let stale = current.stale_reason(self.ttl);
            let breakable = if current.is_freeze() {
                breaking.freeze
            } else {
                breaking.stale && stale.is_some()
            };
            if breakable && breaks < MAX_BREAKS {
                breaks += 1;
                let what = if current.is_freeze() {
                    format!(
                        "--break-freeze: breaking the freeze of {}: {}",
                        self.environment,
                        current.describe()
                    )
                } else {
                    format!(
                        "breaking the lock of {}: held by {} (stale: {})",
                        self.environment,
                        current.describe(),
                        stale.as_deref().unwrap_or_default()
                    )
                };
                run.ui.warn(&what);
                self.remove(run, (!current.id.is_empty()).then_some(current.id.as_str()))?;
                continue;
            }
            let live = !current.is_freeze() && stale.is_none();
            if !live || Instant::now() >= deadline {
                return Err(LockError::Held {
                    environment: self.environment.clone(),
                    stale_at: current.stale_at(self.ttl),
                    holder: Box::new(current),
                    stale,
                    forced: breaking.stale,
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
            if !run
                .cancel
                .sleep(POLL.min(deadline.saturating_duration_since(Instant::now())))
            {
                return Err(LockError::Run(Error::Cancelled));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cancel::Cancel;

    const NONE: Breaking = Breaking {
        stale: false,
        freeze: false,
    };
    const FORCE: Breaking = Breaking {
        stale: true,
        freeze: false,
    };
    const BREAK_FREEZE: Breaking = Breaking {
        stale: false,
        freeze: true,
    };

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

    /// Writes `holder` as the lock's holder, as a run that took it at `since_epoch` would.
    fn plant(lock: &Lock, holder: &Holder) {
        std::fs::create_dir_all(lock.path()).unwrap();
        std::fs::write(
            format!("{}/holder.json", lock.path()),
            serde_json::to_string(holder).unwrap(),
        )
        .unwrap();
    }

    #[test]
    fn a_lock_is_stamped_when_taken_not_when_the_run_started_waiting() {
        let (_dir, lock, run) = setup();
        let mut waited = Holder::this_process("queued", "deploy", Some("v1"), None);
        waited.since_epoch -= 7200;
        lock.acquire(&run, &waited, Duration::ZERO, NONE).unwrap();
        let held = lock.holder(&run).unwrap().unwrap();
        assert_eq!(
            held.stale_reason(Duration::from_secs(3600)),
            None,
            "{held:?}"
        );
    }

    #[test]
    fn second_holder_is_refused_with_the_first_named() {
        let (_dir, lock, run) = setup();
        let first = Holder::this_process("run-1", "deploy", Some("v1"), None);
        lock.acquire(&run, &first, Duration::ZERO, NONE).unwrap();
        let second = Holder::this_process("run-2", "deploy", Some("v2"), None);
        let err = lock
            .acquire(&run, &second, Duration::from_millis(600), NONE)
            .unwrap_err();
        assert!(err.to_string().contains("deploy of v1"), "{err}");
        lock.remove(&run, Some("run-1")).unwrap();
        lock.acquire(&run, &second, Duration::ZERO, NONE).unwrap();
        assert_eq!(lock.holder(&run).unwrap().unwrap().id, "run-2");
    }

    #[test]
    fn a_dead_holder_is_stale_and_force_breaks_it_but_not_a_live_one() {
        let (_dir, lock, run) = setup();
        let mut dead = Holder::this_process("dead", "deploy", Some("v1"), None);
        dead.pid = 999_999_999;
        lock.acquire(&run, &dead, Duration::ZERO, NONE).unwrap();
        let me = Holder::this_process("me", "deploy", Some("v2"), None);
        match lock.acquire(&run, &me, Duration::from_secs(5), NONE) {
            Err(LockError::Held {
                stale: Some(why), ..
            }) => assert!(why.contains("gone"), "{why}"),
            other => panic!("expected a stale lock, got {other:?}"),
        }
        lock.acquire(&run, &me, Duration::ZERO, FORCE).unwrap();
        let other = Holder::this_process("other", "deploy", Some("v3"), None);
        assert!(
            lock.acquire(&run, &other, Duration::ZERO, FORCE).is_err(),
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
            NONE,
        )
        .unwrap();
        lock.remove(&run, Some("b")).unwrap();
        assert!(lock.holder(&run).unwrap().is_some());
        lock.remove(&run, None).unwrap();
        assert!(lock.holder(&run).unwrap().is_none());
    }

    #[test]
    fn a_file_at_the_lock_path_is_an_error_naming_the_path_not_a_spin() {
        let (dir, lock, run) = setup();
        std::fs::create_dir_all(dir.path().join("staging")).unwrap();
        std::fs::write(dir.path().join("staging/lock"), "stray").unwrap();
        let me = Holder::this_process("me", "deploy", Some("v1"), None);
        for breaking in [NONE, FORCE, BREAK_FREEZE] {
            match lock.acquire(&run, &me, Duration::from_secs(1), breaking) {
                Err(e @ LockError::Unexpected { .. }) => {
                    let text = e.to_string();
                    assert!(text.contains(&lock.path()), "{text}");
                    assert!(text.contains("is a file"), "{text}");
                }
                other => panic!("expected an unexpected lock path, got {other:?}"),
            }
        }
        let err = lock.holder(&run).unwrap_err().to_string();
        assert!(err.contains("is a file"), "{err}");
        assert_eq!(
            std::fs::read_to_string(dir.path().join("staging/lock")).unwrap(),
            "stray",
            "the file is left for a person to look at"
        );
    }

    #[test]
    fn a_lock_directory_that_cannot_be_created_is_an_error_naming_the_path() {
        let (dir, lock, run) = setup();
        // The state directory itself is a file: mkdir -p fails.
        std::fs::write(dir.path().join("staging"), "not a directory").unwrap();
        let me = Holder::this_process("me", "deploy", Some("v1"), None);
        match lock.acquire(&run, &me, Duration::from_secs(1), NONE) {
            Err(e @ LockError::Unexpected { .. }) => {
                assert!(e.to_string().contains("cannot be created"), "{e}");
            }
            other => panic!("expected an unexpected lock path, got {other:?}"),
        }
    }

    #[test]
    fn force_never_breaks_a_live_lock_from_another_machine_until_its_ttl_passes() {
        let (_dir, lock, run) = setup();
        let mut foreign = Holder::this_process("runner-2", "deploy", Some("v1"), None);
        foreign.machine = "another-runner".into();
        foreign.pid = 999_999_999;
        lock.acquire(&run, &foreign, Duration::ZERO, NONE).unwrap();
        let me = Holder::this_process("me", "deploy", Some("v2"), None);
        match lock.acquire(&run, &me, Duration::ZERO, FORCE) {
            Err(LockError::Held {
                stale: None,
                forced: true,
                holder,
                ..
            }) => assert_eq!(holder.machine, "another-runner"),
            other => panic!("a live foreign lock must hold, got {other:?}"),
        }
        assert_eq!(lock.holder(&run).unwrap().unwrap().id, "runner-2");
        // Two hours later (TTL 1h) it is stale, and --force breaks it.
        foreign.since_epoch -= 7200;
        plant(&lock, &foreign);
        match lock.acquire(&run, &me, Duration::ZERO, NONE) {
            Err(LockError::Held {
                stale: Some(why), ..
            }) => assert!(why.contains("older than the lock TTL"), "{why}"),
            other => panic!("expected a stale lock, got {other:?}"),
        }
        lock.acquire(&run, &me, Duration::ZERO, FORCE).unwrap();
        assert_eq!(lock.holder(&run).unwrap().unwrap().id, "me");
    }

    #[test]
    fn a_freeze_is_never_stale_force_leaves_it_and_break_freeze_breaks_it() {
        let (_dir, lock, run) = setup();
        let mut freeze = Holder::this_process("freeze", "manual", None, Some("Black Friday"));
        freeze.since_epoch -= 30 * 24 * 3600;
        freeze.pid = 999_999_999;
        plant(&lock, &freeze);
        let me = Holder::this_process("me", "deploy", Some("v2"), None);
        match lock.acquire(&run, &me, Duration::from_secs(30), FORCE) {
            Err(LockError::Held {
                stale: None,
                holder,
                ..
            }) => assert!(holder.is_freeze()),
            other => panic!("a freeze must hold against --force, got {other:?}"),
        }
        lock.acquire(&run, &me, Duration::ZERO, BREAK_FREEZE)
            .unwrap();
        assert_eq!(lock.holder(&run).unwrap().unwrap().id, "me");
    }

    #[test]
    fn a_lock_without_holder_json_ages_by_its_directory_and_force_breaks_it_past_the_ttl() {
        let (dir, lock, run) = setup();
        let path = dir.path().join("staging/lock");
        std::fs::create_dir_all(&path).unwrap();
        let me = Holder::this_process("me", "deploy", Some("v2"), None);
        match lock.acquire(&run, &me, Duration::ZERO, FORCE) {
            Err(LockError::Held { stale: None, .. }) => {}
            other => panic!("a fresh lock without holder is live, got {other:?}"),
        }
        let touched = std::process::Command::new("touch")
            .args(["-d", "2 hours ago"])
            .arg(&path)
            .status()
            .unwrap();
        assert!(touched.success());
        lock.acquire(&run, &me, Duration::ZERO, FORCE).unwrap();
        assert_eq!(lock.holder(&run).unwrap().unwrap().id, "me");
    }

    #[test]
    fn a_panic_unwinding_through_a_run_releases_its_lock() {
        let (_dir, lock, run) = setup();
        let me = Holder::this_process("me", "deploy", Some("v1"), None);
        lock.acquire(&run, &me, Duration::ZERO, NONE).unwrap();
        let unwound = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _guard = lock.guard(&run, "me");
            panic!("a bug in a strategy");
        }));
        assert!(unwound.is_err());
        assert!(
            lock.holder(&run).unwrap().is_none(),
            "the guard released it"
        );
    }

    #[test]
    fn the_release_profile_unwinds_so_guards_and_restores_run_on_a_panic() {
        let manifest = include_str!("../../../Cargo.toml");
        let release = manifest
            .split("[profile.release]")
            .nth(1)
            .and_then(|rest| rest.split("\n[").next())
            .expect("a [profile.release] section");
        assert!(
            !release.contains("panic = \"abort\""),
            "panic = \"abort\" skips lock release and routing restore: {release}"
        );
    }

    #[test]
    fn a_run_renews_its_lease_so_it_never_turns_stale_while_it_runs() {
        let dir = tempfile::tempdir().unwrap();
        let lock = Lock::new(
            Arc::new(crate::shell::Local),
            &dir.path().join("staging").display().to_string(),
            "staging",
            Duration::from_secs(2),
        );
        let run = Run::new(slipway_kit::Ui::detect().quiet(true), Cancel::new(), false);
        let mut long = Holder::this_process("long-run", "deploy", Some("v1"), None);
        // Held from another runner: only the TTL can make it stale.
        long.machine = "another-runner".into();
        lock.acquire(&run, &long, Duration::ZERO, NONE).unwrap();
        let guard = lock.guard(&run, "long-run").renewing(&long);
        // Past its TTL of 2 s, renewed every 0.5 s: still live.
        std::thread::sleep(Duration::from_secs(4));
        let me = Holder::this_process("me", "deploy", Some("v2"), None);
        match lock.acquire(&run, &me, Duration::ZERO, FORCE) {
            Err(LockError::Held {
                stale: None,
                holder,
                ..
            }) => assert!(holder.renewed_epoch.is_some(), "{holder:?}"),
            other => panic!("a renewed lock is live, got {other:?}"),
        }
        drop(guard);
        assert!(lock.holder(&run).unwrap().is_none(), "released on drop");
    }
}
