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
    let sets = |site: &KubeSite| replica_sets(site).len();
    // v1 and v2, and v0's too when the controller saw the Deployment before the first
    // deploy changed its image (a race the assertions below do not depend on).
    let sets_before = sets(&site);
    assert!(
        sets_before >= 2,
        "{sets_before} ReplicaSets before the rollback"
    );
    let revision = |site: &KubeSite| revision_of(&site.deployment("web"));
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

/// The revision annotation of a Deployment or ReplicaSet.
fn revision_of(object: &serde_json::Value) -> u64 {
    object["metadata"]["annotations"]["deployment.kubernetes.io/revision"]
        .as_str()
        .and_then(|r| r.parse().ok())
        .expect("the object carries its revision")
}

/// The ReplicaSets of the site's namespace.
fn replica_sets(site: &KubeSite) -> Vec<serde_json::Value> {
    site.kube.get(&format!(
        "/apis/apps/v1/namespaces/{}/replicasets",
        site.namespace
    ))["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// The ReplicaSets of the site's namespace whose pod template ran `version`.
fn sets_running(site: &KubeSite, version: &str) -> Vec<serde_json::Value> {
    replica_sets(site)
        .into_iter()
        .filter(|rs| {
            rs["spec"]["template"]["metadata"]["annotations"]["slipway.dev/version"] == version
        })
        .collect()
}

#[test]
fn rolling_rollback_to_a_named_version_undoes_to_the_revision_that_ran_it() {
    let site = KubeSite::rolling(2, "", "");
    for v in ["v1", "v2", "v3"] {
        deployed(&site, v);
    }
    let v1_sets = sets_running(&site, "v1");
    assert_eq!(v1_sets.len(), 1, "one ReplicaSet ran v1");
    let revision_before = revision_of(&site.deployment("web"));
    let out = rollback(&site, &["--version", "v1", "--auto-approve", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let d = doc(&out);
    assert_eq!(d["status"], "succeeded");
    assert_eq!(
        (d["from"].as_str(), d["to"].as_str()),
        (Some("v3"), Some("v1"))
    );
    assert_eq!(site.image("web"), "example/web:v1");
    let web = site.deployment("web");
    assert_eq!(revision_of(&web), revision_before + 1);
    // v1's own ReplicaSet came back with the newest revision (rollout undo), not a new one.
    let after = sets_running(&site, "v1");
    assert_eq!(after.len(), 1, "{after:?}");
    assert_eq!(
        after[0]["metadata"]["name"], v1_sets[0]["metadata"]["name"],
        "the same ReplicaSet"
    );
    assert_eq!(revision_of(&after[0]), revision_before + 1);
    assert_eq!(web["status"]["availableReplicas"], 2);
    assert_eq!(site.ledger()["active"]["version"], "v1");
}

#[test]
fn blue_green_rollback_to_a_named_version_redeploys_the_standby_or_wakes_the_slot_holding_it() {
    let site = KubeSite::slotted("blue-green", 2, "", "scale_down_delay = \"0s\"");
    for v in ["v1", "v2", "v3"] {
        deployed(&site, v);
    }
    // blue v3 serves, green holds v2 at 0 replicas: v1 is in no slot.
    let out = rollback(&site, &["--version", "v1", "--auto-approve", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let d = doc(&out);
    assert_eq!(d["method"], "redeploy");
    assert_eq!(d["slot"], "green");
    assert_eq!(site.image("web-green"), "example/web:v1");
    let svc = site.get("services", "web").unwrap();
    assert_eq!(svc["spec"]["selector"]["slipway.dev/slot"], "green");
    assert_eq!(site.endpoints("web").get("green"), Some(&2));
    // Now blue holds v3, scaled to 0: naming v3 takes the fast path to that slot.
    assert_eq!(site.deployment("web-blue")["spec"]["replicas"], 0);
    let out = rollback(&site, &["--version", "v3", "--auto-approve", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let d = doc(&out);
    assert_eq!(d["method"], "fast-path");
    assert_eq!(d["slot"], "blue");
    assert_eq!(
        steps(&d),
        [
            "lock test",
            "scale web-blue back to 2 replicas",
            "switch traffic to v3 (blue)"
        ]
    );
    assert_eq!(site.image("web-blue"), "example/web:v3");
    assert_eq!(site.endpoints("web").get("blue"), Some(&2));
    assert_eq!(site.ledger()["active"]["version"], "v3");
}

#[test]
fn emergency_rollback_on_kubernetes_redeploys_without_checks() {
    let site = KubeSite::slotted("blue-green", 2, "", "scale_down_delay = \"0s\"");
    // The smoke test passes for the deploys and fails from then on: only a rollback that
    // runs no check can succeed.
    let flag = site.path().join("smoke-fails");
    site.append(&format!(
        "[deploy.environments.{ENV}.smoke]\ncommands = [\"test ! -e {}\"]\n",
        flag.display()
    ));
    deployed(&site, "v1");
    deployed(&site, "v2");
    std::fs::write(&flag, "").unwrap();
    let out = rollback(&site, &["--emergency", "--auto-approve", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let d = doc(&out);
    assert_eq!(d["method"], "emergency");
    assert_eq!(d["to"], "v1");
    let names = steps(&d);
    assert!(
        !names
            .iter()
            .any(|n| n.contains("smoke") || n.contains("health")),
        "no checks: {names:?}"
    );
    assert!(
        names.iter().any(|n| n == "switch traffic to v1 (blue)"),
        "{names:?}"
    );
    // Redeployed into the standby, not woken: its Deployment got v1's image again and a
    // new change-cause, and the Service moved once the pods were available (the API's
    // readiness, not a check of Slipway's).
    let blue = site.deployment("web-blue");
    let cause = blue["metadata"]["annotations"]["kubernetes.io/change-cause"]
        .as_str()
        .unwrap();
    assert!(cause.starts_with("slipway: v1 by "), "{cause}");
    assert_eq!(blue["status"]["availableReplicas"], 2);
    assert_eq!(site.endpoints("web").get("blue"), Some(&2));
    let ledger = site.ledger();
    assert_eq!(ledger["active"]["version"], "v1");
    assert_eq!(ledger["history"][0]["kind"], "emergency");
}
