//! Report inputs: expand the REPORT arguments (files or globs), pick each file's format
//! (forced by `--format KIND=GLOB`, else detected from content), parse, and merge per
//! category. A pattern that matches no file is recorded as missing, never ignored.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use slipway_kit::Failure;
use slipway_reports::{
    Category, CoverageReport, FindingsReport, Kind, LintReport, Options, PerfReport, Report,
    TestReport,
};

/// One parsed report file.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Source {
    /// The file, as found.
    pub path: String,
    /// Its format.
    pub format: Kind,
    /// What it measures.
    pub category: Category,
}

/// Everything read, merged per category.
#[derive(Debug, Default)]
pub struct Inputs {
    /// Every file parsed.
    pub sources: Vec<Source>,
    /// Patterns that matched no file.
    pub missing: Vec<String>,
    /// Merged tests.
    pub tests: Option<TestReport>,
    /// Merged coverage.
    pub coverage: Option<CoverageReport>,
    /// Merged security findings.
    pub security: Option<FindingsReport>,
    /// Merged secrets found.
    pub secrets: Option<FindingsReport>,
    /// Merged lint.
    pub lint: Option<LintReport>,
    /// Merged performance.
    pub performance: Option<PerfReport>,
}

impl Inputs {
    /// Files that fed a category.
    pub fn files(&self, category: Category) -> Vec<String> {
        self.sources
            .iter()
            .filter(|s| s.category == category)
            .map(|s| s.path.clone())
            .collect()
    }

    /// Whether any report of `category` was read.
    pub fn has(&self, category: Category) -> bool {
        self.sources.iter().any(|s| s.category == category)
    }

    fn add(&mut self, report: Report) {
        match report {
            Report::Tests(r) => self.tests.get_or_insert_with(Default::default).merge(r),
            Report::Coverage(r) => self.coverage.get_or_insert_with(Default::default).merge(r),
            Report::Security(r) => self.security.get_or_insert_with(Default::default).merge(r),
            Report::Secrets(r) => self.secrets.get_or_insert_with(Default::default).merge(r),
            Report::Lint(r) => self.lint.get_or_insert_with(Default::default).merge(r),
            Report::Performance(r) => self
                .performance
                .get_or_insert_with(Default::default)
                .merge(r),
        }
    }
}

/// Which coverage files keep per-line hits (the files a pull request changed).
pub type LineFilter = Arc<dyn Fn(&str) -> bool + Send + Sync>;

/// A `--format KIND=GLOB` override.
#[derive(Debug, Clone)]
pub struct Override {
    kind: Kind,
    matcher: globset::GlobMatcher,
}

/// Parses `KIND=GLOB`.
pub fn parse_override(text: &str) -> Result<Override, Failure> {
    let (kind, glob) = text.split_once('=').ok_or_else(|| {
        Failure::bad_input(format!("--format {text:?}: expected KIND=GLOB"))
            .help("e.g. --format junit='build/test-results/**/*.xml'")
    })?;
    let kind: Kind = kind
        .parse()
        .map_err(|e: String| Failure::bad_input(format!("--format {text:?}: {e}")))?;
    let matcher = globset::Glob::new(glob.trim())
        .map_err(|e| Failure::bad_input(format!("--format {text:?}: bad glob: {e}")))?
        .compile_matcher();
    Ok(Override { kind, matcher })
}

/// Expands patterns into files (sorted, deduplicated); patterns matching nothing are
/// returned separately.
pub fn expand(patterns: &[String]) -> Result<(Vec<PathBuf>, Vec<String>), Failure> {
    let mut files = BTreeSet::new();
    let mut missing = Vec::new();
    for pattern in patterns {
        let before = files.len();
        if pattern.contains(['*', '?', '[']) {
            let paths = glob::glob(pattern).map_err(|e| {
                Failure::bad_input(format!(
                    "report pattern {pattern:?} is not a valid glob: {e}"
                ))
            })?;
            for p in paths.flatten() {
                if p.is_file() {
                    files.insert(p);
                }
            }
        } else {
            let p = PathBuf::from(pattern);
            if p.is_dir() {
                return Err(
                    Failure::bad_input(format!("{pattern} is a directory, not a report"))
                        .help(format!("pass a glob such as '{pattern}/**/*.xml'")),
                );
            }
            if p.exists() {
                files.insert(p);
            }
        }
        if files.len() == before && !files.iter().any(|f| same(f, pattern)) {
            missing.push(pattern.clone());
        }
    }
    Ok((files.into_iter().collect(), missing))
}

fn same(p: &Path, pattern: &str) -> bool {
    p == Path::new(pattern)
}

/// Reads every file; a file that cannot be parsed is bad input (exit 2) naming file and
/// position, unless `skip_invalid`, which turns it into a warning through `warn`.
pub fn load(
    files: &[PathBuf],
    overrides: &[Override],
    keep_lines: Option<&LineFilter>,
    skip_invalid: bool,
    warn: &dyn Fn(&str),
) -> Result<Inputs, Failure> {
    let mut inputs = Inputs::default();
    for file in files {
        let shown = file.display().to_string();
        let forced = overrides
            .iter()
            .find(|o| {
                o.matcher.is_match(file) || o.matcher.is_match(shown.trim_start_matches("./"))
            })
            .map(|o| o.kind);
        let mut options = Options::default();
        if files.len() == 1 {
            // Nothing to merge with: keep the counts, not which lines were covered.
            options = options.without_line_detail();
        }
        if let Some(f) = keep_lines.cloned() {
            options = options.keep_line_hits(move |p| f(p));
        }
        match slipway_reports::parse_path(file, forced, &options) {
            Ok((kind, report)) => {
                if let Report::Security(r) | Report::Secrets(r) = &report {
                    for w in r.warnings.iter().chain(&r.empty_scans) {
                        warn(w);
                    }
                }
                let mut report = report;
                if let Report::Coverage(c) = &mut report {
                    c.attribute(&shown);
                }
                inputs.sources.push(Source {
                    path: shown,
                    format: kind,
                    category: report.category(),
                });
                inputs.add(report);
            }
            Err(e) if skip_invalid => warn(&format!("skipped unreadable report {e}")),
            Err(e) => {
                return Err(Failure::bad_input(e.to_string()).help(
                    "fix or regenerate the report; if its format was misdetected, force it with --format KIND=GLOB",
                ));
            }
        }
    }
    Ok(inputs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pattern_that_matches_nothing_is_missing_not_ignored() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.xml"), "<testsuite/>").unwrap();
        let glob = format!("{}/*.xml", dir.path().display());
        let none = format!("{}/nope/*.xml", dir.path().display());
        let (files, missing) = expand(&[glob, none.clone()]).unwrap();
        assert_eq!(files.len(), 1);
        assert_eq!(missing, vec![none]);
    }

    #[test]
    fn format_override_needs_kind_and_glob() {
        assert!(parse_override("junit=out/*.xml").is_ok());
        assert!(
            parse_override("junit")
                .unwrap_err()
                .cause
                .contains("KIND=GLOB")
        );
        assert!(
            parse_override("jnuit=x")
                .unwrap_err()
                .cause
                .contains("known formats")
        );
    }
}
