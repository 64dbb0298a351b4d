//! Analysis during canary steps and the validation window: is the new version healthy
//! enough to take more traffic? Two providers, one verdict:
//!
//! - [`probe`]: synthetic requests straight to the canary slot (never through the router,
//!   which retries failures on the other upstream and hides them), measuring error rate
//!   and p95 latency over the step, with a minimum sample count;
//! - [`prometheus`]: PromQL instant queries for the error rate, p95 and sample count,
//!   templated with `{slot}`, `{version}`, `{environment}` and `{window}`.
//!
//! No data (an empty result, NaN, fewer samples than `min_samples`) never passes a step:
//! with `no_data = "fail"` it fails it, with `"hold"` the step is extended until data
//! arrives or `hold_timeout` runs out, then it fails (Kayenta's lesson).
//!
//! ```toml
//! [deploy.environments.production.analysis]
//! provider = "prometheus"        # or "probe" (default)
//! max_error_rate = 0.01          # roll back above 1 %
//! max_p95 = "500ms"              # roll back above 500 ms
//! min_samples = 50
//! no_data = "hold"               # or "fail" (default)
//! [deploy.environments.production.analysis.prometheus]
//! url = "http://prometheus:9090"
//! ```

pub mod probe;
pub mod prometheus;

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use slipway_config::Duration as ConfigDuration;
use slipway_kit::Failure;

use crate::router::Backend;
use crate::run::{Error, Result, Run};

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
        self.probe.check(&format!("{key}.probe"))?;
        if self.provider == Provider::Prometheus {
            self.prometheus.check(&format!("{key}.prometheus"))?;
        }
        Ok(())
    }
}

/// One measurement of the canary.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Measurement {
    /// Error rate, 0.0 to 1.0, if measured.
    pub error_rate: Option<f64>,
    /// p95 latency in milliseconds, if measured.
    pub p95_ms: Option<f64>,
    /// Requests the measurement covers, if known.
    pub samples: Option<u64>,
}

/// What a measurement means for the step.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "verdict", content = "reason", rename_all = "kebab-case")]
pub enum Verdict {
    /// Within the thresholds, with enough data.
    Pass,
    /// Over a threshold.
    Fail(String),
    /// Not enough data to judge.
    NoData(String),
}

impl Measurement {
    /// Judges against the thresholds.
    pub fn verdict(&self, config: &AnalysisConfig) -> Verdict {
        let Some(samples) = self.samples else {
            return Verdict::NoData("no sample count".into());
        };
        if samples < config.min_samples {
            return Verdict::NoData(format!(
                "{samples} samples, fewer than min_samples {}",
                config.min_samples
            ));
        }
        let Some(rate) = self.error_rate.filter(|r| r.is_finite()) else {
            return Verdict::NoData("no error rate".into());
        };
        let Some(p95) = self.p95_ms.filter(|p| p.is_finite()) else {
            return Verdict::NoData("no p95 latency".into());
        };
        if rate > config.max_error_rate {
            return Verdict::Fail(format!(
                "error rate {:.2}% over {samples} requests is above {:.2}%",
                rate * 100.0,
                config.max_error_rate * 100.0
            ));
        }
        let max_ms = config.max_p95.as_std().as_secs_f64() * 1000.0;
        if p95 > max_ms {
            return Verdict::Fail(format!(
                "p95 latency {p95:.0} ms over {samples} requests is above {max_ms:.0} ms"
            ));
        }
        Verdict::Pass
    }

    /// `error rate 0.00%, p95 12 ms, 240 samples`.
    pub fn describe(&self) -> String {
        let rate = self
            .error_rate
            .filter(|r| r.is_finite())
            .map_or_else(|| "no data".to_owned(), |r| format!("{:.2}%", r * 100.0));
        let p95 = self
            .p95_ms
            .filter(|p| p.is_finite())
            .map_or_else(|| "no data".to_owned(), |p| format!("{p:.0} ms"));
        let samples = self
            .samples
            .map_or_else(|| "unknown".to_owned(), |s| s.to_string());
        format!("error rate {rate}, p95 {p95}, {samples} samples")
    }
}

