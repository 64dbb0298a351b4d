//! The gate's rules: every check, its direction and unit, its default `critical` (fail)
//! and `warning` thresholds, and where each effective threshold came from (default,
//! config file or flag) so `quality-gate explain` can say.
//!
//! Defaults follow the seed pipelines. Where a seed names a stricter number as
//! "critical" and a looser one as "warning" (coverage 85/80, performance 10%/20%), the
//! gate fails on the looser number and warns on the stricter one: a warning must always
//! come before a failure, never after it.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// Whether higher or lower values are better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// The value must be at least the threshold (coverage, score).
    Min,
    /// The value must be at most the threshold (failures, findings, latency).
    Max,
}

/// One rule the gate knows.
#[derive(Debug, Clone, Copy)]
pub struct RuleSpec {
    /// `category.name`, as written in `[quality_gate.<category>]` and `--set`.
    pub id: &'static str,
    /// What is measured, for people.
    pub title: &'static str,
    /// Better direction.
    pub direction: Direction,
    /// Unit shown after values: `%`, `ms`, `rps`, or empty for counts and scores.
    pub unit: &'static str,
    /// Default fail threshold.
    pub critical: Option<f64>,
    /// Default warning threshold.
    pub warning: Option<f64>,
    /// The flag that sets the critical threshold, if there is a named one.
    pub flag: Option<&'static str>,
}

/// Every rule, in the order checks are reported.
pub const RULES: &[RuleSpec] = &[
    rule(
        "tests.failures",
        "Failed tests (failures + errors)",
        Direction::Max,
        "",
        Some(0.0),
        None,
        Some("--max-failures"),
    ),
    rule(
        "tests.total",
        "Tests run",
        Direction::Min,
        "",
        None,
        Some(1.0),
        Some("--min-tests"),
    ),
    rule(
        "tests.flaky",
        "Flaky tests (passed on rerun)",
        Direction::Max,
        "",
        None,
        None,
        Some("--max-flaky"),
    ),
    rule(
        "coverage.line",
        "Line coverage",
        Direction::Min,
        "%",
        Some(80.0),
        Some(85.0),
        Some("--min-coverage"),
    ),
    rule(
        "coverage.branch",
        "Branch coverage",
        Direction::Min,
        "%",
        None,
        None,
        Some("--min-branch-coverage"),
    ),
    rule(
        "coverage.critical_modules",
        "Line coverage of critical modules",
        Direction::Min,
        "%",
        Some(95.0),
        None,
        Some("--min-critical-coverage"),
    ),
    rule(
        "security.critical",
        "Critical vulnerabilities",
        Direction::Max,
        "",
        Some(0.0),
        None,
        Some("--max-critical"),
    ),
    rule(
        "security.high",
        "High vulnerabilities",
        Direction::Max,
        "",
        Some(0.0),
        None,
        Some("--max-high"),
    ),
    rule(
        "security.medium",
        "Medium vulnerabilities",
        Direction::Max,
        "",
        None,
        Some(4.0),
        Some("--max-medium"),
    ),
    rule(
        "security.low",
        "Low vulnerabilities",
        Direction::Max,
        "",
        None,
        None,
        Some("--max-low"),
    ),
    rule(
        "security.empty_scans",
        "Dependency scans that audited nothing",
        Direction::Max,
        "",
        Some(0.0),
        None,
        None,
    ),
    rule(
        "secrets.found",
        "Secrets found (Gitleaks, TruffleHog)",
        Direction::Max,
        "",
        Some(0.0),
        None,
        Some("--max-secrets"),
    ),
    rule(
        "lint.pylint_score",
        "pylint score",
        Direction::Min,
        "/10",
        Some(7.0),
        Some(8.0),
        Some("--min-pylint-score"),
    ),
    rule(
        "lint.errors",
        "Lint errors",
        Direction::Max,
        "",
        None,
        None,
        Some("--max-lint-errors"),
    ),
    rule(
        "lint.warnings",
        "Lint warnings",
        Direction::Max,
        "",
        None,
        None,
        Some("--max-lint-warnings"),
    ),
    rule(
        "performance.regression",
        "Slowest benchmark regression vs baseline",
        Direction::Max,
        "%",
        Some(20.0),
        Some(10.0),
        Some("--max-regression"),
    ),
    rule(
        "performance.p95_ms",
        "Load test p95 latency",
        Direction::Max,
        "ms",
        Some(200.0),
        None,
        Some("--max-p95-ms"),
    ),
    rule(
        "performance.p99_ms",
        "Load test p99 latency",
        Direction::Max,
        "ms",
        None,
        None,
        Some("--max-p99-ms"),
    ),
    rule(
        "performance.error_rate",
        "Load test error rate",
        Direction::Max,
        "%",
        Some(1.0),
        None,
        Some("--max-error-rate"),
    ),
    rule(
        "performance.rps",
        "Load test throughput",
        Direction::Min,
        "rps",
        Some(50.0),
        None,
        Some("--min-rps"),
    ),
    rule(
        "new_code.coverage",
        "Coverage of changed lines",
        Direction::Min,
        "%",
        Some(80.0),
        None,
        Some("--min-new-coverage"),
    ),
    rule(
        "new_code.vulnerabilities",
        "New critical and high vulnerabilities",
        Direction::Max,
        "",
        Some(0.0),
        None,
        Some("--max-new-vulnerabilities"),
    ),
];

