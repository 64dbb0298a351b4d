//! The command line end to end: reports in, verdict, gate.json and exit code out.

use predicates::prelude::*;

use crate::common::{check, cobertura, gate, gate_json, junit, sarif, write};

#[test]
fn green_reports_pass_with_exit_zero_and_a_versioned_gate_json() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "junit.xml", &junit(95, 0));
    write(
        dir.path(),
        "coverage.xml",
        &cobertura("src/app.py", 88, 100),
    );
    write(dir.path(), "bandit.sarif", &sarif(&[]));
    gate(dir.path())
        .args([
            "junit.xml",
            "coverage.xml",
            "bandit.sarif",
            "--output",
            "gate.json",
        ])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "quality gate quality-gate: pass — Tests: 95/95 passed, Coverage: 88%",
        ));
    let doc = gate_json(dir.path());
    assert_eq!(doc["schema"], "slipway.quality-gate/v1");
    assert_eq!(doc["verdict"], "pass");
    assert_eq!(doc["totals"]["tests"]["passed"], 95);
    assert_eq!(doc["totals"]["coverage"]["line"], 88.0);
    let cov = check(&doc, "coverage.line");
    assert_eq!(cov["value"], 88.0);
    assert_eq!(cov["critical"], 80.0);
    assert_eq!(cov["warning"], 85.0);
    assert_eq!(cov["status"], "pass");
    assert_eq!(cov["threshold_sources"]["critical"], "default");
    assert_eq!(cov["sources"][0], "coverage.xml");
}

#[test]
fn one_failed_test_fails_the_gate_with_exit_one() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "junit.xml", &junit(4, 1));
    gate(dir.path())
        .args(["junit.xml", "--output", "gate.json"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "tests/test_app.py:100: error: tests.test_app.test_bad_0 failed",
        ));
    let doc = gate_json(dir.path());
    assert_eq!(doc["verdict"], "fail");
    let c = check(&doc, "tests.failures");
    assert_eq!(
        (
            c["value"].as_f64(),
            c["status"].as_str(),
            c["level"].as_str()
        ),
        (Some(1.0), Some("fail"), Some("critical"))
    );
}

#[test]
fn coverage_of_82_percent_warns_but_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "coverage.xml",
        &cobertura("src/app.py", 82, 100),
    );
    gate(dir.path())
        .args(["coverage.xml", "--json"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("\"verdict\": \"warn\""));
}

#[test]
fn coverage_below_the_min_coverage_flag_fails_and_names_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "coverage.xml",
        &cobertura("src/app.py", 88, 100),
    );
    gate(dir.path())
        .args([
            "coverage.xml",
            "--min-coverage",
            "90",
            "--output",
            "gate.json",
        ])
        .assert()
        .code(1);
    let doc = gate_json(dir.path());
    assert_eq!(
        check(&doc, "coverage.line")["threshold_sources"]["critical"],
        "flag --min-coverage"
    );
}

#[test]
fn one_high_vulnerability_fails_and_five_medium_only_warn() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "high.sarif", &sarif(&[("B602", "7.5")]));
    gate(dir.path()).args(["high.sarif"]).assert().code(1);
    write(
        dir.path(),
        "medium.sarif",
        &sarif(&[("A", "5"), ("B", "5"), ("C", "5"), ("D", "5"), ("E", "5")]),
    );
    gate(dir.path())
        .args(["medium.sarif", "--output", "gate.json"])
        .assert()
        .code(0);
    let doc = gate_json(dir.path());
    assert_eq!(doc["verdict"], "warn");
    assert_eq!(check(&doc, "security.medium")["status"], "warn");
}

