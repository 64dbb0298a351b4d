//! `rollback` on a real Kubernetes control plane: the blue-green fast path scales the
//! previous slot back up and patches the Service once; on a rolling environment it is
//! `kubectl rollout undo` to the revision that ran the target; versions come from the
//! ledger ConfigMap.

use std::time::Duration;

use slipway_deploy_engine::Run;
use slipway_deploy_engine::cancel::Cancel;
use slipway_deploy_engine::deploy::{self, Parts, Request};
use slipway_deploy_engine::testing::ENV;
use slipway_deploy_engine::testing::kube::KubeSite;
use slipway_kit::{Exit, Ui};

use crate::common::{doc, stderr, steps};

fn deployed(site: &KubeSite, version: &str) {
    let parts = Parts::new(&site.environment()).unwrap();
    let run = Run::new(Ui::detect().quiet(true), Cancel::new(), false);
    let request = Request {
        version: version.to_owned(),
        strategy: None,
        lock_wait: Duration::ZERO,
        breaking: slipway_deploy_engine::lock::Breaking::default(),
    };
    let outcome = deploy::deploy(&run, &parts, &request);
    assert_eq!(
        outcome.exit,
        Exit::Success,
        "deploy {version}: {:?}",
        outcome.document.error
    );
}

fn rollback(site: &KubeSite, args: &[&str]) -> std::process::Output {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("rollback"));
    slipway_test_support::actions::clean_env(&mut cmd);
    assert_cmd::Command::from_std(cmd)
        .current_dir(site.path())
        .env("NO_COLOR", "1")
        .arg("--config")
        .arg(&site.config)
        .args(["--environment", ENV])
        .args(args)
        .timeout(Duration::from_secs(300))
        .output()
        .unwrap()
}

#[test]
fn blue_green_rollback_fast_path_scales_the_previous_slot_back_and_switches_once() {
    let site = KubeSite::slotted("blue-green", 2, "", "scale_down_delay = \"0s\"");
    deployed(&site, "v1");
    deployed(&site, "v2");
    assert_eq!(site.deployment("web-blue")["spec"]["replicas"], 0);
    let out = rollback(&site, &["--list-versions", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let list = doc(&out);
    assert_eq!(list["active"]["version"], "v2");
    assert_eq!(list["previous"], "v1");
    let out = rollback(&site, &["--auto-approve", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let d = doc(&out);
    assert_eq!(d["method"], "fast-path");
    assert_eq!(
        (d["from"].as_str(), d["to"].as_str()),
        (Some("v2"), Some("v1"))
    );
    assert_eq!(
        steps(&d),
        [
            "lock test",
            "scale web-blue back to 2 replicas",
            "switch traffic to v1 (blue)"
        ]
    );
    let svc = site.get("services", "web").unwrap();
    assert_eq!(svc["spec"]["selector"]["slipway.dev/slot"], "blue");
    assert_eq!(site.endpoints("web").get("blue"), Some(&2));
    assert_eq!(site.image("web-blue"), "example/web:v1");
    assert_eq!(site.ledger()["active"]["version"], "v1");
}

#[test]
fn rolling_rollback_is_a_rollout_undo_to_the_revision_that_ran_the_target() {
    let site = KubeSite::rolling(2, "", "");
    deployed(&site, "v1");
    deployed(&site, "v2");
    let sets = |site: &KubeSite| {
        site.kube.get(&format!(
            "/apis/apps/v1/namespaces/{}/replicasets",
            site.namespace
        ))["items"]
            .as_array()
            .unwrap()
            .len()
    };
    // v1 and v2, and v0's too when the controller saw the Deployment before the first
    // deploy changed its image (a race the assertions below do not depend on).
    let sets_before = sets(&site);
    assert!(
        sets_before >= 2,
        "{sets_before} ReplicaSets before the rollback"
    );
    let revision = |site: &KubeSite| -> u64 {
        site.deployment("web")["metadata"]["annotations"]["deployment.kubernetes.io/revision"]
            .as_str()
            .and_then(|r| r.parse().ok())
            .expect("the Deployment carries its revision")
    };
    let revision_before = revision(&site);
    let out = rollback(&site, &["--auto-approve", "--json", "--reason", "errors"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let d = doc(&out);
    assert_eq!(d["status"], "succeeded");
    assert_eq!(d["to"], "v1");
    assert_eq!(site.image("web"), "example/web:v1");
    let web = site.deployment("web");
    assert_eq!(
        revision(&site),
        revision_before + 1,
        "the undo made v1's revision the newest"
    );
    assert_eq!(
        sets(&site),
        sets_before,
        "v1's ReplicaSet came back; no new one"
    );
    assert_eq!(web["status"]["availableReplicas"], 2);
    assert_eq!(site.ledger()["active"]["version"], "v1");
}
