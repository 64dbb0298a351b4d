//! `[quality_gate]` in slipway.toml. Every key is optional; unknown keys are errors with
//! their line. Thresholds live in one table per category:
//!
//! ```toml
//! [quality_gate]
//! reports = ["reports/junit.xml", "reports/coverage.xml"]
//! critical_modules = ["src/models/**"]
//!
//! [quality_gate.coverage]
//! line = { critical = 80, warning = 85 }
//! ```

use serde::Deserialize;

use crate::rules::{Rules, Source, Threshold};

/// What a missing report, or a check with no report behind it, does to the verdict.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize, clap::ValueEnum,
)]
#[serde(rename_all = "kebab-case")]
pub enum Missing {
    /// The gate fails.
    #[default]
    Fail,
    /// The gate warns.
    Warn,
    /// Nothing happens.
    Ignore,
}

/// What the gate does on a draft pull request.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize, clap::ValueEnum,
)]
#[serde(rename_all = "kebab-case")]
pub enum Draft {
    /// Enforce as usual.
    #[default]
    Enforce,
    /// Evaluate and report, but never fail (exit 0).
    WarnOnly,
    /// Do not evaluate at all (exit 0 with a notice).
    Skip,
}

/// The `[quality_gate]` section.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GateConfig {
    /// Gate name: the PR comment marker and commit status context (default `quality-gate`).
    pub name: Option<String>,
    /// Report files or globs, used when none are given on the command line.
    pub reports: Vec<String>,
    /// `"KIND=GLOB"` format overrides, like `--format`.
    pub formats: Vec<String>,
    /// Categories that must have at least one report: `tests`, `coverage`, `security`, `secrets`,
    /// `lint`, `performance`.
    pub require: Vec<String>,
    /// What a missing report does (default `fail`).
    pub missing: Option<Missing>,
    /// What happens on a draft PR (default `enforce`).
    pub draft: Option<Draft>,
    /// Coverage globs held to `coverage.critical_modules`.
    pub critical_modules: Vec<String>,
    /// Post a sticky PR comment (default true on pull requests with a token).
    pub comment: Option<bool>,
    /// Set a commit status (default false).
    pub status: Option<bool>,
    /// Minimum absolute slowdown, in milliseconds, before a benchmark regression counts
    /// (default 1 ms): percentages of tiny timings are noise on shared runners.
    pub min_regression_ms: Option<f64>,
    /// Skip reports that cannot be parsed with a warning instead of failing (exit 2).
    pub skip_invalid: Option<bool>,
    /// Maximum annotations emitted per level (default 10, GitHub's per-step display limit).
    pub max_annotations: Option<usize>,
    /// Tests thresholds.
    pub tests: TestsRules,
    /// Coverage thresholds.
    pub coverage: CoverageRules,
    /// Security thresholds.
    pub security: SecurityRules,
    /// Secrets thresholds.
    pub secrets: SecretsRules,
    /// Lint thresholds.
    pub lint: LintRules,
    /// Performance thresholds.
    pub performance: PerformanceRules,
    /// New-code thresholds (pull requests).
    pub new_code: NewCodeRules,
    /// Absolute benchmark targets, `[[quality_gate.benchmarks]]`.
    pub benchmarks: Vec<crate::benchmarks::BenchmarkTarget>,
}

macro_rules! category {
    ($name:ident, $cat:literal, { $($field:ident),* }) => {
        #[doc = concat!("`[quality_gate.", $cat, "]`.")]
        #[derive(Debug, Clone, Default, Deserialize)]
        #[serde(deny_unknown_fields, default)]
        pub struct $name {
            $(#[doc = concat!("`", $cat, ".", stringify!($field), "`")] pub $field: Option<Threshold>,)*
        }

        impl $name {
            fn apply(&self, rules: &mut Rules, source: &Source) -> Result<(), String> {
                $(if let Some(t) = &self.$field {
                    rules.apply(concat!($cat, ".", stringify!($field)), t, source)?;
                })*
                Ok(())
            }
        }
    };
}

category!(TestsRules, "tests", { failures, total, flaky });
category!(CoverageRules, "coverage", { line, branch, critical_modules });
category!(SecurityRules, "security", { critical, high, medium, low, empty_scans });
category!(SecretsRules, "secrets", { found });
category!(LintRules, "lint", { pylint_score, errors, warnings });
category!(PerformanceRules, "performance", { regression, p95_ms, p99_ms, error_rate, rps });
category!(NewCodeRules, "new_code", { coverage, vulnerabilities });

impl GateConfig {
    /// Applies the configured thresholds on top of `rules`.
    pub fn apply(&self, rules: &mut Rules, file: &str) -> Result<(), String> {
        let source = Source::Config(file.to_owned());
        self.tests.apply(rules, &source)?;
        self.coverage.apply(rules, &source)?;
        self.security.apply(rules, &source)?;
        self.secrets.apply(rules, &source)?;
        self.lint.apply(rules, &source)?;
        self.performance.apply(rules, &source)?;
        self.new_code.apply(rules, &source)?;
        for (i, target) in self.benchmarks.iter().enumerate() {
            target.validate(i)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_004_config_reads_and_applies() {
        let cfg = slipway_config::ConfigFile::from_text(
            Some("slipway.toml".into()),
            r#"
[quality_gate]
critical_modules = ["src/models/**"]
draft = "warn-only"
[quality_gate.coverage]
line = { critical = 85, warning = 90 }
[quality_gate.security]
medium = { warning = 4 }
"#
            .to_owned(),
        )
        .unwrap();
        let gate: GateConfig = cfg.section("quality_gate").unwrap();
        assert_eq!(gate.draft, Some(Draft::WarnOnly));
        let mut rules = Rules::default();
        gate.apply(&mut rules, "slipway.toml").unwrap();
        assert!((rules.get("coverage.line").critical.as_ref().unwrap().value - 85.0).abs() < 1e-9);
    }

    #[test]
    fn unknown_threshold_key_names_its_line() {
        let cfg = slipway_config::ConfigFile::from_text(
            Some("slipway.toml".into()),
            "[quality_gate.coverage]\nlines = { critical = 80 }\n".to_owned(),
        )
        .unwrap();
        let err = cfg
            .section::<GateConfig>("quality_gate")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("slipway.toml:2:"), "{err}");
        assert!(err.contains("lines"), "{err}");
    }
}