#[test]
fn a_report_glob_matching_nothing_fails_as_its_own_check() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "junit.xml", &junit(3, 0));
    gate(dir.path())
        .args(["junit.xml", "coverage/*.xml", "--output", "gate.json"])
        .assert()
        .code(1);
    let doc = gate_json(dir.path());
    let c = check(&doc, "reports.missing");
    assert_eq!(c["title"], "Report coverage/*.xml");
    assert_eq!(c["status"], "fail");
    gate(dir.path())
        .args(["junit.xml", "coverage/*.xml", "--missing", "warn"])
        .assert()
        .code(0);
}

#[test]
fn truncated_junit_exits_two_naming_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "junit.xml",
        "<testsuites>\n<testsuite name=\"x\">\n<testcase name=\"a\">\n<skipped",
    );
    gate(dir.path())
        .args(["junit.xml", "--output", "gate.json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("junit.xml:4:1:"));
    assert!(
        !dir.path().join("gate.json").exists(),
        "nothing half-written"
    );
}

#[test]
fn html_error_page_saved_as_xml_exits_two() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "junit.xml",
        "<!DOCTYPE html>\n<html><body><h1>502 Bad Gateway</h1></body></html>\n",
    );
    gate(dir.path())
        .arg("junit.xml")
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "junit.xml:1:1: this is an HTML page",
        ));
}

#[test]
fn empty_file_exits_two() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "junit.xml", "");
    gate(dir.path())
        .arg("junit.xml")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("junit.xml: file is empty"));
}

#[test]
fn forced_format_overrides_detection() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "out/cov.xml", &cobertura("a.py", 1, 1));
    gate(dir.path())
        .args(["out/cov.xml", "--format", "junit=out/*.xml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "not a JUnit/NUnit/xUnit/TRX test report: root element is <coverage>",
        ));
}

#[test]
fn explain_names_default_config_and_flag_sources() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "slipway.toml",
        "[quality_gate.coverage]\nline = { critical = 85, warning = 90 }\n",
    );
    gate(dir.path())
        .args(["explain", "--max-high", "2"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("coverage.line"))
        .stdout(
            predicate::str::contains("≥ 85% [config ")
                .and(predicate::str::contains("slipway.toml]")),
        )
        .stdout(predicate::str::contains("≤ 2 [flag --max-high]"))
        .stdout(predicate::str::contains("≤ 0 [default]"));
}

#[test]
fn unknown_config_key_exits_two_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "slipway.toml",
        "[quality_gate]\nreports = []\n\n[quality_gate.coverage]\nlines = { critical = 85 }\n",
    );
    gate(dir.path())
        .arg("explain")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("slipway.toml:5:"));
}

#[test]
fn warning_and_critical_in_the_wrong_order_exit_two_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "slipway.toml",
        "[quality_gate.performance]\nregression = { critical = 10, warning = 20 }\n",
    );
    gate(dir.path())
        .arg("explain")
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "slipway.toml: [quality_gate.performance] regression: warning = 20% must be below critical = 10%",
        ));
}

#[test]
fn python_service_recipe_config_has_its_thresholds_in_order() {
    // The recipe once had `regression = { critical = 10, warning = 20 }`, a warning that
    // could never fire.
    let dir = tempfile::tempdir().unwrap();
    let recipe = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../docs/recipes/python-service/slipway.toml");
    std::fs::copy(recipe, dir.path().join("slipway.toml")).unwrap();
    gate(dir.path()).arg("explain").assert().code(0).stdout(
        predicate::str::is_match(
            r"performance.regression +yes +≤ 20% \[config \S*slipway.toml\] +≤ 10%",
        )
        .unwrap(),
    );
}

#[test]
fn draft_pull_request_in_warn_only_mode_reports_but_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "junit.xml", &junit(1, 1));
    let event = write(
        dir.path(),
        "event.json",
        r#"{"pull_request":{"number":7,"draft":true}}"#,
    );
    gate(dir.path())
        .args([
            "junit.xml",
            "--draft",
            "warn-only",
            "--output",
            "gate.json",
            "--no-comment",
        ])
        .env("GITHUB_EVENT_PATH", &event)
        .assert()
        .code(0);
    let doc = gate_json(dir.path());
    assert_eq!(doc["verdict"], "fail");
    assert_eq!(doc["enforced"], false);
    gate(dir.path())
        .args(["junit.xml", "--draft", "skip", "--json"])
        .env("GITHUB_EVENT_PATH", &event)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("\"verdict\": \"skipped\""));
}

