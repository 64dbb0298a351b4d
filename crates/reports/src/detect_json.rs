//! Which JSON format a document is, decided by its structure: the keys it has and where
//! they sit (a SARIF log is an object with `runs`, a Semgrep report has
//! `results[].check_id`), then the file's extension, and only last a tool's name in the
//! file name. A tool name inside the content never decides: bandit's own SARIF names
//! bandit in every result and is still SARIF.

use std::path::Path;

use crate::detect::Kind;
use crate::sniff::Shape;

/// The JSON formats, in the order their rules are tried (named in "matches none" errors).
pub(crate) const JSON_KINDS: &[Kind] = &[
    Kind::Sarif,
    Kind::Trivy,
    Kind::Grype,
    Kind::CargoAudit,
    Kind::PipAudit,
    Kind::Safety,
    Kind::OsvScanner,
    Kind::Semgrep,
    Kind::Checkov,
    Kind::Snyk,
    Kind::NpmAudit,
    Kind::YarnAudit,
    Kind::Gitleaks,
    Kind::Trufflehog,
    Kind::KubeLinter,
    Kind::Bandit,
    Kind::CoveragePy,
    Kind::PytestBenchmark,
    Kind::Criterion,
    Kind::Hyperfine,
    Kind::K6,
    Kind::Clippy,
    Kind::Pylint,
    Kind::Hadolint,
    Kind::Ruff,
];

/// The format whose structure `shape` has, if any.
pub(crate) fn by_structure(s: &Shape) -> Option<Kind> {
    let any = |paths: &[&str]| paths.iter().any(|p| s.has(p));
    let all = |paths: &[&str]| paths.iter().all(|p| s.has(p));
    let top_only =
        |keys: &[&str]| !s.top.is_empty() && s.top.iter().all(|k| keys.contains(&k.as_str()));
    if s.root == b'{' {
        // SARIF: `$schema` naming SARIF, or a `runs` list with a 2.x `version` or runs
        // that have a tool or results.
        let schema = s.string("$schema").unwrap_or_default().to_ascii_lowercase();
        if schema.contains("sarif")
            || (s.has("runs")
                && (s.string("version").is_some_and(|v| v.starts_with("2."))
                    || any(&["runs[].tool", "runs[].results"])
                    || s.top.first().is_some_and(|k| k == "runs")))
        {
            return Some(Kind::Sarif);
        }
        if any(&["SchemaVersion", "ArtifactName", "ClusterName"]) {
            return Some(Kind::Trivy);
        }
        if s.has("matches") && any(&["matches[].vulnerability", "descriptor", "distro", "source"]) {
            return Some(Kind::Grype);
        }
        if s.has("lockfile") || all(&["database", "vulnerabilities"]) {
            return Some(Kind::CargoAudit);
        }
        if s.has("dependencies")
            && (any(&[
                "dependencies[].vulns",
                "dependencies[].skip_reason",
                "fixes",
            ]) || top_only(&["dependencies"]))
        {
            return Some(Kind::PipAudit);
        }
        if any(&["report_meta", "scanned_packages", "affected_packages"])
            || all(&["meta.scan_type", "scan_results"])
        {
            return Some(Kind::Safety);
        }
        if any(&["results[].packages", "results[].source.path"]) {
            return Some(Kind::OsvScanner);
        }
        if any(&[
            "results[].check_id",
            "results[].extra",
            "paths.scanned",
            "skipped_rules",
            "interfile_languages_used",
        ]) || (s.has("vulns") && any(&["hasMore", "vulns[].advisory"]))
        {
            return Some(Kind::Semgrep);
        }
        if any(&[
            "check_type",
            "results.failed_checks",
            "checkov_version",
            "summary.checkov_version",
        ]) {
            return Some(Kind::Checkov);
        }
        if s.has("vulnerabilities")
            && any(&[
                "packageManager",
                "dependencyCount",
                "projectName",
                "displayTargetFile",
                "ok",
                "vulnerabilities[].packageName",
                "vulnerabilities[].semver",
            ])
        {
            return Some(Kind::Snyk);
        }
        if s.has("auditReportVersion")
            || (s.has("advisories") && any(&["metadata", "actions", "muted"]))
            || top_only(&["error"]) && s.has("error.code")
        {
            return Some(Kind::NpmAudit);
        }
        if (s.has("type") && s.has("data") && s.string("type").is_some_and(yarn_type))
            || all(&["value", "children.ID"])
        {
            return Some(Kind::YarnAudit);
        }
        if any(&["SourceMetadata", "DetectorName", "stringsFound"]) {
            return Some(Kind::Trufflehog);
        }
        if s.has("Reports")
            && any(&[
                "Checks",
                "Summary.KubeLinterVersion",
                "Reports[].Diagnostic",
            ])
        {
            return Some(Kind::KubeLinter);
        }
        if any(&[
            "generated_at",
            "metrics._totals",
            "results[].test_id",
            "results[].issue_severity",
        ]) {
            return Some(Kind::Bandit);
        }
        if s.has("meta") && any(&["files", "totals", "meta.format", "meta.show_contexts"]) {
            return Some(Kind::CoveragePy);
        }
        if s.has("machine_info") || s.has("benchmarks[].stats") {
            return Some(Kind::PytestBenchmark);
        }
        if any(&[
            "mean.point_estimate",
            "median.point_estimate",
            "slope.point_estimate",
        ]) {
            return Some(Kind::Criterion);
        }
        if s.has("results[].command") {
            return Some(Kind::Hyperfine);
        }
        if any(&[
            "root_group",
            "metrics.http_reqs",
            "metrics.http_req_duration",
        ]) {
            return Some(Kind::K6);
        }
        if s.string("reason")
            .is_some_and(|r| r.starts_with("compiler-") || r.starts_with("build-"))
        {
            return Some(Kind::Clippy);
        }
        if all(&["messages", "statistics"]) {
            return Some(Kind::Pylint);
        }
        // A Semgrep run that found nothing: `{"results": [], "errors": []}` and nothing
        // else (bandit always adds `generated_at` and `metrics`).
        if top_only(&["results", "errors", "version", "paths"]) && s.has("results") {
            return Some(Kind::Semgrep);
        }
        return None;
    }
    if s.root == b'[' {
        if s.has("[]#list") {
            return Some(Kind::Safety);
        }
        if any(&["[].Target", "[].Vulnerabilities"]) {
            return Some(Kind::Trivy);
        }
        if all(&["[].name", "[].vulns"]) {
            return Some(Kind::PipAudit);
        }
        if any(&["[].check_type"]) {
            return Some(Kind::Checkov);
        }
        if s.has("[].vulnerabilities")
            && any(&[
                "[].packageManager",
                "[].dependencyCount",
                "[].ok",
                "[].vulnerabilities[].packageName",
            ])
        {
            return Some(Kind::Snyk);
        }
        if any(&["[].RuleID", "[].offender", "[].leakURL"]) {
            return Some(Kind::Gitleaks);
        }
        if s.has("[].message-id") || all(&["[].symbol", "[].obj"]) {
            return Some(Kind::Pylint);
        }
        if all(&["[].code", "[].level", "[].file"]) {
            return Some(Kind::Hadolint);
        }
        if s.has("[].code") && any(&["[].location", "[].filename", "[].noqa_row"]) {
            return Some(Kind::Ruff);
        }
    }
    None
}

