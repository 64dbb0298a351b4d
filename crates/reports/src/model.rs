//! What the parsers produce: compact aggregates (counts, rates, the first failures and
//! findings), never the whole input, so memory stays flat however large a report is.

use std::collections::BTreeMap;
use std::collections::hash_map::Entry;

use serde::Serialize;

use crate::lines::LineDetail;

/// How many failed tests or findings a report keeps in detail; counts stay exact.
pub const KEEP_DETAILS: usize = 1000;
/// How many bytes of a failure's message or output are kept.
pub const KEEP_TEXT: usize = 4096;

/// Cuts `text` to at most `max` bytes on a character boundary, marking the cut.
pub fn clip(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

/// Test results from a JUnit-style report (or NUnit, xUnit.net, TRX).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TestReport {
    /// Test suites seen (nested suites count each).
    pub suites: u64,
    /// Test case executions (a case that appears twice counts twice).
    pub total: u64,
    /// Passed, including flaky passes.
    pub passed: u64,
    /// Failed assertions.
    pub failed: u64,
    /// Errors (the test could not run to completion).
    pub errors: u64,
    /// Skipped or disabled.
    pub skipped: u64,
    /// Passed only after one or more reruns (Surefire `flakyFailure`, nextest).
    pub flaky: u64,
    /// Sum of case durations in seconds.
    pub duration_secs: f64,
    /// The first [`KEEP_DETAILS`] failed or errored cases.
    pub failures: Vec<TestFailure>,
}

impl TestReport {
    /// Adds another report's counts and failures.
    pub fn merge(&mut self, other: TestReport) {
        self.suites += other.suites;
        self.total += other.total;
        self.passed += other.passed;
        self.failed += other.failed;
        self.errors += other.errors;
        self.skipped += other.skipped;
        self.flaky += other.flaky;
        self.duration_secs += other.duration_secs;
        let room = KEEP_DETAILS.saturating_sub(self.failures.len());
        self.failures.extend(other.failures.into_iter().take(room));
    }
}

/// Whether a test failed an assertion or errored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FailureKind {
    /// An assertion failed.
    Failure,
    /// The test errored.
    Error,
}

/// One failed test case.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TestFailure {
    /// Suite or class name.
    pub classname: String,
    /// Test name.
    pub name: String,
    /// Source file, when the report gives one.
    pub file: Option<String>,
    /// Source line, when the report gives one.
    pub line: Option<u32>,
    /// Failure or error.
    pub kind: FailureKind,
    /// The failure's message attribute (clipped).
    pub message: String,
    /// The failure's body: stack trace or output (clipped).
    pub details: String,
}

/// Covered out of total.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counter {
    /// Covered items.
    pub covered: u64,
    /// All items.
    pub total: u64,
}

impl Counter {
    /// Percentage covered, `None` when there is nothing to cover.
    pub fn percent(self) -> Option<f64> {
        (self.total > 0).then(|| self.covered as f64 * 100.0 / self.total as f64)
    }

    /// Adds another counter.
    pub fn add(&mut self, other: Counter) {
        self.covered += other.covered;
        self.total += other.total;
    }
}

/// Coverage of one source file.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FileCoverage {
    /// Executable lines.
    pub lines: Counter,
    /// Branches.
    pub branches: Counter,
    /// Per-line hit counts, kept only for files the caller asked for (diff coverage).
    #[serde(skip)]
    pub line_hits: Vec<(u32, u64)>,
    /// Which lines and branches were covered, for merging runs line by line.
    #[serde(skip)]
    pub detail: LineDetail,
    /// The reports that gave this file (filled by the caller that merges them).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reports: Vec<String>,
}

impl FileCoverage {
    /// Whether the per-line detail accounts for exactly the counted lines and branches
    /// (false for summary-only reports, whose counts cannot be merged line by line).
    pub fn exact(&self) -> bool {
        let (c, t) = self.detail.lines();
        let (bc, bt) = self.detail.branches();
        self.detail.usable()
            && (c, t) == (self.lines.covered, self.lines.total)
            && (bc, bt) == (self.branches.covered, self.branches.total)
    }

