//! `rollback --list-versions`, and what happens without a terminal.

use slipway_deploy_engine::testing::Site;
use slipway_kit::Exit;

use crate::common::{deploy, doc, history, rollback, stderr};

#[test]
fn list_versions_shows_good_versions_newest_first_and_marks_the_fast_path() {
    let site = Site::local();
    history(&site, &["v1", "v2"]);
    let out = rollback(&site)
        .args(["--list-versions", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let d = doc(&out);
    let versions: Vec<&str> = d["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_str().unwrap())
        .collect();
    assert_eq!(versions, ["v2", "v1"]);
    assert_eq!(d["active"]["version"], "v2");
    assert_eq!(d["previous"], "v1");
    assert_eq!(d["versions"][1]["standby"], true);
    let table = rollback(&site).arg("--list-versions").output().unwrap();
    let text = String::from_utf8_lossy(&table.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("version"), "{text}");
    assert!(
        lines[1].starts_with("v2") && lines[1].ends_with("active"),
        "{text}"
    );
    assert!(
        lines[2].starts_with("v1") && lines[2].ends_with("previous (standby, fast path)"),
        "{text}"
    );

    assert_eq!(deploy(&site, "v3-sick"), Exit::No);
    let out = rollback(&site)
        .args(["--list-versions", "--json"])
        .output()
        .unwrap();
    let d = doc(&out);
    let versions: Vec<&str> = d["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_str().unwrap())
        .collect();
    assert_eq!(
        versions,
        ["v2", "v1"],
        "a failed deploy is not a version to go back to"
    );
    assert_eq!(
        d["versions"][1]["standby"], false,
        "the failed deploy used (and cleaned) the standby slot"
    );
}

#[test]
fn without_a_terminal_auto_approve_is_required_and_nothing_changes() {
    let site = Site::local();
    history(&site, &["v1", "v2"]);
    let out = rollback(&site).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--auto-approve"), "{}", stderr(&out));
    assert_eq!(site.serving().as_deref(), Some("v2"));
}

#[test]
fn nothing_to_go_back_to_is_bad_input() {
    let site = Site::local();
    history(&site, &["v1"]);
    let out = rollback(&site).arg("--auto-approve").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no previous good version"),
        "{}",
        stderr(&out)
    );
}
