//! A human gate for canaries: `deploy promote` and `deploy abort` from a second process.
//!
//! The running canary owns a control file, `STATE_DIR/control`, next to the lock and the
//! ledger on the primary host. `promote` and `abort` write their order there atomically
//! (with who sent it); the canary reads it between probes and at every step. While a
//! canary waits at `--pause-at`, it also writes `STATE_DIR/paused` so `deploy status`
//! and `promote` can tell a paused canary from one still analysing.

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::run::{Error, Mode, Result, Run};
use crate::shell::{Target, quote};

const TIMEOUT: Duration = Duration::from_secs(30);

/// An order to a running canary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// Go on to the next step (or, when paused, through all remaining steps).
    Promote,
    /// Send all traffic back to stable and stop.
    Abort,
}

impl Action {
    /// `promote` or `abort`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Promote => "promote",
            Self::Abort => "abort",
        }
    }
}

/// What the control file holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    /// The order.
    pub action: Action,
    /// Who sent it.
    pub actor: String,
    /// When (RFC 3339).
    pub at: String,
}

/// Where a canary is paused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Paused {
    /// The canary's version.
    pub version: String,
    /// The traffic share it holds, in percent.
    pub step: u32,
    /// Since when (RFC 3339).
    pub since: String,
}

/// The control and paused files of an environment.
pub struct Control {
    target: Arc<dyn Target>,
    dir: String,
}

impl std::fmt::Debug for Control {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Control")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

impl Control {
    /// The control files in `state_dir` on `target`.
    pub fn new(target: Arc<dyn Target>, state_dir: &str) -> Self {
        Self {
            target,
            dir: state_dir.trim_end_matches('/').to_owned(),
        }
    }

    fn path(&self, name: &str) -> String {
        quote(&format!("{}/{name}", self.dir))
    }

    fn write(&self, run: &Run, name: &str, json: &str) -> Result<()> {
        let path = self.path(name);
        let script = format!(
            "mkdir -p {dir} && cat > {path}.$$ && mv -f {path}.$$ {path}",
            dir = quote(&self.dir)
        );
        run.exec_ok(
            &*self.target,
            &format!("writing {}/{name}", self.dir),
            &script,
            Some(json.as_bytes()),
            TIMEOUT,
            Mode::Cleanup,
        )?;
        Ok(())
    }

    fn read<T: for<'de> Deserialize<'de>>(&self, run: &Run, name: &str) -> Result<Option<T>> {
        let out = run.exec(
            &*self.target,
            &format!("cat {} 2>/dev/null || true", self.path(name)),
            None,
            TIMEOUT,
            Mode::Read,
        )?;
        Ok(serde_json::from_str(out.stdout.trim()).ok())
    }

    /// Removes the control and paused files (a canary starting, or finishing).
    pub fn clear(&self, run: &Run) -> Result<()> {
        if run.dry_run {
            return Ok(());
        }
        run.exec(
            &*self.target,
            &format!("rm -f {} {}", self.path("control"), self.path("paused")),
            None,
            TIMEOUT,
            Mode::Cleanup,
        )?;
        Ok(())
    }

    /// Sends `action` to the running canary.
    pub fn send(&self, run: &Run, action: Action) -> Result<Order> {
        let order = Order {
            action,
            actor: crate::lock::actor(),
            at: crate::ledger::now(),
        };
        let json = serde_json::to_string(&order)
            .map_err(|e| Error::failed(format!("cannot serialise the order: {e}")))?;
        self.write(run, "control", &json)?;
        Ok(order)
    }

    /// The pending order, if any.
    pub fn order(&self, run: &Run) -> Result<Option<Order>> {
        self.read(run, "control")
    }

    /// Takes the pending order (reads and removes it).
    pub fn take(&self, run: &Run) -> Result<Option<Order>> {
        let order = self.order(run)?;
        if order.is_some() {
            run.exec(
                &*self.target,
                &format!("rm -f {}", self.path("control")),
                None,
                TIMEOUT,
                Mode::Cleanup,
            )?;
        }
        Ok(order)
    }

    /// Records that the canary waits at `step`.
    pub fn set_paused(&self, run: &Run, version: &str, step: u32) -> Result<()> {
        let paused = Paused {
            version: version.to_owned(),
            step,
            since: crate::ledger::now(),
        };
        let json = serde_json::to_string(&paused)
            .map_err(|e| Error::failed(format!("cannot serialise the pause: {e}")))?;
        self.write(run, "paused", &json)
    }

    /// Where the canary waits, if it does.
    pub fn paused(&self, run: &Run) -> Result<Option<Paused>> {
        self.read(run, "paused")
    }
}