fn yarn_type(t: &str) -> bool {
    matches!(
        t,
        "auditAdvisory" | "auditSummary" | "auditAction" | "info" | "warning" | "error"
    )
}

/// The format named by the file's extension (`.sarif`), for JSON whose structure
/// matched no rule.
pub(crate) fn by_extension(path: &Path) -> Option<Kind> {
    let sarif = |p: &Path| {
        p.extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("sarif"))
    };
    (sarif(path)
        || (path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"))
            && sarif(&path.with_extension(""))))
    .then_some(Kind::Sarif)
}

/// The format whose tool the file name names (`safety-report.json`, `gitleaks.json`):
/// the last resort, for documents too small to show their structure (`[]`).
pub(crate) fn by_tool_name(path: &Path) -> Option<Kind> {
    let lower = |p: &std::ffi::OsStr| p.to_string_lossy().to_ascii_lowercase().replace('_', "-");
    let file = lower(path.file_name()?);
    named(&file).or_else(|| named(&lower(path.parent()?.file_name()?)))
}

fn named(name: &str) -> Option<Kind> {
    let names: &[(&str, Kind)] = &[
        ("pip-audit", Kind::PipAudit),
        ("safety", Kind::Safety),
        ("osv", Kind::OsvScanner),
        ("semgrep", Kind::Semgrep),
        ("checkov", Kind::Checkov),
        ("gitleaks", Kind::Gitleaks),
        ("trufflehog", Kind::Trufflehog),
        ("hadolint", Kind::Hadolint),
        ("kube-linter", Kind::KubeLinter),
        ("kubelinter", Kind::KubeLinter),
        ("npm-audit", Kind::NpmAudit),
        ("pnpm-audit", Kind::NpmAudit),
        ("yarn-audit", Kind::YarnAudit),
        ("snyk", Kind::Snyk),
        ("trivy", Kind::Trivy),
        ("grype", Kind::Grype),
        ("bandit", Kind::Bandit),
        ("ruff", Kind::Ruff),
        ("pylint", Kind::Pylint),
    ];
    names
        .iter()
        .find(|(n, _)| name.contains(n))
        .map(|(_, k)| *k)
}
