//! Format detection from the first kilobytes of a report, and the format names users
//! pass to `--format KIND=GLOB`.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use crate::Category;
use crate::error::ParseError;

/// How many leading bytes detection looks at.
pub const SNIFF_BYTES: usize = 64 * 1024;

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
    Safety => "safety", Security, "Safety JSON (1.x list, 2.x/3.x `check --output json` report, 3.x `scan` JSON).";
    OsvScanner => "osv-scanner", Security, "OSV-Scanner JSON (`--format json`).";
    Semgrep => "semgrep", Security, "Semgrep JSON (`--json`).";
    Checkov => "checkov", Security, "Checkov JSON (`-o json`).";
    Snyk => "snyk", Security, "Snyk CLI JSON (`snyk test --json`, `--all-projects`, `snyk container test --json`).";
    NpmAudit => "npm-audit", Security, "npm audit JSON (npm 6 and 7+, `--json`) and pnpm audit JSON.";
    YarnAudit => "yarn-audit", Security, "yarn audit JSON Lines (yarn 1 `--json`) and yarn 2+ `npm audit --json`.";
    Gitleaks => "gitleaks", Secrets, "Gitleaks JSON (v7 and v8 `--report-format json`).";
    KubeLinter => "kube-linter", Security, "kube-linter JSON (`kube-linter lint --format json`).";
    Trufflehog => "trufflehog", Secrets, "TruffleHog JSON Lines (v2 `--json`, v3 `--json`).";
    Pylint => "pylint", Lint, "pylint JSON, JSON2 or text with its score line.";
    Ruff => "ruff", Lint, "ruff JSON (`--output-format json`).";
    Flake8 => "flake8", Lint, "flake8 default text output.";
    Clippy => "clippy", Lint, "cargo clippy `--message-format=json` lines.";
    Hadolint => "hadolint", Lint, "Hadolint JSON (`-f json`).";
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
            "osv" | "osv_scanner" => "osv-scanner",
            "pnpm-audit" | "npm" | "pnpm" => "npm-audit",
            "yarn" => "yarn-audit",
            "trufflehog3" => "trufflehog",
            "kubelinter" | "kube_linter" => "kube-linter",
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

