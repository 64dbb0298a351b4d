//! SIGINT and SIGTERM (a cancelled workflow, Ctrl-C) become a flag the engine checks
//! between steps and inside every wait, so a run can restore routing, mark the ledger and
//! release its lock before it exits.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// A cancellation flag, set by a signal or by hand.
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    /// A flag nothing sets until [`Cancel::cancel`].
    pub fn new() -> Self {
        Self::default()
    }

    /// A flag set by SIGINT or SIGTERM. A second signal of either kind ends the process
    /// at once (exit 130), for a person who really wants out.
    pub fn on_signals() -> std::io::Result<Self> {
        let flag = Self::new();
        for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
            signal_hook::flag::register_conditional_shutdown(signal, 130, Arc::clone(&flag.0))?;
            signal_hook::flag::register(signal, Arc::clone(&flag.0))?;
        }
        Ok(flag)
    }

    /// Sets the flag.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether the run should stop.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }

    /// Sleeps up to `duration`, waking early when cancelled. Returns false when cancelled.
    pub fn sleep(&self, duration: std::time::Duration) -> bool {
        let deadline = std::time::Instant::now() + duration;
        loop {
            if self.is_cancelled() {
                return false;
            }
            let now = std::time::Instant::now();
            if now >= deadline {
                return true;
            }
            std::thread::sleep((deadline - now).min(std::time::Duration::from_millis(20)));
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
        let started = std::time::Instant::now();
        std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(50));
            other.cancel();
        });
        assert!(!cancel.sleep(std::time::Duration::from_secs(10)));
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }
}
