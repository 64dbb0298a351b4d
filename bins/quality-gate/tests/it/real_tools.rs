//! Reports written by the real tools (pytest, coverage.py, bandit, pylint, ruff, flake8,
//! pytest-benchmark, cargo-nextest, clippy), checked in under `tests/fixtures/real/`
//! (see `regen.sh` there for how they were made).

use std::path::PathBuf;

use predicates::prelude::*;

use crate::common::{check, gate, gate_json, write};

fn real(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/real")
        .join(name)
        .display()
        .to_string()
}

#[test]
fn pytest_failure_fails_the_gate_and_is_annotated_at_the_assertion() {
    let dir = tempfile::tempdir().unwrap();
    gate(dir.path())
        .args([&real("pytest-junit.xml"), &real("coverage.xml"), "--output", "gate.json"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("tests/test_cart.py:21: error: tests.test_cart.test_discount_rounds_in_the_customers_favour failed"));
    let doc = gate_json(dir.path());
    assert_eq!(
        doc["totals"]["text"],
        "Tests: 3/5 passed (1 skipped), Coverage: 88.24%"
    );
    assert_eq!(check(&doc, "tests.failures")["value"], 1.0);
}

#[test]
fn coverage_py_xml_json_and_lcov_give_the_same_line_rate() {
    for name in ["coverage.xml", "coverage.json", "coverage.lcov"] {
        let dir = tempfile::tempdir().unwrap();
        gate(dir.path())
            .args([&real(name), "--output", "gate.json"])
            .assert()
            .code(0);
        let doc = gate_json(dir.path());
        assert_eq!(doc["totals"]["coverage"]["line"], 88.24, "{name}");
        assert_eq!(doc["totals"]["coverage"]["lines_total"], 17, "{name}");
    }
}

#[test]
fn bandit_shell_injection_is_a_high_finding_that_fails() {
    let dir = tempfile::tempdir().unwrap();
    gate(dir.path())
        .args([&real("bandit.json"), "--output", "gate.json"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "shop/cart.py:30: error: high severity: B602",
        ));
    assert_eq!(check(&gate_json(dir.path()), "security.high")["value"], 1.0);
}

#[test]
fn pylint_score_from_json2_and_text_is_held_to_the_threshold() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["pylint.json", "pylint.txt"] {
        gate(dir.path())
            .args([&real(name), "--output", "gate.json"])
            .assert()
            .code(0);
        let score = check(&gate_json(dir.path()), "lint.pylint_score")["value"]
            .as_f64()
            .unwrap();
        assert!((score - 9.41).abs() < 0.01, "{name}: {score}");
        gate(dir.path())
            .args([&real(name), "--min-pylint-score", "9.5"])
            .assert()
            .code(1);
    }
}

#[test]
fn ruff_flake8_and_clippy_warnings_count_against_a_lint_threshold() {
    let dir = tempfile::tempdir().unwrap();
    gate(dir.path())
        .args([
            &real("ruff.json"),
            &real("flake8.txt"),
            &real("clippy.json"),
            "--output",
            "gate.json",
        ])
        .assert()
        .code(0);
    let doc = gate_json(dir.path());
    assert_eq!(doc["totals"]["text"], "Lint: 0 errors, 6 warnings");
    gate(dir.path())
        .args([
            &real("ruff.json"),
            &real("clippy.json"),
            "--max-lint-warnings",
            "2",
        ])
        .assert()
        .code(1);
}

#[test]
fn nextest_flaky_test_passes_but_is_counted_and_the_failure_is_located() {
    let dir = tempfile::tempdir().unwrap();
    gate(dir.path())
        .args([
            &real("nextest-junit.xml"),
            "--output",
            "gate.json",
            "--set",
            "tests.flaky.warning=0",
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "src/lib.rs:29: error: shop.tests::discount_rounds_down failed",
        ));
    let doc = gate_json(dir.path());
    assert_eq!(doc["totals"]["tests"]["flaky"], 1);
    assert_eq!(check(&doc, "tests.flaky")["status"], "warn");
}

#[test]
fn benchmark_regression_against_a_baseline_uses_medians_and_a_noise_floor() {
    let dir = tempfile::tempdir().unwrap();
    let base: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(real("benchmark.json")).unwrap()).unwrap();
    let median = base["benchmarks"][0]["stats"]["median"].as_f64().unwrap();
    let slower = |factor: f64| {
        let mut doc = base.clone();
        doc["benchmarks"][0]["stats"]["median"] = serde_json::json!(median * factor);
        doc.to_string()
    };
    // The real benchmark takes microseconds: 30% slower is under the 1 ms noise floor.
    write(dir.path(), "now.json", &slower(1.3));
    gate(dir.path())
        .args([
            "now.json",
            "--baseline",
            &real("benchmark.json"),
            "--output",
            "gate.json",
        ])
        .assert()
        .code(0);
    assert_eq!(
        check(&gate_json(dir.path()), "performance.regression")["value"],
        0.0
    );
    // With the floor lowered, 30% fails (critical 20%) and 15% warns (warning 10%).
    write(
        dir.path(),
        "slipway.toml",
        "[quality_gate]\nmin_regression_ms = 0\n",
    );
    gate(dir.path())
        .args(["now.json", "--baseline", &real("benchmark.json")])
        .assert()
        .code(1);
    write(dir.path(), "now.json", &slower(1.15));
    gate(dir.path())
        .args([
            "now.json",
            "--baseline",
            &real("benchmark.json"),
            "--output",
            "gate.json",
        ])
        .assert()
        .code(0);
    assert_eq!(
        check(&gate_json(dir.path()), "performance.regression")["status"],
        "warn"
    );
}

#[test]
fn a_previous_gate_json_is_a_baseline_for_new_vulnerabilities() {
    let dir = tempfile::tempdir().unwrap();
    gate(dir.path())
        .args([
            &real("bandit.json"),
            "--output",
            "before.json",
            "--max-high",
            "5",
        ])
        .assert()
        .code(0);
    // Same findings as the baseline: nothing new, so only the absolute rule speaks.
    gate(dir.path())
        .args([
            &real("bandit.json"),
            "--baseline",
            "before.json",
            "--max-high",
            "5",
            "--output",
            "gate.json",
        ])
        .assert()
        .code(0);
    assert_eq!(
        check(&gate_json(dir.path()), "new_code.vulnerabilities")["value"],
        0.0
    );
}
