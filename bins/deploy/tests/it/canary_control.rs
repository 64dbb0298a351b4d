//! `--pause-at`, `deploy promote` and `deploy abort` from a second process.

use crate::canary_site::{CanarySite, Front, QUICK, doc, finish, succeeded};
use crate::common::wait_for;

#[test]
fn canary_paused_at_30_goes_on_when_another_process_promotes_it() {
    let site = CanarySite::start(Front::Haproxy, "", QUICK);
    succeeded(&site.deploy(&["--version", "v1"]));
    let child = site.background(&["--version", "v2", "--pause-at", "30"]);
    wait_for("the canary to pause", 30, || site.paused());
    assert_eq!(site.green_share(), Some(30));
    std::thread::sleep(std::time::Duration::from_millis(700));
    assert_eq!(
        site.green_share(),
        Some(30),
        "a paused canary stays at its step"
    );
    let promote = site.command().arg("promote").output().unwrap();
    assert!(
        promote.status.success(),
        "{}",
        String::from_utf8_lossy(&promote.stderr)
    );
    assert!(String::from_utf8_lossy(&promote.stdout).contains("from 30%"));
    let d = succeeded(&finish(child));
    let paused = d["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "paused at 30%")
        .unwrap();
    assert!(
        paused["output"]
            .as_str()
            .unwrap()
            .starts_with("promoted by "),
        "{paused}"
    );
    assert_eq!(site.serving().as_deref(), Some("v2"));
    assert!(!site.paused());
}

#[test]
fn abort_from_another_process_puts_all_traffic_back_on_stable_in_one_change() {
    let site = CanarySite::start(Front::Haproxy, "", QUICK);
    succeeded(&site.deploy(&["--version", "v1"]));
    let child = site.background(&["--version", "v2", "--pause-at", "10"]);
    wait_for("the canary to pause", 30, || site.paused());
    let abort = site.command().arg("abort").output().unwrap();
    assert!(
        abort.status.success(),
        "{}",
        String::from_utf8_lossy(&abort.stderr)
    );
    let out = finish(child);
    assert_eq!(out.status.code(), Some(1));
    let d = doc(&out);
    assert_eq!(d["status"], "rolled-back");
    assert!(d["error"].as_str().unwrap().contains("aborted by"), "{d}");
    let back = d["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["name"].as_str().unwrap().starts_with("route back"))
        .count();
    assert_eq!(back, 1);
    assert_eq!(site.green_share(), Some(0));
    assert_eq!(site.serving().as_deref(), Some("v1"));
}

#[test]
fn promote_without_a_running_deploy_says_so_and_exits_1() {
    let site = CanarySite::start(Front::Haproxy, "", QUICK);
    let out = site.command().arg("promote").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no deploy is running in test"));
}

#[test]
fn kill_9_mid_canary_then_the_next_deploy_puts_traffic_on_stable_first_and_succeeds() {
    let site = CanarySite::start(Front::Haproxy, "", QUICK);
    succeeded(&site.deploy(&["--version", "v1"]));
    let mut child = site.background(&["--version", "v2", "--pause-at", "30"]);
    wait_for("the canary to pause", 30, || site.paused());
    child.kill().unwrap();
    let _ = child.wait();
    assert_eq!(
        site.green_share(),
        Some(30),
        "the dead canary left traffic split"
    );
    let d = succeeded(&site.deploy(&["--version", "v3", "--force"]));
    let names = crate::common::step_names(&d);
    assert_eq!(names[1], "route all traffic to stable", "{names:?}");
    assert_eq!(d["slot"], "green");
    assert_eq!(site.serving().as_deref(), Some("v3"));
    assert_eq!(site.ledger()["active"]["version"], "v3");
}