    /// Merges another run of the same file: line by line when both runs say which
    /// lines they covered, else (a summary-only report) by adding the counts.
    pub fn merge(&mut self, other: FileCoverage) {
        if self.exact() && other.exact() {
            self.detail.merge(&other.detail);
            let (c, t) = self.detail.lines();
            self.lines = Counter {
                covered: c,
                total: t,
            };
            let (c, t) = self.detail.branches();
            self.branches = Counter {
                covered: c,
                total: t,
            };
        } else {
            self.lines.add(other.lines);
            self.branches.add(other.branches);
            self.detail.merge(&other.detail);
            self.detail.line(None, false);
        }
        self.line_hits.extend(other.line_hits);
        for r in other.reports {
            if !self.reports.contains(&r) {
                self.reports.push(r);
            }
        }
    }
}

/// Line and branch coverage, overall and per file.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CoverageReport {
    /// Lines, summed over files.
    pub lines: Counter,
    /// Branches, summed over files.
    pub branches: Counter,
    /// Per file, keyed by its repository-relative path where it can be told
    /// ([`crate::paths::normalise`]; Cobertura files joined to their `<source>` root).
    pub files: BTreeMap<String, FileCoverage>,
}

impl CoverageReport {
    /// Adds one file's coverage under its normalised path, merging line by line with
    /// what is already known for the same file.
    pub fn add_file(&mut self, path: String, file: FileCoverage) {
        self.merge_file(crate::paths::normalised(path), file);
    }

    fn merge_file(&mut self, path: String, file: FileCoverage) {
        let entry = self.files.entry(path).or_default();
        self.lines.covered -= entry.lines.covered.min(self.lines.covered);
        self.lines.total -= entry.lines.total.min(self.lines.total);
        self.branches.covered -= entry.branches.covered.min(self.branches.covered);
        self.branches.total -= entry.branches.total.min(self.branches.total);
        entry.merge(file);
        self.lines.add(entry.lines);
        self.branches.add(entry.branches);
    }

    /// Marks every file as given by `report` (for `quality-gate explain`).
    pub fn attribute(&mut self, report: &str) {
        for f in self.files.values_mut() {
            f.reports = vec![report.to_owned()];
        }
    }

    /// Adds another report: the same file (by path, or by trailing path components when
    /// exactly one file matches, as JaCoCo's `com/acme/Foo.java` and LCOV's
    /// `src/main/java/com/acme/Foo.java`) is merged line by line; the longer path wins.
    pub fn merge(&mut self, other: CoverageReport) {
        // Known files indexed by file name once per merge: scanning every known file for
        // each incoming one was quadratic (30,000 files took 15 s of CPU instead of 1).
        let mut by_name: std::collections::HashMap<String, Vec<String>> =
            std::collections::HashMap::new();
        for k in self.files.keys() {
            by_name
                .entry(crate::paths::file_name(k).to_owned())
                .or_default()
                .push(k.clone());
        }
        for (path, file) in other.files {
            let name = crate::paths::file_name(&path).to_owned();
            let key = self
                .same_file(&path, by_name.get(&name).map_or(&[][..], Vec::as_slice))
                .unwrap_or_else(|| path.clone());
            let bucket = by_name.entry(name).or_default();
            if key != path && path.len() > key.len() {
                // The incoming path is the more specific one: move what we have there.
                if let Some(old) = self.files.remove(&key) {
                    self.files.insert(path.clone(), old);
                }
                bucket.retain(|k| *k != key);
                bucket.push(path.clone());
                self.merge_file(path, file);
            } else {
                if !self.files.contains_key(&key) {
                    bucket.push(key.clone());
                }
                self.merge_file(key, file);
            }
        }
    }

    /// The one known file that `path` names, if exactly one does; `same_name` are the
    /// known files with `path`'s file name.
    fn same_file(&self, path: &str, same_name: &[String]) -> Option<String> {
        if self.files.contains_key(path) {
            return Some(path.to_owned());
        }
        let mut found = same_name
            .iter()
            .filter(|k| crate::paths::is_suffix(k, path) || crate::paths::is_suffix(path, k));
        let first = found.next()?;
        found.next().is_none().then(|| first.clone())
    }
}

/// Normalised severity of a finding.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Informational or unknown.
    Low,
    /// Medium.
    Medium,
    /// High.
    High,
    /// Critical.
    Critical,
}

impl Severity {
    /// From a CVSS-like score: >= 9 critical, >= 7 high, >= 4 medium, else low.
    pub fn from_score(score: f64) -> Self {
        if score >= 9.0 {
            Severity::Critical
        } else if score >= 7.0 {
            Severity::High
        } else if score >= 4.0 {
            Severity::Medium
        } else {
            Severity::Low
        }
    }

