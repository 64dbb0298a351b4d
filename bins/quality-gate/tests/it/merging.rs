//! Reports of split suites and several scanners through the whole gate: coverage merged
//! line by line (issue: `unit.lcov` + `integ.lcov` read as 40 % instead of 80 %), the
//! reports behind each file in `explain`, secrets and empty scans as their own checks.

use predicates::prelude::*;

use crate::common::{check, gate, gate_json, write};

/// An LCOV record of a 10-line file with `covered` lines hit.
fn lcov(file: &str, covered: std::ops::RangeInclusive<u32>) -> String {
    let mut s = format!("TN:\nSF:{file}\n");
    for n in 1..=10 {
        s.push_str(&format!("DA:{n},{}\n", u32::from(covered.contains(&n))));
    }
    s.push_str("end_of_record\n");
    s
}

#[test]
fn split_suites_covering_halves_of_a_file_merge_to_eighty_percent_not_forty() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "unit.lcov", &lcov("src/app.py", 1..=4));
    // The integration job ran on a GitHub runner and wrote an absolute path.
    write(
        dir.path(),
        "integ.lcov",
        &lcov("/home/runner/work/shop/shop/src/app.py", 5..=8),
    );
    gate(dir.path())
        .args(["unit.lcov", "integ.lcov", "--output", "gate.json"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("Coverage: 80%"));
    let doc = gate_json(dir.path());
    assert_eq!(check(&doc, "coverage.line")["value"], 80.0);
    assert_eq!(doc["totals"]["coverage"]["lines_total"], 10);
}

#[test]
fn explain_with_reports_lists_each_file_and_the_reports_behind_it() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "unit.lcov", &lcov("src/app.py", 1..=4));
    write(dir.path(), "integ.lcov", &lcov(".\\src\\app.py", 5..=8));
    write(dir.path(), "other.lcov", &lcov("src/util.py", 1..=10));
    gate(dir.path())
        .args(["explain", "unit.lcov", "integ.lcov", "other.lcov"])
        .assert()
        .code(0)
        .stdout(
            predicate::str::is_match(r"src/app.py\s+8/10 80.0%\s+—\s+integ.lcov, unit.lcov")
                .unwrap(),
        )
        .stdout(predicate::str::is_match(r"src/util.py\s+10/10 100.0%\s+—\s+other.lcov").unwrap())
        .stdout(predicate::str::is_match(r"total\s+18/20 90.0%").unwrap());
    gate(dir.path())
        .args(["explain", "--json", "unit.lcov", "integ.lcov"])
        .assert()
        .code(0)
        .stdout(
            predicate::str::contains("\"unit.lcov\"").and(predicate::str::contains("\"rules\"")),
        );
}

#[test]
fn a_leaked_secret_fails_the_gate_as_its_own_check() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "gitleaks.json",
        r#"[{"Description": "AWS Access Key", "StartLine": 3, "File": "config.py", "Commit": "abc", "Secret": "AKIAXXXXXXXXXXXXXXXX", "RuleID": "aws-access-token"}]"#,
    );
    gate(dir.path())
        .args(["gitleaks.json", "--output", "gate.json"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("AKIA").not());
    let doc = gate_json(dir.path());
    let c = check(&doc, "secrets.found");
    assert_eq!(c["value"], 1.0);
    assert_eq!(c["status"], "fail");
    assert!(
        !std::fs::read_to_string(dir.path().join("gate.json"))
            .unwrap()
            .contains("AKIAXXXX")
    );
}

#[test]
fn a_pip_audit_that_audited_nothing_is_not_a_clean_result() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "pip-audit.json",
        r#"{"dependencies": [{"name": "requests", "skip_reason": "Dependency not found on PyPI and could not be audited: requests (2.19.0)"}], "fixes": []}"#,
    );
    gate(dir.path())
        .args(["pip-audit.json", "--output", "gate.json"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "did not audit 1 dependency: requests",
        ));
    let doc = gate_json(dir.path());
    let c = check(&doc, "security.empty_scans");
    assert_eq!(c["status"], "fail");
    assert_eq!(check(&doc, "security.critical")["value"], 0.0);
}

#[test]
fn safety_and_osv_reports_on_a_glob_are_read_not_refused() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "reports/safety-report.json",
        r#"[["django", "<2.2.18", "2.2.0", "Django before 2.2.18 allows directory traversal", "39594", null, null]]"#,
    );
    write(
        dir.path(),
        "reports/osv.json",
        r#"{"results": [{"source": {"path": "/src/Cargo.lock", "type": "lockfile"}, "packages": [{"package": {"name": "time", "version": "0.1.43", "ecosystem": "crates.io"}, "vulnerabilities": [{"id": "RUSTSEC-2020-0071", "aliases": ["CVE-2020-26235"], "summary": "segfault", "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:L/AC:H/PR:N/UI:N/S:U/C:N/I:N/A:H"}]}]}]}]}"#,
    );
    gate(dir.path())
        .args(["reports/*", "--output", "gate.json"])
        .assert()
        .code(1);
    let doc = gate_json(dir.path());
    let formats: Vec<&str> = doc["reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["format"].as_str().unwrap())
        .collect();
    assert_eq!(formats, ["osv-scanner", "safety"]);
    assert_eq!(check(&doc, "security.high")["value"], 1.0);
    assert_eq!(check(&doc, "security.medium")["value"], 1.0);
}
