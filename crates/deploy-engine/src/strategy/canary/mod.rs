//! Canary: start the new version in the standby slot on every host and health-check it,
//! then move traffic in steps (10, 30, 50, 100 % by default), analysing the canary at
//! every step and through the validation window ([`crate::analysis`]). A failed analysis,
//! no data under `no_data = "fail"`, or `deploy abort` fails the run, and the engine puts
//! all traffic back on stable in one router change (the routing from before the run).
//! `--pause-at STEP` holds the canary at that share after its analysis passed, still
//! analysing, until `deploy promote` or `deploy abort` from another process.
//!
//! ```toml
//! [deploy.environments.production]
//! strategy = "canary"
//! [deploy.environments.production.canary]
//! steps = [10, 30, 50, 100]
//! step_duration = "30s"
//! ```

pub mod config;

use std::cell::Cell;
use std::time::Duration;

pub use config::CanaryConfig;

use crate::analysis::{self, Subject};
use crate::check;
use crate::control::{Action, Control};
use crate::router::Backend;
use crate::run::{Error, Result, Run};
use crate::strategy::{Deployment, Strategy};

/// The canary strategy.
#[derive(Debug, Clone, Copy, Default)]
pub struct Canary;

impl Strategy for Canary {
    fn name(&self) -> &'static str {
        "canary"
    }

    fn execute(&self, run: &Run, d: &mut Deployment<'_>) -> Result<()> {
        let control = Control::with_store(d.platform.control_store(d.env));
        control.clear(run)?;
        let result = steps(run, d, &control);
        if let Err(e) = control.clear(run) {
            run.ui
                .warn(&format!("could not clear the canary control file: {e}"));
        }
        result
    }
}

/// The weighted routing at `pct` percent: stable backends share `100 - pct`, canaries `pct`.
pub fn split(stable: &[Backend], canaries: &[Backend], pct: u32) -> Vec<Backend> {
    let mut out = Vec::new();
    let alone = pct >= 100 || stable.is_empty();
    if !alone {
        out.extend(stable.iter().cloned().map(|mut b| {
            b.weight = 100 - pct;
            b
        }));
    }
    out.extend(canaries.iter().cloned().map(|mut b| {
        b.weight = if alone { 1 } else { pct };
        b
    }));
    out
}

fn steps(run: &Run, d: &mut Deployment<'_>, control: &Control) -> Result<()> {
    let config = d.env.canary.clone();
    let hosts: Vec<String> = d.targets.keys().cloned().collect();
    // A canary that died (kill -9) leaves traffic split onto the slot this run is about to
    // replace: put everything back on stable first, and make that the routing to restore.
    if let Some(before) = d.before.clone() {
        let stable: Vec<Backend> = before
            .backends
            .iter()
            .filter(|b| d.targets.get(&b.host) != Some(&b.slot))
            .cloned()
            .map(|mut b| {
                b.weight = 1;
                b
            })
            .collect();
        if !stable.is_empty() && stable.len() < before.backends.len() {
            run.ui.warn(&format!(
                "traffic is still split by an interrupted canary ({}): routing it all to stable first",
                before.describe()
            ));
            d.route(run, "route all traffic to stable", stable.clone())?;
            d.before = Some(crate::router::Routing::new(stable));
        }
    }
    d.start_and_check(run, &hosts)?;
    d.smoke_before_switch(run)?;
    let canaries: Vec<Backend> = hosts.iter().map(|h| d.new_backend(h)).collect();
    let stable: Vec<Backend> = hosts.iter().filter_map(|h| d.old_backend(h)).collect();
    let step_window = config.step_duration.as_std();
    let final_window = if d.env.validation_window.is_zero() {
        step_window
    } else {
        d.env.validation_window
    };
    let abort = || -> Result<()> {
        run.checkpoint()?;
        if run.dry_run {
            return Ok(());
        }
        match control.order(run)? {
            Some(o) if o.action == Action::Abort => Err(Error::failed(format!(
                "aborted by {} with `deploy abort` at {}",
                o.actor, o.at
            ))),
            _ => Ok(()),
        }
    };
    if stable.is_empty() {
        // Nothing to compare with and nothing to fall back to: the first version, healthy,
        // takes all traffic the way blue-green would.
        run.ui.info(
            "nothing serves yet: the first version takes all traffic at once, without analysis",
        );
        d.route(run, &format!("switch traffic to {}", d.version), canaries)?;
        after_full_switch(run, d)?;
        return d.retire_previous(run);
    }
    let plan = config.steps.clone();
    for pct in plan {
        abort()?;
        let name = if pct >= 100 {
            format!("canary 100%: all traffic to {}", d.version)
        } else {
            format!("canary {pct}% to {}", d.version)
        };
        d.route(run, &name, split(&stable, &canaries, pct))?;
        if pct >= 100 {
            after_full_switch(run, d)?;
        }
        if d.checks.after_switch {
            let window = if pct >= 100 {
                final_window
            } else {
                step_window
            };
            let subject = Subject {
                environment: &d.env.name,
                version: &d.version,
                backends: &canaries,
            };
            let label = if pct >= 100 {
                format!(
                    "analysis at 100% ({}s validation window)",
                    window.as_secs_f64()
                )
            } else {
                format!("analysis at {pct}%")
            };
            run.step(&label, || {
                analysis::analyse(run, &d.env.analysis, &subject, window, &abort).map(|_| ())
            })?;
            if config.pause_at == Some(pct) {
                pause(run, d, control, pct, &subject, step_window)?;
            }
        }
    }
    d.retire_previous(run)
}