    /// From a scanner's word (`CRITICAL`, `High`, `moderate`, `negligible`, ...).
    pub fn from_word(word: &str) -> Option<Self> {
        Some(match word.trim().to_ascii_lowercase().as_str() {
            "critical" => Severity::Critical,
            "high" | "error" => Severity::High,
            "medium" | "moderate" | "warning" => Severity::Medium,
            "low" | "negligible" | "info" | "informational" | "note" | "none" | "unknown"
            | "style" => Severity::Low,
            _ => return None,
        })
    }

    /// All severities, most severe first.
    pub const ALL: [Severity; 4] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
    ];

    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
        }
    }
}

/// One security finding (a vulnerability or a static-analysis result).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// Rule or vulnerability id (`CVE-2023-1234`, `B602`, `js/sql-injection`).
    pub rule: String,
    /// Normalised severity.
    pub severity: Severity,
    /// Where: a file path, or `package@version` for dependency findings.
    pub location: String,
    /// Line in `location` when it is a file.
    pub line: Option<u32>,
    /// The affected package (`name@version`) for dependency findings; part of identity.
    pub package: Option<String>,
    /// One-line description.
    pub message: String,
    /// SARIF `baselineState` when given (`new`, `unchanged`, ...).
    pub baseline_state: Option<String>,
}

impl Finding {
    /// A finding of `rule` at `location`, its message the rule until one is set.
    pub fn new(rule: impl Into<String>, severity: Severity, location: impl Into<String>) -> Self {
        let rule = rule.into();
        Self {
            message: rule.clone(),
            rule,
            severity,
            location: location.into(),
            line: None,
            package: None,
            baseline_state: None,
        }
    }

    /// Sets the one-line message (first line, clipped to 300 bytes); empty text keeps
    /// the rule as the message.
    #[must_use]
    pub fn message(mut self, text: &str) -> Self {
        let first = text.trim().lines().next().unwrap_or_default();
        if !first.is_empty() {
            self.message = clip(first, 300);
        }
        self
    }

    /// Sets the affected package as `name@version`.
    #[must_use]
    pub fn package(mut self, name: &str, version: &str) -> Self {
        self.package = Some(format!("{name}@{version}"));
        self
    }

    /// Sets the line.
    #[must_use]
    pub fn line(mut self, line: Option<u32>) -> Self {
        self.line = line;
        self
    }

    /// The identity used to merge duplicates across tools and runs: rule and location,
    /// hashed with FNV-1a so it is stable across versions and machines.
    pub fn key(&self) -> u64 {
        finding_key(
            &self.rule,
            &self.location,
            self.line,
            self.package.as_deref(),
        )
    }
}

/// [`Finding::key`] of a finding not built yet: its rule, location, line and package.
pub fn finding_key(rule: &str, location: &str, line: Option<u32>, package: Option<&str>) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for &b in bytes {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        h ^= 0xff;
        h = h.wrapping_mul(0x0100_0000_01b3);
    };
    eat(rule.as_bytes());
    eat(location.as_bytes());
    eat(&line.unwrap_or(0).to_le_bytes());
    eat(package.unwrap_or_default().as_bytes());
    h
}

/// Security findings, deduplicated by rule and location.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FindingsReport {
    /// Count per severity (after deduplication).
    pub counts: BTreeMap<Severity, u64>,
    /// Results dropped as duplicates of an earlier one.
    pub duplicates: u64,
    /// Suppressed results (SARIF `suppressions`), not counted.
    pub suppressed: u64,
    /// The most severe findings, at most [`KEEP_DETAILS`] in all, one list per severity
    /// (index: low, medium, high, critical); read them with [`FindingsReport::sorted`].
    kept: [Vec<Finding>; 4],
    /// Identity and severity of every counted finding (for deduplication across files).
    #[serde(skip)]
    pub keys: std::collections::HashMap<u64, Severity>,
    /// What a scanner says it could not do (dependencies it skipped, files it could not
    /// parse): each a one-line warning naming the report.
    pub warnings: Vec<String>,
    /// Dependency scans that audited nothing (no dependency found or every one
    /// skipped): not a clean result, whatever the counts say.
    pub empty_scans: Vec<String>,
}

