//! A deploy end to end: lock, ledger, strategy, and on any failure or signal, traffic back
//! to the last good slot. Produces the `slipway.deploy/v1` document.
//!
//! | outcome | status | exit |
//! | --- | --- | --- |
//! | the new version serves | `succeeded` | 0 |
//! | a check or command failed; the previous version serves | `rolled-back` | 1 |
//! | SIGINT/SIGTERM; the previous version serves | `cancelled` | 1 |
//! | putting things back failed too | `failed` | 3 |
//! | the lock is held | `locked` | 3 |

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use slipway_kit::{Exit, Failure};

use crate::check;
use crate::config::{Environment, RouterHost, RouterKind, StrategyKind};
use crate::ledger::{self, Active, Entry, Ledger, Status};
use crate::lock::{Breaking, Holder, Lock, LockError};
use crate::nginx::Nginx;
use crate::platform::{Hosts, Platform};
use crate::router::{NoRouter, Router, Routing};
use crate::run::{Error, Mode, Run, StepRecord};
use crate::shell::{Local, Target};
use crate::strategy::{self, Checks, Deployment};

/// The deploy document's schema id.
pub const SCHEMA: &str = "slipway.deploy/v1";

/// The platform, router, ledger and lock of an environment, built once per run.
pub struct Parts {
    /// The environment.
    pub env: Environment,
    /// Where it runs.
    pub platform: Box<dyn Platform>,
    /// What routes to it.
    pub router: Box<dyn Router>,
    /// The ledger.
    pub ledger: Arc<dyn ledger::LedgerStore>,
    /// The lock.
    pub lock: Lock,
}

impl std::fmt::Debug for Parts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Parts")
            .field("environment", &self.env.name)
            .finish_non_exhaustive()
    }
}

impl Parts {
    /// Builds the parts of `env` (opens nothing yet: SSH connects on first use).
    pub fn new(env: &Environment) -> Result<Self, Failure> {
        let platform: Box<dyn Platform> = match env.platform {
            crate::config::PlatformKind::Hosts => Box::new(Hosts::new(env)?),
            crate::config::PlatformKind::Command => {
                Box::new(crate::platform::command::CommandPlatform::new(env))
            }
            crate::config::PlatformKind::Kubernetes => {
                Box::new(crate::platform::kubernetes::KubePlatform::new(env))
            }
        };
        let router: Box<dyn Router> = match env.router {
            RouterKind::Kubernetes => platform.own_router().ok_or_else(|| {
                Failure::bad_input(format!(
                    "environment {}: router = \"kubernetes\" needs platform = \"kubernetes\"",
                    env.name
                ))
            })?,
            RouterKind::None => Box::new(NoRouter),
            RouterKind::Nginx => {
                let target: Arc<dyn Target> = match env.router_host {
                    RouterHost::Local => Arc::new(Local),
                    RouterHost::Primary => platform.primary(),
                };
                Box::new(Nginx::new(env.nginx.clone(), target, &env.name))
            }
            RouterKind::Haproxy => {
                Box::new(crate::haproxy::Haproxy::for_environment(env, &*platform))
            }
            RouterKind::Command => Box::new(crate::platform::command::CommandRouter::new(
                env,
                platform.primary(),
            )),
        };
        Ok(Self {
            ledger: platform.ledger_store(env),
            lock: Lock::with_store(platform.lock_store(env), &env.name, env.lock_ttl),
            env: env.clone(),
            platform,
            router,
        })
    }

    /// What serves now: the router's own record first, else the ledger's.
    pub fn serving(
        &self,
        run: &Run,
        ledger: &Ledger,
    ) -> Result<(Option<Routing>, Option<Active>), Error> {
        let routing = self.router.current(run)?;
        let active = match &routing {
            Some(r) => match (r.single_version(), r.single_slot()) {
                (Some(v), Some(s)) => Some(Active {
                    version: v.to_owned(),
                    slot: s.to_owned(),
                }),
                _ => ledger.active.clone(),
            },
            None => ledger.active.clone(),
        };
        let routing = routing.or_else(|| {
            ledger.active.as_ref().map(|a| {
                Routing::new(
                    self.platform
                        .hosts()
                        .iter()
                        .map(|h| self.platform.backend(h, &a.slot, &a.version))
                        .collect(),
                )
            })
        });
        Ok((routing, active))
    }
}

