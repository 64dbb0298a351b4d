//! The `command` platform and router: every phase is a user command run on this machine,
//! for ECS, Nomad, Fly.io, Cloud Run and anything else with a CLI. The strategies are the
//! same as on hosts: a version goes to a slot (`blue`/`green`), is health-checked, and
//! traffic moves by routings (all-or-nothing for blue-green, weighted for canary).
//!
//! | phase | config | when |
//! | --- | --- | --- |
//! | prepare | `command.prepare` | before start (register a task definition, pull an image) |
//! | start | `start` | start `{version}` in `{slot}` |
//! | health | `command.health` | polled after start until it exits 0 (instead of the HTTP check) |
//! | route | `command.route` | with `router = "command"`: apply a routing |
//! | stop | `stop` | stop whatever runs in `{slot}` |
//!
//! Commands are templated with `{version}`, `{slot}`, `{port}`, `{environment}`, `{host}`,
//! `{address}`; `route` also gets `{backends}` (`address:port:weight …`, space-separated),
//! `{weights}` (`slot=weight …`) and `{versions}` (`slot=version …`), and the routing as
//! JSON on stdin.
//!
//! ```toml
//! [deploy.environments.production]
//! platform = "command"
//! router = "command"
//! strategy = "canary"
//! start = "ecs-deploy start --service shop-{slot} --image shop:{version}"
//! stop = "ecs-deploy stop --service shop-{slot}"
//! [deploy.environments.production.command]
//! prepare = "ecs-deploy register --image shop:{version}"
//! health = "ecs-deploy healthy --service shop-{slot}"
//! route = "ecs-deploy weights {weights}"
//! ```

pub mod config;

use std::sync::Arc;
use std::time::{Duration, Instant};

pub use config::{CommandConfig, ROUTE_VARIABLES};

use crate::config::Environment;
use crate::router::{Backend, Router, Routing};
use crate::run::{Error, Mode, Result, Run};
use crate::shell::{Local, Target, quote};
use crate::template::Vars;

/// The `command` platform: this machine runs every phase.
pub struct CommandPlatform {
    env: Environment,
    target: Arc<dyn Target>,
}

impl std::fmt::Debug for CommandPlatform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CommandPlatform")
            .field("environment", &self.env.name)
            .finish_non_exhaustive()
    }
}

impl CommandPlatform {
    /// The platform of `env`.
    pub fn new(env: &Environment) -> Self {
        Self {
            env: env.clone(),
            target: Arc::new(Local),
        }
    }

    fn vars(&self, host: &str, slot: &str, version: &str) -> Vars {
        self.env.host(host).vars(&self.env.name, slot, version)
    }

    fn phase(&self, run: &Run, what: &str, script: &str, mode: Mode) -> Result<()> {
        let out = run.exec_ok(
            &*self.target,
            what,
            script,
            None,
            run.after_signal(self.env.command_timeout),
            mode,
        )?;
        if !out.combined().is_empty() {
            run.capture(&out.combined());
        }
        Ok(())
    }

    /// Polls the health command until it exits 0, or fails after `health_timeout`.
    fn wait_healthy(&self, run: &Run, script: &str) -> Result<()> {
        if run.dry_run {
            run.ui
                .detail(&format!("would poll `{script}` until it exits 0"));
            return Ok(());
        }
        let config = &self.env.command;
        let deadline = Instant::now() + config.health_timeout.as_std();
        loop {
            let out = run.exec(
                &*self.target,
                script,
                None,
                config.health_timeout.as_std().max(Duration::from_secs(1)),
                Mode::Read,
            )?;
            if out.success() {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(Error::failed(format!(
                    "health command `{script}` did not succeed within {:?}: {}",
                    config.health_timeout.as_std(),
                    out.combined()
                )));
            }
            if !run.cancel.sleep(config.health_interval.as_std()) {
                return Err(Error::Cancelled);
            }
        }
    }
}

impl crate::platform::Platform for CommandPlatform {
    fn hosts(&self) -> Vec<String> {
        self.env.hosts.iter().map(|h| h.name.clone()).collect()
    }

    fn primary(&self) -> Arc<dyn Target> {
        Arc::clone(&self.target)
    }

    fn start(&self, run: &Run, host: &str, slot: &str, version: &str) -> Result<()> {
        let vars = self.vars(host, slot, version);
        if let Some(prepare) = &self.env.command.prepare {
            self.phase(run, "prepare", &vars.render(prepare), Mode::Change)?;
        }
        self.phase(run, "start", &vars.render(&self.env.start), Mode::Change)?;
        if let Some(health) = &self.env.command.health {
            self.wait_healthy(run, &vars.render(health))?;
        }
        Ok(())
    }

    fn stop(&self, run: &Run, host: &str, slot: &str, version: &str) -> Result<()> {
        let script = self.vars(host, slot, version).render(&self.env.stop);
        self.phase(run, "stop", &script, Mode::Cleanup)
    }

    fn checks_health(&self) -> bool {
        self.env.command.health.is_some()
    }

    fn backend(&self, host: &str, slot: &str, version: &str) -> Backend {
        Backend::of(self.env.host(host), slot, version)
    }
}

