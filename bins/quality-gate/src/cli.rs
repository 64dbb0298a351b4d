//! Command-line arguments. Doc comments are the `--help` text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::config::{Draft, Missing};
use crate::rules::Rules;

/// One verdict from test, coverage, security, lint and performance reports.
///
/// Reads the reports your tools already write (JUnit, Cobertura, LCOV, coverage.py JSON,
/// JaCoCo, SARIF, Trivy, Grype, pip-audit, cargo-audit, bandit, pylint, ruff, flake8,
/// clippy, pytest-benchmark, criterion, hyperfine, Locust, k6), detects each format from
/// its content, checks the thresholds in `[quality_gate]` of slipway.toml, and exits 0
/// (pass or warn), 1 (fail) or 2 (unusable input).
#[derive(Debug, Parser)]
#[command(
    name = "quality-gate",
    version,
    about,
    long_about,
    subcommand_precedence_over_arg = true
)]
pub struct Cli {
    /// Path to slipway.toml (default: ./slipway.toml, then ./.github/slipway.toml).
    #[arg(long, global = true, env = "SLIPWAY_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// What to do; without a subcommand, evaluate the reports.
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Gate arguments.
    #[command(flatten)]
    pub gate: GateArgs,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the effective rules and where each threshold came from (default, config, flag);
    /// given reports, also each covered file's merged coverage and the reports behind it.
    Explain {
        /// Report files or globs whose coverage to explain, file by file.
        #[arg(value_name = "REPORT")]
        reports: Vec<String>,
        /// Force a format for files matching a glob, as for a gate run.
        #[arg(long = "format", value_name = "KIND=GLOB")]
        formats: Vec<String>,
        /// Threshold flags, as for a gate run.
        #[command(flatten)]
        thresholds: ThresholdArgs,
        /// Print the rules as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Arguments of a gate run.
#[derive(Debug, Clone, Default, Args)]
pub struct GateArgs {
    /// Report files or globs (quote globs: 'reports/**/*.xml'). Default: `reports` in
    /// `[quality_gate]`.
    #[arg(value_name = "REPORT")]
    pub reports: Vec<String>,

    /// Force a format for files matching a glob, e.g. `--format junit='out/*.xml'`.
    #[arg(long = "format", value_name = "KIND=GLOB")]
    pub formats: Vec<String>,

    /// A previous gate.json, or a report of the base branch, to compare against
    /// (benchmark regressions, new vulnerabilities).
    #[arg(long, value_name = "FILE", env = "SLIPWAY_GATE_BASELINE")]
    pub baseline: Option<PathBuf>,

    /// Base branch or commit for new-code coverage (default: the PR's base branch,
    /// `origin/$GITHUB_BASE_REF`).
    #[arg(long, value_name = "REF", env = "SLIPWAY_GATE_BASE")]
    pub base: Option<String>,

    /// Gate name: the PR comment marker and commit status context.
    #[arg(long, env = "SLIPWAY_GATE_NAME")]
    pub name: Option<String>,

    /// What a report glob matching no file, or a required category without a report, does.
    #[arg(long, value_enum)]
    pub missing: Option<Missing>,

    /// What to do on a draft pull request.
    #[arg(long, value_enum)]
    pub draft: Option<Draft>,

    /// Categories that must have a report (tests, coverage, security, secrets, lint, performance).
    #[arg(long, value_delimiter = ',', value_name = "CATEGORY")]
    pub require: Vec<String>,

    /// Post or update the sticky pull-request comment (needs GITHUB_TOKEN).
    #[arg(long, overrides_with = "no_comment")]
    pub comment: bool,
    /// Do not post the pull-request comment.
    #[arg(long)]
    pub no_comment: bool,

    /// Set a commit status named after the gate (needs GITHUB_TOKEN).
    #[arg(long)]
    pub status: bool,

    /// Never fail: report and exit 0 (like a draft PR in warn-only mode).
    #[arg(long)]
    pub warn_only: bool,

    /// Skip reports that cannot be parsed, with a warning, instead of exiting 2.
    #[arg(long)]
    pub skip_invalid: bool,

    /// Threshold flags.
    #[command(flatten)]
    pub thresholds: ThresholdArgs,

    /// JSON output.
    #[command(flatten)]
    pub output: slipway_kit::OutputArgs,
}

/// Every threshold as a flag. Named flags set the critical (fail) threshold; `--set`
/// reaches any field of any rule.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Thresholds")]
pub struct ThresholdArgs {
    /// Any rule field: `--set coverage.line.warning=90`, `--set lint.pylint_score.enabled=false`.
    /// Run `quality-gate explain` for the rule names.
    #[arg(long = "set", value_name = "RULE.FIELD=VALUE")]
    pub set: Vec<String>,
    /// Fail below this line coverage, percent.
    #[arg(long, value_name = "PERCENT")]
    pub min_coverage: Option<f64>,
    /// Fail below this branch coverage, percent.
    #[arg(long, value_name = "PERCENT")]
    pub min_branch_coverage: Option<f64>,
    /// Fail when a critical module's line coverage is below this, percent.
    #[arg(long, value_name = "PERCENT")]
    pub min_critical_coverage: Option<f64>,
    /// Fail when changed lines are covered less than this, percent.
    #[arg(long, value_name = "PERCENT")]
    pub min_new_coverage: Option<f64>,
    /// Fail with more failed or errored tests than this.
    #[arg(long, value_name = "N")]
    pub max_failures: Option<f64>,
    /// Fail with fewer tests than this.
    #[arg(long, value_name = "N")]
    pub min_tests: Option<f64>,
    /// Fail with more flaky tests than this.
    #[arg(long, value_name = "N")]
    pub max_flaky: Option<f64>,
    /// Fail with more critical vulnerabilities than this.
    #[arg(long, value_name = "N")]
    pub max_critical: Option<f64>,
    /// Fail with more high vulnerabilities than this.
    #[arg(long, value_name = "N")]
    pub max_high: Option<f64>,
    /// Fail with more medium vulnerabilities than this.
    #[arg(long, value_name = "N")]
    pub max_medium: Option<f64>,
    /// Fail with more low vulnerabilities than this.
    #[arg(long, value_name = "N")]
    pub max_low: Option<f64>,
    /// Fail with more secrets found (Gitleaks, TruffleHog) than this (default 0).
    #[arg(long, value_name = "N")]
    pub max_secrets: Option<f64>,
    /// Fail with more new critical/high vulnerabilities than the baseline.
    #[arg(long, value_name = "N")]
    pub max_new_vulnerabilities: Option<f64>,
    /// Fail below this pylint score (0-10).
    #[arg(long, value_name = "SCORE")]
    pub min_pylint_score: Option<f64>,
    /// Fail with more lint errors than this.
    #[arg(long, value_name = "N")]
    pub max_lint_errors: Option<f64>,
    /// Fail with more lint warnings than this.
    #[arg(long, value_name = "N")]
    pub max_lint_warnings: Option<f64>,
    /// Fail when a benchmark is slower than the baseline by more than this, percent.
    #[arg(long, value_name = "PERCENT")]
    pub max_regression: Option<f64>,
    /// Fail when the load test's p95 latency is above this, ms.
    #[arg(long, value_name = "MS")]
    pub max_p95_ms: Option<f64>,
    /// Fail when the load test's p99 latency is above this, ms.
    #[arg(long, value_name = "MS")]
    pub max_p99_ms: Option<f64>,
    /// Fail when the load test's error rate is above this, percent.
    #[arg(long, value_name = "PERCENT")]
    pub max_error_rate: Option<f64>,
    /// Fail when the load test's throughput is below this, requests per second.
    #[arg(long, value_name = "RPS")]
    pub min_rps: Option<f64>,
}

impl ThresholdArgs {
    /// Applies the flags on top of `rules` (named flags first, then `--set`).
    pub fn apply(&self, rules: &mut Rules) -> Result<(), String> {
        let named = [
            ("coverage.line", self.min_coverage, "--min-coverage"),
            (
                "coverage.branch",
                self.min_branch_coverage,
                "--min-branch-coverage",
            ),
            (
                "coverage.critical_modules",
                self.min_critical_coverage,
                "--min-critical-coverage",
            ),
            (
                "new_code.coverage",
                self.min_new_coverage,
                "--min-new-coverage",
            ),
            ("tests.failures", self.max_failures, "--max-failures"),
            ("tests.total", self.min_tests, "--min-tests"),
            ("tests.flaky", self.max_flaky, "--max-flaky"),
            ("security.critical", self.max_critical, "--max-critical"),
            ("security.high", self.max_high, "--max-high"),
            ("security.medium", self.max_medium, "--max-medium"),
            ("security.low", self.max_low, "--max-low"),
            ("secrets.found", self.max_secrets, "--max-secrets"),
            (
                "new_code.vulnerabilities",
                self.max_new_vulnerabilities,
                "--max-new-vulnerabilities",
            ),
            (
                "lint.pylint_score",
                self.min_pylint_score,
                "--min-pylint-score",
            ),
            ("lint.errors", self.max_lint_errors, "--max-lint-errors"),
            (
                "lint.warnings",
                self.max_lint_warnings,
                "--max-lint-warnings",
            ),
            (
                "performance.regression",
                self.max_regression,
                "--max-regression",
            ),
            ("performance.p95_ms", self.max_p95_ms, "--max-p95-ms"),
            ("performance.p99_ms", self.max_p99_ms, "--max-p99-ms"),
            (
                "performance.error_rate",
                self.max_error_rate,
                "--max-error-rate",
            ),
            ("performance.rps", self.min_rps, "--min-rps"),
        ];
        for (id, value, flag) in named {
            if let Some(v) = value {
                if !v.is_finite() {
                    return Err(format!("{flag}: {v} is not a number"));
                }
                rules.flag(id, v, flag);
            }
        }
        for s in &self.set {
            rules.set(s)?;
        }
        Ok(())
    }
}