/// What the canary is, for a provider.
#[derive(Debug, Clone)]
pub struct Subject<'a> {
    /// The environment's name.
    pub environment: &'a str,
    /// The new version.
    pub version: &'a str,
    /// The canary backends (one per host).
    pub backends: &'a [Backend],
}

/// Something that stops an analysis early: a signal or `deploy abort`.
pub type Interrupt<'a> = &'a dyn Fn() -> Result<()>;

/// A way to measure the canary over a window.
pub trait Provide {
    /// Measures `subject` over `window` (from now), calling `interrupt` often.
    fn measure(
        &self,
        run: &Run,
        subject: &Subject<'_>,
        window: Duration,
        interrupt: Interrupt<'_>,
    ) -> Result<Measurement>;
}

/// The result of analysing one step, for the report.
#[derive(Debug, Clone, Serialize)]
pub struct StepResult {
    /// The provider.
    pub provider: Provider,
    /// The last measurement.
    pub measurement: Measurement,
    /// The verdict.
    pub verdict: Verdict,
    /// How long the analysis took, ms.
    pub duration_ms: u64,
}

impl StepResult {
    /// One line for the report.
    pub fn describe(&self) -> String {
        let verdict = match &self.verdict {
            Verdict::Pass => "pass".to_owned(),
            Verdict::Fail(why) => format!("fail: {why}"),
            Verdict::NoData(why) => format!("no data: {why}"),
        };
        format!(
            "{:?} analysis: {} → {verdict}",
            self.provider,
            self.measurement.describe()
        )
        .to_lowercase()
    }
}

/// Runs the configured analysis over `window`: passes, or fails the step with the reason.
/// No data holds the step (up to `hold_timeout`) or fails it, per config.
pub fn analyse(
    run: &Run,
    config: &AnalysisConfig,
    subject: &Subject<'_>,
    window: Duration,
    interrupt: Interrupt<'_>,
) -> Result<StepResult> {
    let started = Instant::now();
    let provider: Box<dyn Provide> = match config.provider {
        Provider::None => {
            if !run.dry_run && !window.is_zero() {
                wait(run, window, interrupt)?;
            }
            return Ok(StepResult {
                provider: Provider::None,
                measurement: Measurement::default(),
                verdict: Verdict::Pass,
                duration_ms: started.elapsed().as_millis() as u64,
            });
        }
        Provider::Probe => Box::new(probe::Probe::new(config)),
        Provider::Prometheus => Box::new(prometheus::Prometheus::new(config)),
    };
    if run.dry_run {
        run.ui.detail(&format!(
            "would analyse {} for {window:?} with {:?}: error rate ≤ {:.2}%, p95 ≤ {:?}, at least {} samples",
            subject.version,
            config.provider,
            config.max_error_rate * 100.0,
            config.max_p95.as_std(),
            config.min_samples
        ));
        return Ok(StepResult {
            provider: config.provider,
            measurement: Measurement::default(),
            verdict: Verdict::Pass,
            duration_ms: 0,
        });
    }
    let hold_until = started
        + window
        + config
            .hold_timeout
            .map_or(window.saturating_mul(3), ConfigDuration::as_std);
    let mut measurement = provider.measure(run, subject, window, interrupt)?;
    loop {
        let verdict = measurement.verdict(config);
        let result = StepResult {
            provider: config.provider,
            measurement: measurement.clone(),
            verdict: verdict.clone(),
            duration_ms: started.elapsed().as_millis() as u64,
        };
        match verdict {
            Verdict::Pass => {
                run.capture(&result.describe());
                return Ok(result);
            }
            Verdict::Fail(why) => {
                run.capture(&result.describe());
                return Err(Error::failed(format!(
                    "canary {} failed analysis: {why}",
                    subject.version
                )));
            }
            Verdict::NoData(why) => {
                if config.no_data == NoData::Fail || Instant::now() >= hold_until {
                    run.capture(&result.describe());
                    return Err(Error::failed(format!(
                        "canary {} has no analysis data ({why}); a step never passes without data",
                        subject.version
                    )));
                }
                run.ui
                    .detail(&format!("no data yet ({why}): holding the step"));
                // Measure again over a short window; the whole hold is bounded by hold_until.
                let again = window
                    .min(hold_until.saturating_duration_since(Instant::now()))
                    .max(Duration::from_millis(100));
                measurement = provider.measure(run, subject, again, interrupt)?;
            }
        }
    }
}