impl FindingsReport {
    /// Counts a finding unless its rule and location were already seen. The first
    /// finding of an identity is the one counted, and its severity is the one kept in
    /// [`FindingsReport::keys`] (a later duplicate changes nothing but `duplicates`).
    pub fn push(&mut self, finding: Finding) {
        let (key, severity) = (finding.key(), finding.severity);
        self.push_with(key, severity, || finding);
    }

    /// [`FindingsReport::push`] of the finding `make` builds, whose [`Finding::key`] is
    /// `key` and severity `severity`: `make` is called only when the finding is kept, so
    /// a duplicate or a finding the kept ones outrank costs no allocation.
    pub fn push_with(&mut self, key: u64, severity: Severity, make: impl FnOnce() -> Finding) {
        match self.keys.entry(key) {
            Entry::Occupied(_) => {
                self.duplicates += 1;
                return;
            }
            Entry::Vacant(slot) => {
                slot.insert(severity);
            }
        }
        *self.counts.entry(severity).or_default() += 1;
        if self.make_room(severity) {
            self.kept[severity as usize].push(make());
        }
    }

    fn keep(&mut self, finding: Finding) {
        if self.make_room(finding.severity) {
            self.kept[finding.severity as usize].push(finding);
        }
    }

    /// Whether a finding of `severity` is to be kept, dropping one of the least severe
    /// kept findings when full and it is less severe than `severity`.
    fn make_room(&mut self, severity: Severity) -> bool {
        let total: usize = self.kept.iter().map(Vec::len).sum();
        if total >= KEEP_DETAILS {
            let Some(lowest) = self.kept.iter().position(|v| !v.is_empty()) else {
                return false;
            };
            if lowest >= severity as usize {
                return false;
            }
            self.kept[lowest].pop();
        }
        true
    }

    /// Adds another report, merging duplicates by rule and location: as in
    /// [`FindingsReport::push`], the finding already counted wins over a later duplicate.
    pub fn merge(&mut self, other: FindingsReport) {
        if self.keys.is_empty() && self.counts.is_empty() && self.kept.iter().all(Vec::is_empty) {
            // Nothing counted yet (the usual case: the first or only report): take the
            // report whole instead of hashing its keys again into an empty total.
            let mut whole = other;
            whole.duplicates += self.duplicates;
            whole.suppressed += self.suppressed;
            let mut warnings = std::mem::take(&mut self.warnings);
            warnings.append(&mut whole.warnings);
            whole.warnings = warnings;
            let mut empty_scans = std::mem::take(&mut self.empty_scans);
            empty_scans.append(&mut whole.empty_scans);
            whole.empty_scans = empty_scans;
            *self = whole;
            return;
        }
        self.duplicates += other.duplicates;
        self.suppressed += other.suppressed;
        self.warnings.extend(other.warnings);
        self.empty_scans.extend(other.empty_scans);
        let mut fresh = std::collections::HashSet::new();
        for (key, sev) in other.keys {
            match self.keys.entry(key) {
                Entry::Occupied(_) => self.duplicates += 1,
                Entry::Vacant(slot) => {
                    slot.insert(sev);
                    *self.counts.entry(sev).or_default() += 1;
                    fresh.insert(key);
                }
            }
        }
        for f in other.kept.into_iter().rev().flatten() {
            if fresh.contains(&f.key()) {
                self.keep(f);
            }
        }
    }

    /// Count at one severity.
    pub fn count(&self, severity: Severity) -> u64 {
        self.counts.get(&severity).copied().unwrap_or(0)
    }

    /// The kept findings, most severe first (in report order within a severity).
    pub fn sorted(&self) -> Vec<&Finding> {
        self.kept.iter().rev().flatten().collect()
    }
}

/// Linter messages and, for pylint, the score.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct LintReport {
    /// pylint's score out of 10, computed with pylint's formula when the JSON lacks it.
    pub score: Option<f64>,
    /// Statements analysed, when known (pylint's score needs it).
    pub statements: Option<u64>,
    /// Messages per severity class: `error`, `warning`, `convention`, `refactor`, `fatal`, `info`.
    pub counts: BTreeMap<String, u64>,
    /// The first [`KEEP_DETAILS`] messages.
    pub messages: Vec<LintMessage>,
}

impl LintReport {
    /// Records a message.
    pub fn push(&mut self, message: LintMessage) {
        *self.counts.entry(message.class.clone()).or_default() += 1;
        if self.messages.len() < KEEP_DETAILS {
            self.messages.push(message);
        }
    }

