//! SIGTERM mid-deploy restores routing and releases the lock; kill -9 leaves a stale lock
//! the next run breaks with --force, and a router that only ever pointed at checked slots.

use crate::common::{deploy_background, deploy_version, doc, finish, stderr, wait_for};
use slipway_deploy_engine::testing::Site;

fn site_with_window() -> Site {
    Site::local()
}

#[test]
fn sigterm_mid_deploy_routes_back_releases_the_lock_and_the_next_deploy_succeeds() {
    let site = site_with_window();
    let out = deploy_version(&site, "v1", &["--strategy", "blue-green"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let child = deploy_background(&site, &["--version", "v2", "--validation-window", "30s"]);
    let pid = child.id();
    wait_for("v2 to serve (validation window running)", 20, || {
        site.serving().as_deref() == Some("v2")
    });
    std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    let out = finish(child);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let d = doc(&out);
    assert_eq!(d["status"], "cancelled");
    assert_eq!(site.serving().as_deref(), Some("v1"));
    assert!(!site.locked(), "the lock was released");
    assert_eq!(site.ledger()["history"][0]["status"], "cancelled");
    let next = deploy_version(&site, "v3", &["--lock-wait", "1s"]);
    assert_eq!(doc(&next)["status"], "succeeded", "{}", stderr(&next));
    assert_eq!(site.serving().as_deref(), Some("v3"));
}

#[test]
fn kill_9_mid_deploy_leaves_a_stale_lock_that_force_breaks_and_the_next_deploy_succeeds() {
    let site = site_with_window();
    let out = deploy_version(&site, "v1", &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut child = deploy_background(&site, &["--version", "v2", "--validation-window", "30s"]);
    wait_for("v2 to serve (validation window running)", 20, || {
        site.serving().as_deref() == Some("v2")
    });
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(site.locked(), "kill -9 leaves the lock");
    assert!(
        site.upstream().contains(" green v2"),
        "the router points at the slot that passed its checks"
    );
    wait_for("nginx to settle on v2", 5, || {
        site.serving().as_deref() == Some("v2")
    });
    let refused = deploy_version(&site, "v3", &[]);
    assert_eq!(refused.status.code(), Some(3));
    assert!(
        stderr(&refused).contains("stale lock") && stderr(&refused).contains("--force"),
        "{}",
        stderr(&refused)
    );
    let forced = deploy_version(&site, "v3", &["--force"]);
    assert!(forced.status.success(), "{}", stderr(&forced));
    let err = stderr(&forced);
    assert!(
        err.contains("breaking the lock of test: held by deploy of v2"),
        "{err}"
    );
    assert!(err.contains("was interrupted"), "{err}");
    assert_eq!(doc(&forced)["previous"], "v2");
    assert_eq!(site.serving().as_deref(), Some("v3"));
    let history = site.ledger()["history"].clone();
    assert_eq!(history[1]["version"], "v2");
    assert_eq!(history[1]["status"], "interrupted");
}
