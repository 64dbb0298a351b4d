//! Format detection from the first kilobytes of a report, and the format names users
//! pass to `--format KIND=GLOB`.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use crate::Category;
use crate::error::ParseError;

/// How many leading bytes detection looks at.
pub const SNIFF_BYTES: usize = 8 * 1024;

macro_rules! kinds {
    ($($variant:ident => $name:literal, $cat:ident, $doc:literal;)*) => {
        /// A report format.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
        pub enum Kind {
            $(#[doc = $doc] #[serde(rename = $name)] $variant,)*
        }

        impl Kind {
            /// Every format, in documentation order.
            pub const ALL: &'static [Kind] = &[$(Kind::$variant,)*];

            /// The name used on the command line and in `gate.json`.
            pub fn name(self) -> &'static str {
                match self { $(Kind::$variant => $name,)* }
            }

            /// What the format measures.
            pub fn category(self) -> Category {
                match self { $(Kind::$variant => Category::$cat,)* }
            }
        }
    };
}

kinds! {
    Junit => "junit", Tests, "JUnit XML (and NUnit, xUnit.net, TRX).";
    Cobertura => "cobertura", Coverage, "Cobertura XML.";
    Lcov => "lcov", Coverage, "LCOV tracefile.";
    CoveragePy => "coverage-py", Coverage, "coverage.py JSON (`coverage json`).";
    Jacoco => "jacoco", Coverage, "JaCoCo XML.";
    Sarif => "sarif", Security, "SARIF 2.1.0.";
    Trivy => "trivy", Security, "Trivy JSON (`--format json`).";
    Grype => "grype", Security, "Grype JSON (`-o json`).";
    PipAudit => "pip-audit", Security, "pip-audit JSON (`-f json`).";
    CargoAudit => "cargo-audit", Security, "cargo-audit JSON (`--json`).";
    Bandit => "bandit", Security, "bandit JSON (`-f json`).";
    Pylint => "pylint", Lint, "pylint JSON, JSON2 or text with its score line.";
    Ruff => "ruff", Lint, "ruff JSON (`--output-format json`).";
    Flake8 => "flake8", Lint, "flake8 default text output.";
    Clippy => "clippy", Lint, "cargo clippy `--message-format=json` lines.";
    PytestBenchmark => "pytest-benchmark", Performance, "pytest-benchmark JSON (`--benchmark-json`).";
    Criterion => "criterion", Performance, "criterion `estimates.json`.";
    Hyperfine => "hyperfine", Performance, "hyperfine JSON (`--export-json`).";
    Locust => "locust", Performance, "Locust `*_stats.csv`.";
    K6 => "k6", Performance, "k6 summary JSON (`--summary-export`).";
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Kind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let wanted = s.trim().to_ascii_lowercase().replace('_', "-");
        let alias = match wanted.as_str() {
            "nunit" | "xunit" | "trx" | "surefire" | "nextest" | "pytest" => "junit",
            "coverage.py" | "coveragepy" | "coverage-json" => "coverage-py",
            "lcov.info" => "lcov",
            "pytest_benchmark" => "pytest-benchmark",
            other => other,
        };
        Kind::ALL
            .iter()
            .copied()
            .find(|k| k.name() == alias)
            .ok_or_else(|| {
                format!(
                    "unknown report format {s:?}; known formats: {}",
                    Kind::ALL
                        .iter()
                        .map(|k| k.name())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })
    }
}

