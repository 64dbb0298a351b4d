//! Absolute benchmark targets, with or without a baseline:
//!
//! ```toml
//! [[quality_gate.benchmarks]]
//! name = "test_single_prediction*"     # glob over benchmark names
//! mean_ms = { critical = 5 }            # also median_ms, max_ms, p95_ms, memory_mb
//! ```
//!
//! A name matches a benchmark's full name (`tests/test_model.py::test_single_prediction`,
//! criterion's `group/bench`, hyperfine's command) or the part after its last `::`. Each
//! metric of a target is one check, judged on the worst matching benchmark. A target that
//! matches no benchmark, or a metric the tool did not record, is a missing-report check
//! under the `missing` policy: never a silent pass.

use std::collections::BTreeMap;

use serde::Deserialize;
use slipway_reports::{Benchmark, PerfReport};

use crate::config::Missing;
use crate::gate::Check;
use crate::rules::{Direction, Source, Status, Threshold, show};

/// One `[[quality_gate.benchmarks]]` entry.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BenchmarkTarget {
    /// Glob over benchmark names.
    pub name: String,
    /// Mean time per iteration, milliseconds.
    pub mean_ms: Option<Threshold>,
    /// Median time per iteration, milliseconds.
    pub median_ms: Option<Threshold>,
    /// Slowest iteration, milliseconds.
    pub max_ms: Option<Threshold>,
    /// 95th percentile of the recorded timings, milliseconds.
    pub p95_ms: Option<Threshold>,
    /// Peak memory, MB.
    pub memory_mb: Option<Threshold>,
}

/// A metric a target can hold a benchmark to.
struct Metric {
    key: &'static str,
    what: &'static str,
    unit: &'static str,
    value: fn(&Benchmark) -> Option<f64>,
}

const METRICS: [Metric; 5] = [
    Metric {
        key: "mean_ms",
        what: "mean",
        unit: "ms",
        value: |b| b.mean_secs.map(|s| s * 1000.0),
    },
    Metric {
        key: "median_ms",
        what: "median",
        unit: "ms",
        value: |b| Some(b.median_secs * 1000.0),
    },
    Metric {
        key: "max_ms",
        what: "max",
        unit: "ms",
        value: |b| b.max_secs.map(|s| s * 1000.0),
    },
    Metric {
        key: "p95_ms",
        what: "p95",
        unit: "ms",
        value: |b| b.p95_secs.map(|s| s * 1000.0),
    },
    Metric {
        key: "memory_mb",
        what: "memory",
        unit: "MB",
        value: |b| b.memory_mb,
    },
];

impl BenchmarkTarget {
    fn threshold(&self, key: &str) -> Option<&Threshold> {
        match key {
            "mean_ms" => self.mean_ms.as_ref(),
            "median_ms" => self.median_ms.as_ref(),
            "max_ms" => self.max_ms.as_ref(),
            "p95_ms" => self.p95_ms.as_ref(),
            "memory_mb" => self.memory_mb.as_ref(),
            _ => None,
        }
    }

    fn matcher(&self) -> Result<globset::GlobMatcher, String> {
        globset::Glob::new(&self.name)
            .map(|g| g.compile_matcher())
            .map_err(|e| format!("name = {:?} is not a valid glob: {e}", self.name))
    }

    /// Checks the entry: a valid glob, at least one threshold, each with a number and
    /// the warning below the critical one. `Err` names the entry and the key.
    pub fn validate(&self, index: usize) -> Result<(), String> {
        let at = format!(
            "[[quality_gate.benchmarks]] #{} (name = {:?})",
            index + 1,
            self.name
        );
        if self.name.trim().is_empty() {
            return Err(format!(
                "{at}: name is empty; give a benchmark name or glob"
            ));
        }
        self.matcher().map_err(|e| format!("{at}: {e}"))?;
        let mut any = false;
        for m in &METRICS {
            let Some(t) = self.threshold(m.key) else {
                continue;
            };
            any = true;
            if t.critical.is_none() && t.warning.is_none() {
                return Err(format!("{at}: {} has neither critical nor warning", m.key));
            }
            for v in [t.critical, t.warning].into_iter().flatten() {
                if !v.is_finite() || v < 0.0 {
                    return Err(format!("{at}: {} = {v} is not a duration or size", m.key));
                }
            }
            if let (Some(c), Some(w)) = (t.critical, t.warning) {
                if w >= c {
                    let (wv, cv) = (show(w, m.unit), show(c, m.unit));
                    return Err(format!(
                        "{at}: {}: warning = {wv} must be below critical = {cv}, or the warning \
                         can never fire; swap the two numbers",
                        m.key
                    ));
                }
            }
        }
        if any {
            Ok(())
        } else {
            Err(format!(
                "{at}: no threshold; set one of mean_ms, median_ms, max_ms, p95_ms, memory_mb"
            ))
        }
    }