/// Smoke tests and post-switch hooks once the canary takes all traffic.
fn after_full_switch(run: &Run, d: &Deployment<'_>) -> Result<()> {
    if !d.checks.after_switch {
        return Ok(());
    }
    let vars = d.vars();
    if !d.env.hooks.post_switch.is_empty() {
        run.step("post-switch hooks", || {
            check::commands(
                run,
                "post_switch hook",
                &d.env.hooks.post_switch,
                &vars,
                d.env.hook_timeout,
            )
        })?;
    }
    if !d.env.smoke.commands.is_empty() && !d.env.smoke.before_switch {
        run.step("smoke tests", || {
            check::commands(
                run,
                "smoke test",
                &d.env.smoke.commands,
                &vars,
                d.env.smoke.timeout.as_std(),
            )
        })?;
    }
    Ok(())
}

/// Holds at `pct` until `deploy promote` (go on) or `deploy abort` (fail), analysing all
/// the while; gives up (aborts) after `pause_timeout`.
fn pause(
    run: &Run,
    d: &Deployment<'_>,
    control: &Control,
    pct: u32,
    subject: &Subject<'_>,
    window: Duration,
) -> Result<()> {
    if run.dry_run {
        run.ui.detail(&format!(
            "would pause at {pct}% until `deploy promote` or `deploy abort`"
        ));
        return Ok(());
    }
    control.set_paused(run, &d.version, pct)?;
    run.ui.notice(&format!(
        "canary {} paused at {pct}%: run `deploy promote --environment {env}` to go on or `deploy abort --environment {env}` to roll back",
        d.version,
        env = d.env.name
    ));
    let deadline = std::time::Instant::now() + d.env.canary.pause_timeout.as_std();
    let promoted = Cell::new(None::<String>);
    let gate = || -> Result<()> {
        run.checkpoint()?;
        if let Some(order) = control.take(run)? {
            return match order.action {
                Action::Abort => Err(Error::failed(format!(
                    "aborted by {} with `deploy abort` at {pct}%",
                    order.actor
                ))),
                Action::Promote => {
                    promoted.set(Some(order.actor));
                    Err(Error::failed("promoted"))
                }
            };
        }
        if std::time::Instant::now() >= deadline {
            return Err(Error::failed(format!(
                "nobody promoted the canary paused at {pct}% within {:?}",
                d.env.canary.pause_timeout.as_std()
            )));
        }
        Ok(())
    };
    run.step(&format!("paused at {pct}%"), || {
        loop {
            let result = analysis::analyse(run, &d.env.analysis, subject, window, &gate);
            if let Some(actor) = promoted.take() {
                run.capture(&format!("promoted by {actor}"));
                run.ui.info(&format!("canary promoted by {actor}"));
                return Ok(());
            }
            result?;
        }
    })?;
    control.clear(run)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(slot: &str) -> Backend {
        Backend {
            host: "local".into(),
            slot: slot.into(),
            version: slot.into(),
            address: "127.0.0.1".into(),
            port: 1,
            weight: 1,
        }
    }

    #[test]
    fn split_weights_are_the_percentages() {
        let r = split(&[b("blue")], &[b("green")], 10);
        assert_eq!(
            r.iter()
                .map(|b| (b.slot.as_str(), b.weight))
                .collect::<Vec<_>>(),
            [("blue", 90), ("green", 10)]
        );
        let r = split(&[b("blue")], &[b("green")], 100);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].weight, 1);
    }

    #[test]
    fn steps_must_increase_and_end_at_100() {
        let mut c = CanaryConfig::default();
        assert!(c.check("k").is_ok());
        c.steps = vec![10, 50];
        assert!(c.check("k").is_err());
        c.steps = vec![30, 10, 100];
        assert!(c.check("k").is_err());
        c.steps = vec![10, 100];
        c.pause_at = Some(30);
        assert!(c.check("k").unwrap_err().cause.contains("pause_at"));
    }
}
