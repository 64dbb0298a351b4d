//! A rollback end to end, producing the `slipway.rollback/v1` document.
//!
//! The order matters: a [`Session`] takes the environment's lock first (queueing with
//! `--lock-wait` behind a running deploy), then reads the ledger and the routing and plans
//! under the lock, so the plan a person confirms is the one that runs: nothing can change
//! the environment between the plan and the rollback.
//!
//! The target is the previous good version in the ledger, or a named one. When the standby
//! slot still runs it (blue-green keeps the previous slot by default), the fast path
//! re-routes to it in one router change, after a health check; otherwise the version is
//! redeployed with the environment's strategy. `emergency` redeploys without health
//! checks, smoke tests or validation window. Database and config changes are never
//! reverted, and the document says so.

use std::time::{Duration, Instant};

use serde::Serialize;
use slipway_kit::{Exit, Failure};

use crate::check::Health;
use crate::deploy::{self, Parts};
use crate::ledger::{self, Active, Entry, Ledger, Status};
use crate::lock::{Breaking, Guard, Holder};
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
    /// What the lock acquire may break (`--force`: a stale lock; `--break-freeze`: a freeze).
    pub breaking: Breaking,
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
    /// `succeeded`, `rolled-back` (the rollback itself failed and the version it started from serves again), `failed`, `locked`, `cancelled`, `refused` (nothing to roll back to, or not confirmed), `planned`.
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

/// What the rollback will do, decided under the lock.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Serving now.
    pub from: Option<Active>,
    /// The version to go back to.
    pub to: String,
    /// Whether the standby slot still runs it.
    pub fast_path_slot: Option<String>,
    /// The ledger as read under the lock (interrupted runs marked).
    pub ledger: Ledger,
    /// The routing as read under the lock.
    pub routing: Option<Routing>,
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

/// A rollback that holds the environment's lock: [`Session::begin`] takes it,
/// [`Session::plan`] reads and plans under it, [`Session::execute`] runs the plan and
/// releases it. Dropping a session (a refusal, a "no" at the prompt, a panic) releases it.
pub struct Session<'a> {
    run: &'a Run,
    parts: &'a Parts,
    request: &'a Request,
    id: String,
    started: Instant,
    started_at: String,
    guard: Guard<'a>,
}

impl std::fmt::Debug for Session<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

fn document(env: &str, request: &Request, run: &Run, started_at: &str) -> Document {
    Document {
        schema: SCHEMA,
        environment: env.to_owned(),
        from: None,
        to: request.version.clone(),
        reason: Some(reason(request)),
        status: String::new(),
        method: None,
        slot: None,
        dry_run: run.dry_run,
        started_at: started_at.to_owned(),
        finished_at: String::new(),
        duration_ms: 0,
        steps: Vec::new(),
        warnings: vec![NOT_REVERTED.to_owned()],
        error: None,
        state: None,
    }
}

fn reason(request: &Request) -> String {
    request
        .reason
        .clone()
        .unwrap_or_else(|| "manual rollback".to_owned())
}

fn finish(
    run: &Run,
    started: Instant,
    mut doc: Document,
    status: &str,
    exit: Exit,
    help: Option<String>,
) -> Outcome {
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
}

impl<'a> Session<'a> {
    /// Takes the lock of `parts`' environment (waiting up to `request.lock_wait`). A held
    /// lock is an outcome with status `locked` (exit 3); a signal while waiting, `cancelled`.
    pub fn begin(
        run: &'a Run,
        parts: &'a Parts,
        request: &'a Request,
    ) -> Result<Self, Box<Outcome>> {
        let started = Instant::now();
        let started_at = ledger::now();
        let id = deploy::run_id();
        let env = &parts.env;
        let holder = Holder::this_process(
            &id,
            "rollback",
            request.version.as_deref(),
            Some(&reason(request)),
        );
        let locked = run.step(&format!("lock {}", env.name), || {
            deploy::take_lock(run, parts, &holder, request.lock_wait, request.breaking)
                .map_err(|(exit, cause, help)| Error::BadInput(Failure { exit, cause, help }))
        });
        if let Err(e) = locked {
            let (exit, help, cause) = match e {
                Error::BadInput(f) => (f.exit, f.help, f.cause),
                other => (Exit::No, None, other.to_string()),
            };
            let mut doc = document(&env.name, request, run, &started_at);
            doc.error = Some(cause);
            let status = if exit == Exit::Unsafe {
                "locked"
            } else {
                "cancelled"
            };
            return Err(Box::new(finish(run, started, doc, status, exit, help)));
        }
        Ok(Self {
            run,
            parts,
            request,
            guard: parts.lock.guard(run, &id).renewing(&holder),
            id,
            started,
            started_at,
        })
    }

