//! The environment's runs in the order they ended, with every failure found and matched
//! to the run that restored service:
//!
//! - a deploy run that moved traffic and ended `rolled-back` (a failed analysis, smoke test
//!   or validation window after the switch, a canary abort) failed and restored itself:
//!   the failure runs from `switched_at` to its end;
//! - a deploy run that moved traffic and ended `failed` (putting traffic back failed too)
//!   stays open until the next run that succeeds (a rollback, or a deploy fixing forward);
//! - a deployment (a deploy run that `succeeded`) still serving when a `rollback` succeeds
//!   failed: from its end to the rollback's end. A rollback first closes open failures; a
//!   version put back by a rollback is not a deployment, so rolling away from it again marks
//!   nothing new.
//!
//! Runs still in progress, and entries whose times do not parse, are left out.

use crate::ledger::{Entry, Status};

use super::window::parse_rfc3339;

/// A run of `deploy` or of `rollback`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `deploy`.
    Deploy,
    /// `rollback` (fast path, redeploy or emergency).
    Rollback,
}

/// One finished run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    /// Deploy or rollback.
    pub kind: Kind,
    /// How it ended.
    pub status: Status,
    /// The version it put in place.
    pub version: String,
    /// The commit it deployed.
    pub commit: Option<String>,
    /// When it started (Unix seconds).
    pub started: i64,
    /// When it ended.
    pub finished: i64,
    /// When traffic first reached its version.
    pub switched: Option<i64>,
}

impl Run {
    /// A deployment: a deploy run that succeeded.
    pub fn is_deployment(&self) -> bool {
        self.kind == Kind::Deploy && self.status == Status::Succeeded
    }
}

/// A failure and its restoration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Failure {
    /// Index in [`Timeline::runs`] of the deploy run that failed.
    pub run: usize,
    /// When the failure started: the end of a deployment later rolled away from, or the
    /// switch of a run that rolled back itself.
    pub start: i64,
    /// When service was restored, if it was.
    pub restored: Option<i64>,
    /// The deploy run itself moved traffic and did not succeed (it is not a deployment).
    pub in_run: bool,
}

impl Failure {
    /// Seconds from the failure to its restoration.
    pub fn time_to_restore(&self) -> Option<i64> {
        self.restored.map(|r| (r - self.start).max(0))
    }
}

/// Runs in the order they ended, and the failures among them.
#[derive(Debug, Clone, Default)]
pub struct Timeline {
    /// Finished runs, by end time.
    pub runs: Vec<Run>,
    /// Failures, in the order they were found.
    pub failures: Vec<Failure>,
}

impl Timeline {
    /// Builds the timeline from ledger entries (any order).
    pub fn build(entries: &[Entry]) -> Self {
        let mut runs: Vec<Run> = entries.iter().filter_map(run).collect();
        runs.sort_by_key(|r| (r.finished, r.started));
        let mut failures: Vec<Failure> = Vec::new();
        let mut serving: Option<usize> = None;
        let mut open: Vec<usize> = Vec::new();
        for (i, r) in runs.iter().enumerate() {
            match (r.kind, r.status) {
                (Kind::Deploy, Status::Succeeded) => {
                    close(&mut failures, &mut open, r.finished);
                    serving = Some(i);
                }
                (Kind::Deploy, Status::RolledBack) => {
                    if let Some(switched) = r.switched {
                        failures.push(Failure {
                            run: i,
                            start: switched.min(r.finished),
                            restored: Some(r.finished),
                            in_run: true,
                        });
                    }
                }
                (Kind::Deploy, Status::Failed) => {
                    if let Some(switched) = r.switched {
                        open.push(failures.len());
                        failures.push(Failure {
                            run: i,
                            start: switched.min(r.finished),
                            restored: None,
                            in_run: true,
                        });
                    }
                }
                (Kind::Rollback, Status::Succeeded) => {
                    if open.is_empty() {
                        if let Some(s) = serving.filter(|&s| runs[s].is_deployment()) {
                            if !failures.iter().any(|f| f.run == s) {
                                failures.push(Failure {
                                    run: s,
                                    start: runs[s].finished,
                                    restored: Some(r.finished),
                                    in_run: false,
                                });
                            }
                        }
                    } else {
                        close(&mut failures, &mut open, r.finished);
                    }
                    serving = Some(i);
                }
                _ => {}
            }
        }
        Self { runs, failures }
    }

    /// The failure of run `i`, if it failed.
    pub fn failure_of(&self, i: usize) -> Option<&Failure> {
        self.failures.iter().find(|f| f.run == i)
    }
}

fn close(failures: &mut [Failure], open: &mut Vec<usize>, at: i64) {
    for f in open.drain(..) {
        failures[f].restored = Some(at);
    }
}

fn run(e: &Entry) -> Option<Run> {
    if e.status == Status::InProgress {
        return None;
    }
    let kind = if e.kind == "deploy" {
        Kind::Deploy
    } else {
        Kind::Rollback
    };
    let started = parse_rfc3339(&e.started_at)?;
    let finished = e.finished_at.as_deref().and_then(parse_rfc3339)?;
    Some(Run {
        kind,
        status: e.status,
        version: e.version.clone(),
        commit: e.commit.clone().filter(|c| !c.is_empty()),
        started,
        finished,
        switched: e.switched_at.as_deref().and_then(parse_rfc3339),
    })
}
