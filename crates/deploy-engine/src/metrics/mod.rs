//! `deploy metrics`: DORA's four keys, plus success and rollback rates, computed from what
//! `deploy` and `rollback` record (the ledger and `history.jsonl`, and GitHub Deployments for
//! what is older). Definitions and their anchors are in docs/metrics.md; in short:
//!
//! - **deployments**: deploy runs that ended `succeeded` in the window;
//! - **failed deployments**: of those, the ones later rolled away from by `rollback`, plus
//!   deploy runs in the window that moved traffic and rolled back (see [`timeline`]);
//! - **change failure rate** = failed / (deployments + runs that moved traffic and failed);
//! - **time to restore**: median and p90 over the window's failures that were restored;
//! - **lead time**: median and p90 over the commits the window's deployments brought
//!   ([`lead_time`]);
//! - **deployment frequency**: deployments per day and deployment days (UTC) per week;
//! - **success rate**: deployments / deploy runs; **rollback rate**: deploy runs that ended
//!   with the previous version serving (rolled back themselves, or later by `rollback`) /
//!   deploy runs.
//!
//! A failure belongs to the window its deploy run ended in; whether and when it was restored
//! is read from the whole history, after `--until` too. A figure with nothing to measure is
//! `None` (`null`), never 0 % and never a division by zero.

pub mod github;
pub mod lead_time;
pub mod levels;
pub mod stats;
pub mod timeline;
pub mod window;

use std::collections::BTreeSet;

use serde::Serialize;

use crate::ledger::{Entry, Status};

pub use levels::{Level, Levels};
pub use stats::Spread;
pub use timeline::Timeline;
pub use window::Window;

/// The metrics document's schema id.
pub const SCHEMA: &str = "slipway.metrics/v1";

/// `{"since", "until"}` in RFC 3339.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WindowDoc {
    /// Start, inclusive.
    pub since: String,
    /// End, exclusive.
    pub until: String,
}

impl From<Window> for WindowDoc {
    fn from(w: Window) -> Self {
        Self {
            since: window::rfc3339(w.since),
            until: window::rfc3339(w.until),
        }
    }
}

/// The figures of one environment over one window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figures {
    /// Deploy runs that succeeded.
    pub deployments: usize,
    /// Failed deployments (see the module docs).
    pub failed_deployments: usize,
    /// failed / (deployments + runs that moved traffic and failed), 0..=1.
    pub change_failure_rate: Option<f64>,
    /// Of the window's restored failures.
    pub time_to_restore_seconds: Spread,
    /// Of the commits the window's deployments brought.
    pub lead_time_seconds: Spread,
    /// Deployments per day.
    pub deployment_frequency_per_day: f64,
    /// Days (UTC) with a deployment, per week.
    pub deployment_days_per_week: f64,
    /// Deployments / deploy runs, 0..=1.
    pub success_rate: Option<f64>,
    /// Deploy runs that ended with the previous version serving / deploy runs, 0..=1.
    pub rollback_rate: Option<f64>,
    /// DORA's level of each key.
    pub levels: Levels,
    /// Every finished deploy run (the denominator of the two rates).
    pub deploy_runs: usize,
}

/// One week (Monday 00:00 UTC) of the window, for charts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Week {
    /// Its Monday, `YYYY-MM-DD`.
    pub week: String,
    /// Deployments that ended in it.
    pub deployments: usize,
    /// Failed deployments among the week's deploy runs.
    pub failed_deployments: usize,
    /// Median lead time of its deployments' commits.
    pub lead_time_median_seconds: Option<f64>,
    /// Median time to restore of its failures.
    pub time_to_restore_median_seconds: Option<f64>,
}

/// One environment in the document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EnvironmentMetrics {
    /// Its name.
    pub environment: String,
    /// Figures over the window.
    #[serde(flatten)]
    pub figures: Figures,
    /// The same figures over the window of equal length before (for trends).
    pub previous: Figures,
    /// Week by week, oldest first.
    pub weeks: Vec<Week>,
}

/// The `slipway.metrics/v1` document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Document {
    /// [`SCHEMA`].
    pub schema: &'static str,
    /// The window.
    pub window: WindowDoc,
    /// Per environment, in the order asked.
    pub environments: Vec<EnvironmentMetrics>,
}

/// The history of one environment, ready to measure.
#[derive(Debug, Clone)]
pub struct History {
    /// Runs and failures.
    pub timeline: Timeline,
    /// Lead times per run (see [`lead_time::Graph::lead_times`]); empty without a repository.
    pub lead_times: Vec<Vec<i64>>,
}

