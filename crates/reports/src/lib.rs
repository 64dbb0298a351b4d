//! Streaming parsers for the reports CI tools write: tests (JUnit and friends), coverage
//! (Cobertura, LCOV, coverage.py JSON, JaCoCo), security (SARIF, Trivy, Grype, pip-audit,
//! cargo-audit, bandit, Safety, OSV-Scanner, Semgrep, Checkov, Snyk, npm/pnpm/yarn audit),
//! secrets (Gitleaks, TruffleHog), lint (pylint, ruff, flake8, clippy, Hadolint) and performance
//! (pytest-benchmark, criterion, hyperfine, Locust, k6).
//!
//! Every parser reads its input once, front to back, through a buffered reader and keeps
//! only aggregates plus a bounded number of details, so a 2 GB report costs no more memory
//! than a small one. Every error names the file and, where there is one, the position.
#![deny(missing_docs)]
// The serde structs mirror the field names of the formats they read.
#![allow(clippy::struct_field_names)]

pub mod bandit;
pub mod cargo_audit;
pub mod checkov;
mod chunks;
pub mod clippy;
pub mod cobertura;
pub mod coveragepy;
pub mod criterion;
pub mod cvss;
pub mod detect;
mod detect_json;
mod encoding;
pub mod error;
pub mod flake8;
pub mod gitleaks;
pub mod grype;
pub mod hadolint;
pub mod hyperfine;
pub mod jacoco;
mod json;
mod json_scan;
mod json_stream;
mod jsonl;
pub mod junit;
pub mod k6;
pub mod kube_linter;
pub mod lcov;
pub mod lines;
pub mod locust;
pub mod model;
pub mod npm_audit;
pub mod osv_scanner;
pub mod paths;
pub mod pip_audit;
pub mod pylint;
pub mod pytest_benchmark;
pub mod ruff;
pub mod safety;
pub mod sarif;
mod sarif_result;
pub mod semgrep;
mod sniff;
pub mod snyk;
pub mod trivy;
pub mod trufflehog;
mod xml;
mod xml_reader;
pub mod yarn_audit;

use std::io::BufReader;
use std::path::Path;

pub use detect::{Kind, detect};
pub use error::{ParseError, Position};
pub use model::{
    Benchmark, Counter, CoverageReport, Finding, FindingsReport, LintReport, LoadStats, PerfReport,
    Severity, TestReport,
};

/// What a report measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    /// Test results.
    Tests,
    /// Code coverage.
    Coverage,
    /// Security findings.
    Security,
    /// Secrets found in code or history (Gitleaks, TruffleHog).
    Secrets,
    /// Linter messages and scores.
    Lint,
    /// Benchmarks and load tests.
    Performance,
}

/// A parsed report.
#[derive(Debug, Clone, PartialEq)]
pub enum Report {
    /// Test results.
    Tests(TestReport),
    /// Coverage.
    Coverage(CoverageReport),
    /// Security findings.
    Security(FindingsReport),
    /// Secrets found.
    Secrets(FindingsReport),
    /// Lint results.
    Lint(LintReport),
    /// Performance results.
    Performance(PerfReport),
}

impl Report {
    /// The report's category.
    pub fn category(&self) -> Category {
        match self {
            Report::Tests(_) => Category::Tests,
            Report::Coverage(_) => Category::Coverage,
            Report::Security(_) => Category::Security,
            Report::Secrets(_) => Category::Secrets,
            Report::Lint(_) => Category::Lint,
            Report::Performance(_) => Category::Performance,
        }
    }
}

/// Decides which coverage files keep per-line hit counts.
type LineFilter = Box<dyn Fn(&str) -> bool + Send + Sync>;

/// Parser options.
#[derive(Default)]
pub struct Options {
    keep_line_hits: Option<LineFilter>,
    no_line_detail: bool,
}

