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

fn provider_name(provider: Provider) -> &'static str {
    match provider {
        Provider::Probe => "probe",
        Provider::Prometheus => "prometheus",
        Provider::None => "none",
    }
}

fn verdict_text(verdict: &Verdict) -> String {
    match verdict {
        Verdict::Pass => "pass".to_owned(),
        Verdict::Fail(why) => format!("fail: {why}"),
        Verdict::NoData(why) => format!("no data: {why}"),
        Verdict::Inconclusive(why) => format!("inconclusive: {why}"),
    }
}

/// How a window of `window` is cut into measurements about `interval` long: as many as
/// fit (at least one), all the same length.
pub fn measurements_in(window: Duration, interval: Duration) -> (u32, Duration) {
    if interval.is_zero() || window <= interval {
        return (1, window);
    }
    let n = (window.as_secs_f64() / interval.as_secs_f64())
        .round()
        .max(1.0) as u32;
    (n, window / n)
}

/// Runs the configured analysis over `window`, Argo Rollouts style: one measurement every
/// `interval`; more than `failure_limit` failed or `inconclusive_limit` inconclusive
/// measurements fail the window at once; a window none of whose measurements passed has
/// no data, which holds it (up to `hold_timeout`) or fails it, per config. Never passes
/// without a passing measurement.
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
                tally: Tally::default(),
            });
        }
        Provider::Probe => Box::new(probe::Probe::new(config)),
        Provider::Prometheus => Box::new(prometheus::Prometheus::new(config)),
    };
    analyse_with(run, config, provider.as_ref(), subject, window, interrupt)
}

/// [`analyse`] with a given provider.
pub fn analyse_with(
    run: &Run,
    config: &AnalysisConfig,
    provider: &dyn Provide,
    subject: &Subject<'_>,
    window: Duration,
    interrupt: Interrupt<'_>,
) -> Result<StepResult> {
    let started = Instant::now();
    let (count, each) = measurements_in(window, config.interval.as_std());
    if run.dry_run {
        run.ui.detail(&format!(
            "would analyse {} for {window:?} with {} in {count} measurement(s): error rate ≤ {:.2}%, p95 ≤ {:?}, at least {} samples, at most {} failed and {} inconclusive",
            subject.version,
            provider_name(config.provider),
            config.max_error_rate * 100.0,
            config.max_p95.as_std(),
            config.min_samples,
            config.failure_limit,
            config.inconclusive_limit
        ));
        return Ok(StepResult {
            provider: config.provider,
            measurement: Measurement::default(),
            verdict: Verdict::Pass,
            duration_ms: 0,
            tally: Tally::default(),
        });
    }
    let hold_until = started
        + window
        + config
            .hold_timeout
            .map_or(window.saturating_mul(3), ConfigDuration::as_std);
    let recorder = Recorder {
        run,
        config,
        started,
    };
    let mut tally = Tally::default();
    let mut last_failure: Option<(Measurement, String)> = None;
    let mut last_pass: Option<Measurement> = None;
    loop {
        let holding = tally.taken >= count;
        let this = if holding {
            // The window is over without a passing measurement.
            if let Some((measurement, why)) = last_failure.take() {
                return Err(recorder.fail(
                    tally,
                    measurement,
                    Verdict::Fail(why.clone()),
                    format!(
                        "{} failed analysis: {why}; no measurement passed",
                        subject.version
                    ),
                ));
            }
            let left = hold_until.saturating_duration_since(Instant::now());
            if config.no_data == NoData::Fail || left.is_zero() {
                return Err(recorder.fail(
                    tally,
                    Measurement::default(),
                    Verdict::NoData("no measurement passed".into()),
                    format!(
                        "{} has no analysis data ({}); a window never passes without data",
                        subject.version,
                        tally.describe()
                    ),
                ));
            }
            run.ui.detail("no data yet: holding the window");
            each.min(left).max(Duration::from_millis(100))
        } else {
            each
        };
        let measurement = provider.measure(run, subject, this, interrupt)?;
        tally.taken += 1;
        let verdict = measurement.verdict(config);
        run.ui.detail(&format!(
            "measurement {}: {} → {}",
            tally.taken,
            measurement.describe(),
            verdict_text(&verdict)
        ));
        match verdict {
            Verdict::Pass => {
                tally.passed += 1;
                if holding || tally.taken >= count {
                    return Ok(recorder.record(tally, measurement, Verdict::Pass));
                }
                last_pass = Some(measurement);
            }
            Verdict::Fail(why) => {
                tally.failed += 1;
                if tally.failed > config.failure_limit {
                    let message = format!("{} failed analysis: {why}", subject.version);
                    return Err(recorder.fail(tally, measurement, Verdict::Fail(why), message));
                }
                last_failure = Some((measurement, why));
            }
            Verdict::NoData(why) | Verdict::Inconclusive(why) => {
                // Measurements of a hold are bounded by hold_timeout, not the limit.
                if !holding {
                    tally.inconclusive += 1;
                    if tally.inconclusive > config.inconclusive_limit {
                        let message = format!(
                            "{} analysis was inconclusive {} times, more than inconclusive_limit {}: {why}",
                            subject.version, tally.inconclusive, config.inconclusive_limit
                        );
                        return Err(recorder.fail(
                            tally,
                            measurement,
                            Verdict::Inconclusive(why),
                            message,
                        ));
                    }
                }
            }
        }
        if let Some(measurement) = last_pass.take_if(|_| tally.taken >= count) {
            // The window is over and a measurement passed; the last one did not, within
            // the limits.
            return Ok(recorder.record(tally, measurement, Verdict::Pass));
        }
    }
}

