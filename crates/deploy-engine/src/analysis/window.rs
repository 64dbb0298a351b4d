//! One analysis window, Argo Rollouts style: a measurement every `interval`, limits on
//! failed and inconclusive measurements, and no data that holds or fails the window but
//! never passes it.

use std::time::{Duration, Instant};

use slipway_config::Duration as ConfigDuration;

use super::measurement::{provider_name, verdict_text};
use super::{
    AnalysisConfig, Interrupt, Measurement, NoData, Provide, Provider, StepResult, Subject, Tally,
    Verdict, probe, prometheus,
};
use crate::run::{Error, Result, Run};

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
