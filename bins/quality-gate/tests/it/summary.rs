//! The rendered Markdown (step summary and PR comment), by snapshot, and its size bound.

use std::path::PathBuf;

use quality_gate::config::Missing;
use quality_gate::gate::{self, Context, GateDoc};
use quality_gate::inputs;
use quality_gate::rules::Rules;
use quality_gate::summary::{Limits, render};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from("tests/fixtures/real").join(name)
}

fn doc_for(files: &[PathBuf]) -> (GateDoc, inputs::Inputs) {
    let inputs = inputs::load(files, &[], None, false, &|_| {}).unwrap();
    let ctx = Context {
        missing: Missing::Fail,
        ..Context::default()
    };
    let checks = gate::evaluate(&inputs, &Rules::default(), &ctx);
    let doc = GateDoc {
        schema: gate::SCHEMA,
        name: "quality-gate".to_owned(),
        verdict: gate::verdict(&checks),
        enforced: true,
        note: None,
        commit: None,
        pull_request: Some(7),
        totals: gate::totals(&inputs, None),
        checks,
        reports: inputs.sources.clone(),
        baseline: gate::BaselineData::default(),
    };
    (doc, inputs)
}

#[test]
fn summary_of_real_pytest_coverage_and_bandit_reports() {
    let (doc, inputs) = doc_for(&[
        fixture("pytest-junit.xml"),
        fixture("coverage.xml"),
        fixture("bandit.json"),
    ]);
    insta::assert_snapshot!(render(&doc, &inputs, Limits::SUMMARY));
}

#[test]
fn summary_of_real_nextest_and_clippy_reports() {
    let (doc, inputs) = doc_for(&[fixture("nextest-junit.xml"), fixture("clippy.json")]);
    insta::assert_snapshot!(render(&doc, &inputs, Limits::COMMENT));
}

#[test]
fn a_huge_report_still_renders_a_comment_under_githubs_limit() {
    let dir = tempfile::tempdir().unwrap();
    let mut xml = String::from("<testsuite>");
    for i in 0..5000 {
        xml.push_str(&format!("<testcase classname=\"c\" name=\"t{i}\"><failure message=\"{}\">{}</failure></testcase>", "m".repeat(300), "d".repeat(2000)));
    }
    xml.push_str("</testsuite>");
    let p = dir.path().join("big.xml");
    std::fs::write(&p, xml).unwrap();
    let (doc, inputs) = doc_for(&[p]);
    let comment = render(&doc, &inputs, Limits::COMMENT);
    assert!(comment.len() < 65_536, "{}", comment.len());
    assert!(comment.contains("… and 4980 more"), "{comment}");
    let summary = render(&doc, &inputs, Limits::SUMMARY);
    assert!(summary.len() < 1024 * 1024);
}
