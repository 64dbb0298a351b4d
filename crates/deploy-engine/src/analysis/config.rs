//! `[deploy.environments.NAME.analysis]`: the provider, the thresholds, how often a
//! window is measured and how many failed or inconclusive measurements it tolerates.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use slipway_config::Duration as ConfigDuration;
use slipway_kit::Failure;

use super::{probe, prometheus};

/// Which provider measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Provider {
    /// Synthetic requests to the canary slot.
    #[default]
    Probe,
    /// PromQL queries.
    Prometheus,
    /// No analysis: steps pass on time alone (health checks still ran before routing).
    None,
}

/// What no data does to a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NoData {
    /// The step fails: roll back (default).
    #[default]
    Fail,
    /// The step is extended until data arrives, up to `hold_timeout`, then fails.
    Hold,
}

/// `[deploy.environments.NAME.analysis]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AnalysisConfig {
    /// `probe` (default), `prometheus` or `none`.
    pub provider: Provider,
    /// Highest error rate that passes, 0.0 to 1.0 (default 0.01: above 1 % rolls back).
    pub max_error_rate: f64,
    /// Highest p95 latency that passes (default 500ms).
    pub max_p95: ConfigDuration,
    /// Fewest requests a measurement needs; fewer is no data (default 20).
    pub min_samples: u64,
    /// `fail` (default) or `hold`.
    pub no_data: NoData,
    /// How long `hold` extends a step before failing (default: three step durations).
    pub hold_timeout: Option<ConfigDuration>,
    /// One measurement every `interval` through a window (default 10s; a shorter window
    /// is one measurement).
    pub interval: ConfigDuration,
    /// Failed measurements a window tolerates; one more fails it at once (default 0).
    pub failure_limit: u32,
    /// Inconclusive measurements (no data, a failed query) a window tolerates; one more
    /// fails it (default 2).
    pub inconclusive_limit: u32,
    /// Probe settings.
    pub probe: probe::ProbeConfig,
    /// Prometheus settings.
    pub prometheus: prometheus::PrometheusConfig,
}

impl Default for AnalysisConfig {
    fn default() -> Self {
        Self {
            provider: Provider::Probe,
            max_error_rate: 0.01,
            max_p95: ConfigDuration::from_millis(500),
            min_samples: 20,
            no_data: NoData::Fail,
            hold_timeout: None,
            interval: ConfigDuration::from_secs(10),
            failure_limit: 0,
            inconclusive_limit: 2,
            probe: probe::ProbeConfig::default(),
            prometheus: prometheus::PrometheusConfig::default(),
        }
    }
}

impl AnalysisConfig {
    /// Checks the section; `key` prefixes errors (`slipway.toml: deploy.environments.prod.analysis`).
    pub fn check(&self, key: &str) -> std::result::Result<(), Failure> {
        if !(0.0..=1.0).contains(&self.max_error_rate) {
            return Err(Failure::bad_input(format!(
                "{key}.max_error_rate: {} must be between 0.0 and 1.0 (0.01 is 1 %)",
                self.max_error_rate
            )));
        }
        if self.min_samples == 0 {
            return Err(Failure::bad_input(format!(
                "{key}.min_samples: must be at least 1"
            )));
        }
        if self.interval.as_std() < Duration::from_millis(100) {
            return Err(Failure::bad_input(format!(
                "{key}.interval: {:?} is too short: at least 100ms",
                self.interval.as_std()
            )));
        }
        self.probe.check(&format!("{key}.probe"))?;
        if self.provider == Provider::Prometheus {
            self.prometheus.check(&format!("{key}.prometheus"))?;
        }
        Ok(())
    }
}
