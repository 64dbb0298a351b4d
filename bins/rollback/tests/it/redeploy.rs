//! Rollbacks that redeploy: a named version no slot holds, and emergency mode.

use slipway_deploy_engine::testing::{Options, Site};

use crate::common::{doc, history, rollback, stderr, steps};

#[test]
fn a_named_version_no_slot_holds_is_redeployed_with_checks() {
    let site = Site::local();
    history(&site, &["v1", "v2", "v3"]);
    let out = rollback(&site)
        .args(["--version", "v1", "--auto-approve", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let d = doc(&out);
    assert_eq!(d["method"], "redeploy");
    assert_eq!(
        (d["from"].as_str(), d["to"].as_str()),
        (Some("v3"), Some("v1"))
    );
    let names = steps(&d);
    assert!(
        names.contains(&"start v1 in green on local".to_owned()),
        "{names:?}"
    );
    assert!(
        names.contains(&"health check green on local".to_owned()),
        "{names:?}"
    );
    assert!(names.contains(&"smoke tests".to_owned()), "{names:?}");
    assert_eq!(site.serving().as_deref(), Some("v1"));
    assert_eq!(
        site.ledger()["history"][0]["strategy"],
        "rollback-blue-green"
    );
}

#[test]
fn emergency_replaces_directly_without_checks() {
    let site = Site::local();
    history(&site, &["v1", "v2"]);
    let out = rollback(&site)
        .args(["--emergency", "--auto-approve", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let d = doc(&out);
    assert_eq!(d["method"], "emergency");
    assert_eq!(
        steps(&d),
        [
            "lock test",
            "start v1 in blue on local",
            "switch traffic to v1 (blue)"
        ]
    );
    assert_eq!(site.serving().as_deref(), Some("v1"));
}

#[test]
fn rollback_over_ssh_takes_the_fast_path_on_the_remote_host() {
    let site = Site::start(Options {
        ssh_hosts: 1,
        ..Options::default()
    });
    history(&site, &["v1", "v2"]);
    let out = rollback(&site)
        .args(["--auto-approve", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let d = doc(&out);
    assert_eq!(d["method"], "fast-path");
    assert_eq!(
        steps(&d),
        [
            "lock test",
            "health check blue on h1",
            "switch traffic to v1 (blue)"
        ]
    );
    assert_eq!(site.serving().as_deref(), Some("v1"));
}