/// Detects the format of a report from its first bytes (`head`); `path` names it in errors.
pub fn detect(head: &[u8], path: &Path) -> Result<Kind, ParseError> {
    let head = &head[..head.len().min(SNIFF_BYTES)];
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    if head.starts_with(b"\xFF\xFE") || head.starts_with(b"\xFE\xFF") {
        return Err(ParseError::at(
            path,
            0,
            "the file is UTF-16; write the report as UTF-8",
        ));
    }
    let text = String::from_utf8_lossy(head);
    let trimmed = text.trim_start();
    let unknown = || {
        ParseError::at(
            path,
            0,
            format!(
                "cannot tell the report format from its start ({:?}); pass --format KIND={}",
                crate::xml::preview(trimmed.as_bytes()),
                path.display()
            ),
        )
    };
    if trimmed.is_empty() {
        return Err(ParseError::whole(path, "file is empty (only whitespace)"));
    }
    if trimmed.starts_with('<') {
        let root = xml_root(trimmed).ok_or_else(unknown)?;
        return match root.as_str() {
            "testsuites" | "testsuite" | "test-run" | "test-results" | "test-suite"
            | "assemblies" | "assembly" | "TestRun" => Ok(Kind::Junit),
            "coverage" => Ok(Kind::Cobertura),
            "report" => Ok(Kind::Jacoco),
            r if r.eq_ignore_ascii_case("html") => Err(ParseError::at(
                path,
                0,
                "this is an HTML page, not a report (an error page saved in place of the report?)",
            )),
            other => Err(ParseError::at(
                path,
                0,
                format!(
                    "unknown XML report: root element <{other}>; pass --format KIND={}",
                    path.display()
                ),
            )),
        };
    }
    let has = |needle: &str| trimmed.contains(needle);
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        let kind = if has("\"runs\"") && (has("sarif") || has("\"version\"")) {
            Kind::Sarif
        } else if has("\"SchemaVersion\"") || has("\"ArtifactName\"") {
            Kind::Trivy
        } else if has("\"matches\"")
            && (has("\"vulnerability\"") || has("grype") || has("\"descriptor\""))
        {
            Kind::Grype
        } else if has("\"dependencies\"") && (has("\"vulns\"") || has("\"fixes\"")) {
            Kind::PipAudit
        } else if has("\"lockfile\"") || (has("\"database\"") && has("\"vulnerabilities\"")) {
            Kind::CargoAudit
        } else if has("\"issue_severity\"")
            || has("\"test_id\"")
            || (has("\"errors\"") && has("\"generated_at\""))
        {
            Kind::Bandit
        } else if has("\"percent_covered\"")
            || (has("\"meta\"") && has("\"totals\""))
            || has("\"executed_lines\"")
        {
            Kind::CoveragePy
        } else if has("\"machine_info\"") || (has("\"benchmarks\"") && has("\"stats\"")) {
            Kind::PytestBenchmark
        } else if has("\"point_estimate\"") {
            Kind::Criterion
        } else if has("\"results\"") && has("\"command\"") {
            Kind::Hyperfine
        } else if has("\"http_req_duration\"")
            || has("\"root_group\"")
            || (has("\"metrics\"") && has("\"http_reqs\""))
        {
            Kind::K6
        } else if has("\"reason\"") && (has("compiler-") || has("build-")) {
            Kind::Clippy
        } else if has("\"message-id\"") || (has("\"messages\"") && has("\"statistics\"")) {
            Kind::Pylint
        } else if (has("\"code\"") && has("\"location\"")) || trimmed.trim_end() == "[]" {
            Kind::Ruff
        } else {
            return Err(unknown());
        };
        return Ok(kind);
    }
    let first = trimmed.lines().next().unwrap_or_default();
    if ["TN:", "SF:", "VER:"].iter().any(|p| first.starts_with(p)) {
        return Ok(Kind::Lcov);
    }
    if first.starts_with("Type,Name,")
        || first.starts_with("\"Type\",\"Name\"")
        || first.starts_with("Method,Name,")
    {
        return Ok(Kind::Locust);
    }
    if has("Your code has been rated at") || first.starts_with("************* Module") {
        return Ok(Kind::Pylint);
    }
    if crate::flake8_line(first) {
        return Ok(Kind::Flake8);
    }
    Err(unknown())
}

/// The local name of the first element in an XML prefix, skipping the declaration,
/// comments, processing instructions and the DOCTYPE.
fn xml_root(text: &str) -> Option<String> {
    let mut rest = text;
    loop {
        let start = rest.find('<')?;
        rest = &rest[start..];
        if let Some(r) = rest.strip_prefix("<!--") {
            rest = &r[r.find("-->")? + 3..];
        } else if rest.starts_with("<?") || rest.starts_with("<!") {
            rest = &rest[rest.find('>')? + 1..];
        } else {
            let name: String = rest[1..]
                .chars()
                .take_while(|c| !c.is_whitespace() && *c != '>' && *c != '/')
                .collect();
            let local = name.rsplit(':').next().unwrap_or(&name).to_owned();
            return (!local.is_empty()).then_some(local);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(text: &str) -> Result<Kind, ParseError> {
        detect(text.as_bytes(), Path::new("r"))
    }

    #[test]
    fn detects_formats_from_their_first_bytes() {
        assert_eq!(
            kind("<?xml version=\"1.0\"?>\n<!-- x --><testsuites>").unwrap(),
            Kind::Junit
        );
        assert_eq!(
            kind("<?xml version=\"1.0\" ?><!DOCTYPE coverage SYSTEM 'x'><coverage line-rate")
                .unwrap(),
            Kind::Cobertura
        );
        assert_eq!(kind("<!DOCTYPE report PUBLIC \"-//JACOCO//DTD Report 1.1//EN\" \"report.dtd\"><report name=\"x\">").unwrap(), Kind::Jacoco);
        assert_eq!(kind("TN:\nSF:src/a.rs\n").unwrap(), Kind::Lcov);
        assert_eq!(kind("{\"$schema\":\"https://json.schemastore.org/sarif-2.1.0.json\",\"version\":\"2.1.0\",\"runs\":[").unwrap(), Kind::Sarif);
        assert_eq!(
            kind("{\n  \"SchemaVersion\": 2,\n  \"ArtifactName\": \"x\"").unwrap(),
            Kind::Trivy
        );
        assert_eq!(
            kind("Type,Name,Request Count,Failure Count\n").unwrap(),
            Kind::Locust
        );
        assert_eq!(
            kind("src/a.py:1:1: F401 'os' imported but unused\n").unwrap(),
            Kind::Flake8
        );
    }

    #[test]
    fn html_page_and_binary_are_refused_with_a_reason() {
        assert!(
            kind("<!DOCTYPE html>\n<html><head>")
                .unwrap_err()
                .message
                .contains("HTML page")
        );
        assert!(
            kind("\u{0}\u{1}garbage")
                .unwrap_err()
                .message
                .contains("--format")
        );
        assert!(
            detect(b"\xFF\xFE<\x00", Path::new("r"))
                .unwrap_err()
                .message
                .contains("UTF-16")
        );
    }

    #[test]
    fn format_names_parse_with_aliases() {
        assert_eq!("nunit".parse::<Kind>().unwrap(), Kind::Junit);
        assert_eq!("coverage.py".parse::<Kind>().unwrap(), Kind::CoveragePy);
        assert!(
            "nope"
                .parse::<Kind>()
                .unwrap_err()
                .contains("known formats")
        );
    }
}