impl std::fmt::Debug for Options {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Options")
            .field("keep_line_hits", &self.keep_line_hits.is_some())
            .field("no_line_detail", &self.no_line_detail)
            .finish()
    }
}

impl Options {
    /// Keeps per-line hit counts for coverage files whose path satisfies `filter` (for
    /// diff coverage); other files keep only their totals.
    #[must_use]
    pub fn keep_line_hits(mut self, filter: impl Fn(&str) -> bool + Send + Sync + 'static) -> Self {
        self.keep_line_hits = Some(Box::new(filter));
        self
    }

    /// Keeps only each file's counts, not which lines and branches were covered: for a
    /// report that will not be merged with another (a single coverage file), where the
    /// per-line detail would only cost memory. Reports read this way merge by adding.
    #[must_use]
    pub fn without_line_detail(mut self) -> Self {
        self.no_line_detail = true;
        self
    }

    /// Drops `file`'s per-line detail when [`Options::without_line_detail`] asked, else
    /// gives back the memory reserved while reading it.
    pub(crate) fn finish(&self, file: &mut model::FileCoverage) {
        if self.no_line_detail {
            file.detail = lines::LineDetail::default();
        } else {
            file.detail.shrink();
        }
    }

    /// Whether per-line detail is kept (see [`Options::without_line_detail`]): parsers
    /// skip recording what [`Options::finish`] would drop.
    pub(crate) fn keeps_detail(&self) -> bool {
        !self.no_line_detail
    }

    pub(crate) fn keeps_lines(&self, file: &str) -> bool {
        self.keep_line_hits.as_ref().is_some_and(|f| f(file))
    }
}

/// Reads buffer size: large enough to keep syscalls rare on multi-GB inputs.
const BUFFER: usize = 256 * 1024;

/// Parses the report at `path`, detecting its format from its content unless `kind` is
/// given. Errors name the file and the line:column (or byte) where parsing stopped.
pub fn parse_path(
    path: &Path,
    kind: Option<Kind>,
    options: &Options,
) -> Result<(Kind, Report), ParseError> {
    let file = std::fs::File::open(path)
        .map_err(|e| ParseError::whole(path, format!("cannot read: {e}")))?;
    let meta = file
        .metadata()
        .map_err(|e| ParseError::whole(path, format!("cannot read: {e}")))?;
    if meta.is_dir() {
        return Err(ParseError::whole(path, "is a directory, not a report"));
    }
    if meta.len() == 0 {
        // TruffleHog writes nothing at all when it finds no secret: for a file declared
        // or named as its output, empty is that clean run. Every other tool writes a
        // document even when it finds nothing, so there an empty file is a step that
        // never wrote its report.
        if kind.or_else(|| detect_json::by_tool_name(path)) == Some(Kind::Trufflehog) {
            return Ok((Kind::Trufflehog, Report::Secrets(FindingsReport::default())));
        }
        return Err(ParseError::whole(path, "file is empty"));
    }
    let mut reader = BufReader::with_capacity(BUFFER, file);
    let kind = if let Some(k) = kind {
        k
    } else {
        let head = std::io::BufRead::fill_buf(&mut reader)
            .map_err(|e| ParseError::whole(path, format!("cannot read: {e}")))?;
        // Detection decodes the head itself (UTF-16, a byte-order mark, a declared encoding).
        detect(head, path).map_err(ParseError::located)?
    };
    parse_reader(kind, reader, path, options)
        .map(|r| (kind, r))
        .map_err(ParseError::located)
}

