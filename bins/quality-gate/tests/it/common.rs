//! Shared helpers: a command builder with a clean environment and report writers.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// `quality-gate` in `dir`, with CI, GITHUB_* and RUNNER_* cleared so tests behave the same
/// on a laptop and in CI.
pub(crate) fn gate(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("quality-gate").unwrap();
    cmd.current_dir(dir);
    for (key, _) in std::env::vars() {
        if key == "CI"
            || key.starts_with("GITHUB_")
            || key.starts_with("RUNNER_")
            || key.starts_with("SLIPWAY_")
        {
            cmd.env_remove(key);
        }
    }
    cmd.env("NO_COLOR", "1");
    cmd.timeout(std::time::Duration::from_secs(60));
    cmd
}

/// Writes `text` to `dir/name` and returns the path.
pub(crate) fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&p, text).unwrap();
    p
}

/// A JUnit report with `passed` passing and `failed` failing cases.
pub(crate) fn junit(passed: usize, failed: usize) -> String {
    let mut s = format!(
        "<?xml version=\"1.0\"?>\n<testsuites><testsuite name=\"pytest\" tests=\"{}\">\n",
        passed + failed
    );
    for i in 0..passed {
        s.push_str(&format!("<testcase classname=\"tests.test_app\" name=\"test_ok_{i}\" file=\"tests/test_app.py\" line=\"{}\" time=\"0.01\"/>\n", i + 1));
    }
    for i in 0..failed {
        s.push_str(&format!("<testcase classname=\"tests.test_app\" name=\"test_bad_{i}\" file=\"tests/test_app.py\" line=\"{}\" time=\"0.02\"><failure message=\"assert 1 == 2\">def test_bad():\n&gt;   assert 1 == 2\nE   assert 1 == 2</failure></testcase>\n", 100 + i));
    }
    s.push_str("</testsuite></testsuites>\n");
    s
}

/// A Cobertura report with `covered` of `total` lines hit in `file`.
pub(crate) fn cobertura(file: &str, covered: usize, total: usize) -> String {
    let mut s = format!(
        "<?xml version=\"1.0\" ?>\n<coverage line-rate=\"0\" branch-rate=\"0\" version=\"7.3\">\n<packages><package name=\"p\"><classes><class name=\"c\" filename=\"{file}\"><lines>\n"
    );
    for i in 0..total {
        s.push_str(&format!(
            "<line number=\"{}\" hits=\"{}\"/>\n",
            i + 1,
            usize::from(i < covered)
        ));
    }
    s.push_str("</lines></class></classes></package></packages></coverage>\n");
    s
}

/// A SARIF log with one result per `(rule, security-severity)`.
pub(crate) fn sarif(results: &[(&str, &str)]) -> String {
    let rules: Vec<String> = results
        .iter()
        .map(|(id, sev)| {
            format!("{{\"id\":\"{id}\",\"properties\":{{\"security-severity\":\"{sev}\"}}}}")
        })
        .collect();
    let res: Vec<String> = results
        .iter()
        .enumerate()
        .map(|(i, (id, _))| format!("{{\"ruleId\":\"{id}\",\"level\":\"error\",\"message\":{{\"text\":\"finding {id}\"}},\"locations\":[{{\"physicalLocation\":{{\"artifactLocation\":{{\"uri\":\"src/app.py\"}},\"region\":{{\"startLine\":{}}}}}}}]}}", i + 1))
        .collect();
    format!(
        "{{\"version\":\"2.1.0\",\"$schema\":\"https://json.schemastore.org/sarif-2.1.0.json\",\"runs\":[{{\"tool\":{{\"driver\":{{\"name\":\"bandit\",\"rules\":[{}]}}}},\"results\":[{}]}}]}}",
        rules.join(","),
        res.join(",")
    )
}

/// Reads gate.json from `dir`.
pub(crate) fn gate_json(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("gate.json")).unwrap()).unwrap()
}

/// The check with `id` (and title containing `title`) in a gate.json document.
pub(crate) fn check<'a>(doc: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    doc["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no check {id} in {doc:#}"))
}
