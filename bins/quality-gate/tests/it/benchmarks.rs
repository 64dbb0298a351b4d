//! Absolute benchmark targets on real pytest-benchmark and hyperfine output: seed 001's three
//! benchmarks (`tests/fixtures/bench/test_model.py`) run by pytest-benchmark in the test,
//! then held to `[[quality_gate.benchmarks]]` targets without a baseline. Thresholds are
//! chosen so timing cannot change the verdict: a pass is 10 minutes away, and the failing
//! target is 1 ms against a benchmark that sleeps 20 ms.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{gate, gate_json, write};

/// The project's tool venv python (scripts/install-deps.sh); fails loudly without
/// pytest-benchmark.
fn python_with_pytest_benchmark() -> PathBuf {
    let tools = std::env::var_os("SLIPWAY_TOOLS").map_or_else(
        || PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/slipway-tools"),
        PathBuf::from,
    );
    let python = tools.join("venv/bin/python");
    let ok = Command::new(&python)
        .args(["-c", "import pytest_benchmark"])
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok,
        "pytest-benchmark is not installed in {}: run scripts/install-deps.sh",
        python.display()
    );
    python
}

fn run_benchmarks(dir: &Path) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bench/test_model.py");
    std::fs::copy(src, dir.join("test_model.py")).unwrap();
    let out = Command::new(python_with_pytest_benchmark())
        .args([
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--benchmark-json=benchmark.json",
            "--benchmark-max-time=0.1",
            "test_model.py",
        ])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "pytest-benchmark failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn by_title<'a>(doc: &'a serde_json::Value, title: &str) -> &'a serde_json::Value {
    doc["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["title"] == title)
        .unwrap_or_else(|| panic!("no check titled {title:?} in {:#}", doc["checks"]))
}

/// Writes `targets` to `dir/slipway.toml`, runs the gate on `report` (a file or a glob),
/// which must exit 1 (a target failed), and returns the gate.json it wrote.
fn gate_failing_targets(dir: &Path, targets: &str, report: &str) -> serde_json::Value {
    write(dir, "slipway.toml", targets);
    gate(dir)
        .args([report, "--output", "gate.json"])
        .assert()
        .code(1);
    gate_json(dir)
}

#[test]
fn seed_001_targets_without_a_baseline_pass_fail_and_name_a_target_that_matches_nothing() {
    let dir = tempfile::tempdir().unwrap();
    run_benchmarks(dir.path());
    let doc = gate_failing_targets(
        dir.path(),
        r#"
[[quality_gate.benchmarks]]
name = "test_single_prediction*"
mean_ms = { critical = 600000 }
p95_ms = { critical = 600000, warning = 500000 }

[[quality_gate.benchmarks]]
name = "test_batch_prediction_100"
median_ms = { critical = 600000 }
max_ms = { critical = 600000 }

[[quality_gate.benchmarks]]
name = "test_model_loading"
mean_ms = { critical = 1 }
memory_mb = { critical = 100000 }

[[quality_gate.benchmarks]]
name = "test_gpu_inference*"
mean_ms = { critical = 5 }
"#,
        "benchmark.json",
    );
    let single = by_title(&doc, "Benchmark \"test_single_prediction*\" mean");
    assert_eq!(single["status"], "pass");
    assert!(single["value"].as_f64().unwrap() > 0.0);
    assert!(
        single["detail"]
            .as_str()
            .unwrap()
            .contains("test_model.py::test_single_prediction")
    );
    assert_eq!(
        by_title(&doc, "Benchmark \"test_single_prediction*\" p95")["status"],
        "pass"
    );
    assert_eq!(
        by_title(&doc, "Benchmark \"test_batch_prediction_100\" median")["status"],
        "pass"
    );
    assert_eq!(
        by_title(&doc, "Benchmark \"test_batch_prediction_100\" max")["status"],
        "pass"
    );
    let loading = by_title(&doc, "Benchmark \"test_model_loading\" mean");
    assert_eq!(loading["status"], "fail");
    assert!(loading["value"].as_f64().unwrap() >= 20.0, "{loading}");
    assert_eq!(
        loading["threshold_sources"]["critical"],
        "config ./slipway.toml"
    );
    let memory = by_title(&doc, "Benchmark \"test_model_loading\" memory");
    assert_eq!(memory["status"], "pass");
    assert!(memory["value"].as_f64().unwrap() > 0.0, "{memory}");
    let gpu = by_title(
        &doc,
        "Benchmark \"test_gpu_inference*\": no matching benchmark",
    );
    assert_eq!(gpu["status"], "fail");
    assert_eq!(gpu["id"], "performance.benchmarks.missing");
}

#[test]
fn a_target_with_no_benchmark_report_at_all_fails_under_the_default_missing_policy() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "junit.xml", &crate::common::junit(1, 0));
    write(
        dir.path(),
        "slipway.toml",
        "[[quality_gate.benchmarks]]\nname = \"test_single_prediction*\"\nmean_ms = { critical = 5 }\n",
    );
    gate(dir.path())
        .args(["junit.xml", "--output", "gate.json"])
        .assert()
        .code(1);
    let doc = gate_json(dir.path());
    let c = by_title(
        &doc,
        "Benchmark \"test_single_prediction*\": no matching benchmark",
    );
    assert_eq!(c["detail"], "no benchmark report was read");
    gate(dir.path())
        .args(["junit.xml", "--missing", "warn"])
        .assert()
        .code(0);
}