/// What to deploy.
#[derive(Debug, Clone)]
pub struct Request {
    /// The version.
    pub version: String,
    /// Strategy override.
    pub strategy: Option<StrategyKind>,
    /// How long to wait for another run's lock.
    pub lock_wait: Duration,
    /// What the lock acquire may break (`--force`: a stale lock; `--break-freeze`: a freeze).
    pub breaking: Breaking,
}

/// The `slipway.deploy/v1` document.
#[derive(Debug, Clone, Serialize)]
pub struct Document {
    /// [`SCHEMA`].
    pub schema: &'static str,
    /// Environment.
    pub environment: String,
    /// Version deployed (or attempted).
    pub version: String,
    /// Version serving before.
    pub previous: Option<String>,
    /// Strategy.
    pub strategy: String,
    /// Slot the new version went to.
    pub slot: Option<String>,
    /// Environment URL.
    pub url: Option<String>,
    /// `succeeded`, `rolled-back`, `cancelled`, `failed`, `locked` or `planned` (dry run).
    pub status: String,
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
    /// What went wrong.
    pub error: Option<String>,
    /// For `failed`: what the router and slots look like now, for the person who must act.
    pub state: Option<String>,
}

/// A finished run: its document and exit code.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The document.
    pub document: Document,
    /// The exit code.
    pub exit: Exit,
    /// Help for the person reading a failure.
    pub help: Option<String>,
}

/// A unique id for a run.
pub fn run_id() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{nanos:x}-{}", std::process::id())
}

/// Takes the lock, turning a held lock into exit 3 with the holder named and what to do.
pub fn take_lock(
    run: &Run,
    parts: &Parts,
    holder: &Holder,
    wait: Duration,
    breaking: Breaking,
) -> Result<(), (Exit, String, Option<String>)> {
    match parts.lock.acquire(run, holder, wait, breaking) {
        Ok(()) => Ok(()),
        Err(LockError::Held {
            environment,
            holder,
            stale,
            stale_at,
            forced,
        }) => {
            let (cause, help) = match stale {
                Some(why) => (
                    format!(
                        "environment {environment} has a stale lock ({why}), held by {}",
                        holder.describe()
                    ),
                    "rerun with --force to break it".to_owned(),
                ),
                None if holder.is_freeze() => (
                    format!(
                        "environment {environment} is frozen by {}{}",
                        holder.describe(),
                        if forced {
                            " (--force never lifts a freeze)"
                        } else {
                            ""
                        }
                    ),
                    format!(
                        "release it with `deploy lock release --environment {environment}`, or go through it with --break-freeze"
                    ),
                ),
                None => (
                    format!(
                        "environment {environment} is locked by {}{}",
                        holder.describe(),
                        if forced {
                            " — a live lock, which --force does not break"
                        } else {
                            ""
                        }
                    ),
                    format!(
                        "wait for it, or queue behind it with --lock-wait 10m; it turns stale (and --force breaks it) at {stale_at}, when its TTL passes, or as soon as its process is gone on its own machine"
                    ),
                ),
            };
            Err((Exit::Unsafe, cause, Some(help)))
        }
        Err(e @ LockError::Unexpected { .. }) => Err((
            Exit::Unsafe,
            e.to_string(),
            Some(crate::lock::UNEXPECTED_HELP.to_owned()),
        )),
        Err(LockError::Run(Error::Cancelled)) => Err((
            Exit::No,
            "cancelled while waiting for the lock".into(),
            None,
        )),
        // The lock's place could not be reached (a cluster whose credentials fail): nothing
        // was changed, and the error says what to fix.
        Err(LockError::Run(Error::BadInput(f))) => Err((f.exit, f.cause, f.help)),
        Err(LockError::Run(e)) => Err((Exit::Unsafe, format!("cannot take the lock: {e}"), None)),
    }
}