#[test]
fn annotations_are_capped_like_github_and_the_cut_is_announced() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "junit.xml", &junit(1, 30));
    write(
        dir.path(),
        "high.sarif",
        &sarif(&[("B1", "9.8"), ("B2", "7.1")]),
    );
    let summary = dir.path().join("summary.md");
    std::fs::write(&summary, "").unwrap();
    let out = gate(dir.path())
        .args(["junit.xml", "high.sarif"])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .assert()
        .code(1)
        .get_output()
        .stderr
        .clone();
    let stderr = String::from_utf8(out).unwrap();
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("::error"))
        .collect();
    assert_eq!(errors.len(), 10, "{stderr}");
    // Most severe first: the verdict, then the critical finding, then failed tests, then high.
    assert!(errors[0].contains("Quality gate failed"), "{}", errors[0]);
    assert!(
        errors[1].contains("critical severity%3A B1"),
        "{}",
        errors[1]
    );
    assert!(
        errors[2].contains("file=tests/test_app.py,line=100"),
        "{}",
        errors[2]
    );
    assert!(
        stderr.contains("23 more annotation(s) not shown: GitHub displays 10 per level per step"),
        "{stderr}"
    );
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(
        md.starts_with("### ❌ Quality gate `quality-gate`: fail"),
        "{md}"
    );
    assert!(
        md.contains("<details><summary>Failed tests (30)</summary>"),
        "{md}"
    );
}

#[test]
fn skip_invalid_turns_an_unreadable_report_into_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "junit.xml", &junit(2, 0));
    write(dir.path(), "broken.xml", "<testsuite><testcase name=\"a\">");
    gate(dir.path())
        .args(["junit.xml", "broken.xml", "--skip-invalid"])
        .assert()
        .code(0)
        .stderr(predicate::str::contains(
            "skipped unreadable report broken.xml:1:",
        ));
}

/// DefectDojo's corpus copies of real Gitleaks 8 and TruffleHog 3 output.
fn secrets_scan(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../crates/reports/tests/corpus/defectdojo/scans")
        .join(name)
}

#[test]
fn secrets_are_in_gate_json_totals_the_human_line_the_step_summary_and_annotations() {
    // Regression: Gitleaks and TruffleHog findings decided `secrets.found` but were
    // missing from `totals`, the verdict line and the step summary.
    let dir = tempfile::tempdir().unwrap();
    let gitleaks = secrets_scan("gitleaks/gitleaks8_many.json");
    let trufflehog = secrets_scan("trufflehog/v3_github.json");
    let summary = dir.path().join("summary.md");
    std::fs::write(&summary, "").unwrap();
    let out = gate(dir.path())
        .arg(&gitleaks)
        .arg(&trufflehog)
        .args(["--output", "gate.json"])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .assert()
        .code(1)
        .get_output()
        .clone();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    let doc = gate_json(dir.path());
    let secrets = &doc["totals"]["secrets"];
    let found: u64 = ["critical", "high", "medium", "low"]
        .iter()
        .map(|k| {
            secrets[*k]
                .as_u64()
                .unwrap_or_else(|| panic!("{k}: {secrets}"))
        })
        .sum();
    // gitleaks8_many: 3 leaks; v3_github: 3 secrets, TruffleHog verified some as live.
    assert_eq!(found, 6, "{secrets}");
    let verified = secrets["critical"].as_u64().unwrap();
    assert!(verified >= 1, "{secrets}");
    let text = doc["totals"]["text"].as_str().unwrap();
    assert_eq!(
        text,
        format!("Secrets: 6 found ({verified} verified live)"),
        "{doc}"
    );
    assert_eq!(check(&doc, "secrets.found")["value"], 6.0);
    assert!(
        stdout.contains(&format!("quality gate quality-gate: fail — {text}")),
        "{stdout}"
    );
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(md.contains(text), "{md}");
    assert!(md.contains("<details><summary>Secrets found ("), "{md}");
    assert!(md.contains("AWS"), "{md}");
    assert!(
        stderr
            .lines()
            .any(|l| l.starts_with("::error") && l.contains("critical severity%3A AWS")),
        "{stderr}"
    );
    // Where the secrets are, never what they are.
    for secret in [
        "secretAWSsecret",
        "dfjksdjfs3294dfjlsdaf213",
        "AKIAYVP4CIPPERUVIFXG",
    ] {
        assert!(!md.contains(secret), "{secret} in the summary");
        assert!(!stdout.contains(secret), "{secret} on stdout");
        assert!(!stderr.contains(secret), "{secret} on stderr");
        assert!(!doc.to_string().contains(secret), "{secret} in gate.json");
    }
}

