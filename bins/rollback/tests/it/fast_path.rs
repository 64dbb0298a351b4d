//! The blue-green fast path: the standby slot still runs the previous version.

use slipway_deploy_engine::testing::Site;

use crate::common::{doc, history, rollback, stderr, steps};

#[test]
fn rollback_to_the_previous_version_reroutes_to_the_standby_slot() {
    let site = Site::local();
    history(&site, &["v1", "v2"]);
    let out = rollback(&site)
        .args(["--auto-approve", "--json", "--reason", "checkout errors"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let d = doc(&out);
    assert_eq!(d["schema"], "slipway.rollback/v1");
    assert_eq!(d["status"], "succeeded");
    assert_eq!(d["method"], "fast-path");
    assert_eq!(
        (d["from"].as_str(), d["to"].as_str()),
        (Some("v2"), Some("v1"))
    );
    assert_eq!(d["reason"], "checkout errors");
    assert_eq!(d["slot"], "blue");
    assert!(d["warnings"][0].as_str().unwrap().contains("not reverted"));
    assert!(
        stderr(&out).contains("database migrations and configuration changes are not reverted")
    );
    assert_eq!(
        steps(&d),
        [
            "lock test",
            "health check blue on local",
            "switch traffic to v1 (blue)"
        ]
    );
    assert_eq!(site.serving().as_deref(), Some("v1"));
    let ledger = site.ledger();
    assert_eq!(ledger["active"]["version"], "v1");
    assert_eq!(ledger["history"][0]["kind"], "rollback");
    assert_eq!(ledger["history"][0]["reason"], "checkout errors");
    assert!(!site.locked());
}

#[test]
fn forced_rollback_breaks_a_stale_lock_and_still_checks_the_standby() {
    let site = Site::local();
    history(&site, &["v1", "v2"]);
    let machine = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .unwrap()
        .trim()
        .to_owned();
    std::fs::create_dir_all(site.path().join("state/lock")).unwrap();
    std::fs::write(
        site.path().join("state/lock/holder.json"),
        serde_json::json!({
            "id": "crashed-run", "operation": "deploy", "actor": "ci-bot", "pid": 999_999_999u32,
            "machine": machine, "since": "2026-01-01T00:00:00Z", "since_epoch": 1_767_225_600u64,
            "version": "v3", "run_url": "https://github.com/o/r/actions/runs/1", "message": null
        })
        .to_string(),
    )
    .unwrap();
    let refused = rollback(&site).arg("--auto-approve").output().unwrap();
    assert_eq!(refused.status.code(), Some(3), "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("stale lock")
            && stderr(&refused).contains("deploy of v3 by ci-bot"),
        "{}",
        stderr(&refused)
    );
    let out = rollback(&site)
        .args(["--auto-approve", "--force", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("breaking the lock of test: held by deploy of v3 by ci-bot"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("https://github.com/o/r/actions/runs/1"));
    let d = doc(&out);
    assert_eq!(d["method"], "fast-path");
    assert!(
        steps(&d).iter().any(|s| s == "health check blue on local"),
        "--force breaks the lock, it does not skip the standby check: {:?}",
        steps(&d)
    );
    assert_eq!(site.serving().as_deref(), Some("v1"));
    assert!(!site.locked());
}

#[test]
fn dry_run_prints_the_switch_and_touches_nothing() {
    let site = Site::local();
    history(&site, &["v1", "v2"]);
    let upstream = site.upstream();
    let out = rollback(&site).arg("--dry-run").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("fast path: re-route to slot blue"), "{err}");
    assert!(
        err.contains("would write") && err.contains("local/blue v1"),
        "{err}"
    );
    assert_eq!(site.upstream(), upstream);
    assert_eq!(site.serving().as_deref(), Some("v2"));
}
