//! The verdict: every check with its value, thresholds, status and source files, and the
//! `gate.json` document (`slipway.quality-gate/v1`) that `notify` and people read.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use slipway_reports::{Category, FindingsReport, Severity};

use crate::config::Missing;
use crate::inputs::{Inputs, Source as ReportSource};
use crate::rules::{self, Rules, Status};

/// The schema tag of `gate.json`.
pub const SCHEMA: &str = "slipway.quality-gate/v1";

/// One evaluated check.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    /// Rule id (`coverage.line`), or `reports.missing` / `reports.required`.
    pub id: String,
    /// What was checked, for people.
    pub title: String,
    /// Measured value (`null` when no report gave one).
    pub value: Option<f64>,
    /// Unit of `value` and the thresholds.
    pub unit: String,
    /// The threshold that decided: the crossed one, else the critical one.
    pub threshold: Option<f64>,
    /// Fail threshold.
    pub critical: Option<f64>,
    /// Warning threshold.
    pub warning: Option<f64>,
    /// `min` (value must be at least) or `max` (at most).
    pub direction: Option<rules::Direction>,
    /// Which threshold was crossed: `critical`, `warning`, or `null`.
    pub level: Option<String>,
    /// pass, warn, fail or skipped.
    pub status: Status,
    /// Where each threshold came from.
    pub threshold_sources: BTreeMap<String, String>,
    /// Report files behind the value.
    pub sources: Vec<String>,
    /// One line of context (`3 of 120 files below`, `2 failed, 1 errored`).
    pub detail: String,
}

/// Overall result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Every check passed.
    Pass,
    /// Some check crossed a warning threshold; the gate does not fail.
    Warn,
    /// Some check crossed a critical threshold.
    Fail,
    /// Not evaluated (draft PR in skip mode).
    Skipped,
}

impl Verdict {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Warn => "warn",
            Verdict::Fail => "fail",
            Verdict::Skipped => "skipped",
        }
    }
}

/// Test totals for `notify`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TestTotals {
    /// Executions.
    pub total: u64,
    /// Passed.
    pub passed: u64,
    /// Failed.
    pub failed: u64,
    /// Errored.
    pub errors: u64,
    /// Skipped.
    pub skipped: u64,
    /// Flaky (passed on rerun).
    pub flaky: u64,
    /// Sum of durations, seconds.
    pub duration_secs: f64,
}

/// Coverage totals for `notify`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CoverageTotals {
    /// Line coverage, percent.
    pub line: Option<f64>,
    /// Branch coverage, percent.
    pub branch: Option<f64>,
    /// Lines covered.
    pub lines_covered: u64,
    /// Executable lines.
    pub lines_total: u64,
    /// Coverage of changed lines, percent, on pull requests.
    pub new_code: Option<f64>,
}

/// The headline numbers.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Totals {
    /// Tests, when a test report was read.
    pub tests: Option<TestTotals>,
    /// Coverage, when a coverage report was read.
    pub coverage: Option<CoverageTotals>,
    /// Findings per severity, when a security report was read.
    pub security: Option<BTreeMap<String, u64>>,
    /// Secrets found per severity (Gitleaks, TruffleHog: `critical` is a secret the
    /// scanner verified as live), when a secrets report was read.
    pub secrets: Option<BTreeMap<String, u64>>,
    /// One line for chat messages: `Tests: 95/95 passed, Coverage: 88%`.
    pub text: String,
}

/// What a later run can compare against (`--baseline gate.json`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BaselineData {
    /// Benchmark medians, seconds.
    #[serde(default)]
    pub benchmarks: BTreeMap<String, f64>,
    /// Identities of every security finding (hex FNV-1a of rule and location).
    #[serde(default)]
    pub finding_keys: crate::finding_keys::FindingKeys,
}

/// `gate.json`.
#[derive(Debug, Clone, Serialize)]
pub struct GateDoc {
    /// Always [`SCHEMA`].
    pub schema: &'static str,
    /// The gate's name.
    pub name: String,
    /// pass, warn, fail or skipped.
    pub verdict: Verdict,
    /// Whether a failing verdict fails the step (false in warn-only mode).
    pub enforced: bool,
    /// Why the gate was not enforced, when it was not.
    pub note: Option<String>,
    /// The commit evaluated, when known.
    pub commit: Option<String>,
    /// The pull request, when there is one.
    pub pull_request: Option<u64>,
    /// Headline numbers.
    pub totals: Totals,
    /// Every check.
    pub checks: Vec<Check>,
    /// Reports read.
    pub reports: Vec<ReportSource>,
    /// Data for the next run's `--baseline`.
    pub baseline: BaselineData,
}