    /// Total messages.
    pub fn total(&self) -> u64 {
        self.counts.values().sum()
    }

    /// Adds another report (the lowest score wins).
    pub fn merge(&mut self, other: LintReport) {
        self.score = match (self.score, other.score) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        for (k, v) in other.counts {
            *self.counts.entry(k).or_default() += v;
        }
        let room = KEEP_DETAILS.saturating_sub(self.messages.len());
        self.messages.extend(other.messages.into_iter().take(room));
    }
}

/// One linter message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LintMessage {
    /// `error`, `warning`, `convention`, `refactor`, `fatal` or `info`.
    pub class: String,
    /// Code (`E501`, `W0611`, `clippy::unwrap_used`).
    pub code: String,
    /// File path.
    pub file: String,
    /// Line, 1-based.
    pub line: Option<u32>,
    /// Message text.
    pub message: String,
}

/// Benchmarks and load-test statistics.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PerfReport {
    /// Benchmarks by name: a central time per iteration in seconds (median where the tool
    /// gives one), for baseline comparison.
    pub benchmarks: BTreeMap<String, Benchmark>,
    /// Load-test statistics (Locust, k6), when the report is one.
    pub load: Option<LoadStats>,
}

impl PerfReport {
    /// Adds another report.
    pub fn merge(&mut self, other: PerfReport) {
        self.benchmarks.extend(other.benchmarks);
        if other.load.is_some() {
            self.load = other.load;
        }
    }
}

/// One benchmark's central estimate.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, serde::Deserialize)]
pub struct Benchmark {
    /// Median (or mean when no median is given) time per iteration, seconds.
    pub median_secs: f64,
    /// Standard deviation, seconds, when known.
    pub stddev_secs: Option<f64>,
    /// Samples or rounds behind the estimate, when known.
    pub samples: Option<u64>,
    /// Mean time per iteration, seconds, when the tool records it.
    #[serde(default)]
    pub mean_secs: Option<f64>,
    /// Slowest iteration or run, seconds, when recorded.
    #[serde(default)]
    pub max_secs: Option<f64>,
    /// 95th percentile of the recorded timings (nearest rank), seconds, when the tool
    /// keeps every timing (pytest-benchmark's `data`, hyperfine's `times`).
    #[serde(default)]
    pub p95_secs: Option<f64>,
    /// Peak memory, MB, when recorded (pytest-benchmark `extra_info.memory_mb`).
    #[serde(default)]
    pub memory_mb: Option<f64>,
}

