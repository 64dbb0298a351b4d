//! Strategies over the platform's and router's primitives. A [`Deployment`] holds what a
//! run has changed so far (slots started, router moved) so that any failure, check or
//! signal, can put traffic back on the last good slot. The router only ever moves to a
//! slot after it passed its health check, so even a `kill -9` leaves it on checked slots.

pub mod blue_green;
pub mod canary;
pub mod rolling;
pub mod validation;

use std::collections::BTreeMap;

use crate::check::{self, Health};
use crate::config::{Environment, StrategyKind};
use crate::platform::Platform;
use crate::router::{Backend, Router, Routing};
use crate::run::{Error, Result, Run};
use crate::template::Vars;

/// A way to move an environment to a version.
pub trait Strategy {
    /// Its name in documents.
    fn name(&self) -> &'static str;

    /// Moves `deployment` to its version; on error the caller restores.
    fn execute(&self, run: &Run, deployment: &mut Deployment<'_>) -> Result<()>;
}

/// The strategy for a kind.
pub fn for_kind(kind: StrategyKind) -> Box<dyn Strategy> {
    match kind {
        StrategyKind::BlueGreen => Box::new(blue_green::BlueGreen),
        StrategyKind::Rolling => Box::new(rolling::Rolling),
        StrategyKind::Canary => Box::new(canary::Canary),
    }
}

/// What checks run (emergency rollbacks skip them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checks {
    /// Health checks of the new slot before routing to it.
    pub health: bool,
    /// Smoke commands, post-switch hooks and the validation window.
    pub after_switch: bool,
}

impl Checks {
    /// Everything.
    pub const ALL: Self = Self {
        health: true,
        after_switch: true,
    };
}

/// One move of an environment to a version, and what it changed so far.
pub struct Deployment<'a> {
    /// The environment.
    pub env: &'a Environment,
    /// Where it runs.
    pub platform: &'a dyn Platform,
    /// What routes to it.
    pub router: &'a dyn Router,
    /// The version being put in place.
    pub version: String,
    /// The version serving before, if any.
    pub previous: Option<String>,
    /// Routing before this run (restored on failure).
    pub before: Option<Routing>,
    /// Host name to the slot the new version goes to.
    pub targets: BTreeMap<String, String>,
    /// Hosts where the new version was started.
    pub started: Vec<String>,
    /// Whether the router was changed away from `before`.
    pub routed: bool,
    /// RFC 3339: when a routing first sent traffic to the new version.
    pub switched_at: Option<String>,
    /// Which checks run.
    pub checks: Checks,
}

impl std::fmt::Debug for Deployment<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Deployment")
            .field("version", &self.version)
            .field("targets", &self.targets)
            .field("started", &self.started)
            .field("routed", &self.routed)
            .finish_non_exhaustive()
    }
}

impl<'a> Deployment<'a> {
    /// Plans a move to `version`: each host's new slot is the one its current backend is
    /// not on (`fallback_slot` is the active slot when the router tells nothing).
    pub fn new(
        env: &'a Environment,
        platform: &'a dyn Platform,
        router: &'a dyn Router,
        version: &str,
        previous: Option<String>,
        before: Option<Routing>,
        active_slot: Option<&str>,
    ) -> Self {
        let targets = platform
            .hosts()
            .into_iter()
            .map(|host| {
                let current = before
                    .as_ref()
                    .and_then(|r| r.backends.iter().find(|b| b.host == host))
                    .map(|b| b.slot.clone())
                    .or_else(|| active_slot.map(str::to_owned));
                let slot = match current {
                    Some(c) => env.other_slot(&c).to_owned(),
                    None => env.slot_names[0].clone(),
                };
                (host, slot)
            })
            .collect();
        Self {
            env,
            platform,
            router,
            version: version.to_owned(),
            previous,
            before,
            targets,
            started: Vec::new(),
            routed: false,
            switched_at: None,
            checks: Checks::ALL,
        }
    }

    /// The slot every host moves to, when they agree.
    pub fn slot(&self) -> Option<&str> {
        let mut slots = self.targets.values();
        let first = slots.next()?;
        slots.all(|s| s == first).then_some(first.as_str())
    }

