//! SIGINT and SIGTERM (a cancelled workflow, Ctrl-C) become a flag the engine checks
//! between steps and inside every wait, so a run can restore routing, mark the ledger and
//! release its lock before it exits.
//!
//! GitHub cancels a job by sending SIGINT, then SIGTERM 7.5 s later, then SIGKILL 2.5 s
//! after that. So a second signal does not cut the cleanup short: the first starts it,
//! the second is only reported, and a third (someone pressing Ctrl-C again and again)
//! exits at once with 130. After the first signal the user's commands the cleanup runs
//! (stop, `on_failure` hooks) share [`CLEANUP_BUDGET`]: each is bounded by what is left of
//! it (and gets at least [`CLEANUP_FLOOR`]), so a slow stop cannot hold routing restore's
//! bookkeeping (ledger, lock release) past the SIGKILL.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How long the user's commands in the cleanup after a signal may take in all, within
/// GitHub's 10 s to SIGKILL.
pub const CLEANUP_BUDGET: Duration = Duration::from_secs(6);
/// The least time each of those commands gets, even past the budget.
pub const CLEANUP_FLOOR: Duration = Duration::from_secs(1);

/// A cancellation flag, set by a signal or by hand.
#[derive(Debug, Clone, Default)]
pub struct Cancel {
    flag: Arc<AtomicBool>,
    at: Arc<Mutex<Option<Instant>>>,
    signals: Arc<AtomicUsize>,
}

impl Cancel {
    /// A flag nothing sets until [`Cancel::cancel`].
    pub fn new() -> Self {
        Self::default()
    }

    /// A flag set by SIGINT or SIGTERM. The second signal is reported and ignored (the
    /// cleanup goes on); the third ends the process at once (exit 130).
    pub fn on_signals() -> std::io::Result<Self> {
        let cancel = Self::new();
        let mut signals = signal_hook::iterator::Signals::new([
            signal_hook::consts::SIGINT,
            signal_hook::consts::SIGTERM,
        ])?;
        let handle = cancel.clone();
        std::thread::Builder::new()
            .name("signals".into())
            .spawn(move || {
                for signal in signals.forever() {
                    let name = if signal == signal_hook::consts::SIGINT {
                        "SIGINT"
                    } else {
                        "SIGTERM"
                    };
                    match handle.signals.fetch_add(1, Ordering::SeqCst) {
                        0 => {
                            tracing::warn!(
                                "{name}: stopping; routing goes back and the lock is released before exit"
                            );
                            handle.cancel();
                        }
                        1 => tracing::warn!(
                            "{name}: still putting things back (at most {}s); a third signal exits at once",
                            CLEANUP_BUDGET.as_secs()
                        ),
                        _ => std::process::exit(130),
                    }
                }
            })?;
        Ok(cancel)
    }

    /// Sets the flag (the first time: remembers when, for [`Cancel::cleanup_left`]).
    pub fn cancel(&self) {
        let mut at = self.at.lock().unwrap_or_else(PoisonError::into_inner);
        at.get_or_insert_with(Instant::now);
        self.flag.store(true, Ordering::SeqCst);
    }

    /// Whether the run should stop.
    pub fn is_cancelled(&self) -> bool {
        self.flag.load(Ordering::SeqCst)
    }

    /// After a cancel, what is left of [`CLEANUP_BUDGET`] (at least [`CLEANUP_FLOOR`]);
    /// `None` when not cancelled.
    pub fn cleanup_left(&self) -> Option<Duration> {
        let at = *self.at.lock().unwrap_or_else(PoisonError::into_inner);
        at.map(|t| {
            CLEANUP_BUDGET
                .saturating_sub(t.elapsed())
                .max(CLEANUP_FLOOR)
        })
    }

    /// Sleeps up to `duration`, waking early when cancelled. Returns false when cancelled.
    pub fn sleep(&self, duration: Duration) -> bool {
        let deadline = Instant::now() + duration;
        loop {
            if self.is_cancelled() {
                return false;
            }
            let now = Instant::now();
            if now >= deadline {
                return true;
            }
            std::thread::sleep((deadline - now).min(Duration::from_millis(20)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sleep_wakes_early_when_cancelled() {
        let cancel = Cancel::new();
        let other = cancel.clone();
        let started = Instant::now();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            other.cancel();
        });
        assert!(!cancel.sleep(Duration::from_secs(10)));
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn after_a_cancel_cleanup_commands_get_what_is_left_of_the_budget_and_at_least_the_floor() {
        let cancel = Cancel::new();
        assert_eq!(cancel.cleanup_left(), None);
        cancel.cancel();
        let left = cancel.cleanup_left().unwrap();
        assert!(left <= CLEANUP_BUDGET && left >= CLEANUP_FLOOR, "{left:?}");
    }
}