    /// Reads the ledger and the routing under the lock and decides the target and method.
    /// A target that is no token (a hand-edited ledger) is refused, naming the ledger.
    pub fn plan(&self) -> Result<Plan, Failure> {
        let (run, parts, request) = (self.run, self.parts, self.request);
        let mut ledger = parts
            .ledger
            .load(run)
            .map_err(|e| Failure::no(e.to_string()))?;
        for e in ledger.mark_interrupted() {
            run.ui.warn(&format!(
                "the {} of {} started {} by {} was interrupted (its process died)",
                e.kind, e.version, e.started_at, e.actor
            ));
        }
        let (routing, from) = parts
            .serving(run, &ledger)
            .map_err(|e| Failure::no(e.to_string()))?;
        let to = if let Some(v) = &request.version {
            crate::config::check_version(v)?;
            v.clone()
        } else {
            let v = ledger
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
                })?;
            crate::config::check_token(
                &format!("the ledger {}: version", parts.ledger.path()),
                &v,
                crate::template::TokenKind::Version,
            )?;
            v
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
            ledger,
            routing,
        })
    }

    /// Ends the session without rolling back (refused, or not confirmed): releases the lock
    /// and returns the document with `status`.
    pub fn refuse(self, status: &str, failure: &Failure) -> Outcome {
        self.guard.release();
        let mut doc = document(
            &self.parts.env.name,
            self.request,
            self.run,
            &self.started_at,
        );
        doc.error = Some(failure.cause.clone());
        finish(
            self.run,
            self.started,
            doc,
            status,
            failure.exit,
            failure.help.clone(),
        )
    }

    /// Runs `plan` (from [`Session::plan`] of this session) and releases the lock.
    pub fn execute(self, plan: Plan) -> Outcome {
        let (run, parts, request) = (self.run, self.parts, self.request);
        let started = self.started;
        let id = self.id.as_str();
        let env = &parts.env;
        let reason = Some(reason(request));
        let mut doc = document(&env.name, request, run, &self.started_at);
        doc.from = plan.from.as_ref().map(|a| a.version.clone());
        doc.to = Some(plan.to.clone());
        run.ui.warn(NOT_REVERTED);
        let Plan {
            from,
            to,
            fast_path_slot,
            mut ledger,
            routing,
        } = plan;
        let github = crate::deployments::Tracker::begin(
            run,
            env,
            if request.emergency {
                "emergency"
            } else {
                "rollback"
            },
            &to,
            doc.from.as_deref(),
            "rollback",
            fast_path_slot.as_deref(),
        );
        if let Some(slot) = &fast_path_slot {
            doc.method = Some("fast-path".into());
            let result = fast_path(
                run,
                parts,
                &mut ledger,
                id,
                (from.as_ref(), &to),
                slot,
                reason,
                routing.as_ref(),
            );
            self.guard.release();
            github.end(result.is_ok(), &format!("rollback to {to}"));
            return match result {
                Ok(()) => {
                    doc.slot = Some(slot.clone());
                    finish(run, started, doc, "succeeded", Exit::Success, None)
                }
                Err(e) => {
                    doc.error = Some(e.to_string());
                    let status = if matches!(e, Error::Cancelled) {
                        "cancelled"
                    } else {
                        "rolled-back"
                    };
                    finish(
                        run,
                        started,
                        doc,
                        status,
                        Exit::No,
                        Some("the standby slot did not pass its check; rerun with --emergency to redeploy the version without checks".into()),
                    )
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
            id,
            kind,
            &to,
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
            from.as_ref(),
        );
        self.guard.release();
        github.end(
            moved.status == crate::ledger::Status::Succeeded,
            &format!("rollback to {to} {}", moved.status.as_str()),
        );
        doc.slot = moved.slot;
        doc.error = moved.error;
        doc.state = moved.state;
        let help = (moved.exit == Exit::Unsafe)
            .then(|| "look at the state above and fix it by hand".to_owned());
        finish(run, started, doc, moved.status.as_str(), moved.exit, help)
    }
}

/// A whole rollback without a prompt: lock, plan under the lock, execute. A refused plan
/// (nothing to go back to) is an outcome with status `refused`.
pub fn rollback(run: &Run, parts: &Parts, request: &Request) -> Outcome {
    let session = match Session::begin(run, parts, request) {
        Ok(s) => s,
        Err(outcome) => return *outcome,
    };
    match session.plan() {
        Ok(plan) => session.execute(plan),
        Err(failure) => session.refuse("refused", &failure),
    }
}

#[allow(clippy::too_many_arguments)]
fn fast_path(
    run: &Run,
    parts: &Parts,
    ledger: &mut Ledger,
    id: &str,
    (from, to): (Option<&Active>, &str),
    slot: &str,
    reason: Option<String>,
    before: Option<&Routing>,
) -> Result<(), Error> {
    let env = &parts.env;
    let hosts = crate::platform::Platform::hosts(&parts.platform);
    let backends: Vec<_> = hosts
        .iter()
        .map(|h| crate::platform::Platform::backend(&parts.platform, h, slot, to))
        .collect();
    let mut entry = deploy::entry(
        id,
        "rollback",
        to,
        from.map(|a| a.version.clone()),
        slot,
        "fast-path",
        reason,
    );
    ledger.push(entry.clone(), env.history);
    parts.ledger.save(run, ledger, Mode::Change)?;
    let result = (|| {
        // A platform that scaled the standby slot down brings it back and waits for it;
        // otherwise the standby is always checked, --force or not: --emergency is the way
        // without.
        let mut woke = !hosts.is_empty();
        for host in &hosts {
            woke &= parts.platform.wake(run, host, slot, to)?;
        }
        if woke {
            run.ui
                .detail("the platform checked the standby slot's readiness itself");
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
        run.step(&format!("switch traffic to {to} ({slot})"), || {
            entry.switched_at = Some(ledger::now());
            parts.router.apply(run, &Routing::new(backends.clone()))
        })
    })();
    entry.finished_at = Some(ledger::now());
    match &result {
        Ok(()) => {
            entry.status = Status::Succeeded;
            ledger.active = Some(Active {
                version: to.to_owned(),
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