    /// The new backend on `host`.
    pub fn new_backend(&self, host: &str) -> Backend {
        self.platform
            .backend(host, &self.targets[host], &self.version)
    }

    /// The backend serving `host` before this run, if any.
    pub fn old_backend(&self, host: &str) -> Option<Backend> {
        self.before
            .as_ref()
            .and_then(|r| r.backends.iter().find(|b| b.host == host).cloned())
    }

    /// Variables for smoke commands and hooks.
    pub fn vars(&self) -> Vars {
        let primary = self.platform.hosts()[0].clone();
        let backend = self.new_backend(&primary);
        Vars::new()
            .with("version", &self.version)
            .with("previous", self.previous.as_deref().unwrap_or(""))
            .with("slot", &backend.slot)
            .with("port", backend.port)
            .with("environment", &self.env.name)
            .with("host", &backend.host)
            .with("address", &backend.address)
            .with("url", self.env.url.as_deref().unwrap_or(""))
    }

    /// Cleans the new slot on every host of `hosts`, starts the version there and waits
    /// until it is healthy; the hosts go at once ([`Run::each_host`]). Fails with the first
    /// failure in host order; every host started is remembered for [`Deployment::restore`].
    pub fn start_and_check(&mut self, run: &Run, hosts: &[String]) -> Result<()> {
        run.checkpoint()?;
        let started = std::sync::Mutex::new(Vec::new());
        let this = &*self;
        let title = match this.slot() {
            Some(slot) => format!("start {} in {slot}", this.version),
            None => format!("start {}", this.version),
        };
        let results = run.each_host(&title, hosts, |host| {
            this.start_and_check_one(run, host, &started)
        });
        let started = started
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Host order, whatever order the threads finished in.
        self.started
            .extend(hosts.iter().filter(|h| started.contains(*h)).cloned());
        results.into_iter().collect::<Result<Vec<()>>>().map(|_| ())
    }

    fn start_and_check_one(
        &self,
        run: &Run,
        host: &str,
        started: &std::sync::Mutex<Vec<String>>,
    ) -> Result<()> {
        run.checkpoint()?;
        let slot = self.targets[host].clone();
        run.step(
            &format!("start {} in {slot} on {host}", self.version),
            || {
                if let Err(e) = self.platform.prepare(run, host, &slot, &self.version) {
                    run.ui
                        .detail(&format!("cleaning {slot} on {host} before the start: {e}"));
                }
                started
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .push(host.to_owned());
                self.platform.start(run, host, &slot, &self.version)
            },
        )?;
        if self.checks.health && !self.platform.checks_health() {
            let backend = self.new_backend(host);
            let health = Health::new(&self.env.health, &self.env.name);
            run.step(&format!("health check {slot} on {host}"), || {
                health.wait_healthy(run, &backend).map(|_| ())
            })?;
        }
        Ok(())
    }

    /// Routes to `backends` and waits until the router shows it.
    pub fn route(&mut self, run: &Run, name: &str, backends: Vec<Backend>) -> Result<()> {
        run.checkpoint()?;
        let routing = Routing::new(backends);
        let reaches_new = routing.backends.iter().any(|b| {
            b.weight > 0 && b.version == self.version && self.targets.get(&b.host) == Some(&b.slot)
        });
        run.step(name, || {
            self.routed = true;
            if reaches_new && self.switched_at.is_none() {
                self.switched_at = Some(crate::ledger::now());
            }
            self.router.apply(run, &routing)
        })
    }

    /// Smoke commands, post-switch hooks and the validation window, after the switch.
    pub fn after_switch(&self, run: &Run) -> Result<()> {
        if !self.checks.after_switch {
            return Ok(());
        }
        let vars = self.vars();
        if !self.env.hooks.post_switch.is_empty() {
            run.step("post-switch hooks", || {
                check::commands(
                    run,
                    "post_switch hook",
                    &self.env.hooks.post_switch,
                    &vars,
                    self.env.hook_timeout,
                )
            })?;
        }
        if !self.env.smoke.commands.is_empty() && !self.env.smoke.before_switch {
            run.step("smoke tests", || {
                check::commands(
                    run,
                    "smoke test",
                    &self.env.smoke.commands,
                    &vars,
                    self.env.smoke.timeout.as_std(),
                )
            })?;
        }
        if !self.env.validation_window.is_zero() {
            let backends: Vec<Backend> = self.targets.keys().map(|h| self.new_backend(h)).collect();
            run.step(
                &format!(
                    "validation window ({}s)",
                    self.env.validation_window.as_secs()
                ),
                || validation::watch(run, self, &backends, self.env.validation_window),
            )?;
        }
        Ok(())
    }

