//! Where a lock is kept: the [`LockStore`] interface every platform's lock implements
//! (a directory on the primary host, a Kubernetes Lease) and what one attempt finds.

use super::Holder;
use crate::run::{Result, Run};

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