impl GateDoc {
    /// Checks with a given status.
    pub fn with_status(&self, status: Status) -> impl Iterator<Item = &Check> {
        self.checks.iter().filter(move |c| c.status == status)
    }
}

/// Everything evaluation needs besides the reports and rules.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// Missing-report policy.
    pub missing: Missing,
    /// Categories that must have a report.
    pub require: Vec<Category>,
    /// Critical module globs.
    pub critical_modules: Vec<String>,
    /// Baseline data, when `--baseline` was given.
    pub baseline: Option<BaselineData>,
    /// Minimum absolute slowdown, seconds, for a regression to count.
    pub min_regression_secs: f64,
    /// New-code coverage: covered and coverable changed lines, and the files involved.
    pub new_code: Option<NewCode>,
    /// Absolute benchmark targets, and the config file they came from.
    pub benchmarks: Vec<crate::benchmarks::BenchmarkTarget>,
    /// Where `benchmarks` came from.
    pub benchmarks_source: Option<rules::Source>,
}

/// Coverage of changed lines.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewCode {
    /// Changed lines with coverage data that were hit.
    pub covered: u64,
    /// Changed lines with coverage data.
    pub coverable: u64,
    /// The base the diff was taken against.
    pub base: String,
    /// Changed files with uncovered lines: path and line numbers.
    pub uncovered: Vec<(String, Vec<u32>)>,
}

struct Builder<'a> {
    rules: &'a Rules,
    checks: Vec<Check>,
}

impl Builder<'_> {
    fn rule(
        &mut self,
        id: &str,
        title: Option<String>,
        value: Option<f64>,
        sources: Vec<String>,
        detail: String,
    ) {
        let Some(spec) = rules::spec(id) else { return };
        let rule = self.rules.get(id);
        if !rule.enabled || (rule.critical.is_none() && rule.warning.is_none()) {
            return;
        }
        let status = value.map_or(Status::Skipped, |v| rules::judge(spec, rule, v));
        let level = match status {
            Status::Fail => Some("critical".to_owned()),
            Status::Warn => Some("warning".to_owned()),
            _ => None,
        };
        let threshold = match status {
            Status::Warn => rule.warning.as_ref(),
            _ => rule.critical.as_ref().or(rule.warning.as_ref()),
        }
        .map(|l| l.value);
        let mut threshold_sources = BTreeMap::new();
        if let Some(l) = &rule.critical {
            threshold_sources.insert("critical".to_owned(), l.source.to_string());
        }
        if let Some(l) = &rule.warning {
            threshold_sources.insert("warning".to_owned(), l.source.to_string());
        }
        self.checks.push(Check {
            id: id.to_owned(),
            title: title.unwrap_or_else(|| spec.title.to_owned()),
            // Judged on the exact value above; shown with two decimals.
            value: value.map(round2),
            unit: spec.unit.to_owned(),
            threshold,
            critical: rule.critical.as_ref().map(|l| l.value),
            warning: rule.warning.as_ref().map(|l| l.value),
            direction: Some(spec.direction),
            level,
            status,
            threshold_sources,
            sources,
            detail,
        });
    }

    fn missing(&mut self, id: &str, title: String, policy: Missing, detail: String) {
        self.checks
            .extend(Check::missing(id, title, policy, detail, Vec::new()));
    }
}

impl Check {
    /// The check for something expected that was not found (a report, a benchmark, a
    /// recorded figure): failed or warned as `policy` says, `None` when it is ignored.
    pub fn missing(
        id: &str,
        title: String,
        policy: Missing,
        detail: String,
        sources: Vec<String>,
    ) -> Option<Self> {
        let status = match policy {
            Missing::Fail => Status::Fail,
            Missing::Warn => Status::Warn,
            Missing::Ignore => return None,
        };
        let level = if status == Status::Fail {
            "critical"
        } else {
            "warning"
        };
        Some(Self {
            id: id.to_owned(),
            title,
            value: None,
            unit: String::new(),
            threshold: None,
            critical: None,
            warning: None,
            direction: None,
            level: Some(level.to_owned()),
            status,
            threshold_sources: BTreeMap::from([(
                "missing".to_owned(),
                format!("{policy:?}").to_lowercase(),
            )]),
            sources,
            detail,
        })
    }
}

