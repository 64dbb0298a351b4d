//! A rollback end to end, producing the `slipway.rollback/v1` document. The target is the
//! previous good version in the ledger, or a named one. When the standby slot still runs
//! it (blue-green keeps the previous slot by default), the fast path re-routes to it in
//! one router change, after a health check unless forced; otherwise the version is
//! redeployed with the environment's strategy. `emergency` redeploys without health
//! checks, smoke tests or validation window. Database and config changes are never
//! reverted, and the document says so.

use std::time::{Duration, Instant};

use serde::Serialize;
use slipway_kit::{Exit, Failure};

use crate::check::Health;
use crate::deploy::{self, Parts};
use crate::ledger::{self, Active, Entry, Ledger, Status};
use crate::lock::Holder;
use crate::platform::Platform as _;
use crate::router::Routing;
use crate::run::{Error, Mode, Run, StepRecord};
use crate::strategy::Checks;

/// The rollback document's schema id.
pub const SCHEMA: &str = "slipway.rollback/v1";

/// The warning every rollback carries.
pub const NOT_REVERTED: &str = "database migrations and configuration changes are not reverted by a rollback; check that the old version works with them";

/// What to roll back.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// Target version (default: the previous good one).
    pub version: Option<String>,
    /// Break a stale lock; skip the standby health check.
    pub force: bool,
    /// Redeploy directly without checks.
    pub emergency: bool,
    /// Why, recorded in the ledger.
    pub reason: Option<String>,
    /// How long to wait for another run's lock.
    pub lock_wait: Duration,
    /// Allow the fast path (config `rollback.fast_path`).
    pub fast_path: bool,
}

/// The `slipway.rollback/v1` document.
#[derive(Debug, Clone, Serialize)]
pub struct Document {
    /// [`SCHEMA`].
    pub schema: &'static str,
    /// Environment.
    pub environment: String,
    /// Version serving before.
    pub from: Option<String>,
    /// Version rolled back to.
    pub to: Option<String>,
    /// Why.
    pub reason: Option<String>,
    /// `succeeded`, `rolled-back` (the rollback itself failed and the version it started from serves again), `failed`, `locked`, `cancelled`, `planned`.
    pub status: String,
    /// `fast-path`, `redeploy` or `emergency`.
    pub method: Option<String>,
    /// Slot now serving.
    pub slot: Option<String>,
    /// Whether this was a dry run.
    pub dry_run: bool,
    /// RFC 3339.
    pub started_at: String,
    /// RFC 3339.
    pub finished_at: String,
    /// Total time.
    pub duration_ms: u64,
    /// Every step with its timing.
    pub steps: Vec<StepRecord>,
    /// Warnings for the people reading it.
    pub warnings: Vec<String>,
    /// What went wrong.
    pub error: Option<String>,
    /// For `failed`: what the router and slots look like now.
    pub state: Option<String>,
}

/// A finished rollback.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The document.
    pub document: Document,
    /// The exit code.
    pub exit: Exit,
    /// Help for a failure.
    pub help: Option<String>,
}

/// What the rollback will do, decided before asking for confirmation.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Serving now.
    pub from: Option<Active>,
    /// The version to go back to.
    pub to: String,
    /// Whether the standby slot still runs it.
    pub fast_path_slot: Option<String>,
}

impl Plan {
    /// One line for the confirmation prompt.
    pub fn describe(&self, env: &str, emergency: bool) -> String {
        let from = self.from.as_ref().map_or("nothing", |a| a.version.as_str());
        let how = if emergency {
            "emergency redeploy, no checks".to_owned()
        } else if let Some(slot) = &self.fast_path_slot {
            format!("fast path: re-route to slot {slot}, which still runs it")
        } else {
            "redeploy".to_owned()
        };
        format!("roll {env} back from {from} to {} ({how})", self.to)
    }
}

/// The ledger's good versions, newest first (for `--list-versions`).
pub fn versions(run: &Run, parts: &Parts) -> Result<(Ledger, Vec<Entry>), Error> {
    let ledger = parts.ledger.load(run)?;
    let list = ledger.good_versions().into_iter().cloned().collect();
    Ok((ledger, list))
}