    /// Smoke commands before the switch, when configured so.
    pub fn smoke_before_switch(&self, run: &Run) -> Result<()> {
        if self.checks.after_switch
            && self.env.smoke.before_switch
            && !self.env.smoke.commands.is_empty()
        {
            let vars = self.vars();
            run.step("smoke tests on the new slot", || {
                check::commands(
                    run,
                    "smoke test",
                    &self.env.smoke.commands,
                    &vars,
                    self.env.smoke.timeout.as_std(),
                )
            })?;
        }
        Ok(())
    }

    /// Stops the previous version's slots unless `keep_previous`.
    pub fn retire_previous(&self, run: &Run) -> Result<()> {
        let delay = self.platform.scale_down_delay();
        if self.env.keep_previous && delay.is_none() {
            return Ok(());
        }
        let retired: Vec<(String, Backend)> = self
            .targets
            .iter()
            .filter_map(|(host, slot)| {
                self.old_backend(host)
                    .filter(|old| &old.slot != slot)
                    .map(|old| (host.clone(), old))
            })
            .collect();
        let hosts: Vec<String> = retired.iter().map(|(h, _)| h.clone()).collect();
        let results = run.each_host("stop the previous version", &hosts, |host| {
            let old = retired
                .iter()
                .find(|(h, _)| h == host)
                .map(|(_, b)| b)
                .ok_or_else(|| Error::failed(format!("no previous slot on {host}")))?;
            let name = match delay.filter(|d| self.env.keep_previous && !d.is_zero()) {
                Some(d) => format!(
                    "stop {} in {} on {host} after {}s",
                    old.version,
                    old.slot,
                    d.as_secs_f64()
                ),
                None => format!("stop {} in {} on {host}", old.version, old.slot),
            };
            run.step(&name, || {
                self.platform.retire(run, host, &old.slot, &old.version)
            })
        });
        results.into_iter().collect::<Result<Vec<()>>>().map(|_| ())
    }

    /// Puts traffic back where it was and stops what this run started. Never stopped by
    /// a signal. Errors mean the environment is in an unknown state.
    pub fn restore(&mut self, run: &Run) -> Result<()> {
        run.begin_cleanup();
        if self.routed {
            match self.before.clone() {
                Some(before) => {
                    let mut back = before.backends.clone();
                    for b in &mut back {
                        b.weight = b.weight.max(1);
                    }
                    run.step(&format!("route back to {}", before.describe()), || {
                        self.router.apply(run, &Routing::new(back))
                    })?;
                    self.routed = false;
                }
                None => {
                    return Err(Error::failed(
                        "there is no previous version to route back to; the router still points at the new slot",
                    ));
                }
            }
        }
        let started = std::mem::take(&mut self.started);
        let this = &*self;
        // Every host is stopped even when one fails: failures come back as values.
        let failures: Vec<String> = run
            .each_host(&format!("stop {}", this.version), &started, |host| {
                let slot = &this.targets[host];
                let result = run.step(
                    &format!("stop {} in {slot} on {host}", this.version),
                    || this.platform.withdraw(run, host, slot, &this.version),
                );
                Ok(result.err().map(|e| e.to_string()))
            })
            .into_iter()
            .filter_map(|r| r.unwrap_or_else(|e| Some(e.to_string())))
            .collect();
        if failures.is_empty() {
            Ok(())
        } else {
            // Traffic is back; a slot that would not stop is reported, not fatal.
            run.ui.warn(&format!(
                "traffic is back, but stopping the new slot failed: {}",
                failures.join("; ")
            ));
            Ok(())
        }
    }
}