#[allow(clippy::too_many_arguments)]
const fn rule(
    id: &'static str,
    title: &'static str,
    direction: Direction,
    unit: &'static str,
    critical: Option<f64>,
    warning: Option<f64>,
    flag: Option<&'static str>,
) -> RuleSpec {
    RuleSpec {
        id,
        title,
        direction,
        unit,
        critical,
        warning,
        flag,
    }
}

/// Looks a rule up by id.
pub fn spec(id: &str) -> Option<&'static RuleSpec> {
    RULES.iter().find(|r| r.id == id)
}

/// Where an effective threshold came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase", tag = "kind", content = "from")]
pub enum Source {
    /// The built-in default.
    Default,
    /// The config file (its path).
    Config(String),
    /// A command-line flag (its spelling).
    Flag(String),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Default => f.write_str("default"),
            Source::Config(p) => write!(f, "config {p}"),
            Source::Flag(flag) => write!(f, "flag {flag}"),
        }
    }
}

/// A threshold as written in `[quality_gate.<category>]`: `{ critical = 80, warning = 85 }`;
/// `enabled = false` turns the check off.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Threshold {
    /// Fail when crossed.
    pub critical: Option<f64>,
    /// Warn when crossed.
    pub warning: Option<f64>,
    /// `false` disables the check.
    pub enabled: Option<bool>,
}

/// One limit with its origin.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Limit {
    /// The number.
    pub value: f64,
    /// Where it came from.
    pub source: Source,
}

/// The effective rule for one check.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Effective {
    /// Rule id.
    pub id: &'static str,
    /// Fail threshold.
    pub critical: Option<Limit>,
    /// Warning threshold.
    pub warning: Option<Limit>,
    /// Whether the check runs.
    pub enabled: bool,
    /// Where `enabled` came from.
    pub enabled_source: Source,
}

/// The effective rules, in [`RULES`] order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rules {
    /// One per rule.
    pub rules: Vec<Effective>,
}

/// Which threshold a value crossed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Not evaluated (disabled, or no report gave the value).
    Skipped,
    /// Within both thresholds.
    Pass,
    /// Crossed the warning threshold.
    Warn,
    /// Crossed the critical threshold.
    Fail,
}

impl Status {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Skipped => "skipped",
            Status::Pass => "pass",
            Status::Warn => "warn",
            Status::Fail => "fail",
        }
    }
}

impl Default for Rules {
    fn default() -> Self {
        Self {
            rules: RULES
                .iter()
                .map(|r| Effective {
                    id: r.id,
                    critical: r.critical.map(|value| Limit {
                        value,
                        source: Source::Default,
                    }),
                    warning: r.warning.map(|value| Limit {
                        value,
                        source: Source::Default,
                    }),
                    enabled: true,
                    enabled_source: Source::Default,
                })
                .collect(),
        }
    }
}

impl Rules {
    /// The effective rule for `id` (which must be in [`RULES`]).
    pub fn get(&self, id: &str) -> &Effective {
        self.rules
            .iter()
            .find(|r| r.id == id)
            .unwrap_or_else(|| unreachable!("rule {id} is not in RULES"))
    }

    fn get_mut(&mut self, id: &str) -> Option<&mut Effective> {
        self.rules.iter_mut().find(|r| r.id == id)
    }

    /// Applies a configured threshold; `Err` names an unknown rule.
    pub fn apply(&mut self, id: &str, t: &Threshold, source: &Source) -> Result<(), String> {
        let rule = self.get_mut(id).ok_or_else(|| unknown_rule(id))?;
        if let Some(v) = t.critical {
            rule.critical = Some(Limit {
                value: v,
                source: source.clone(),
            });
        }
        if let Some(v) = t.warning {
            rule.warning = Some(Limit {
                value: v,
                source: source.clone(),
            });
        }
        if let Some(e) = t.enabled {
            rule.enabled = e;
            rule.enabled_source = source.clone();
        }
        Ok(())
    }

