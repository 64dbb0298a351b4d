//! One run per environment: a second is refused naming the holder, or queues with
//! `--lock-wait`; a manual freeze holds until released.

use crate::common::{deploy, deploy_background, deployed, doc, finish, stderr, wait_for};
use slipway_deploy_engine::testing::Site;

#[test]
fn a_concurrent_deploy_is_refused_naming_the_holder_and_lock_wait_queues_behind_it() {
    let site = Site::local();
    deployed(&site, "v1");
    let first = deploy_background(&site, &["--version", "v2-slow"]);
    wait_for("the first deploy to take the lock", 20, || site.locked());
    let refused = deploy(&site)
        .args(["--version", "v3", "--json"])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(3), "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("locked by deploy of v2-slow"),
        "{}",
        stderr(&refused)
    );
    assert_eq!(doc(&refused)["status"], "locked");
    let queued = deploy(&site)
        .args(["--version", "v3", "--json", "--lock-wait", "40s"])
        .output()
        .unwrap();
    let first = finish(first);
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(queued.status.success(), "{}", stderr(&queued));
    assert!(
        stderr(&queued).contains("waiting up to 40s for the lock"),
        "{}",
        stderr(&queued)
    );
    assert_eq!(doc(&queued)["previous"], "v2-slow");
    assert_eq!(site.serving().as_deref(), Some("v3"));
}

#[test]
fn a_manual_freeze_refuses_deploys_until_released() {
    let site = Site::local();
    let out = deploy(&site)
        .args(["lock", "acquire", "-m", "release freeze until Monday"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let status = deploy(&site).args(["lock", "status"]).output().unwrap();
    assert!(String::from_utf8_lossy(&status.stdout).contains("release freeze until Monday"));
    let refused = deploy(&site).args(["--version", "v1"]).output().unwrap();
    assert_eq!(refused.status.code(), Some(3));
    assert!(
        stderr(&refused).contains("frozen by")
            && stderr(&refused).contains("release freeze until Monday"),
        "{}",
        stderr(&refused)
    );
    let released = deploy(&site).args(["lock", "release"]).output().unwrap();
    assert!(String::from_utf8_lossy(&released.stdout).contains("released the lock of test"));
    deployed(&site, "v1");
    let status = deploy(&site).args(["status"]).output().unwrap();
    let text = String::from_utf8_lossy(&status.stdout);
    assert!(text.contains("test: v1 (slot blue)"), "{text}");
}
