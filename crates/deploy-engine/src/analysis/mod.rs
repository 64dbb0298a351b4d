//! Analysis during canary steps, after each rolling batch and through the validation
//! window of every strategy: is the new version healthy enough to keep its traffic? Two
//! providers, one verdict:
//!
//! - [`probe`]: synthetic requests straight to the canary slot (never through the router,
//!   which retries failures on the other upstream and hides them), measuring error rate
//!   and p95 latency over the step, with a minimum sample count;
//! - [`prometheus`]: PromQL instant queries for the error rate, p95 and sample count,
//!   templated with `{slot}`, `{version}`, `{environment}` and `{window}`.
//!
//! As in Argo Rollouts' analysis runs, a window is measured every `interval`, and each
//! measurement passes, fails or is inconclusive (no data, or the query itself failed). More
//! than `failure_limit` failed measurements fail the window at once; more than
//! `inconclusive_limit` inconclusive ones fail it too, so one Prometheus hiccup does not
//! roll back a deploy but a Prometheus that is down does.
//!
//! No data never passes a window: a window without a passing measurement fails with
//! `no_data = "fail"`; with `"hold"` it is extended until a measurement passes or
//! `hold_timeout` runs out, then it fails (Kayenta's lesson).
//!
//! ```toml
//! [deploy.environments.production.analysis]
//! provider = "prometheus"        # or "probe" (default)
//! max_error_rate = 0.01          # roll back above 1 %
//! max_p95 = "500ms"              # roll back above 500 ms
//! min_samples = 50
//! interval = "10s"               # one measurement every 10 s through each window
//! failure_limit = 0              # the first failed measurement rolls back
//! inconclusive_limit = 2         # the third inconclusive one does
//! no_data = "hold"               # or "fail" (default)
//! [deploy.environments.production.analysis.prometheus]
//! url = "http://prometheus:9090"
//! ```

mod config;
mod measurement;
pub mod probe;
pub mod prometheus;
mod summary;
mod window;

pub use config::{AnalysisConfig, NoData, Provider};
pub use measurement::{Interrupt, Measurement, Provide, StepResult, Subject, Tally, Verdict};
pub use summary::summary_table;
pub use window::{analyse, analyse_with, measurements_in, wait};

#[cfg(test)]
mod tests;