    /// Applies `--set id.critical=N`, `id.warning=N` or `id.enabled=false`.
    pub fn set(&mut self, assignment: &str) -> Result<(), String> {
        let (key, value) = assignment.split_once('=').ok_or_else(|| {
            format!(
                "--set {assignment:?}: expected RULE.FIELD=VALUE, e.g. coverage.line.warning=90"
            )
        })?;
        let (id, field) = key
            .trim()
            .rsplit_once('.')
            .ok_or_else(|| format!("--set {assignment:?}: expected RULE.FIELD=VALUE"))?;
        let mut t = Threshold::default();
        let value = value.trim();
        let number = || {
            value
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| format!("--set {assignment:?}: {value:?} is not a number"))
        };
        match field {
            "critical" => t.critical = Some(number()?),
            "warning" => t.warning = Some(number()?),
            "enabled" => {
                t.enabled =
                    Some(value.parse().map_err(|_| {
                        format!("--set {assignment:?}: enabled takes true or false")
                    })?);
            }
            other => {
                return Err(format!(
                    "--set {assignment:?}: unknown field {other:?} (critical, warning or enabled)"
                ));
            }
        }
        self.apply(id, &t, &Source::Flag(format!("--set {key}")))
    }

    /// Sets a critical threshold from a named flag.
    pub fn flag(&mut self, id: &str, value: f64, flag: &str) {
        if let Some(rule) = self.get_mut(id) {
            rule.critical = Some(Limit {
                value,
                source: Source::Flag(flag.to_owned()),
            });
        }
    }
}

impl Rules {
    /// Checks that every warning threshold comes before its critical one, where both were
    /// set by the user (config file or flags): `regression = { critical = 10, warning = 20 }`
    /// can never warn, since every value past 20 % has already failed at 10 %. The error
    /// names the key and where each number came from.
    pub fn check_order(&self) -> Result<(), String> {
        for spec in RULES {
            let r = self.get(spec.id);
            let (Some(c), Some(w)) = (&r.critical, &r.warning) else {
                continue;
            };
            if c.source == Source::Default || w.source == Source::Default {
                continue;
            }
            let (wrong, must, past) = match spec.direction {
                Direction::Max => (w.value >= c.value, "below", "above"),
                Direction::Min => (w.value <= c.value, "above", "below"),
            };
            if !wrong {
                continue;
            }
            let (category, name) = spec.id.split_once('.').unwrap_or(("", spec.id));
            let key = match (&c.source, &w.source) {
                (Source::Config(file), Source::Config(_)) => {
                    format!("{file}: [quality_gate.{category}] {name}")
                }
                _ => format!(
                    "{} (warning from {}, critical from {})",
                    spec.id, w.source, c.source
                ),
            };
            let (wv, cv) = (show(w.value, spec.unit), show(c.value, spec.unit));
            return Err(format!(
                "{key}: warning = {wv} must be {must} critical = {cv}, or the warning can never \
                 fire (a value {past} {wv} has already failed at {cv}); swap the two numbers"
            ));
        }
        Ok(())
    }
}

fn unknown_rule(id: &str) -> String {
    format!(
        "unknown rule {id:?}; known rules: {}",
        RULES.iter().map(|r| r.id).collect::<Vec<_>>().join(", ")
    )
}

/// Judges `value` against a rule: which threshold it crossed.
pub fn judge(spec: &RuleSpec, rule: &Effective, value: f64) -> Status {
    let crossed = |limit: &Option<Limit>| {
        limit.as_ref().is_some_and(|l| match spec.direction {
            Direction::Min => value < l.value - 1e-9,
            Direction::Max => value > l.value + 1e-9,
        })
    };
    if crossed(&rule.critical) {
        Status::Fail
    } else if crossed(&rule.warning) {
        Status::Warn
    } else {
        Status::Pass
    }
}

/// Formats a value with its unit: `87.5%`, `3`, `7.25/10`, `180 ms`.
pub fn show(value: f64, unit: &str) -> String {
    let number = if (value - value.round()).abs() < 1e-9 && value.abs() < 1e15 {
        format!("{}", value.round() as i64)
    } else {
        format!("{value:.2}")
    };
    match unit {
        "" => number,
        "%" | "/10" => format!("{number}{unit}"),
        u => format!("{number} {u}"),
    }
}

/// The threshold text: `>= 80%` or `<= 0`.
pub fn show_limit(spec: &RuleSpec, limit: Option<&Limit>) -> String {
    match limit {
        None => "—".to_owned(),
        Some(l) => {
            let op = match spec.direction {
                Direction::Min => "≥",
                Direction::Max => "≤",
            };
            format!("{op} {}", show(l.value, spec.unit))
        }
    }
}

