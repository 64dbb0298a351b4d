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

fn write_holder(site: &Site, machine: &str, pid: u32, since_epoch: u64) {
    std::fs::create_dir_all(site.path().join("state/lock")).unwrap();
    std::fs::write(
        site.path().join("state/lock/holder.json"),
        serde_json::json!({
            "id": "runner-7-run", "operation": "deploy", "actor": "ci-bot", "pid": pid,
            "machine": machine, "since": "2026-12-01T09:00:00Z", "since_epoch": since_epoch,
            "version": "v9", "run_url": "https://github.com/o/r/actions/runs/7", "message": null
        })
        .to_string(),
    )
    .unwrap();
}

fn now_epoch() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[test]
fn force_never_breaks_a_live_lock_from_another_runner_nor_a_freeze_and_break_freeze_names_it() {
    let site = Site::local();
    deployed(&site, "v1");
    // A deploy running right now on another runner: its pid means nothing here.
    write_holder(&site, "runner-7", 4242, now_epoch());
    let out = deploy(&site)
        .args(["--version", "v2", "--force", "--json"])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(
        err.contains("locked by deploy of v9 by ci-bot (pid 4242 on runner-7)"),
        "{err}"
    );
    assert!(err.contains("--force does not break"), "{err}");
    assert!(err.contains("turns stale"), "{err}");
    assert_eq!(doc(&out)["status"], "locked");
    let holder = std::fs::read_to_string(site.path().join("state/lock/holder.json")).unwrap();
    assert!(
        holder.contains("runner-7-run"),
        "the live lock is left: {holder}"
    );
    assert_eq!(site.serving().as_deref(), Some("v1"));
    // Past its TTL (1h by default) the same lock is stale, and --force breaks it.
    write_holder(&site, "runner-7", 4242, now_epoch() - 7200);
    let forced = deploy(&site)
        .args(["--version", "v2", "--force", "--json"])
        .output()
        .unwrap();
    let err = stderr(&forced);
    assert!(forced.status.success(), "{err}");
    assert!(
        err.contains("breaking the lock of test: held by deploy of v9 by ci-bot")
            && err.contains("older than the lock TTL"),
        "{err}"
    );
    // A freeze: --force never lifts it, --break-freeze does and says whose it was.
    let frozen = deploy(&site)
        .args(["lock", "acquire", "-m", "Black Friday"])
        .output()
        .unwrap();
    assert!(frozen.status.success(), "{}", stderr(&frozen));
    let refused = deploy(&site)
        .args(["--version", "v3", "--force"])
        .output()
        .unwrap();
    let err = stderr(&refused);
    assert_eq!(refused.status.code(), Some(3), "{err}");
    assert!(
        err.contains("frozen by a manual freeze") && err.contains("Black Friday"),
        "{err}"
    );
    assert!(err.contains("--force never lifts a freeze"), "{err}");
    assert!(err.contains("--break-freeze"), "{err}");
    assert!(site.locked(), "the freeze holds");
    let through = deploy(&site)
        .args(["--version", "v3", "--break-freeze", "--json"])
        .output()
        .unwrap();
    let err = stderr(&through);
    assert!(through.status.success(), "{err}");
    assert!(
        err.contains("--break-freeze: breaking the freeze of test: a manual freeze by")
            && err.contains("Black Friday"),
        "{err}"
    );
    assert_eq!(site.serving().as_deref(), Some("v3"));
    assert!(!site.locked());
}

#[test]
fn a_file_at_the_lock_path_is_exit_3_naming_the_path_instead_of_spinning() {
    let site = Site::local();
    std::fs::create_dir_all(site.path().join("state")).unwrap();
    std::fs::write(site.path().join("state/lock"), "left by a script").unwrap();
    // Before the fix this spun at 100 % CPU forever; the command's 60 s timeout fails it.
    let out = deploy(&site)
        .args(["--version", "v1", "--lock-wait", "1s", "--json"])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    let path = site.path().join("state/lock").display().to_string();
    assert!(
        err.contains(&format!("the lock {path} on local is a file")),
        "{err}"
    );
    assert_eq!(doc(&out)["status"], "locked");
    assert!(site.ledger().is_null(), "nothing was written");
    let status = deploy(&site).args(["lock", "status"]).output().unwrap();
    assert_ne!(status.status.code(), Some(0), "status reports it too");
    assert!(stderr(&status).contains("is a file"), "{}", stderr(&status));
}

#[test]
fn lock_status_release_and_status_on_a_file_at_the_lock_path_exit_3_naming_host_and_path() {
    // Before the fix `deploy lock status` (and `lock release`, `deploy status`) reported a
    // file at the lock path as an ordinary failure, exit 1, without the help deploy gives.
    let site = Site::local();
    std::fs::create_dir_all(site.path().join("state")).unwrap();
    std::fs::write(site.path().join("state/lock"), "left by a script").unwrap();
    let path = site.path().join("state/lock").display().to_string();
    for args in [
        &["lock", "status"][..],
        &["lock", "status", "--json"],
        &["lock", "release"],
        &["status"],
    ] {
        let out = deploy(&site).args(args).output().unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(3), "{args:?}: {err}");
        assert!(
            err.contains(&format!("the lock {path} on local is a file")),
            "{args:?}: {err}"
        );
        assert!(err.contains("remove it by hand"), "{args:?}: {err}");
    }
    assert_eq!(
        std::fs::read_to_string(site.path().join("state/lock")).unwrap(),
        "left by a script",
        "the file is left for a person to look at"
    );
}