/// Decides the target and method.
pub fn plan(run: &Run, parts: &Parts, request: &Request) -> Result<Plan, Failure> {
    let ledger = parts
        .ledger
        .load(run)
        .map_err(|e| Failure::no(e.to_string()))?;
    let (_, from) = parts
        .serving(run, &ledger)
        .map_err(|e| Failure::no(e.to_string()))?;
    let to = match &request.version {
        Some(v) => {
            crate::config::check_version(v)?;
            v.clone()
        }
        None => ledger
            .previous_good()
            .map(|e| e.version.clone())
            .ok_or_else(|| {
                Failure::bad_input(format!(
                    "no previous good version of {} in the ledger ({} on {})",
                    parts.env.name,
                    parts.ledger.path(),
                    parts.platform.hosts()[0]
                ))
                .help("name one with --version, or see --list-versions")
            })?,
    };
    let fast_path_slot = from.as_ref().and_then(|a| {
        let standby = parts.env.other_slot(&a.slot);
        (request.fast_path && !request.emergency && ledger.slots.get(standby) == Some(&to))
            .then(|| standby.to_owned())
    });
    Ok(Plan {
        from,
        to,
        fast_path_slot,
    })
}

/// Runs a rollback of `parts`' environment along `plan`.
pub fn rollback(run: &Run, parts: &Parts, request: &Request, plan: &Plan) -> Outcome {
    let started = Instant::now();
    let id = deploy::run_id();
    let env = &parts.env;
    let reason = request
        .reason
        .clone()
        .or_else(|| Some("manual rollback".to_owned()));
    let mut doc = Document {
        schema: SCHEMA,
        environment: env.name.clone(),
        from: plan.from.as_ref().map(|a| a.version.clone()),
        to: Some(plan.to.clone()),
        reason: reason.clone(),
        status: String::new(),
        method: None,
        slot: None,
        dry_run: run.dry_run,
        started_at: ledger::now(),
        finished_at: String::new(),
        duration_ms: 0,
        steps: Vec::new(),
        warnings: vec![NOT_REVERTED.to_owned()],
        error: None,
        state: None,
    };
    run.ui.warn(NOT_REVERTED);
    let finish = |mut doc: Document, status: &str, exit: Exit, help: Option<String>| {
        doc.status = if run.dry_run && exit == Exit::Success {
            "planned".to_owned()
        } else {
            status.to_owned()
        };
        doc.finished_at = ledger::now();
        doc.duration_ms = started.elapsed().as_millis() as u64;
        doc.steps = run.steps();
        Outcome {
            document: doc,
            exit,
            help,
        }
    };
    let holder = Holder::this_process(&id, "rollback", Some(&plan.to), reason.as_deref());
    let locked = run.step(&format!("lock {}", env.name), || {
        deploy::take_lock(run, parts, &holder, request.lock_wait, request.force)
            .map_err(|(exit, cause, help)| Error::BadInput(Failure { exit, cause, help }))
    });
    if let Err(e) = locked {
        let (exit, help, cause) = match e {
            Error::BadInput(f) => (f.exit, f.help, f.cause),
            other => (Exit::No, None, other.to_string()),
        };
        doc.error = Some(cause);
        let status = if exit == Exit::Unsafe {
            "locked"
        } else {
            "cancelled"
        };
        return finish(doc, status, exit, help);
    }
    let release = || {
        if let Err(e) = parts.lock.remove(run, Some(&id)) {
            run.ui
                .warn(&format!("could not release the lock of {}: {e}", env.name));
        }
    };
    let loaded = parts.ledger.load(run).and_then(|mut l| {
        for e in l.mark_interrupted() {
            if let Err(err) = parts.ledger.append_archive(run, &e) {
                run.ui
                    .warn(&format!("could not append to the deploy history: {err}"));
            }
        }
        let (routing, active) = parts.serving(run, &l)?;
        Ok((l, routing, active))
    });
    let (mut ledger, routing, active) = match loaded {
        Ok(x) => x,
        Err(e) => {
            release();
            doc.error = Some(e.to_string());
            return finish(doc, "failed", Exit::No, None);
        }
    };
    let github = crate::deployments::Tracker::begin(
        run,
        env,
        if request.emergency {
            "emergency"
        } else {
            "rollback"
        },
        &plan.to,
        doc.from.as_deref(),
        "rollback",
        plan.fast_path_slot.as_deref(),
    );
    if let Some(slot) = &plan.fast_path_slot {
        doc.method = Some("fast-path".into());
        let result = fast_path(
            run,
            parts,
            &mut ledger,
            &id,
            plan,
            slot,
            request.force,
            reason.clone(),
            routing.as_ref(),
        );
        release();
        github.end(result.is_ok(), &format!("rollback to {}", plan.to));
        return match result {
            Ok(()) => {
                doc.slot = Some(slot.clone());
                finish(doc, "succeeded", Exit::Success, None)
            }
            Err(e) => {
                doc.error = Some(e.to_string());
                let status = if matches!(e, Error::Cancelled) {
                    "cancelled"
                } else {
                    "rolled-back"
                };
                finish(doc, status, Exit::No, Some("the standby slot did not pass its check; rerun with --emergency to redeploy the version".into()))
            }
        };
    }
    let checks = if request.emergency {
        doc.method = Some("emergency".into());
        Checks {
            health: false,
            after_switch: false,
        }
    } else {
        doc.method = Some("redeploy".into());
        Checks::ALL
    };
    let kind = if request.emergency {
        "emergency"
    } else {
        "rollback"
    };
    let moved = deploy::move_to(
        run,
        parts,
        &mut ledger,
        &id,
        kind,
        &plan.to,
        // A rollback is a way back, not an experiment: a canary environment redeploys
        // the good version blue-green.
        if env.strategy == crate::config::StrategyKind::Canary {
            crate::config::StrategyKind::BlueGreen
        } else {
            env.strategy
        },
        checks,
        reason,
        routing,
        active.as_ref(),
    );
    release();
    github.end(
        moved.status == crate::ledger::Status::Succeeded,
        &format!("rollback to {} {}", plan.to, moved.status.as_str()),
    );
    doc.slot = moved.slot;
    doc.error = moved.error;
    doc.state = moved.state;
    let help = (moved.exit == Exit::Unsafe)
        .then(|| "look at the state above and fix it by hand".to_owned());
    finish(doc, moved.status.as_str(), moved.exit, help)
}