impl History {
    /// From entries (any order), with no lead times.
    pub fn new(entries: &[Entry]) -> Self {
        let timeline = Timeline::build(entries);
        Self {
            lead_times: vec![Vec::new(); timeline.runs.len()],
            timeline,
        }
    }

    /// With lead times from `graph`.
    #[must_use]
    pub fn with_graph(mut self, graph: &lead_time::Graph) -> Self {
        self.lead_times = graph.lead_times(&self.timeline);
        self
    }

    /// The commits deployed, for [`lead_time::Source::load`].
    pub fn commits(&self) -> Vec<String> {
        self.timeline
            .runs
            .iter()
            .filter(|r| r.is_deployment())
            .filter_map(|r| r.commit.clone())
            .collect()
    }

    /// The figures over `w`.
    pub fn figures(&self, w: Window) -> Figures {
        let t = &self.timeline;
        let in_window: Vec<usize> = (0..t.runs.len())
            .filter(|&i| t.runs[i].kind == timeline::Kind::Deploy && w.contains(t.runs[i].finished))
            .collect();
        let deploy_runs = in_window.len();
        let deployments: Vec<usize> = in_window
            .iter()
            .copied()
            .filter(|&i| t.runs[i].is_deployment())
            .collect();
        let failures: Vec<&timeline::Failure> =
            in_window.iter().filter_map(|&i| t.failure_of(i)).collect();
        let in_run = failures.iter().filter(|f| f.in_run).count();
        let restores: Vec<i64> = failures
            .iter()
            .filter_map(|f| f.time_to_restore())
            .collect();
        let leads: Vec<i64> = deployments
            .iter()
            .flat_map(|&i| self.lead_times.get(i).cloned().unwrap_or_default())
            .collect();
        let rolled_back = in_window
            .iter()
            .filter(|&&i| {
                t.runs[i].status == Status::RolledBack || t.failure_of(i).is_some_and(|f| !f.in_run)
            })
            .count();
        let days: BTreeSet<i64> = deployments
            .iter()
            .map(|&i| t.runs[i].finished.div_euclid(window::DAY))
            .collect();
        #[allow(clippy::cast_precision_loss)]
        let per_day = deployments.len() as f64 / w.days();
        #[allow(clippy::cast_precision_loss)]
        let days_per_week = days.len() as f64 / w.days() * 7.0;
        let change_failure_rate = stats::ratio(failures.len(), deployments.len() + in_run);
        let time_to_restore_seconds = Spread::of(&restores);
        let lead_time_seconds = Spread::of(&leads);
        Figures {
            deployments: deployments.len(),
            failed_deployments: failures.len(),
            change_failure_rate,
            time_to_restore_seconds,
            lead_time_seconds,
            deployment_frequency_per_day: per_day,
            deployment_days_per_week: days_per_week,
            success_rate: stats::ratio(deployments.len(), deploy_runs),
            rollback_rate: stats::ratio(rolled_back, deploy_runs),
            levels: Levels {
                deployment_frequency: Some(levels::deployment_frequency(per_day, days_per_week)),
                lead_time: lead_time_seconds.median.map(levels::lead_time),
                change_failure_rate: change_failure_rate.map(levels::change_failure_rate),
                time_to_restore: time_to_restore_seconds.median.map(levels::time_to_restore),
            },
            deploy_runs,
        }
    }

    /// Week by week over `w`, from the Monday of its first week.
    pub fn weeks(&self, w: Window) -> Vec<Week> {
        // 1970-01-01 was a Thursday: Mondays are 4 days later modulo 7.
        let week = 7 * window::DAY;
        let monday = |t: i64| (t - 4 * window::DAY).div_euclid(week) * week + 4 * window::DAY;
        let mut out = Vec::new();
        let mut start = monday(w.since);
        while start < w.until {
            let span = Window {
                since: start.max(w.since),
                until: (start + week).min(w.until),
            };
            let f = self.figures(span);
            out.push(Week {
                week: window::date(start),
                deployments: f.deployments,
                failed_deployments: f.failed_deployments,
                lead_time_median_seconds: f.lead_time_seconds.median,
                time_to_restore_median_seconds: f.time_to_restore_seconds.median,
            });
            start += week;
        }
        out
    }

    /// The environment's part of the document.
    pub fn report(&self, environment: &str, w: Window) -> EnvironmentMetrics {
        EnvironmentMetrics {
            environment: environment.to_owned(),
            figures: self.figures(w),
            previous: self.figures(w.previous()),
            weeks: self.weeks(w),
        }
    }
}

#[cfg(test)]
mod tests;
