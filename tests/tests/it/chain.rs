//! The whole chain of five actions run by act (tests/chain/workflow.yml), checked step by
//! step and by the final state of staging and of the webhook standing in for Slack.

use std::path::PathBuf;

use slipway_e2e::chain::{Chain, Options, PREVIOUS_RELEASE};

fn bin_dir() -> PathBuf {
    assert_cmd::cargo::cargo_bin("deploy")
        .parent()
        .unwrap()
        .to_path_buf()
}

#[test]
fn chain_versions_gates_deploys_notifies_then_rolls_back_a_failed_release() {
    let chain = Chain::prepare(&Options {
        bin_dir: bin_dir(),
        failing_gate: false,
    })
    .unwrap();
    let run = chain.run().unwrap();
    assert!(run.succeeded, "act run failed:\n{}", run.log);

    assert_eq!(run.output("version_next"), "1.1.0", "{:?}", run.outputs);
    assert_eq!(run.output("version_tag"), "v1.1.0");
    assert_eq!(run.output("version_bump"), "minor");
    assert_eq!(run.output("gate_verdict"), "pass");
    assert!(
        run.output("gate_totals").contains("4/4"),
        "{}",
        run.output("gate_totals")
    );
    assert_eq!(run.output("deploy_status"), "succeeded");
    assert_eq!(run.output("notify_delivered"), "hook");
    assert_eq!(run.output("bad_deploy_outcome"), "failure");
    assert_eq!(run.output("bad_deploy_status"), "rolled-back");
    assert_eq!(run.output("rollback_status"), "succeeded");
    assert_eq!(run.output("rollback_to"), PREVIOUS_RELEASE);
    assert_eq!(run.output("notify_fail_delivered"), "hook");

    assert_eq!(
        run.documents["gate.json"]["schema"],
        "slipway.quality-gate/v1"
    );
    assert_eq!(run.documents["deploy.json"]["schema"], "slipway.deploy/v1");
    assert_eq!(run.documents["deploy.json"]["previous"], PREVIOUS_RELEASE);
    assert_eq!(
        run.documents["rollback.json"]["schema"],
        "slipway.rollback/v1"
    );
    assert_eq!(chain.serving().as_deref(), Some(PREVIOUS_RELEASE));

    let messages = chain.messages();
    assert_eq!(messages.len(), 2, "{messages:#?}");
    let text = |m: &serde_json::Value| m.to_string();
    assert!(
        text(&messages[0]).contains("v1.1.0"),
        "{}",
        text(&messages[0])
    );
    assert!(
        text(&messages[1]).to_lowercase().contains("rolled back"),
        "{}",
        text(&messages[1])
    );
}

#[test]
fn chain_with_a_failing_gate_stops_before_deploy() {
    let chain = Chain::prepare(&Options {
        bin_dir: bin_dir(),
        failing_gate: true,
    })
    .unwrap();
    let run = chain.run().unwrap();
    assert!(
        !run.succeeded,
        "the job should fail at the gate:\n{}",
        run.log
    );
    assert_eq!(run.output("gate_verdict"), "fail", "{:?}", run.outputs);
    assert_eq!(run.output("gate_outcome"), "failure");
    assert_eq!(run.output("deploy_outcome"), "skipped");
    assert_eq!(run.output("deploy_status"), "");
    assert!(!run.documents.contains_key("deploy.json"));
    assert_eq!(chain.serving().as_deref(), Some(PREVIOUS_RELEASE));
    assert!(chain.messages().is_empty());
}