/// The `command` router: the user's `route` command applies each routing; the routing is
/// recorded in `STATE_DIR/command-routing.json` on the primary host.
pub struct CommandRouter {
    route: String,
    environment: String,
    target: Arc<dyn Target>,
    state: Arc<dyn Target>,
    state_dir: String,
    timeout: Duration,
}

impl std::fmt::Debug for CommandRouter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CommandRouter")
            .field("route", &self.route)
            .finish_non_exhaustive()
    }
}

impl CommandRouter {
    /// The router of `env`, its record on `state`.
    pub fn new(env: &Environment, state: Arc<dyn Target>) -> Self {
        Self {
            route: env.command.route.clone().unwrap_or_default(),
            environment: env.name.clone(),
            target: Arc::new(Local),
            state,
            state_dir: env.state_dir.trim_end_matches('/').to_owned(),
            timeout: env.command_timeout,
        }
    }

    fn record(&self) -> String {
        quote(&format!("{}/command-routing.json", self.state_dir))
    }

    /// The `route` command for `routing`.
    pub fn render(&self, routing: &Routing) -> String {
        let join = |f: &dyn Fn(&Backend) -> String| {
            routing.backends.iter().map(f).collect::<Vec<_>>().join(" ")
        };
        Vars::new()
            .with("environment", &self.environment)
            .with(
                "backends",
                join(&|b| format!("{}:{}:{}", b.address, b.port, b.weight)),
            )
            .with("weights", join(&|b| format!("{}={}", b.slot, b.weight)))
            .with("versions", join(&|b| format!("{}={}", b.slot, b.version)))
            .render(&self.route)
    }
}

impl Router for CommandRouter {
    fn describe(&self) -> String {
        "route command".to_owned()
    }

    fn current(&self, run: &Run) -> Result<Option<Routing>> {
        let out = run.exec(
            &*self.state,
            &format!("cat {} 2>/dev/null || true", self.record()),
            None,
            self.timeout,
            Mode::Read,
        )?;
        Ok(serde_json::from_str(out.stdout.trim()).ok())
    }

    fn apply(&self, run: &Run, routing: &Routing) -> Result<()> {
        if routing.backends.is_empty() {
            return Err(Error::failed("refusing to route to no backend at all"));
        }
        let json = serde_json::to_string(routing)
            .map_err(|e| Error::failed(format!("cannot serialise the routing: {e}")))?;
        let script = self.render(routing);
        run.exec_ok(
            &*self.target,
            "route",
            &script,
            Some(json.as_bytes()),
            self.timeout,
            Mode::Change,
        )?;
        if run.dry_run {
            return Ok(());
        }
        let dir = quote(&self.state_dir);
        let path = self.record();
        run.exec_ok(
            &*self.state,
            "recording the routing",
            &crate::shell::write_file_script(&dir, &path),
            Some(json.as_bytes()),
            self.timeout,
            Mode::Cleanup,
        )?;
        Ok(())
    }
}

/// A boxed platform is a platform ([`crate::deploy::Parts`] holds the one chosen by config).
/// Every method is forwarded: one left to its default here would silently replace the
/// boxed platform's own (the Kubernetes canary's control records once went to files so).
impl<P: crate::platform::Platform + ?Sized> crate::platform::Platform for Box<P> {
    fn hosts(&self) -> Vec<String> {
        (**self).hosts()
    }

    fn primary(&self) -> Arc<dyn Target> {
        (**self).primary()
    }

    fn start(&self, run: &Run, host: &str, slot: &str, version: &str) -> Result<()> {
        (**self).start(run, host, slot, version)
    }

    fn stop(&self, run: &Run, host: &str, slot: &str, version: &str) -> Result<()> {
        (**self).stop(run, host, slot, version)
    }

    fn backend(&self, host: &str, slot: &str, version: &str) -> Backend {
        (**self).backend(host, slot, version)
    }

    fn checks_health(&self) -> bool {
        (**self).checks_health()
    }

    fn prepare(&self, run: &Run, host: &str, slot: &str, version: &str) -> Result<()> {
        (**self).prepare(run, host, slot, version)
    }

    fn withdraw(&self, run: &Run, host: &str, slot: &str, version: &str) -> Result<()> {
        (**self).withdraw(run, host, slot, version)
    }

    fn retire(&self, run: &Run, host: &str, slot: &str, version: &str) -> Result<()> {
        (**self).retire(run, host, slot, version)
    }

    fn wake(&self, run: &Run, host: &str, slot: &str, version: &str) -> Result<bool> {
        (**self).wake(run, host, slot, version)
    }

    fn scale_down_delay(&self) -> Option<std::time::Duration> {
        (**self).scale_down_delay()
    }

    fn ledger_store(
        &self,
        env: &crate::config::Environment,
    ) -> Arc<dyn crate::ledger::LedgerStore> {
        (**self).ledger_store(env)
    }

    fn lock_store(&self, env: &crate::config::Environment) -> Arc<dyn crate::lock::LockStore> {
        (**self).lock_store(env)
    }

    fn control_store(
        &self,
        env: &crate::config::Environment,
    ) -> Arc<dyn crate::control::ControlStore> {
        (**self).control_store(env)
    }

    fn own_router(&self) -> Option<Box<dyn Router>> {
        (**self).own_router()
    }
}