/// Evaluates every check.
pub fn evaluate(inputs: &Inputs, rules: &Rules, ctx: &Context) -> Vec<Check> {
    let mut b = Builder {
        rules,
        checks: Vec::new(),
    };
    for pattern in &inputs.missing {
        b.missing(
            "reports.missing",
            format!("Report {pattern}"),
            ctx.missing,
            "no file matches; did the step that writes it run?".to_owned(),
        );
    }
    for cat in &ctx.require {
        if !inputs.has(*cat) {
            b.missing(
                "reports.required",
                format!("{} report", category_name(*cat)),
                ctx.missing,
                "required by the config, but no report of this kind was given".to_owned(),
            );
        }
    }
    if let Some(t) = &inputs.tests {
        let files = inputs.files(Category::Tests);
        let bad = t.failed + t.errors;
        b.rule(
            "tests.failures",
            None,
            Some(bad as f64),
            files.clone(),
            format!("{} failed, {} errored of {}", t.failed, t.errors, t.total),
        );
        b.rule(
            "tests.total",
            None,
            Some(t.total as f64),
            files.clone(),
            format!("{} skipped", t.skipped),
        );
        b.rule(
            "tests.flaky",
            None,
            Some(t.flaky as f64),
            files,
            String::new(),
        );
    }
    if let Some(c) = &inputs.coverage {
        let files = inputs.files(Category::Coverage);
        b.rule(
            "coverage.line",
            None,
            c.lines.percent(),
            files.clone(),
            format!("{} of {} lines", c.lines.covered, c.lines.total),
        );
        if c.branches.total > 0 {
            b.rule(
                "coverage.branch",
                None,
                c.branches.percent(),
                files.clone(),
                format!("{} of {} branches", c.branches.covered, c.branches.total),
            );
        }
        for glob in &ctx.critical_modules {
            let matchers = module_matchers(glob);
            let mut lines = slipway_reports::Counter::default();
            let mut n = 0;
            for (path, fc) in &c.files {
                if matchers
                    .iter()
                    .any(|m| m.is_match(path.trim_start_matches("./")))
                {
                    lines.add(fc.lines);
                    n += 1;
                }
            }
            if n == 0 {
                b.missing(
                    "coverage.critical_modules",
                    format!("Line coverage of {glob}"),
                    ctx.missing,
                    "no file in the coverage report matches this critical module glob".to_owned(),
                );
            } else {
                b.rule(
                    "coverage.critical_modules",
                    Some(format!("Line coverage of {glob}")),
                    lines.percent(),
                    files.clone(),
                    format!("{n} files, {} of {} lines", lines.covered, lines.total),
                );
            }
        }
    }
    if let Some(nc) = &ctx.new_code {
        let pct = (nc.coverable > 0).then(|| nc.covered as f64 * 100.0 / nc.coverable as f64);
        let detail = if nc.coverable == 0 {
            format!("no coverable changed lines since {}", nc.base)
        } else {
            format!(
                "{} of {} changed lines covered (vs {})",
                nc.covered, nc.coverable, nc.base
            )
        };
        b.rule(
            "new_code.coverage",
            None,
            pct,
            inputs.files(Category::Coverage),
            detail,
        );
    }
    if let Some(s) = &inputs.security {
        let files = inputs.files(Category::Security);
        for (id, sev) in [
            ("security.critical", Severity::Critical),
            ("security.high", Severity::High),
            ("security.medium", Severity::Medium),
            ("security.low", Severity::Low),
        ] {
            let detail = if sev == Severity::Critical && s.duplicates > 0 {
                format!("{} duplicates merged across reports", s.duplicates)
            } else {
                String::new()
            };
            b.rule(id, None, Some(s.count(sev) as f64), files.clone(), detail);
        }
        // Only shown when a scan audited nothing: most security reports are not
        // dependency scans, and a row of zeros for them says nothing.
        if let Some(first) = s.empty_scans.first() {
            b.rule(
                "security.empty_scans",
                None,
                Some(s.empty_scans.len() as f64),
                files.clone(),
                format!("{first}: not a clean result; check the scan's input and its warnings"),
            );
        }
        let new = new_findings(s, ctx.baseline.as_ref());
        if let Some((n, how)) = new {
            b.rule("new_code.vulnerabilities", None, Some(n as f64), files, how);
        }
    }
    if let Some(s) = &inputs.secrets {
        let total: u64 = s.counts.values().sum();
        let detail = s.sorted().first().map_or_else(String::new, |f| {
            format!("first: {} in {} ({})", f.rule, f.location, f.message)
        });
        b.rule(
            "secrets.found",
            None,
            Some(total as f64),
            inputs.files(Category::Secrets),
            detail,
        );
    }
    if let Some(l) = &inputs.lint {
        let files = inputs.files(Category::Lint);
        if let Some(score) = l.score {
            b.rule(
                "lint.pylint_score",
                None,
                Some(score),
                files.clone(),
                String::new(),
            );
        }
        let count = |names: &[&str]| {
            names
                .iter()
                .map(|n| l.counts.get(*n).copied().unwrap_or(0))
                .sum::<u64>()
        };
        b.rule(
            "lint.errors",
            None,
            Some(count(&["error", "fatal"]) as f64),
            files.clone(),
            String::new(),
        );
        b.rule(
            "lint.warnings",
            None,
            Some(count(&["warning"]) as f64),
            files,
            String::new(),
        );
    }
    if let Some(p) = &inputs.performance {
        let files = inputs.files(Category::Performance);
        if let Some(base) = ctx.baseline.as_ref().filter(|b| !b.benchmarks.is_empty()) {
            let mut worst: Option<(String, f64)> = None;
            let mut compared = 0;
            for (name, bench) in &p.benchmarks {
                let Some(&before) = base.benchmarks.get(name) else {
                    continue;
                };
                if before <= 0.0 {
                    continue;
                }
                compared += 1;
                let delta = bench.median_secs - before;
                let pct = if delta > ctx.min_regression_secs {
                    delta * 100.0 / before
                } else {
                    0.0_f64.min(delta * 100.0 / before)
                };
                if worst.as_ref().is_none_or(|(_, w)| pct > *w) {
                    worst = Some((name.clone(), pct));
                }
            }
            if let Some((name, pct)) = worst {
                b.rule(
                    "performance.regression",
                    None,
                    Some(pct.max(0.0)),
                    files.clone(),
                    format!("{compared} benchmarks compared on medians; slowest change: {name} {pct:+.1}%"),
                );
            }
        }
        if let Some(load) = &p.load {
            b.rule(
                "performance.p95_ms",
                None,
                load.p95_ms,
                files.clone(),
                String::new(),
            );
            b.rule(
                "performance.p99_ms",
                None,
                load.p99_ms,
                files.clone(),
                String::new(),
            );
            b.rule(
                "performance.error_rate",
                None,
                load.error_rate_percent(),
                files.clone(),
                format!("{} of {} requests failed", load.failures, load.requests),
            );
            b.rule("performance.rps", None, load.rps, files, String::new());
        }
    }
    b.checks.extend(crate::benchmarks::checks(
        &ctx.benchmarks,
        inputs.performance.as_ref(),
        &inputs.files(Category::Performance),
        ctx.missing,
        ctx.benchmarks_source
            .as_ref()
            .unwrap_or(&rules::Source::Default),
    ));
    b.checks
}