#[test]
fn a_benchmark_target_with_thresholds_in_the_wrong_order_exits_two_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "slipway.toml",
        "[[quality_gate.benchmarks]]\nname = \"test_*\"\nmean_ms = { critical = 5, warning = 8 }\n",
    );
    gate(dir.path())
        .arg("explain")
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "[[quality_gate.benchmarks]] #1 (name = \"test_*\"): mean_ms: warning = 8 ms must be below critical = 5 ms",
        ));
}

#[test]
fn hyperfine_run_here_is_held_to_absolute_targets_by_command_name() {
    let dir = tempfile::tempdir().unwrap();
    // `sleep 0.05` cannot take less than 50 ms however idle the machine is, nor
    // anywhere near ten minutes however loaded: both verdicts are certain.
    let out = Command::new("hyperfine")
        .args([
            "--runs",
            "3",
            "-N",
            "--export-json",
            "hyperfine.json",
            "sleep 0.05",
        ])
        .current_dir(dir.path())
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "hyperfine is not installed ({e}): run scripts/install-deps.sh (Debian hyperfine)"
            )
        });
    assert!(
        out.status.success(),
        "hyperfine failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc = gate_failing_targets(
        dir.path(),
        r#"
[[quality_gate.benchmarks]]
name = "sleep*"
mean_ms = { critical = 600000 }
max_ms = { critical = 600000 }

[[quality_gate.benchmarks]]
name = "sleep 0.05"
median_ms = { critical = 10 }
"#,
        "hyperfine.json",
    );
    assert_eq!(doc["reports"][0]["format"], "hyperfine");
    assert_eq!(
        by_title(&doc, "Benchmark \"sleep*\" mean")["status"],
        "pass"
    );
    assert_eq!(by_title(&doc, "Benchmark \"sleep*\" max")["status"], "pass");
    let median = by_title(&doc, "Benchmark \"sleep 0.05\" median");
    assert_eq!(median["status"], "fail", "{median}");
    assert!(median["value"].as_f64().unwrap() >= 50.0, "{median}");
}

/// The real criterion 0.7.0 run checked in by slipway-reports
/// (`crates/reports/tests/fixtures/criterion-real`, see its README), copied to
/// `dir/target/criterion`: `parse/small`, `fib_20` and `format/hex` (in `format_hex/`).
fn copy_real_criterion_run(dir: &Path) -> PathBuf {
    let from = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../crates/reports/tests/fixtures/criterion-real/target/criterion");
    let to = dir.join("target/criterion");
    slipway_test_support::files::copy_tree(&from, &to).unwrap();
    to
}

#[test]
fn criterion_run_is_held_to_absolute_targets_over_a_glob_of_its_estimates() {
    let dir = tempfile::tempdir().unwrap();
    let criterion = copy_real_criterion_run(dir.path());
    let fib_median_ns: f64 = serde_json::from_str::<serde_json::Value>(
        &std::fs::read_to_string(criterion.join("fib_20/new/estimates.json")).unwrap(),
    )
    .unwrap()["median"]["point_estimate"]
        .as_f64()
        .unwrap();
    // The checked-in run took nanoseconds (parse/small, format/hex) and microseconds
    // (fib_20): ten minutes always passes, and 1 µs always fails fib_20.
    let doc = gate_failing_targets(
        dir.path(),
        r#"
[[quality_gate.benchmarks]]
name = "parse/*"
mean_ms = { critical = 600000 }
median_ms = { critical = 600000 }

[[quality_gate.benchmarks]]
name = "format/hex"
mean_ms = { critical = 600000 }

[[quality_gate.benchmarks]]
name = "*"
median_ms = { critical = 0.001 }
"#,
        "target/criterion/**/new/estimates.json",
    );
    let formats: Vec<&serde_json::Value> = doc["reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["format"])
        .collect();
    assert_eq!(formats, ["criterion"; 3], "{:#}", doc["reports"]);
    for title in ["Benchmark \"parse/*\" mean", "Benchmark \"parse/*\" median"] {
        let c = by_title(&doc, title);
        assert_eq!(c["status"], "pass", "{c}");
        assert!(
            c["detail"].as_str().unwrap().starts_with("parse/small: "),
            "{c}"
        );
    }
    // Named as criterion prints it, not after its `format_hex` directory.
    let hex = by_title(&doc, "Benchmark \"format/hex\" mean");
    assert_eq!(hex["status"], "pass", "{hex}");
    let all = by_title(&doc, "Benchmark \"*\" median");
    assert_eq!(all["status"], "fail", "{all}");
    assert!(
        all["detail"]
            .as_str()
            .unwrap()
            .starts_with("worst of 3 matching benchmarks: fib_20 at "),
        "{all}"
    );
    // criterion's nanoseconds as milliseconds, to the four digits the gate keeps.
    let value = all["value"].as_f64().unwrap();
    let want = fib_median_ns / 1e6;
    assert!(
        (value - want).abs() <= want * 1e-3,
        "{value} ms vs {want} ms"
    );
}
