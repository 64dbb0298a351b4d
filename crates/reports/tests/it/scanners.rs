//! Scanner reports generated once with the real tools (`tests/fixtures/real/regen.sh`
//! says how): detected by structure and read with the tool's own severities.

use std::path::{Path, PathBuf};

use slipway_reports::{FindingsReport, Kind, Options, Report, Severity, parse_path};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/real")
        .join(name)
}

fn security(name: &str) -> (Kind, FindingsReport) {
    match parse_path(&fixture(name), None, &Options::default()) {
        Ok((kind, Report::Security(s))) => (kind, s),
        other => panic!("{name}: {other:?}"),
    }
}

#[test]
fn semgrep_with_local_rules_maps_error_warning_info_to_high_medium_low() {
    let (kind, s) = security("semgrep.json");
    assert_eq!(kind, Kind::Semgrep);
    assert_semgrep_local_rules(&s);
}

/// What Semgrep finds with `src/rules.yml` in `src/app`: one ERROR, one WARNING and one
/// INFO rule, read as high, medium and low, most severe first.
pub(crate) fn assert_semgrep_local_rules(s: &FindingsReport) {
    assert_eq!(
        (
            s.count(Severity::High),
            s.count(Severity::Medium),
            s.count(Severity::Low)
        ),
        (1, 1, 1),
        "{:?}",
        s.counts
    );
    let first = s.sorted()[0];
    assert_eq!(
        (first.rule.as_str(), first.location.as_str(), first.line),
        ("subprocess-shell-true", "app/views.py", Some(6))
    );
}

#[test]
fn checkov_counts_every_failed_check_of_every_framework_as_medium_without_a_platform_key() {
    let (kind, s) = security("checkov.json");
    assert_eq!(kind, Kind::Checkov);
    assert_eq!(s.count(Severity::Medium), 13, "{:?}", s.counts);
    assert_eq!(s.counts.values().sum::<u64>(), 13);
    assert!(s.empty_scans.is_empty());
}

#[test]
fn checkov_over_nothing_is_an_empty_scan_not_a_clean_one() {
    let (kind, s) = security("checkov-empty.json");
    assert_eq!(kind, Kind::Checkov);
    assert_eq!(s.counts.values().sum::<u64>(), 0);
    assert_eq!(s.empty_scans.len(), 1, "{:?}", s.empty_scans);
}

#[test]
fn pip_audit_that_skipped_every_dependency_warns_and_is_an_empty_scan() {
    let (kind, s) = security("pip-audit.json");
    assert_eq!(kind, Kind::PipAudit);
    assert_eq!(s.counts.values().sum::<u64>(), 0);
    assert_eq!(s.warnings.len(), 1, "{:?}", s.warnings);
    assert!(
        s.warnings[0].contains("did not audit 3 dependencies")
            && s.warnings[0].contains("slipway-surely-not-on-pypi"),
        "{}",
        s.warnings[0]
    );
    assert_eq!(s.empty_scans.len(), 1);
}

#[test]
fn pip_audit_that_audited_some_dependencies_only_warns_about_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("pip-audit.json");
    std::fs::write(
        &p,
        r#"{"dependencies": [{"name": "flask", "version": "0.5", "vulns": [{"id": "PYSEC-2019-179", "fix_versions": ["1.0"], "aliases": ["CVE-2019-1010083"], "description": "DoS"}]}, {"name": "private-lib", "skip_reason": "Dependency not found on PyPI and could not be audited: private-lib (1.0)"}], "fixes": []}"#,
    )
    .unwrap();
    let Ok((_, Report::Security(s))) = parse_path(&p, None, &Options::default()) else {
        panic!()
    };
    assert_eq!(s.count(Severity::High), 1);
    assert_eq!(s.warnings.len(), 1);
    assert!(s.empty_scans.is_empty());
}

#[test]
fn safety_1_list_and_2_report_of_one_scan_agree() {
    for name in ["safety-1.json", "safety-2.json"] {
        let (kind, s) = security(name);
        assert_eq!(kind, Kind::Safety, "{name}");
        assert_eq!(s.count(Severity::High), 2, "{name}: {:?}", s.counts);
        let mut packages: Vec<_> = s
            .sorted()
            .iter()
            .filter_map(|f| f.package.clone())
            .collect();
        packages.sort();
        assert_eq!(packages, ["requests@2.19.0", "urllib3@1.24.1"], "{name}");
        assert!(s.empty_scans.is_empty(), "{name}");
    }
}

#[test]
fn safety_3_scan_json_reads_each_known_vulnerability_with_its_cvss_severity() {
    // Regression: `safety scan --output json` was parsed but no real file was tested,
    // and every finding came out high, ignoring the CVSS scores Safety attaches. The
    // file is Safety 3.2.14's scan output kept in Safety's own repository (Safety 3
    // needs its online platform, so it cannot write one here): 58 vulnerabilities of
    // django==1.8.0, each with a CVE; 5 CVSS v3 critical, 26 high, 12 medium, 1 low;
    // 6 with only a CVSS v2 score (2 of 7.8 high, 4 of 4.3-5.0 medium); 8 without a
    // score (high, as for 2.x).
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/safety-cli/safety/scan/test.json");
    let (kind, report) = parse_path(&path, None, &Options::default()).unwrap();
    assert_eq!(
        kind,
        Kind::Safety,
        "detected by its structure, not its name"
    );
    let Report::Security(s) = report else {
        panic!("not security")
    };
    assert_eq!(
        (
            s.count(Severity::Critical),
            s.count(Severity::High),
            s.count(Severity::Medium),
            s.count(Severity::Low)
        ),
        (5, 36, 16, 1),
        "{:?}",
        s.counts
    );
    assert!(s.empty_scans.is_empty());
    let first = s.sorted()[0];
    assert!(first.rule.starts_with("CVE-"), "{}", first.rule);
    assert_eq!(first.location, "test_requirements.txt");
    assert_eq!(first.package.as_deref(), Some("django@1.8.0"));
}

#[test]
fn trufflehog_writing_nothing_is_a_clean_secrets_scan_only_where_declared_or_named() {
    // Regression: a clean TruffleHog v3 run writes nothing at all, and that empty file
    // was refused ("file is empty"), so a pipeline with no leaked secret could not pass.
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str| {
        let p = dir.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, "").unwrap();
        p
    };
    for (path, declared) in [
        (write("trufflehog.json"), None),
        (write("reports/trufflehog/git.jsonl"), None),
        (write("reports/secrets.json"), Some(Kind::Trufflehog)),
    ] {
        match parse_path(&path, declared, &Options::default()) {
            Ok((Kind::Trufflehog, Report::Secrets(s))) => {
                assert_eq!(s.counts.values().sum::<u64>(), 0, "{}", path.display());
            }
            other => panic!("{}: {other:?}", path.display()),
        }
    }
    // Undeclared and unnamed, or another tool's (Gitleaks writes `[]` when clean), an
    // empty file is a report that was never written.
    for path in [write("reports/scan.json"), write("gitleaks.json")] {
        let e = parse_path(&path, None, &Options::default()).unwrap_err();
        assert!(e.message.contains("file is empty"), "{e}");
    }
}