fn new_findings(
    s: &slipway_reports::FindingsReport,
    baseline: Option<&BaselineData>,
) -> Option<(u64, String)> {
    let serious = |sev: Severity| sev >= Severity::High;
    if let Some(base) = baseline {
        let n = s
            .keys
            .iter()
            .filter(|(k, sev)| serious(**sev) && !base.finding_keys.contains(**k))
            .count() as u64;
        return Some((
            n,
            "critical and high findings absent from the baseline".to_owned(),
        ));
    }
    let states: Vec<_> = s
        .sorted()
        .into_iter()
        .filter(|f| f.baseline_state.is_some())
        .collect();
    if states.is_empty() {
        return None;
    }
    let n = states
        .iter()
        .filter(|f| serious(f.severity) && f.baseline_state.as_deref() == Some("new"))
        .count() as u64;
    Some((
        n,
        "critical and high findings with SARIF baselineState \"new\"".to_owned(),
    ))
}

/// Matchers for a critical-module glob: the glob itself, and the glob with leading
/// literal directories stripped (`src/models/**` also matches `models/x.py`), because
/// coverage tools often write paths relative to the source root.
fn module_matchers(glob: &str) -> Vec<globset::GlobMatcher> {
    let mut out = Vec::new();
    let mut rest = glob.trim_start_matches("./");
    loop {
        if let Ok(g) = globset::GlobBuilder::new(rest)
            .literal_separator(true)
            .build()
        {
            out.push(g.compile_matcher());
        }
        match rest.split_once('/') {
            Some((head, tail))
                if !head.contains(['*', '?', '[', '{'])
                    && tail.chars().any(char::is_alphanumeric) =>
            {
                rest = tail;
            }
            _ => break,
        }
    }
    out
}