/// Where the result of one analysis window is recorded.
struct Recorder<'a> {
    run: &'a Run,
    config: &'a AnalysisConfig,
    started: Instant,
}

impl Recorder<'_> {
    /// Records the window's result on the step (its measurement, verdict and tally) and
    /// returns it.
    fn record(&self, tally: Tally, measurement: Measurement, verdict: Verdict) -> StepResult {
        let result = StepResult {
            provider: self.config.provider,
            measurement,
            verdict,
            duration_ms: self.started.elapsed().as_millis() as u64,
            tally,
        };
        self.run.capture(&result.describe());
        result
    }

    /// Records the failed result on the step and returns the error to fail it with.
    fn fail(
        &self,
        tally: Tally,
        measurement: Measurement,
        verdict: Verdict,
        message: String,
    ) -> Error {
        self.record(tally, measurement, verdict);
        Error::failed(message)
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

/// A Markdown table of the analysed steps (`analysis at N%` of a canary, `analysis of
/// HOSTS` of a rolling batch, a validation window with analysis) with their measurements
/// and verdicts, for the step summary; empty when there were none.
pub fn summary_table(steps: &[crate::run::StepRecord]) -> String {
    let rows: Vec<String> = steps
        .iter()
        .filter(|s| {
            s.name.starts_with("analysis ")
                || s.name.starts_with("paused at ")
                || (s.name.starts_with("validation window") && s.output.is_some())
        })
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
        "\n#### Analysis\n\n| step | result |\n| --- | --- |\n{}\n",
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
            ..Measurement::default()
        }
    }

    /// A provider answering a script of measurements, one per call, and counting calls.
    struct Scripted {
        script: Vec<Measurement>,
        calls: std::sync::atomic::AtomicUsize,
    }

    impl Provide for Scripted {
        fn measure(
            &self,
            _run: &Run,
            _subject: &Subject<'_>,
            _window: Duration,
            _interrupt: Interrupt<'_>,
        ) -> Result<Measurement> {
            let i = self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Ok(self.script[i.min(self.script.len() - 1)].clone())
        }
    }

    fn inconclusive() -> Measurement {
        Measurement {
            error: Some("Prometheus http://127.0.0.1:1: connection refused".into()),
            ..Measurement::default()
        }
    }

    /// Runs the window loop over `script` with 4 measurements per window.
    fn run_script(
        config: &AnalysisConfig,
        script: Vec<Measurement>,
    ) -> (Result<StepResult>, usize) {
        let run = Run::new(
            slipway_kit::Ui::detect().quiet(true),
            crate::cancel::Cancel::new(),
            false,
        );
        let provider = Scripted {
            script,
            calls: std::sync::atomic::AtomicUsize::new(0),
        };
        let subject = Subject {
            environment: "test",
            version: "v2",
            backends: &[],
        };
        let config = AnalysisConfig {
            interval: ConfigDuration::from_millis(100),
            ..config.clone()
        };
        let result = analyse_with(
            &run,
            &config,
            &provider,
            &subject,
            Duration::from_millis(400),
            &|| Ok(()),
        );
        (result, provider.calls.into_inner())
    }

    #[test]
    fn a_failed_query_is_inconclusive_not_a_failure_until_the_limit() {
        let c = AnalysisConfig::default();
        let good = m(0.0, 20.0, 100);
        let (result, calls) =
            run_script(&c, vec![inconclusive(), good.clone(), inconclusive(), good]);
        let result = result.unwrap();
        assert_eq!(calls, 4);
        assert_eq!(result.tally.inconclusive, 2);
        assert_eq!(result.tally.passed, 2);
        let (result, calls) = run_script(&c, vec![inconclusive()]);
        let err = result.unwrap_err().to_string();
        assert_eq!(
            calls, 3,
            "the third inconclusive measurement is one more than the limit 2"
        );
        assert!(err.contains("more than inconclusive_limit 2"), "{err}");
        assert!(err.contains("connection refused"), "{err}");
    }

    #[test]
    fn a_failed_measurement_over_failure_limit_fails_at_once() {
        let c = AnalysisConfig::default();
        let bad = m(0.2, 20.0, 100);
        let (result, calls) = run_script(&c, vec![m(0.0, 20.0, 100), bad]);
        assert_eq!(calls, 2, "no measurement after the failing one");
        let err = result.unwrap_err().to_string();
        assert!(
            err.contains("v2 failed analysis: error rate 20.00%"),
            "{err}"
        );
        let tolerant = AnalysisConfig {
            failure_limit: 1,
            ..AnalysisConfig::default()
        };
        let (result, calls) = run_script(&tolerant, vec![m(0.2, 20.0, 100), m(0.0, 20.0, 100)]);
        assert_eq!(calls, 4);
        assert_eq!(result.unwrap().tally.failed, 1);
        let tolerant = AnalysisConfig {
            inconclusive_limit: 10,
            ..tolerant
        };
        let (result, _) = run_script(&tolerant, vec![m(0.2, 20.0, 100), inconclusive()]);
        assert!(
            result
                .unwrap_err()
                .to_string()
                .contains("no measurement passed"),
            "failures within the limit never pass a window by themselves"
        );
    }

    #[test]
    fn a_window_of_no_data_within_the_limit_still_fails() {
        let c = AnalysisConfig {
            inconclusive_limit: 10,
            ..AnalysisConfig::default()
        };
        let (result, calls) = run_script(&c, vec![m(0.0, 20.0, 3)]);
        assert_eq!(calls, 4);
        let err = result.unwrap_err().to_string();
        assert!(err.contains("no analysis data"), "{err}");
    }

    #[test]
    fn a_window_is_cut_into_equal_measurements_of_about_the_interval() {
        let s = Duration::from_secs;
        assert_eq!(measurements_in(s(30), s(10)), (3, s(10)));
        assert_eq!(measurements_in(s(2), s(10)), (1, s(2)));
        assert_eq!(
            measurements_in(s(25), s(10)),
            (
                3,
                Duration::from_millis(8333) + Duration::from_nanos(333_333)
            )
        );
        assert_eq!(measurements_in(s(600), s(10)).0, 60);
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
