//! A human gate for canaries: `deploy promote` and `deploy abort` from a second process.
//!
//! The running canary owns a control record, next to the lock and the ledger: on hosts the
//! file `STATE_DIR/control` on the primary host, on Kubernetes an annotation of the run's
//! Lease (the platform's [`ControlStore`]). `promote` and `abort` write their order there
//! atomically (with who sent it); the canary reads it between probes and at every step.
//! While a canary waits at `--pause-at`, it also writes the record `paused` so
//! `deploy status` and `promote` can tell a paused canary from one still analysing.

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

/// Where an environment's control records (`control`: the pending order; `paused`: where
/// the canary waits) are kept: files in `state_dir` on the primary host ([`FileControl`]),
/// or in the cluster on Kubernetes, so a `promote` from another machine reaches the run.
pub trait ControlStore: Send + Sync + std::fmt::Debug {
    /// Writes record `name` (JSON), replacing it atomically.
    fn write(&self, run: &Run, name: &str, json: &str) -> Result<()>;
    /// Record `name`, if there is one.
    fn read(&self, run: &Run, name: &str) -> Result<Option<String>>;
    /// Removes records `names` (absent ones are fine).
    fn remove(&self, run: &Run, names: &[&str]) -> Result<()>;
}

/// The control files `STATE_DIR/control` and `STATE_DIR/paused` on a host.
pub struct FileControl {
    target: Arc<dyn Target>,
    dir: String,
}

impl std::fmt::Debug for FileControl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileControl")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

impl FileControl {
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
}

impl ControlStore for FileControl {
    fn write(&self, run: &Run, name: &str, json: &str) -> Result<()> {
        let path = self.path(name);
        let script = crate::shell::write_file_script(&quote(&self.dir), &path);
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

    fn read(&self, run: &Run, name: &str) -> Result<Option<String>> {
        let out = run.exec(
            &*self.target,
            &format!("cat {} 2>/dev/null || true", self.path(name)),
            None,
            TIMEOUT,
            Mode::Read,
        )?;
        let text = out.stdout.trim();
        Ok((!text.is_empty()).then(|| text.to_owned()))
    }

    fn remove(&self, run: &Run, names: &[&str]) -> Result<()> {
        let paths: Vec<String> = names.iter().map(|n| self.path(n)).collect();
        run.exec(
            &*self.target,
            &format!("rm -f {}", paths.join(" ")),
            None,
            TIMEOUT,
            Mode::Cleanup,
        )?;
        Ok(())
    }
}

/// The control records of an environment.
#[derive(Debug, Clone)]
pub struct Control {
    store: Arc<dyn ControlStore>,
}

impl Control {
    /// The control files in `state_dir` on `target`.
    pub fn new(target: Arc<dyn Target>, state_dir: &str) -> Self {
        Self::with_store(Arc::new(FileControl::new(target, state_dir)))
    }

    /// The records in `store` (a platform's [`crate::platform::Platform::control_store`]).
    pub fn with_store(store: Arc<dyn ControlStore>) -> Self {
        Self { store }
    }

    fn write(&self, run: &Run, name: &str, json: &str) -> Result<()> {
        self.store.write(run, name, json)
    }

    fn read<T: for<'de> Deserialize<'de>>(&self, run: &Run, name: &str) -> Result<Option<T>> {
        Ok(self
            .store
            .read(run, name)?
            .and_then(|text| serde_json::from_str(&text).ok()))
    }

    /// Removes the control and paused records (a canary starting, or finishing).
    pub fn clear(&self, run: &Run) -> Result<()> {
        if run.dry_run {
            return Ok(());
        }
        self.store.remove(run, &["control", "paused"])
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
            self.store.remove(run, &["control"])?;
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
