//! A rollback takes the lock first and plans under it: queued behind a deploy, it plans
//! from what that deploy left, not from what served when it was started.

use slipway_deploy_engine::testing::Site;

use crate::common::{deploy, doc, history, rollback, stderr};
use slipway_kit::Exit;

#[test]
fn a_rollback_queued_behind_a_deploy_plans_under_the_lock_from_what_the_deploy_left() {
    let site = Site::local();
    // v1 idles in blue, v2 serves from green.
    history(&site, &["v1", "v2"]);
    std::thread::scope(|scope| {
        // v3 takes 2 s to start, in blue: v1's slot.
        let slow = scope.spawn(|| deploy(&site, "v3-slow"));
        slipway_test_support::process::poll_until(
            "the deploy to take the lock",
            std::time::Duration::from_secs(20),
            &mut || site.locked(),
        );
        let out = rollback(&site)
            .args(["--auto-approve", "--json", "--lock-wait", "40s"])
            .output()
            .unwrap();
        assert_eq!(slow.join().unwrap(), Exit::Success);
        let err = stderr(&out);
        assert!(out.status.success(), "{err}");
        let d = doc(&out);
        // Planned before the lock, it would have re-routed to blue "for v1", which by then
        // ran v3, and recorded v1.
        assert_eq!(
            (d["from"].as_str(), d["to"].as_str()),
            (Some("v3-slow"), Some("v2")),
            "{d}"
        );
        assert_eq!(d["method"], "fast-path");
        assert_eq!(d["slot"], "green");
        let waited = err
            .find("waiting up to 40s for the lock")
            .unwrap_or(usize::MAX);
        let planned = err
            .find("roll test back from v3-slow to v2")
            .unwrap_or_else(|| panic!("no plan line: {err}"));
        assert!(waited < planned, "the plan is made after the lock: {err}");
    });
    assert_eq!(site.serving().as_deref(), Some("v2"));
    let ledger = site.ledger();
    assert_eq!(ledger["active"]["version"], "v2");
    assert_eq!(ledger["history"][0]["version"], "v2");
    assert!(!site.locked());
}