/// The fields of a ledger entry for this process.
pub fn entry(
    id: &str,
    kind: &str,
    version: &str,
    previous: Option<String>,
    slot: &str,
    strategy: &str,
    reason: Option<String>,
) -> Entry {
    let ctx = slipway_kit::GithubContext::from_env();
    Entry {
        id: id.to_owned(),
        kind: kind.to_owned(),
        version: version.to_owned(),
        previous,
        slot: slot.to_owned(),
        strategy: strategy.to_owned(),
        status: Status::InProgress,
        started_at: ledger::now(),
        finished_at: None,
        actor: crate::lock::actor(),
        commit: ledger::current_commit(),
        switched_at: None,
        run_url: ctx.run_url(),
        reason,
    }
}

/// What a move to a version did.
#[derive(Debug)]
pub struct Moved {
    /// Status for the document.
    pub status: Status,
    /// Slot of the new version.
    pub slot: Option<String>,
    /// Exit code.
    pub exit: Exit,
    /// The error, if any.
    pub error: Option<String>,
    /// Exact state when restoring failed.
    pub state: Option<String>,
}

/// Moves the environment to `version` with `strategy` and `checks`, recording entry `id`
/// in the ledger, restoring on failure. The lock must be held.
#[allow(clippy::too_many_arguments)]
pub fn move_to(
    run: &Run,
    parts: &Parts,
    ledger: &mut Ledger,
    id: &str,
    kind: &str,
    version: &str,
    strategy_kind: StrategyKind,
    checks: Checks,
    reason: Option<String>,
    routing: Option<Routing>,
    active: Option<&Active>,
) -> Moved {
    let strategy = strategy::for_kind(strategy_kind);
    let mut d = Deployment::new(
        &parts.env,
        &parts.platform,
        &*parts.router,
        version,
        active.as_ref().map(|a| a.version.clone()),
        routing,
        active.as_ref().map(|a| a.slot.as_str()),
    );
    d.checks = checks;
    let slot = d.slot().map(str::to_owned);
    let strategy_name = if kind == "deploy" {
        strategy.name().to_owned()
    } else {
        format!("{}-{}", kind, strategy.name())
    };
    ledger.push(
        entry(
            id,
            kind,
            version,
            d.previous.clone(),
            slot.as_deref().unwrap_or("mixed"),
            &strategy_name,
            reason,
        ),
        parts.env.history,
    );
    if let Err(e) = parts.ledger.save(run, ledger, Mode::Change) {
        return Moved {
            status: Status::RolledBack,
            slot,
            exit: Exit::No,
            error: Some(format!("{e}; nothing was changed")),
            state: None,
        };
    }
    // A panic in a strategy is a failure like any other: traffic goes back, the ledger is
    // marked and the lock released (the release profile unwinds for this).
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        strategy.execute(run, &mut d)
    }))
    .unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown".to_owned());
        Err(Error::failed(format!("internal error (a panic: {what})")))
    });
    let switched_at = d.switched_at.clone();
    let finish = |ledger: &mut Ledger, status: Status, why: Option<String>| {
        if let Some(e) = ledger.entry_mut(id) {
            e.status = status;
            e.finished_at = Some(ledger::now());
            e.switched_at.clone_from(&switched_at);
            if why.is_some() {
                e.reason = why;
            }
        }
    };
    let archive = |ledger: &Ledger| {
        if let Some(e) = ledger.history.iter().find(|e| e.id == id) {
            if let Err(err) = parts.ledger.append_archive(run, e) {
                run.ui.warn(&format!(
                    "could not append the run to the deploy history {}: {err}",
                    parts.ledger.archive_path()
                ));
            }
        }
    };
    match result {
        Ok(()) => {
            for (host, target) in &d.targets {
                let _ = host;
                ledger.slots.insert(target.clone(), version.to_owned());
            }
            if !parts.env.keep_previous {
                if let Some(a) = &active {
                    if Some(a.slot.as_str()) != slot.as_deref() {
                        ledger.slots.remove(&a.slot);
                    }
                }
            }
            ledger.active = slot.as_ref().map(|s| Active {
                version: version.to_owned(),
                slot: s.clone(),
            });
            finish(ledger, Status::Succeeded, None);
            let saved = parts.ledger.save(run, ledger, Mode::Cleanup);
            if let Err(e) = saved {
                run.ui.warn(&format!(
                    "the new version serves, but the ledger could not be written: {e}"
                ));
            }
            archive(ledger);
            Moved {
                status: Status::Succeeded,
                slot,
                exit: Exit::Success,
                error: None,
                state: None,
            }
        }
        Err(err) => {
            let cancelled = matches!(err, Error::Cancelled);
            let message = err.to_string();
            run.ui.warn(&format!(
                "{message}: putting traffic back on {}",
                d.previous.as_deref().unwrap_or("the previous version")
            ));
            let restored = d.restore(run);
            if !parts.env.hooks.on_failure.is_empty() {
                let vars = d.vars();
                let _ = run.step("on-failure hooks", || {
                    check::commands(
                        run,
                        "on_failure hook",
                        &parts.env.hooks.on_failure,
                        &vars,
                        parts.env.hook_timeout,
                    )
                });
            }
            for host in &d.started {
                let _ = host;
            }
            // Slots this run started were stopped; forget what ran there.
            if let Some(s) = &slot {
                if active.as_ref().is_none_or(|a| &a.slot != s) {
                    ledger.slots.remove(s);
                }
            }
            match restored {
                Ok(()) => {
                    let status = if cancelled {
                        Status::Cancelled
                    } else {
                        Status::RolledBack
                    };
                    finish(ledger, status, Some(message.clone()));
                    if let Err(e) = parts.ledger.save(run, ledger, Mode::Cleanup) {
                        run.ui
                            .warn(&format!("could not record the failure in the ledger: {e}"));
                    }
                    archive(ledger);
                    Moved {
                        status,
                        slot,
                        exit: Exit::No,
                        error: Some(message),
                        state: None,
                    }
                }
                Err(restore_err) => {
                    let state = describe_state(run, parts, &d);
                    finish(
                        ledger,
                        Status::Failed,
                        Some(format!("{message}; restoring failed: {restore_err}")),
                    );
                    if let Err(e) = parts.ledger.save(run, ledger, Mode::Cleanup) {
                        run.ui
                            .warn(&format!("could not record the failure in the ledger: {e}"));
                    }
                    archive(ledger);
                    Moved {
                        status: Status::Failed,
                        slot,
                        exit: Exit::Unsafe,
                        error: Some(format!(
                            "{message}; putting traffic back failed too: {restore_err}"
                        )),
                        state: Some(state),
                    }
                }
            }
        }
    }
}