#[allow(clippy::too_many_arguments)]
fn fast_path(
    run: &Run,
    parts: &Parts,
    ledger: &mut Ledger,
    id: &str,
    plan: &Plan,
    slot: &str,
    force: bool,
    reason: Option<String>,
    before: Option<&Routing>,
) -> Result<(), Error> {
    let env = &parts.env;
    let hosts = crate::platform::Platform::hosts(&parts.platform);
    let backends: Vec<_> = hosts
        .iter()
        .map(|h| crate::platform::Platform::backend(&parts.platform, h, slot, &plan.to))
        .collect();
    let mut entry = deploy::entry(
        id,
        "rollback",
        &plan.to,
        plan.from.as_ref().map(|a| a.version.clone()),
        slot,
        "fast-path",
        reason,
    );
    ledger.push(entry.clone(), env.history);
    parts.ledger.save(run, ledger, Mode::Change)?;
    let result = (|| {
        if force {
            run.ui
                .detail("--force: the standby slot is not health-checked");
        } else {
            let health = Health::new(&env.health, &env.name);
            let results = run.each_host(&format!("health check {slot}"), &hosts, |host| {
                let b = backends
                    .iter()
                    .find(|b| b.host == host)
                    .ok_or_else(|| Error::failed(format!("no backend for {host}")))?;
                run.step(&format!("health check {slot} on {host}"), || {
                    health.wait_healthy(run, b).map(|_| ())
                })
            });
            results.into_iter().collect::<Result<Vec<()>, _>>()?;
        }
        run.checkpoint()?;
        run.step(&format!("switch traffic to {} ({slot})", plan.to), || {
            entry.switched_at = Some(ledger::now());
            parts.router.apply(run, &Routing::new(backends.clone()))
        })
    })();
    entry.finished_at = Some(ledger::now());
    match &result {
        Ok(()) => {
            entry.status = Status::Succeeded;
            ledger.active = Some(Active {
                version: plan.to.clone(),
                slot: slot.to_owned(),
            });
        }
        Err(e) => {
            run.begin_cleanup();
            // The switch may have been half applied: put the routing from before back.
            if let Some(before) = before {
                let _ = run.step("route back", || {
                    parts
                        .router
                        .apply(run, &Routing::new(before.backends.clone()))
                });
            }
            entry.status = if matches!(e, Error::Cancelled) {
                Status::Cancelled
            } else {
                Status::RolledBack
            };
            entry.reason = Some(e.to_string());
        }
    }
    if let Some(slot_entry) = ledger.entry_mut(id) {
        *slot_entry = entry.clone();
    }
    if let Err(e) = parts.ledger.save(run, ledger, Mode::Cleanup) {
        run.ui.warn(&format!("could not write the ledger: {e}"));
    }
    if let Err(e) = parts.ledger.append_archive(run, &entry) {
        run.ui.warn(&format!(
            "could not append the run to the deploy history {}: {e}",
            parts.ledger.archive_path()
        ));
    }
    result
}
