//! The Kubernetes control plane and its kubelet loop.

use std::time::{Duration, Instant};

use serde_json::json;
use slipway_test_support::kube::{Kube, NEVER_READY};

fn deployment(name: &str, image: &str, replicas: u32) -> serde_json::Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "app", "image": image}]},
            },
        },
    })
}

fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_deployment_becomes_available_through_scheduler_and_kubelet_loop() {
    let kube = Kube::shared();
    let ns = kube.namespace("avail");
    kube.send(
        "POST",
        &format!("/apis/apps/v1/namespaces/{ns}/deployments"),
        &deployment("web", "example/web:v1", 3),
    );
    let path = format!("/apis/apps/v1/namespaces/{ns}/deployments/web");
    wait_for("3 available replicas", || {
        kube.get(&path)["status"]["availableReplicas"] == 3
    });
    let pods = kube.get(&format!("/api/v1/namespaces/{ns}/pods"));
    for pod in pods["items"].as_array().unwrap() {
        let ip = pod["status"]["podIP"].as_str().unwrap();
        assert!(ip.starts_with("192.0.2."), "fictional pod IP, got {ip}");
    }
    // kubectl with the fixture's token kubeconfig reaches the TLS port.
    let out = kube
        .kubectl()
        .args(["-n", &ns, "get", "deployment", "web", "-o", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let d: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(d["status"]["readyReplicas"], 3);
}

#[test]
fn a_marker_image_stays_pending_and_deleted_pods_go_away() {
    let kube = Kube::shared();
    let ns = kube.namespace("pending");
    kube.send(
        "POST",
        &format!("/apis/apps/v1/namespaces/{ns}/deployments"),
        &deployment("stuck", &format!("example/web:{NEVER_READY}"), 2),
    );
    let pods = format!("/api/v1/namespaces/{ns}/pods");
    wait_for("2 scheduled pods", || {
        let list = kube.get(&pods);
        let items = list["items"].as_array().unwrap();
        items.len() == 2 && items.iter().all(|p| !p["spec"]["nodeName"].is_null())
    });
    std::thread::sleep(Duration::from_millis(500));
    let list = kube.get(&pods);
    for pod in list["items"].as_array().unwrap() {
        assert_eq!(pod["status"]["phase"], "Pending", "{pod}");
    }
    // Scaling to zero deletes them gracefully; the kubelet loop finishes it.
    kube.merge_patch(
        &format!("/apis/apps/v1/namespaces/{ns}/deployments/stuck"),
        &json!({"spec": {"replicas": 0}}),
    );
    wait_for("no pods left", || {
        kube.get(&pods)["items"].as_array().unwrap().is_empty()
    });
}
