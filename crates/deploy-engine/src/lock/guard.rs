//! A taken lock's guard: it releases the lock once, on every exit path (a panic that
//! unwinds included), and renews the lease while the run lasts.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::holder::epoch;
use super::{Holder, Lock};
use crate::run::Run;

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

impl Lock {
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
}