#[test]
fn secrets_totals_are_in_the_json_on_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let out = gate(dir.path())
        .arg(secrets_scan("gitleaks/no_findings.json"))
        .arg("--json")
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let doc: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(doc["totals"]["secrets"]["high"], 0, "{doc}");
    assert_eq!(doc["totals"]["text"], "Secrets: 0 found");
}

#[test]
fn an_undeclared_empty_list_is_exit_two_not_a_clean_ruff_run() {
    // Regression: `[]` in a file whose name names no tool was read as a clean ruff
    // report, so an empty pip-audit 1.x list (a scan that audited nothing) passed.
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "reports/deps.json", "[]\n");
    gate(dir.path())
        .args(["reports/deps.json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "reports/deps.json:1:1: an empty JSON list `[]` does not say which tool wrote it",
        ))
        .stderr(predicate::str::contains("--format KIND=reports/deps.json"));
}

#[test]
fn a_declared_empty_list_is_read_as_the_declared_tool_says() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "reports/lint.json", "[]\n");
    write(dir.path(), "reports/deps.json", "[]\n");
    // Declared ruff: a clean lint run.
    gate(dir.path())
        .args([
            "reports/lint.json",
            "--format",
            "ruff=reports/lint.json",
            "--json",
        ])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("\"format\": \"ruff\""));
    // Declared pip-audit 1.x (the bare list of audited dependencies): it audited
    // nothing, which is not a clean result.
    gate(dir.path())
        .args([
            "reports/deps.json",
            "--format",
            "pip-audit=reports/deps.json",
        ])
        .arg("--output")
        .arg("gate.json")
        .assert()
        .code(1);
    let doc = gate_json(dir.path());
    assert_eq!(
        check(&doc, "security.empty_scans")["status"],
        "fail",
        "{doc}"
    );
    // Declared in slipway.toml, as a glob.
    write(
        dir.path(),
        "slipway.toml",
        "[quality_gate]\nformats = [\"ruff=reports/lint*.json\"]\n",
    );
    gate(dir.path())
        .args(["reports/lint.json", "--json"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("\"format\": \"ruff\""));
}

#[test]
fn the_configuration_example_in_the_docs_is_a_valid_config() {
    let docs = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/quality-gate.md"),
    )
    .unwrap();
    let section = &docs[docs
        .find("## Configuration")
        .expect("a Configuration section")..];
    let start = section.find("```toml\n").expect("a toml example") + "```toml\n".len();
    let example = &section[start..start + section[start..].find("```").unwrap()];
    assert!(example.contains("[quality_gate.secrets]"), "{example}");
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "slipway.toml", example);
    gate(dir.path())
        .arg("explain")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("secrets.found"))
        .stdout(predicate::str::contains("security.empty_scans"));
}