/// Category name for people.
pub fn category_name(c: Category) -> &'static str {
    match c {
        Category::Tests => "Tests",
        Category::Coverage => "Coverage",
        Category::Security => "Security",
        Category::Secrets => "Secrets",
        Category::Lint => "Lint",
        Category::Performance => "Performance",
    }
}

/// The overall verdict of a set of checks.
pub fn verdict(checks: &[Check]) -> Verdict {
    if checks.iter().any(|c| c.status == Status::Fail) {
        Verdict::Fail
    } else if checks.iter().any(|c| c.status == Status::Warn) {
        Verdict::Warn
    } else {
        Verdict::Pass
    }
}

/// Headline numbers from the inputs.
pub fn totals(inputs: &Inputs, new_code: Option<&NewCode>) -> Totals {
    let mut parts = Vec::new();
    let tests = inputs.tests.as_ref().map(|t| {
        let mut text = format!("Tests: {}/{} passed", t.passed, t.total);
        if t.skipped > 0 {
            text = format!("{text} ({} skipped)", t.skipped);
        }
        parts.push(text);
        TestTotals {
            total: t.total,
            passed: t.passed,
            failed: t.failed,
            errors: t.errors,
            skipped: t.skipped,
            flaky: t.flaky,
            duration_secs: (t.duration_secs * 1000.0).round() / 1000.0,
        }
    });
    let coverage = inputs.coverage.as_ref().map(|c| {
        let line = c.lines.percent().map(round2);
        if let Some(l) = line {
            parts.push(format!("Coverage: {}%", trim_number(l)));
        }
        CoverageTotals {
            line,
            branch: c.branches.percent().map(round2),
            lines_covered: c.lines.covered,
            lines_total: c.lines.total,
            new_code: new_code.and_then(|n| {
                (n.coverable > 0).then(|| round2(n.covered as f64 * 100.0 / n.coverable as f64))
            }),
        }
    });
    let security = inputs.security.as_ref().map(|s| {
        let m = by_severity(s);
        parts.push(format!(
            "Vulnerabilities: {} critical, {} high, {} medium",
            s.count(Severity::Critical),
            s.count(Severity::High),
            s.count(Severity::Medium)
        ));
        m
    });
    let secrets = inputs.secrets.as_ref().map(|s| {
        let found: u64 = s.counts.values().sum();
        let verified = s.count(Severity::Critical);
        parts.push(if verified > 0 {
            format!("Secrets: {found} found ({verified} verified live)")
        } else {
            format!("Secrets: {found} found")
        });
        by_severity(s)
    });
    if let Some(l) = &inputs.lint {
        let mut lint = Vec::new();
        if let Some(score) = l.score {
            lint.push(format!("pylint {}/10", trim_number(score)));
        }
        let errors = l.counts.get("error").copied().unwrap_or(0)
            + l.counts.get("fatal").copied().unwrap_or(0);
        let warnings = l.counts.get("warning").copied().unwrap_or(0);
        lint.push(format!("{errors} errors, {warnings} warnings"));
        parts.push(format!("Lint: {}", lint.join(", ")));
    }
    Totals {
        tests,
        coverage,
        security,
        secrets,
        text: parts.join(", "),
    }
}

/// A count for every severity, zeros included, so the keys are the same in every run.
fn by_severity(report: &FindingsReport) -> BTreeMap<String, u64> {
    Severity::ALL
        .iter()
        .map(|sev| (sev.as_str().to_owned(), report.count(*sev)))
        .collect()
}

/// Rounds to two decimals.
pub fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// `88` rather than `88.00`, `87.5` rather than `87.50`.
pub fn trim_number(v: f64) -> String {
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// Baseline data to store in this run's gate.json.
pub fn baseline_data(inputs: &Inputs) -> BaselineData {
    let mut data = BaselineData::default();
    if let Some(p) = &inputs.performance {
        data.benchmarks = p
            .benchmarks
            .iter()
            .map(|(k, b)| (k.clone(), b.median_secs))
            .collect();
    }
    if let Some(s) = &inputs.security {
        data.finding_keys = crate::finding_keys::FindingKeys::new(s.keys.keys().copied());
    }
    data
}