fn describe_state(run: &Run, parts: &Parts, d: &Deployment<'_>) -> String {
    let router = match parts.router.current(run) {
        Ok(Some(r)) => format!("{} points at {}", parts.router.describe(), r.describe()),
        Ok(None) => format!("{}: no routing written by slipway", parts.router.describe()),
        Err(e) => format!("{}: cannot read it ({e})", parts.router.describe()),
    };
    let started = if d.started.is_empty() {
        "no new slot left running".to_owned()
    } else {
        format!(
            "{} may still run in {}",
            d.version,
            d.started
                .iter()
                .map(|h| format!("{}/{}", h, d.targets[h]))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    format!("{router}; {started}")
}

/// Runs a deploy of `request` to `parts`' environment.
pub fn deploy(run: &Run, parts: &Parts, request: &Request) -> Outcome {
    let started = Instant::now();
    let started_at = ledger::now();
    let env = &parts.env;
    let strategy_kind = request.strategy.unwrap_or(env.strategy);
    let id = run_id();
    let mut doc = Document {
        schema: SCHEMA,
        environment: env.name.clone(),
        version: request.version.clone(),
        previous: None,
        strategy: strategy_kind.as_str().to_owned(),
        slot: None,
        url: env.url.clone(),
        status: String::new(),
        dry_run: run.dry_run,
        started_at,
        finished_at: String::new(),
        duration_ms: 0,
        steps: Vec::new(),
        error: None,
        state: None,
    };
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
    let holder = Holder::this_process(&id, "deploy", Some(&request.version), None);
    let locked = run.step(&format!("lock {}", env.name), || {
        take_lock(run, parts, &holder, request.lock_wait, request.breaking)
            .map_err(|(exit, cause, help)| Error::BadInput(Failure { exit, cause, help }))
    });
    if let Err(e) = locked {
        let (exit, help) = match &e {
            Error::BadInput(f) => (f.exit, f.help.clone()),
            _ => (Exit::No, None),
        };
        doc.error = Some(match e {
            Error::BadInput(f) => f.cause,
            other => other.to_string(),
        });
        let status = if exit == Exit::Unsafe {
            "locked"
        } else {
            "cancelled"
        };
        return finish(doc, status, exit, help);
    }
    // Released on every way out, a panic unwinding included.
    let guard = parts.lock.guard(run, &id).renewing(&holder);
    let release = || guard.release();
    let prepared = (|| -> Result<(Ledger, Option<Routing>, Option<Active>), Error> {
        let mut ledger = parts.ledger.load(run)?;
        for e in ledger.mark_interrupted() {
            if let Err(err) = parts.ledger.append_archive(run, &e) {
                run.ui
                    .warn(&format!("could not append to the deploy history: {err}"));
            }
            run.ui.warn(&format!(
                "the {} of {} started {} by {} was interrupted (its process died); the router was never moved to an unchecked slot",
                e.kind, e.version, e.started_at, e.actor
            ));
        }
        let (routing, active) = parts.serving(run, &ledger)?;
        Ok((ledger, routing, active))
    })();
    let (mut ledger, routing, active) = match prepared {
        Ok(p) => p,
        Err(e) => {
            release();
            doc.error = Some(e.to_string());
            return finish(
                doc,
                "rolled-back",
                Exit::No,
                Some("nothing was changed".into()),
            );
        }
    };
    doc.previous = active.as_ref().map(|a| a.version.clone());
    match &routing {
        Some(r) => run
            .ui
            .info(&format!("{} now serves {}", env.name, r.describe())),
        None => run
            .ui
            .info(&format!("{} serves nothing yet: first deploy", env.name)),
    }
    if !env.hooks.pre_deploy.is_empty() {
        let vars = crate::template::Vars::new()
            .with("version", &request.version)
            .with("previous", doc.previous.as_deref().unwrap_or(""))
            .with("environment", &env.name)
            .with("url", env.url.as_deref().unwrap_or(""));
        let hooked = run.step("pre-deploy hooks", || {
            check::commands(
                run,
                "pre_deploy hook",
                &env.hooks.pre_deploy,
                &vars,
                env.hook_timeout,
            )
        });
        if let Err(e) = hooked {
            let _ = parts.ledger.save(run, &ledger, Mode::Cleanup);
            release();
            let status = if matches!(e, Error::Cancelled) {
                "cancelled"
            } else {
                "rolled-back"
            };
            doc.error = Some(format!("{e}; nothing was changed"));
            return finish(doc, status, Exit::No, None);
        }
    }
    let github = crate::deployments::Tracker::begin(
        run,
        env,
        "deploy",
        &request.version,
        doc.previous.as_deref(),
        strategy_kind.as_str(),
        Some(
            active
                .as_ref()
                .map_or(env.slot_names[0].as_str(), |a| env.other_slot(&a.slot)),
        ),
    );
    let moved = move_to(
        run,
        parts,
        &mut ledger,
        &id,
        "deploy",
        &request.version,
        strategy_kind,
        Checks::ALL,
        None,
        routing,
        active.as_ref(),
    );
    release();
    github.end(
        moved.status == Status::Succeeded,
        &format!("{} {}", request.version, moved.status.as_str()),
    );
    doc.slot.clone_from(&moved.slot);
    doc.error = moved.error;
    doc.state = moved.state;
    let help = match moved.exit {
        Exit::Unsafe => Some(
            "look at the state above, fix it by hand, then run `rollback` or deploy again"
                .to_owned(),
        ),
        _ => None,
    };
    finish(doc, moved.status.as_str(), moved.exit, help)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A router whose first change panics (a bug), and which records every change.
    struct PanicsOnce {
        applied: std::sync::Mutex<Vec<String>>,
        calls: AtomicUsize,
    }

    impl Router for PanicsOnce {
        fn describe(&self) -> String {
            "a router with a bug".into()
        }

        fn current(&self, _run: &Run) -> crate::run::Result<Option<Routing>> {
            Ok(None)
        }

        fn apply(&self, _run: &Run, routing: &Routing) -> crate::run::Result<()> {
            assert!(
                self.calls.fetch_add(1, Ordering::SeqCst) > 0,
                "a bug in the router"
            );
            self.applied
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(routing.describe());
            Ok(())
        }
    }

    #[test]
    fn a_panic_mid_deploy_routes_back_marks_the_ledger_and_frees_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let text = format!(
            "[deploy.environments.staging]\nrouter = \"none\"\nstart = \"true\"\nstop = \"true\"\nstate_dir = \"{}\"\n",
            dir.path().join("state").display()
        );
        let file = slipway_config::ConfigFile::from_text(None, text).unwrap();
        let env = crate::DeploySection::load(&file)
            .unwrap()
            .environment("staging", "slipway.toml")
            .unwrap();
        let mut parts = Parts::new(&env).unwrap();
        let router = std::sync::Arc::new(PanicsOnce {
            applied: std::sync::Mutex::new(Vec::new()),
            calls: AtomicUsize::new(0),
        });
        struct Shared(std::sync::Arc<PanicsOnce>);
        impl Router for Shared {
            fn describe(&self) -> String {
                self.0.describe()
            }
            fn current(&self, run: &Run) -> crate::run::Result<Option<Routing>> {
                self.0.current(run)
            }
            fn apply(&self, run: &Run, routing: &Routing) -> crate::run::Result<()> {
                self.0.apply(run, routing)
            }
        }
        parts.router = Box::new(Shared(std::sync::Arc::clone(&router)));
        let run = Run::new(
            slipway_kit::Ui::detect().quiet(true),
            crate::cancel::Cancel::new(),
            false,
        );
        let before = Routing::new(vec![parts.platform.backend("local", "blue", "v1")]);
        let active = Active {
            version: "v1".into(),
            slot: "blue".into(),
        };
        let holder = Holder::this_process("run-1", "deploy", Some("v2"), None);
        parts
            .lock
            .acquire(&run, &holder, Duration::ZERO, Breaking::default())
            .unwrap();
        let moved = {
            let _guard = parts.lock.guard(&run, "run-1");
            let mut ledger = Ledger::empty("staging");
            move_to(
                &run,
                &parts,
                &mut ledger,
                "run-1",
                "deploy",
                "v2",
                StrategyKind::BlueGreen,
                Checks {
                    health: false,
                    after_switch: false,
                },
                None,
                Some(before.clone()),
                Some(&active),
            )
        };
        assert_eq!(moved.status, Status::RolledBack, "{:?}", moved.error);
        assert_eq!(moved.exit, Exit::No);
        let error = moved.error.unwrap_or_default();
        assert!(error.contains("a panic: a bug in the router"), "{error}");
        assert_eq!(
            *router.applied.lock().unwrap(),
            [before.describe()],
            "routed back to v1"
        );
        let ledger = parts.ledger.load(&run).unwrap();
        assert_eq!(ledger.history[0].status, Status::RolledBack);
        assert!(parts.lock.holder(&run).unwrap().is_none(), "lock released");
    }
}
