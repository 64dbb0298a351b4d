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

#[test]
fn seed_001_targets_without_a_baseline_pass_fail_and_name_a_target_that_matches_nothing() {
    let dir = tempfile::tempdir().unwrap();
    run_benchmarks(dir.path());
    write(
        dir.path(),
        "slipway.toml",
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
    );
    gate(dir.path())
        .args(["benchmark.json", "--output", "gate.json"])
        .assert()
        .code(1);
    let doc = gate_json(dir.path());
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
    write(
        dir.path(),
        "slipway.toml",
        r#"
[[quality_gate.benchmarks]]
name = "sleep*"
mean_ms = { critical = 600000 }
max_ms = { critical = 600000 }

[[quality_gate.benchmarks]]
name = "sleep 0.05"
median_ms = { critical = 10 }
"#,
    );
    gate(dir.path())
        .args(["hyperfine.json", "--output", "gate.json"])
        .assert()
        .code(1);
    let doc = gate_json(dir.path());
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
