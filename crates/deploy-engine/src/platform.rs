//! Where the service runs. The `hosts` platform runs the user's start and stop commands,
//! templated with `{version}`, `{slot}`, `{port}`, `{environment}`, `{host}` and
//! `{address}`, on each host: this machine or over SSH. Strategies only ask a platform to
//! start or stop a version in a slot on a host and for the backend that serves it, so other
//! platforms (a command per phase, Kubernetes) fit behind the same trait.

pub mod command;
pub mod kubernetes;

use std::sync::Arc;
use std::time::Duration;

use crate::config::{Environment, Host};
use crate::ledger::{LedgerStore, Store};
use crate::lock::{DirLock, LockStore};
use crate::router::{Backend, Router};
use crate::run::{Mode, Result, Run};
use crate::shell::{Local, Target};
use crate::ssh::{Ssh, SshSession};
use crate::template::Vars;

/// Starting and stopping versions in slots.
pub trait Platform: Send + Sync {
    /// Host names, the primary first.
    fn hosts(&self) -> Vec<String>;

    /// Where the ledger and lock live.
    fn primary(&self) -> Arc<dyn Target>;

    /// Starts `version` in `slot` on `host`; returns once the start command returned.
    fn start(&self, run: &Run, host: &str, slot: &str, version: &str) -> Result<()>;

    /// Stops whatever runs in `slot` on `host` (`version` is what the ledger thinks runs there).
    fn stop(&self, run: &Run, host: &str, slot: &str, version: &str) -> Result<()>;

    /// The backend serving `slot` on `host`.
    fn backend(&self, host: &str, slot: &str, version: &str) -> Backend;

    /// Whether `start` already waited for the slot to be healthy (its own health check),
    /// so the engine's HTTP check is skipped.
    fn checks_health(&self) -> bool {
        false
    }

    /// Makes `slot` on `host` ready for `start` (default: stop whatever runs there; a
    /// failure is reported, not fatal). A platform that replaces a version in place
    /// (a Kubernetes Deployment's rolling update) leaves what serves alone.
    fn prepare(&self, run: &Run, host: &str, slot: &str, version: &str) -> Result<()> {
        self.stop(run, host, slot, version)
    }

    /// Undoes `start` of `version` in `slot` after a failure (default: stop it). In place,
    /// this goes back to what ran before (a Deployment's previous revision).
    fn withdraw(&self, run: &Run, host: &str, slot: &str, version: &str) -> Result<()> {
        self.stop(run, host, slot, version)
    }

    /// Retires the previous version's `slot` once the new one serves (default: stop it;
    /// Kubernetes keeps it for `scale_down_delay` first).
    fn retire(&self, run: &Run, host: &str, slot: &str, version: &str) -> Result<()> {
        self.stop(run, host, slot, version)
    }

    /// How long a retired slot keeps running before [`Platform::retire`] stops it, when the
    /// platform keeps it for a while even with `keep_previous` (Kubernetes'
    /// `scale_down_delay`); `None` (default) when `keep_previous` keeps it for good.
    fn scale_down_delay(&self) -> Option<Duration> {
        None
    }

    /// Brings the standby `slot` back to serve `version` for a fast rollback; `Ok(true)`
    /// when it waited for the slot to be ready itself, `Ok(false)` (default) when the slot
    /// still runs and only needs the engine's health check.
    fn wake(&self, _run: &Run, _host: &str, _slot: &str, _version: &str) -> Result<bool> {
        Ok(false)
    }

    /// Where the environment's ledger is kept (default: `STATE_DIR/ledger.json` on the
    /// primary host).
    fn ledger_store(&self, env: &Environment) -> Arc<dyn LedgerStore> {
        Arc::new(Store::new(self.primary(), &env.state_dir, &env.name))
    }

    /// Where the environment's lock is taken (default: `STATE_DIR/lock` on the primary host).
    fn lock_store(&self, env: &Environment) -> Arc<dyn LockStore> {
        Arc::new(DirLock::new(self.primary(), &env.state_dir))
    }

    /// Where a running canary's control records live (default: files in `STATE_DIR` on the
    /// primary host; Kubernetes: annotations of the run's Lease, so `deploy promote` and
    /// `deploy abort` reach the run from any machine with access to the cluster).
    fn control_store(&self, env: &Environment) -> Arc<dyn crate::control::ControlStore> {
        Arc::new(crate::control::FileControl::new(
            self.primary(),
            &env.state_dir,
        ))
    }

    /// The platform's own router, when the platform routes by itself (Kubernetes: the
    /// Service); `None` (default) when a separate router moves traffic.
    fn own_router(&self) -> Option<Box<dyn Router>> {
        None
    }
}

/// The `hosts` platform.
pub struct Hosts {
    env: Environment,
    targets: Vec<(Host, Arc<dyn Target>)>,
    _session: Option<Arc<SshSession>>,
}

impl std::fmt::Debug for Hosts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hosts")
            .field("hosts", &self.hosts())
            .finish_non_exhaustive()
    }
}

impl Hosts {
    /// Targets for every host of `env`; one SSH session (options, key, control sockets) for all.
    pub fn new(env: &Environment) -> std::result::Result<Self, slipway_kit::Failure> {
        let session = if env.hosts.iter().any(|h| h.ssh.is_some()) {
            Some(SshSession::new(&env.ssh)?)
        } else {
            None
        };
        let targets = env
            .hosts
            .iter()
            .map(|h| {
                let target: Arc<dyn Target> = match (&h.ssh, &session) {
                    (Some(t), Some(s)) => Arc::new(Ssh::new(&h.name, t.clone(), Arc::clone(s))),
                    _ => Arc::new(Local),
                };
                (h.clone(), target)
            })
            .collect();
        Ok(Self {
            env: env.clone(),
            targets,
            _session: session,
        })
    }

    fn find(&self, host: &str) -> &(Host, Arc<dyn Target>) {
        self.targets
            .iter()
            .find(|(h, _)| h.name == host)
            .unwrap_or(&self.targets[0])
    }

    /// The target of `host`.
    pub fn target(&self, host: &str) -> Arc<dyn Target> {
        Arc::clone(&self.find(host).1)
    }

    fn vars(&self, host: &Host, slot: &str, version: &str) -> Vars {
        host.vars(&self.env.name, slot, version)
    }
}

impl Platform for Hosts {
    fn hosts(&self) -> Vec<String> {
        self.targets.iter().map(|(h, _)| h.name.clone()).collect()
    }

    fn primary(&self) -> Arc<dyn Target> {
        Arc::clone(&self.targets[0].1)
    }

    fn start(&self, run: &Run, host: &str, slot: &str, version: &str) -> Result<()> {
        let (h, target) = self.find(host);
        let script = self.vars(h, slot, version).render(&self.env.start);
        let out = run.exec_ok(
            &**target,
            "start",
            &script,
            None,
            self.env.command_timeout,
            Mode::Change,
        )?;
        if !out.combined().is_empty() {
            run.capture(&out.combined());
        }
        Ok(())
    }

    fn stop(&self, run: &Run, host: &str, slot: &str, version: &str) -> Result<()> {
        let (h, target) = self.find(host);
        let script = self.vars(h, slot, version).render(&self.env.stop);
        run.exec_ok(
            &**target,
            "stop",
            &script,
            None,
            run.after_signal(self.env.command_timeout),
            Mode::Cleanup,
        )?;
        Ok(())
    }

    fn backend(&self, host: &str, slot: &str, version: &str) -> Backend {
        Backend::of(&self.find(host).0, slot, version)
    }
}