/// The 95th percentile of `times` by the nearest-rank method; `None` when empty.
pub fn p95(times: &[f64]) -> Option<f64> {
    let mut sorted: Vec<f64> = times.iter().copied().filter(|t| t.is_finite()).collect();
    if sorted.is_empty() {
        return None;
    }
    sorted.sort_by(f64::total_cmp);
    let rank = (0.95 * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

/// Aggregate load-test statistics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct LoadStats {
    /// Requests made.
    pub requests: u64,
    /// Failed requests.
    pub failures: u64,
    /// Requests per second.
    pub rps: Option<f64>,
    /// Median latency, ms.
    pub p50_ms: Option<f64>,
    /// 95th percentile latency, ms.
    pub p95_ms: Option<f64>,
    /// 99th percentile latency, ms.
    pub p99_ms: Option<f64>,
}

impl LoadStats {
    /// Failed share of requests, percent.
    pub fn error_rate_percent(&self) -> Option<f64> {
        (self.requests > 0).then(|| self.failures as f64 * 100.0 / self.requests as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::{Finding, FindingsReport, Severity};

    fn report(findings: &[(&str, Severity)]) -> FindingsReport {
        let mut r = FindingsReport::default();
        for (rule, sev) in findings {
            r.push(Finding::new(*rule, *sev, "src/app.py").line(Some(3)));
        }
        r
    }

    #[test]
    fn a_duplicate_of_lower_severity_no_longer_replaces_the_counted_first_in_merges() {
        // Was: push overwrote the key's severity with the duplicate's, so the report
        // counted high while a merge of it counted low.
        let dup = report(&[("R1", Severity::High), ("R1", Severity::Low)]);
        assert_eq!(dup.count(Severity::High), 1);
        assert_eq!(dup.count(Severity::Low), 0);
        assert_eq!(dup.duplicates, 1);
        assert_eq!(
            dup.keys.values().copied().collect::<Vec<_>>(),
            [Severity::High]
        );

        // Into a total that already counted something (the hashing path) ...
        let mut total = report(&[("R0", Severity::Medium)]);
        total.merge(dup.clone());
        assert_eq!(total.count(Severity::High), 1);
        assert_eq!(total.count(Severity::Low), 0);
        assert_eq!(total.count(Severity::Medium), 1);
        assert_eq!(total.duplicates, 1);

        // ... and into an empty one (taken whole).
        let mut empty = FindingsReport::default();
        empty.merge(dup);
        assert_eq!(empty.count(Severity::High), 1);
        assert_eq!(empty.count(Severity::Low), 0);
    }

    #[test]
    fn a_finding_already_in_the_total_keeps_its_severity_when_another_report_repeats_it() {
        let mut total = report(&[("R1", Severity::Critical)]);
        total.merge(report(&[("R1", Severity::Low), ("R2", Severity::Low)]));
        assert_eq!(total.count(Severity::Critical), 1);
        assert_eq!(total.count(Severity::Low), 1);
        assert_eq!(total.duplicates, 1);
        let mut sevs: Vec<_> = total.keys.values().copied().collect();
        sevs.sort();
        assert_eq!(sevs, [Severity::Low, Severity::Critical]);
        // Merging the total into a fresh one changes nothing.
        let mut again = FindingsReport::default();
        again.merge(total.clone());
        assert_eq!(again, total);
    }

    #[test]
    fn merging_into_an_empty_total_gives_what_hashing_each_key_gives() {
        let one = report(&[
            ("R1", Severity::High),
            ("R2", Severity::Low),
            ("R1", Severity::Medium),
            ("R3", Severity::Critical),
        ]);
        // A total that only holds warnings and a suppression count is taken as empty
        // (the report is taken whole); one with a finding hashes each key.
        let mut warned = FindingsReport {
            suppressed: 2,
            warnings: vec!["a.sarif: first".to_owned()],
            ..FindingsReport::default()
        };
        let mut other = one.clone();
        other.warnings.push("b.sarif: second".to_owned());
        warned.merge(other);
        assert_eq!(warned.warnings, ["a.sarif: first", "b.sarif: second"]);
        assert_eq!(warned.suppressed, 2);
        assert_eq!(warned.duplicates, 1);
        assert_eq!(warned.keys, one.keys);
        assert_eq!(warned.counts, one.counts);
        assert_eq!(warned.sorted(), one.sorted());

        let mut slow = report(&[("R0", Severity::Low)]);
        slow.merge(one.clone());
        assert_eq!(slow.count(Severity::Low), one.count(Severity::Low) + 1);
        assert_eq!(slow.count(Severity::High), one.count(Severity::High));
        assert_eq!(
            slow.count(Severity::Critical),
            one.count(Severity::Critical)
        );
        assert_eq!(slow.duplicates, one.duplicates);
        let rules: Vec<_> = slow.sorted().iter().map(|f| f.rule.as_str()).collect();
        assert_eq!(rules, ["R3", "R1", "R0", "R2"]);
    }

    #[test]
    fn push_with_builds_only_the_findings_it_keeps_and_counts_as_push_does() {
        let mut lazy = FindingsReport::default();
        let mut eager = FindingsReport::default();
        let mut built = 0;
        // One more than can be kept, all low, then a duplicate and a critical one.
        let mut findings: Vec<Finding> = (0..=super::KEEP_DETAILS)
            .map(|i| Finding::new(format!("R{i}"), Severity::Low, "a.py"))
            .collect();
        findings.push(Finding::new("R0", Severity::High, "a.py"));
        findings.push(Finding::new("C", Severity::Critical, "b.py").line(Some(7)));
        for f in findings {
            let key = super::finding_key(&f.rule, &f.location, f.line, f.package.as_deref());
            assert_eq!(key, f.key());
            eager.push(f.clone());
            lazy.push_with(key, f.severity, || {
                built += 1;
                f
            });
        }
        assert_eq!(lazy, eager);
        assert_eq!(lazy.duplicates, 1);
        // The low one past the limit and the duplicate were never built.
        assert_eq!(built, super::KEEP_DETAILS + 1);
        assert_eq!(lazy.sorted()[0].rule, "C");
    }
}
