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

mod dir;
mod guard;
mod holder;
mod store;

use std::sync::Arc;
use std::time::{Duration, Instant};

pub use dir::DirLock;
pub use guard::Guard;
pub use holder::{Holder, actor, epoch, machine};
pub use store::{Found, LockStore};

use crate::run::{Error, Result, Run};
use crate::shell::Target;

/// The bound of each command that reads, takes or releases the lock.
pub const TIMEOUT: Duration = Duration::from_secs(60);
/// How often a run waiting behind a live holder looks again.
const POLL: Duration = Duration::from_millis(500);
/// How many times one acquire breaks a stale lock that comes back (another run taking and
/// losing it in between) before giving up.
const MAX_BREAKS: u32 = 3;

/// What to do about a lock path in a state no run leaves (the help line of
/// [`LockError::Unexpected`]).
pub const UNEXPECTED_HELP: &str = "no run leaves the lock path like this: if no deploy or rollback is running, remove it by hand and run again";

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
mod tests;