/// Parses a report of a known `kind` from `input`, in UTF-8 or UTF-16 (with or without a
/// byte-order mark) or, for XML, the encoding its declaration names; `path` names it in
/// errors.
pub fn parse_reader(
    kind: Kind,
    input: impl std::io::BufRead,
    path: &Path,
    options: &Options,
) -> Result<Report, ParseError> {
    // The XML parsers decode on their own (the declaration may name the encoding); the
    // others read UTF-8, so UTF-16 and a UTF-8 byte-order mark (serde_json refuses it)
    // are dealt with here.
    if matches!(kind, Kind::Junit | Kind::Cobertura | Kind::Jacoco) {
        parse_utf8(kind, input, path, options)
    } else {
        // UTF-8 goes to the parser as the reader it came in: serde_json reads byte by byte,
        // which the standard library does fast only straight from a `BufReader`.
        match encoding::Decoded::new(input, path)?.into_utf8() {
            Ok(utf8) => parse_utf8(kind, utf8, path, options),
            Err(decoded) => parse_utf8(kind, decoded, path, options),
        }
    }
}

fn parse_utf8(
    kind: Kind,
    input: impl std::io::BufRead,
    path: &Path,
    options: &Options,
) -> Result<Report, ParseError> {
    Ok(match kind {
        Kind::Junit => Report::Tests(junit::parse(input, path)?),
        Kind::Cobertura => Report::Coverage(cobertura::parse(input, path, options)?),
        Kind::Lcov => Report::Coverage(lcov::parse(input, path, options)?),
        Kind::CoveragePy => Report::Coverage(coveragepy::parse(input, path, options)?),
        Kind::Jacoco => Report::Coverage(jacoco::parse(input, path, options)?),
        Kind::Sarif => Report::Security(sarif::parse(input, path)?),
        Kind::Trivy => Report::Security(trivy::parse(input, path)?),
        Kind::Grype => Report::Security(grype::parse(input, path)?),
        Kind::PipAudit => Report::Security(pip_audit::parse(input, path)?),
        Kind::CargoAudit => Report::Security(cargo_audit::parse(input, path)?),
        Kind::Bandit => Report::Security(bandit::parse(input, path)?),
        Kind::Safety => Report::Security(safety::parse(input, path)?),
        Kind::OsvScanner => Report::Security(osv_scanner::parse(input, path)?),
        Kind::Semgrep => Report::Security(semgrep::parse(input, path)?),
        Kind::Checkov => Report::Security(checkov::parse(input, path)?),
        Kind::Snyk => Report::Security(snyk::parse(input, path)?),
        Kind::NpmAudit => Report::Security(npm_audit::parse(input, path)?),
        Kind::YarnAudit => Report::Security(yarn_audit::parse(input, path)?),
        Kind::Gitleaks => Report::Secrets(gitleaks::parse(input, path)?),
        Kind::Trufflehog => Report::Secrets(trufflehog::parse(input, path)?),
        Kind::Hadolint => Report::Lint(hadolint::parse(input, path)?),
        Kind::KubeLinter => Report::Security(kube_linter::parse(input, path)?),
        Kind::Pylint => Report::Lint(pylint::parse(input, path)?),
        Kind::Ruff => Report::Lint(ruff::parse(input, path)?),
        Kind::Flake8 => Report::Lint(flake8::parse(input, path)?),
        Kind::Clippy => Report::Lint(clippy::parse(input, path)?),
        Kind::PytestBenchmark => Report::Performance(pytest_benchmark::parse(input, path)?),
        Kind::Criterion => Report::Performance(criterion::parse(input, path)?),
        Kind::Hyperfine => Report::Performance(hyperfine::parse(input, path)?),
        Kind::Locust => Report::Performance(locust::parse(input, path)?),
        Kind::K6 => Report::Performance(k6::parse(input, path)?),
    })
}

/// Whether `line` looks like flake8's default output: `path:line:col: CODE message`.
pub(crate) fn flake8_line(line: &str) -> bool {
    let mut parts = line.splitn(4, ':');
    let (Some(file), Some(l), Some(c), Some(rest)) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let code = rest.split_whitespace().next().unwrap_or_default();
    !file.is_empty()
        && l.chars().all(|c| c.is_ascii_digit())
        && !l.is_empty()
        && c.chars().all(|c| c.is_ascii_digit())
        && code.len() >= 2
        && code.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && code.chars().any(|c| c.is_ascii_digit())
}
