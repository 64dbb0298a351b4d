//! Rules for pull requests and critical modules: coverage of the lines a branch changed
//! (git diff against the base, like diff-cover), and per-glob module coverage.

use slipway_test_support::git::TestRepo;

use crate::common::{check, gate, gate_json, write};

/// Cobertura for one file (path relative to the `src` source root) with the given hits.
fn coverage_of(file: &str, hits: &[(u32, u32)]) -> String {
    let lines: String = hits
        .iter()
        .map(|(n, h)| format!("<line number=\"{n}\" hits=\"{h}\"/>"))
        .collect();
    format!(
        "<?xml version=\"1.0\" ?><coverage version=\"7.3\"><sources><source>/repo/src</source></sources><packages><package name=\"p\"><classes><class name=\"c\" filename=\"{file}\"><lines>{lines}</lines></class></classes></package></packages></coverage>"
    )
}

#[test]
fn half_covered_changed_lines_fail_new_code_coverage_while_the_total_passes() {
    let repo = TestRepo::new();
    let base: String = (1..=10).map(|i| format!("x{i} = {i}\n")).collect();
    repo.commit_file("src/app.py", &base, "app");
    repo.checkout_branch("feature");
    let changed = format!("{base}def f():\n    return 1\ndef g():\n    return 2\n");
    repo.commit_file("src/app.py", &changed, "f and g");
    let mut hits: Vec<(u32, u32)> = (1..=10).map(|i| (i, 1)).collect();
    hits.extend([(11, 1), (12, 1), (13, 0), (14, 0)]);
    write(
        repo.path(),
        "reports/coverage.xml",
        &coverage_of("app.py", &hits),
    );
    gate(repo.path())
        .args([
            "reports/coverage.xml",
            "--base",
            "main",
            "--output",
            "reports/gate.json",
        ])
        .assert()
        .code(1);
    let doc = gate_json(&repo.path().join("reports"));
    let new = check(&doc, "new_code.coverage");
    assert_eq!(new["value"], 50.0);
    assert_eq!(new["status"], "fail");
    assert_eq!(new["detail"], "2 of 4 changed lines covered (vs main)");
    assert_eq!(check(&doc, "coverage.line")["status"], "pass");
    assert_eq!(doc["totals"]["coverage"]["new_code"], 50.0);
}

#[test]
fn unknown_base_branch_skips_new_code_with_a_warning_not_an_error() {
    let repo = TestRepo::new();
    repo.commit_file("src/app.py", "x = 1\n", "app");
    write(
        repo.path(),
        "coverage.xml",
        &coverage_of("app.py", &[(1, 1)]),
    );
    gate(repo.path())
        .args(["coverage.xml", "--base", "origin/nope"])
        .assert()
        .code(0)
        .stderr(predicates::str::contains(
            "new-code coverage skipped: git diff origin/nope...HEAD failed",
        ));
}

#[test]
fn critical_module_below_95_fails_even_when_overall_coverage_passes() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "slipway.toml",
        "[quality_gate]\ncritical_modules = [\"src/models/**\"]\n",
    );
    let mut xml =
        String::from("<?xml version=\"1.0\" ?><coverage><packages><package name=\"p\"><classes>");
    for (file, covered) in [("models/user.py", 9), ("views/home.py", 10)] {
        xml.push_str(&format!("<class name=\"c\" filename=\"{file}\"><lines>"));
        for n in 1..=10 {
            xml.push_str(&format!(
                "<line number=\"{n}\" hits=\"{}\"/>",
                u32::from(n <= covered)
            ));
        }
        xml.push_str("</lines></class>");
    }
    xml.push_str("</classes></package></packages></coverage>");
    write(dir.path(), "coverage.xml", &xml);
    gate(dir.path())
        .args(["coverage.xml", "--output", "gate.json"])
        .assert()
        .code(1);
    let doc = gate_json(dir.path());
    let c = check(&doc, "coverage.critical_modules");
    assert_eq!(c["title"], "Line coverage of src/models/**");
    assert_eq!(c["value"], 90.0);
    assert_eq!(check(&doc, "coverage.line")["value"], 95.0);
}