/// Sleeps `window` in small slices, stopping on a signal or an interrupt.
pub fn wait(run: &Run, window: Duration, interrupt: Interrupt<'_>) -> Result<()> {
    let end = Instant::now() + window;
    loop {
        interrupt()?;
        let left = end.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(());
        }
        if !run.cancel.sleep(left.min(Duration::from_millis(100))) && run.interrupted() {
            return Err(Error::Cancelled);
        }
    }
}

/// A Markdown table of the canary's analysis steps (`analysis at N%`) with their
/// measurements and verdicts, for the step summary; empty when there were none.
pub fn summary_table(steps: &[crate::run::StepRecord]) -> String {
    let rows: Vec<String> = steps
        .iter()
        .filter(|s| s.name.starts_with("analysis at ") || s.name.starts_with("paused at "))
        .map(|s| {
            let result = s
                .output
                .as_deref()
                .or(s.detail.as_deref())
                .unwrap_or(s.status);
            format!(
                "| {} | {} |",
                s.name.replace('|', "\\|"),
                result.replace('|', "\\|").replace('\n', " ")
            )
        })
        .collect();
    if rows.is_empty() {
        return String::new();
    }
    format!(
        "\n#### Canary analysis\n\n| step | result |\n| --- | --- |\n{}\n",
        rows.join("\n")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_lists_each_analysed_step_with_its_numbers() {
        let step = |name: &str, output: &str| crate::run::StepRecord {
            name: name.into(),
            status: "ok",
            duration_ms: 1,
            detail: None,
            output: Some(output.into()),
        };
        let md = summary_table(&[
            step("canary 10% to v2", ""),
            step(
                "analysis at 10%",
                "probe analysis: error rate 0.00%, p95 3 ms, 90 samples → pass",
            ),
        ]);
        assert!(
            md.contains("| analysis at 10% | probe analysis: error rate 0.00%"),
            "{md}"
        );
        assert!(!md.contains("canary 10%"), "{md}");
        assert_eq!(summary_table(&[]), "");
    }

    fn m(rate: f64, p95: f64, samples: u64) -> Measurement {
        Measurement {
            error_rate: Some(rate),
            p95_ms: Some(p95),
            samples: Some(samples),
        }
    }

    #[test]
    fn seed_thresholds_fail_above_one_percent_or_500_ms() {
        let c = AnalysisConfig::default();
        assert_eq!(m(0.0, 20.0, 100).verdict(&c), Verdict::Pass);
        assert_eq!(m(0.01, 499.0, 100).verdict(&c), Verdict::Pass);
        assert!(matches!(m(0.05, 20.0, 100).verdict(&c), Verdict::Fail(_)));
        assert!(matches!(m(0.0, 501.0, 100).verdict(&c), Verdict::Fail(_)));
    }

    #[test]
    fn no_data_never_passes() {
        let c = AnalysisConfig::default();
        assert!(matches!(m(0.0, 20.0, 5).verdict(&c), Verdict::NoData(_)));
        assert!(matches!(
            m(f64::NAN, 20.0, 100).verdict(&c),
            Verdict::NoData(_)
        ));
        assert!(matches!(
            Measurement::default().verdict(&c),
            Verdict::NoData(_)
        ));
    }
}
