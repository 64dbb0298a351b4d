//! Windows measured by scripted providers, and the summary table.

use std::time::Duration;

use slipway_config::Duration as ConfigDuration;

use super::*;
use crate::run::{Result, Run};

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
fn run_script(config: &AnalysisConfig, script: Vec<Measurement>) -> (Result<StepResult>, usize) {
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
    let (result, calls) = run_script(&c, vec![inconclusive(), good.clone(), inconclusive(), good]);
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