/// Renders the effective rules as a table for `quality-gate explain`.
pub fn explain(rules: &Rules) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<28} {:<10} {:<26} {:<26}",
        "rule", "enabled", "critical (fail)", "warning"
    );
    for spec in RULES {
        let r = rules.get(spec.id);
        let cell = |l: &Option<Limit>| match l {
            Some(l) => format!("{} [{}]", show_limit(spec, Some(l)), l.source),
            None => "— [unset]".to_owned(),
        };
        let enabled = if r.enabled {
            "yes".to_owned()
        } else {
            format!("no [{}]", r.enabled_source)
        };
        let _ = writeln!(
            out,
            "{:<28} {:<10} {:<26} {:<26}",
            spec.id,
            enabled,
            cell(&r.critical),
            cell(&r.warning)
        );
    }
    out
}

/// Rules grouped by category for the config file: `[quality_gate.coverage] line = {...}`.
pub type CategoryThresholds = BTreeMap<String, Threshold>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coverage_defaults_fail_below_80_and_warn_below_85() {
        let rules = Rules::default();
        let spec = spec("coverage.line").unwrap();
        let r = rules.get("coverage.line");
        assert_eq!(judge(spec, r, 79.9), Status::Fail);
        assert_eq!(judge(spec, r, 84.0), Status::Warn);
        assert_eq!(judge(spec, r, 85.0), Status::Pass);
    }

    #[test]
    fn five_medium_findings_warn_and_one_high_fails() {
        let rules = Rules::default();
        let medium = spec("security.medium").unwrap();
        assert_eq!(
            judge(medium, rules.get("security.medium"), 4.0),
            Status::Pass
        );
        assert_eq!(
            judge(medium, rules.get("security.medium"), 5.0),
            Status::Warn
        );
        let high = spec("security.high").unwrap();
        assert_eq!(judge(high, rules.get("security.high"), 1.0), Status::Fail);
    }

    fn configured(text: &str) -> Rules {
        let cfg = slipway_config::ConfigFile::from_text(Some("slipway.toml".into()), text.into())
            .unwrap();
        let gate: crate::config::GateConfig = cfg.section("quality_gate").unwrap();
        let mut rules = Rules::default();
        gate.apply(&mut rules, "slipway.toml").unwrap();
        rules
    }

    #[test]
    fn recipe_regression_warning_above_critical_is_a_config_error_naming_the_key() {
        // The recipe's own mistake: a warning at 20 % behind a failure at 10 % never fires.
        let rules = configured(
            "[quality_gate.performance]\nregression = { critical = 10, warning = 20 }\n",
        );
        let err = rules.check_order().unwrap_err();
        assert!(
            err.starts_with("slipway.toml: [quality_gate.performance] regression: warning = 20%"),
            "{err}"
        );
        assert!(err.contains("below critical = 10%"), "{err}");
        let fixed = configured(
            "[quality_gate.performance]\nregression = { critical = 20, warning = 10 }\n",
        );
        assert_eq!(fixed.check_order(), Ok(()));
    }

    #[test]
    fn coverage_warning_below_critical_is_an_error_and_equal_thresholds_too() {
        let rules = configured("[quality_gate.coverage]\nline = { critical = 85, warning = 80 }\n");
        let err = rules.check_order().unwrap_err();
        assert!(
            err.contains("[quality_gate.coverage] line: warning = 80%"),
            "{err}"
        );
        assert!(err.contains("above critical = 85%"), "{err}");
        let rules = configured("[quality_gate.security]\nmedium = { critical = 4, warning = 4 }\n");
        assert!(
            rules
                .check_order()
                .unwrap_err()
                .contains("security] medium")
        );
    }

    #[test]
    fn flags_in_the_wrong_order_name_both_sources_and_defaults_never_conflict() {
        let mut rules = Rules::default();
        assert_eq!(rules.check_order(), Ok(()));
        // A user critical past the default warning is the user's choice, not an error.
        rules.flag("performance.regression", 5.0, "--max-regression");
        assert_eq!(rules.check_order(), Ok(()));
        rules.set("performance.regression.warning=8").unwrap();
        let err = rules.check_order().unwrap_err();
        assert!(
            err.contains("warning from flag --set performance.regression.warning")
                && err.contains("critical from flag --max-regression"),
            "{err}"
        );
    }

    #[test]
    fn set_flag_overrides_and_names_its_source() {
        let mut rules = Rules::default();
        rules.set("coverage.line.warning=90").unwrap();
        let r = rules.get("coverage.line");
        assert!((r.warning.as_ref().unwrap().value - 90.0).abs() < 1e-9);
        assert_eq!(
            r.warning.as_ref().unwrap().source,
            Source::Flag("--set coverage.line.warning".into())
        );
        assert!(
            rules
                .set("coverage.lines.warning=1")
                .unwrap_err()
                .contains("known rules")
        );
        assert!(
            rules
                .set("coverage.line.warning=abc")
                .unwrap_err()
                .contains("not a number")
        );
    }
}