/// Detects the format of a report from its first bytes (`head`), in any encoding the
/// parsers read: UTF-8 (with or without a byte-order mark), UTF-16 LE or BE (with a
/// mark, or an ASCII start without one), or the 8-bit encoding an XML declaration names.
/// `path` names the file in errors.
pub fn detect(head: &[u8], path: &Path) -> Result<Kind, ParseError> {
    let head = &head[..head.len().min(SNIFF_BYTES)];
    let decoded = crate::encoding::head_utf8(head);
    let text = String::from_utf8_lossy(&decoded);
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
                    "unknown XML report: root element <{other}> matches none of the XML formats \
                     (junit: <testsuites>/<testsuite>/NUnit/xUnit/TRX roots, cobertura: <coverage>, \
                     jacoco: <report>); pass --format KIND={}",
                    path.display()
                ),
            )),
        };
    }
    let has = |needle: &str| trimmed.contains(needle);
    if trimmed.starts_with('{') || trimmed.starts_with('[') || trimmed.trim_end() == "null" {
        return json_kind(trimmed.as_bytes(), path);
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

/// Detects a JSON format: structure first, then the extension, then a tool's name in
/// the file name; a document that matches none names the formats it was checked against.
fn json_kind(head: &[u8], path: &Path) -> Result<Kind, ParseError> {
    let shape = crate::sniff::shape(head);
    if let Some(kind) = crate::detect_json::by_structure(&shape)
        .or_else(|| crate::detect_json::by_extension(path))
        .or_else(|| crate::detect_json::by_tool_name(path))
    {
        return Ok(kind);
    }
    // `[]` has no structure: ruff, pylint, Hadolint and Gitleaks write it for a clean
    // run, Safety 1.x and Trivy's legacy list for a scan that found nothing, pip-audit
    // 1.x for one that audited nothing. Taking it for any one of them would count a
    // scan that may not have run as clean, so only a declared format or a tool's name
    // in the path decides (above).
    if shape.root == b'[' && shape.empty {
        return Err(ParseError::at(
            path,
            0,
            format!(
                "an empty JSON list `[]` does not say which tool wrote it (ruff, pylint, \
                 hadolint and gitleaks write it for a clean run, safety 1.x and trivy for a \
                 scan that found nothing, pip-audit 1.x for one that audited nothing), so it \
                 is not counted as a clean scan of any; name the file after its tool \
                 (ruff.json, gitleaks-report.json) or declare it: --format KIND={} or \
                 `formats = [\"KIND=GLOB\"]` in slipway.toml",
                path.display()
            ),
        ));
    }
    let keys = if shape.top.is_empty() {
        String::new()
    } else {
        let shown: Vec<&str> = shape.top.iter().take(6).map(String::as_str).collect();
        format!(" (top-level keys: {})", shown.join(", "))
    };
    Err(ParseError::at(
        path,
        0,
        format!(
            "JSON document matches none of the formats it was checked against{keys}: {}; pass --format KIND={}",
            crate::detect_json::JSON_KINDS
                .iter()
                .map(|k| k.name())
                .collect::<Vec<_>>()
                .join(", "),
            path.display()
        ),
    ))
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
    }

    #[test]
    fn detect_called_directly_reads_utf16_with_a_bom_in_both_byte_orders() {
        // Regression: detect() refused UTF-16 ("write the report as UTF-8") unless
        // parse_path had decoded the head first.
        let junit = "<?xml version=\"1.0\" encoding=\"utf-16\"?>\n<testsuites><testsuite name=\"s\"/></testsuites>";
        let coverage =
            "{\"meta\": {\"format\": 2, \"version\": \"7.6.1\"}, \"files\": {}, \"totals\": {}}";
        for (text, want) in [(junit, Kind::Junit), (coverage, Kind::CoveragePy)] {
            let units: Vec<u16> = text.encode_utf16().collect();
            let le: Vec<u8> = [0xFF, 0xFE]
                .into_iter()
                .chain(units.iter().flat_map(|u| u.to_le_bytes()))
                .collect();
            let be: Vec<u8> = [0xFE, 0xFF]
                .into_iter()
                .chain(units.iter().flat_map(|u| u.to_be_bytes()))
                .collect();
            assert_eq!(detect(&le, Path::new("r")).unwrap(), want, "LE {text}");
            assert_eq!(detect(&be, Path::new("r")).unwrap(), want, "BE {text}");
        }
    }

    #[test]
    fn bandit_sarif_with_runs_first_and_tool_names_everywhere_is_sarif() {
        // bandit -f sarif writes `runs` first and the bandit-only properties in every
        // result; `$schema` and `version` come after kilobytes of results.
        let mut text =
            String::from(r#"{"runs": [{"tool": {"driver": {"name": "Bandit"}}, "results": ["#);
        for _ in 0..200 {
            text.push_str(r#"{"ruleId": "B602", "properties": {"issue_severity": "HIGH", "issue_confidence": "HIGH", "test_id": "B602"}},"#);
        }
        assert_eq!(kind(&text).unwrap(), Kind::Sarif);
    }

    #[test]
    fn osv_scanner_json_is_not_cargo_audit() {
        let osv = r#"{"results": [{"source": {"path": "/src/Cargo.lock", "type": "lockfile"}, "packages": [{"package": {"name": "time", "version": "0.1.0", "ecosystem": "crates.io"}, "vulnerabilities": [{"id": "RUSTSEC-2020-0071", "database_specific": {"lockfile": "x"}}]}]}]}"#;
        assert_eq!(kind(osv).unwrap(), Kind::OsvScanner);
    }

    #[test]
    fn every_new_scanner_is_told_by_its_structure() {
        let cases = [
            (
                r#"[["django", "<2.2.18", "2.2.0", "Django before 2.2.18 ...", "39646"]]"#,
                Kind::Safety,
            ),
            (
                r#"{"report_meta": {"scan_target": "environment"}, "scanned_packages": {}, "vulnerabilities": []}"#,
                Kind::Safety,
            ),
            (
                r#"{"version": "1.50.0", "results": [{"check_id": "python.x", "path": "a.py"}], "errors": []}"#,
                Kind::Semgrep,
            ),
            (r#"{"results": [], "errors": []}"#, Kind::Semgrep),
            (
                r#"{"check_type": "terraform", "results": {"failed_checks": []}}"#,
                Kind::Checkov,
            ),
            (
                r#"[{"Description": "AWS", "StartLine": 2, "RuleID": "aws-access-token"}]"#,
                Kind::Gitleaks,
            ),
            (
                "{\"SourceMetadata\": {\"Data\": {}}, \"DetectorName\": \"AWS\", \"Verified\": true}\n",
                Kind::Trufflehog,
            ),
            (
                r#"[{"line": 9, "code": "DL3008", "message": "Pin versions", "column": 1, "file": "Dockerfile", "level": "warning"}]"#,
                Kind::Hadolint,
            ),
            (
                r#"[{"code": "F401", "location": {"row": 1}, "filename": "a.py"}]"#,
                Kind::Ruff,
            ),
            (
                r#"{"auditReportVersion": 2, "vulnerabilities": {}, "metadata": {}}"#,
                Kind::NpmAudit,
            ),
            (
                r#"{"actions": [], "advisories": {}, "muted": [], "metadata": {}}"#,
                Kind::NpmAudit,
            ),
            (
                "{\"type\":\"auditSummary\",\"data\":{\"vulnerabilities\":{}}}\n",
                Kind::YarnAudit,
            ),
            (
                r#"{"vulnerabilities": [{"id": "SNYK-JS-X", "packageName": "x"}]"#,
                Kind::Snyk,
            ),
            (r#"{"ClusterName": "prod", "Resources": []}"#, Kind::Trivy),
            (
                r#"[{"Target": "alpine", "Vulnerabilities": null}]"#,
                Kind::Trivy,
            ),
            (
                r#"[{"name": "flask", "version": "0.5", "vulns": []}]"#,
                Kind::PipAudit,
            ),
        ];
        for (text, want) in cases {
            assert_eq!(kind(text).unwrap(), want, "{text}");
        }
    }

    #[test]
    fn a_document_of_no_known_format_names_the_formats_it_was_checked_against() {
        let e = kind(r#"{"hello": "world"}"#).unwrap_err();
        assert!(e.message.contains("top-level keys: hello"), "{}", e.message);
        for name in [
            "sarif",
            "semgrep",
            "safety",
            "osv-scanner",
            "gitleaks",
            "ruff",
        ] {
            assert!(e.message.contains(name), "{name} missing: {}", e.message);
        }
        let e = kind("<?xml version=\"1.0\"?><nope/>").unwrap_err();
        assert!(
            e.message.contains("cobertura") && e.message.contains("jacoco"),
            "{}",
            e.message
        );
    }

    #[test]
    fn the_extension_decides_before_a_tool_name_and_a_tool_name_only_last() {
        let unknown = r#"{"hello": "world"}"#;
        assert_eq!(
            detect(unknown.as_bytes(), Path::new("out/scan.sarif")).unwrap(),
            Kind::Sarif
        );
        assert_eq!(
            detect(b"[]", Path::new("reports/safety-report.json")).unwrap(),
            Kind::Safety
        );
        assert_eq!(
            detect(b"null", Path::new("trivy/clean.json")).unwrap(),
            Kind::Trivy
        );
        // Structure outweighs both.
        let osv = r#"{"results": [{"source": {"path": "a"}, "packages": []}]}"#;
        assert_eq!(
            detect(osv.as_bytes(), Path::new("grype.sarif")).unwrap(),
            Kind::OsvScanner
        );
    }

    #[test]
    fn an_undeclared_empty_list_is_not_read_as_a_clean_ruff_run() {
        // Regression: a bare `[]` whose path names no tool was a clean ruff report, so an
        // empty pip-audit 1.x or Safety 1.x file passed as a lint run that found nothing.
        for path in ["reports/scan.json", "out/result.json", "[]"] {
            let e = detect(b"[]\n", Path::new(path)).unwrap_err();
            assert!(
                e.message.contains("does not say which tool"),
                "{}",
                e.message
            );
            assert!(e.message.contains("--format KIND="), "{}", e.message);
            assert!(e.message.contains("pip-audit"), "{}", e.message);
        }
        // A tool's name in the file or directory name still decides.
        for (path, want) in [
            ("ruff.json", Kind::Ruff),
            ("lint/ruff-report.json", Kind::Ruff),
            ("gitleaks/report.json", Kind::Gitleaks),
            ("pip-audit.json", Kind::PipAudit),
            ("reports/hadolint.json", Kind::Hadolint),
        ] {
            assert_eq!(detect(b"[]", Path::new(path)).unwrap(), want, "{path}");
        }
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