    fn matches<'a>(&self, perf: &'a PerfReport) -> Vec<(&'a str, &'a Benchmark)> {
        let Ok(glob) = self.matcher() else {
            return Vec::new();
        };
        perf.benchmarks
            .iter()
            .filter(|(name, _)| {
                let short = name.rsplit("::").next().unwrap_or(name);
                glob.is_match(name.as_str()) || glob.is_match(short)
            })
            .map(|(n, b)| (n.as_str(), b))
            .collect()
    }
}

/// The checks for every target against `perf` (none when no performance report was
/// read); `files` are the performance reports, `config` where the targets came from.
pub fn checks(
    targets: &[BenchmarkTarget],
    perf: Option<&PerfReport>,
    files: &[String],
    missing: Missing,
    config: &Source,
) -> Vec<Check> {
    let empty = PerfReport::default();
    let perf = perf.unwrap_or(&empty);
    let mut out = Vec::new();
    for target in targets {
        let matched = target.matches(perf);
        if matched.is_empty() {
            let known = perf.benchmarks.keys().take(5).cloned().collect::<Vec<_>>();
            let detail = if known.is_empty() {
                "no benchmark report was read".to_owned()
            } else {
                format!(
                    "none of the {} benchmarks read matches (e.g. {})",
                    perf.benchmarks.len(),
                    known.join(", ")
                )
            };
            out.extend(missing_check(
                format!("Benchmark {:?}: no matching benchmark", target.name),
                missing,
                detail,
                files,
            ));
            continue;
        }
        for m in &METRICS {
            let Some(t) = target.threshold(m.key) else {
                continue;
            };
            if t.enabled == Some(false) {
                continue;
            }
            let values: Vec<(&str, Option<f64>)> =
                matched.iter().map(|(n, b)| (*n, (m.value)(b))).collect();
            let unrecorded: Vec<&str> = values
                .iter()
                .filter(|(_, v)| v.is_none())
                .map(|(n, _)| *n)
                .collect();
            if !unrecorded.is_empty() {
                out.extend(missing_check(
                    format!("Benchmark {:?}: {} not recorded", target.name, m.what),
                    missing,
                    format!(
                        "the report records no {} for {} (pytest-benchmark: memory_mb from \
                         extra_info; criterion: mean and median only)",
                        m.what,
                        unrecorded.join(", ")
                    ),
                    files,
                ));
                continue;
            }
            let Some((worst, value)) = values
                .iter()
                .filter_map(|(n, v)| v.map(|v| (*n, v)))
                .max_by(|a, b| a.1.total_cmp(&b.1))
            else {
                continue;
            };
            out.push(judged(
                target,
                m,
                t,
                worst,
                value,
                matched.len(),
                files,
                config,
            ));
        }
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn judged(
    target: &BenchmarkTarget,
    m: &Metric,
    t: &Threshold,
    worst: &str,
    value: f64,
    matched: usize,
    files: &[String],
    config: &Source,
) -> Check {
    let over = |limit: Option<f64>| limit.is_some_and(|l| value > l + 1e-9);
    let (status, level, threshold) = if over(t.critical) {
        (Status::Fail, Some("critical"), t.critical)
    } else if over(t.warning) {
        (Status::Warn, Some("warning"), t.warning)
    } else {
        (Status::Pass, None, t.critical.or(t.warning))
    };
    let mut threshold_sources = BTreeMap::new();
    if t.critical.is_some() {
        threshold_sources.insert("critical".to_owned(), config.to_string());
    }
    if t.warning.is_some() {
        threshold_sources.insert("warning".to_owned(), config.to_string());
    }
    // Microsecond benchmarks are common: four significant digits, not two decimals.
    let value = significant(value);
    let detail = if matched == 1 {
        format!("{worst}: {value} {}", m.unit)
    } else {
        format!(
            "worst of {matched} matching benchmarks: {worst} at {value} {}",
            m.unit
        )
    };
    Check {
        id: format!("performance.benchmarks.{}", m.key),
        title: format!("Benchmark {:?} {}", target.name, m.what),
        value: Some(value),
        unit: m.unit.to_owned(),
        threshold,
        critical: t.critical,
        warning: t.warning,
        direction: Some(Direction::Max),
        level: level.map(str::to_owned),
        status,
        threshold_sources,
        sources: files.to_vec(),
        detail,
    }
}

/// `v` rounded to four significant digits.
fn significant(v: f64) -> f64 {
    if v == 0.0 || !v.is_finite() {
        return v;
    }
    let scale = 10f64.powi(3 - v.abs().log10().floor() as i32);
    (v * scale).round() / scale
}

fn missing_check(
    title: String,
    policy: Missing,
    detail: String,
    files: &[String],
) -> Option<Check> {
    Check::missing(
        "performance.benchmarks.missing",
        title,
        policy,
        detail,
        files.to_vec(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bench(median_ms: f64, mean_ms: Option<f64>) -> Benchmark {
        Benchmark {
            median_secs: median_ms / 1000.0,
            stddev_secs: None,
            samples: None,
            mean_secs: mean_ms.map(|m| m / 1000.0),
            max_secs: None,
            p95_secs: None,
            memory_mb: None,
        }
    }

    fn target(name: &str, mean: Threshold) -> BenchmarkTarget {
        BenchmarkTarget {
            name: name.to_owned(),
            mean_ms: Some(mean),
            ..BenchmarkTarget::default()
        }
    }

    fn critical(v: f64) -> Threshold {
        Threshold {
            critical: Some(v),
            ..Threshold::default()
        }
    }

    fn run(targets: &[BenchmarkTarget], perf: &PerfReport) -> Vec<Check> {
        checks(
            targets,
            Some(perf),
            &["benchmark.json".to_owned()],
            Missing::Fail,
            &Source::Config("slipway.toml".to_owned()),
        )
    }

    #[test]
    fn glob_matches_the_name_after_the_test_file_and_judges_the_worst() {
        let mut perf = PerfReport::default();
        perf.benchmarks.insert(
            "tests/test_model.py::test_single_prediction".into(),
            bench(3.0, Some(3.5)),
        );
        perf.benchmarks.insert(
            "tests/test_model.py::test_single_prediction_cold".into(),
            bench(4.0, Some(6.0)),
        );
        perf.benchmarks.insert(
            "tests/test_model.py::test_batch".into(),
            bench(400.0, Some(420.0)),
        );
        let c = run(&[target("test_single_prediction*", critical(5.0))], &perf);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].status, Status::Fail);
        assert_eq!(c[0].value, Some(6.0));
        assert!(c[0].detail.contains("worst of 2"), "{}", c[0].detail);
        assert!(
            c[0].detail.contains("test_single_prediction_cold"),
            "{}",
            c[0].detail
        );
    }

    #[test]
    fn microsecond_benchmarks_keep_four_significant_digits() {
        let mut perf = PerfReport::default();
        perf.benchmarks
            .insert("t::fast".into(), bench(0.004, Some(0.003_987_7)));
        let c = run(&[target("fast", critical(5.0))], &perf);
        assert_eq!(c[0].value, Some(0.003_988));
        assert_eq!(c[0].detail, "t::fast: 0.003988 ms");
    }

    #[test]
    fn a_target_matching_nothing_is_a_missing_check_not_a_pass() {
        let mut perf = PerfReport::default();
        perf.benchmarks
            .insert("tests/test_x.py::test_other".into(), bench(1.0, Some(1.0)));
        let c = run(&[target("test_model_loading", critical(1000.0))], &perf);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].id, "performance.benchmarks.missing");
        assert_eq!(c[0].status, Status::Fail);
        assert!(c[0].detail.contains("test_other"), "{}", c[0].detail);
        let none = checks(
            &[target("x", critical(1.0))],
            None,
            &[],
            Missing::Warn,
            &Source::Default,
        );
        assert_eq!(none[0].status, Status::Warn);
        assert!(
            none[0].detail.contains("no benchmark report"),
            "{}",
            none[0].detail
        );
    }

    #[test]
    fn a_metric_the_tool_does_not_record_is_missing_not_zero() {
        let mut perf = PerfReport::default();
        perf.benchmarks
            .insert("group/fast".into(), bench(1.0, Some(1.0)));
        let t = BenchmarkTarget {
            name: "group/*".into(),
            p95_ms: Some(critical(2.0)),
            ..BenchmarkTarget::default()
        };
        let c = run(&[t], &perf);
        assert_eq!(c[0].id, "performance.benchmarks.missing");
        assert!(c[0].title.contains("p95 not recorded"), "{}", c[0].title);
    }

    #[test]
    fn validation_names_the_entry_and_the_key() {
        let wrong = target(
            "test_*",
            Threshold {
                critical: Some(5.0),
                warning: Some(8.0),
                enabled: None,
            },
        );
        let err = wrong.validate(0).unwrap_err();
        assert!(
            err.starts_with(
                "[[quality_gate.benchmarks]] #1 (name = \"test_*\"): mean_ms: warning = 8 ms"
            ),
            "{err}"
        );
        let none = BenchmarkTarget {
            name: "x".into(),
            ..BenchmarkTarget::default()
        };
        assert!(none.validate(1).unwrap_err().contains("#2"));
        assert!(
            target("a[", critical(1.0))
                .validate(0)
                .unwrap_err()
                .contains("not a valid glob")
        );
    }
}
