//! One measurement and what it means (pass, fail, no data, inconclusive), what is
//! measured (the [`Subject`]), the [`Provide`] interface every provider implements, and
//! the result of a window for the report.

use std::time::Duration;

use serde::Serialize;

use super::{AnalysisConfig, Provider};
use crate::router::Backend;
use crate::run::{Result, Run};

/// One measurement of the canary.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Measurement {
    /// Error rate, 0.0 to 1.0, if measured.
    pub error_rate: Option<f64>,
    /// p95 latency in milliseconds, if measured.
    pub p95_ms: Option<f64>,
    /// Requests the measurement covers, if known.
    pub samples: Option<u64>,
    /// Why the measurement could not be taken (a query failed): inconclusive.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Why requests failed, the most frequent reason with its count (probe): a TLS
    /// problem named in words, a refused connection, a 5xx answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause: Option<String>,
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
    /// The measurement could not be taken (a query failed).
    Inconclusive(String),
}

impl Measurement {
    /// Judges against the thresholds.
    pub fn verdict(&self, config: &AnalysisConfig) -> Verdict {
        if let Some(error) = &self.error {
            return Verdict::Inconclusive(error.clone());
        }
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
            let cause = self
                .cause
                .as_ref()
                .map(|c| format!("; most failures: {c}"))
                .unwrap_or_default();
            return Verdict::Fail(format!(
                "error rate {:.2}% over {samples} requests is above {:.2}%{cause}",
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
        if let Some(error) = &self.error {
            return format!("no measurement ({error})");
        }
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
    /// Measurements taken, failed and inconclusive over the window.
    pub tally: Tally,
}

/// How the measurements of a window went.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// Measurements taken.
    pub taken: u32,
    /// Measurements that passed.
    pub passed: u32,
    /// Measurements over a threshold.
    pub failed: u32,
    /// Measurements without data or whose query failed.
    pub inconclusive: u32,
}

impl Tally {
    /// `3 measurements: 2 pass, 0 fail, 1 inconclusive`.
    pub fn describe(&self) -> String {
        let s = if self.taken == 1 { "" } else { "s" };
        format!(
            "{} measurement{s}: {} pass, {} fail, {} inconclusive",
            self.taken, self.passed, self.failed, self.inconclusive
        )
    }
}

impl StepResult {
    /// One line for the report: the deciding measurement, its verdict, and the tally.
    pub fn describe(&self) -> String {
        let verdict = verdict_text(&self.verdict);
        format!(
            "{} analysis: {} → {verdict} ({})",
            provider_name(self.provider),
            self.measurement.describe(),
            self.tally.describe()
        )
    }
}

pub(super) fn provider_name(provider: Provider) -> &'static str {
    match provider {
        Provider::Probe => "probe",
        Provider::Prometheus => "prometheus",
        Provider::None => "none",
    }
}

pub(super) fn verdict_text(verdict: &Verdict) -> String {
    match verdict {
        Verdict::Pass => "pass".to_owned(),
        Verdict::Fail(why) => format!("fail: {why}"),
        Verdict::NoData(why) => format!("no data: {why}"),
        Verdict::Inconclusive(why) => format!("inconclusive: {why}"),
    }
}
