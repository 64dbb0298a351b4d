//! Failed checks put traffic back on the previous version; bad input changes nothing.

use crate::common::{deploy, deploy_version, deployed, doc, stderr};
use slipway_deploy_engine::testing::Site;

#[test]
fn health_failing_three_times_in_a_row_never_switches_and_exits_1() {
    let site = Site::local();
    deployed(&site, "v1");
    let upstream = site.upstream();
    let out = deploy_version(&site, "v2-sick", &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let d = doc(&out);
    assert_eq!(d["status"], "rolled-back");
    assert!(
        d["error"]
            .as_str()
            .unwrap()
            .contains("failed 3 times in a row"),
        "{d}"
    );
    let names: Vec<&str> = d["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert!(
        !names.iter().any(|n| n.starts_with("switch traffic")),
        "{names:?}"
    );
    assert_eq!(site.upstream(), upstream, "the router was never touched");
    assert_eq!(site.serving().as_deref(), Some("v1"));
    assert!(
        !site.path().join("run/local/green.pid").exists(),
        "the sick slot was stopped"
    );
    let ledger = site.ledger();
    assert_eq!(ledger["history"][0]["status"], "rolled-back");
    assert_eq!(ledger["active"]["version"], "v1");
    assert!(!site.locked());
}

#[test]
fn smoke_failure_after_the_switch_switches_back() {
    let site = Site::local();
    deployed(&site, "v1");
    let out = deploy_version(&site, "v2-badsmoke", &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let d = doc(&out);
    assert_eq!(d["status"], "rolled-back");
    let steps = d["steps"].as_array().unwrap();
    let smoke = steps.iter().find(|s| s["name"] == "smoke tests").unwrap();
    assert_eq!(smoke["status"], "failed");
    assert!(
        smoke["output"]
            .as_str()
            .unwrap()
            .contains("checkout flow failed on v2-badsmoke"),
        "{smoke}"
    );
    let back = steps
        .iter()
        .find(|s| s["name"].as_str().unwrap().starts_with("route back to"))
        .unwrap();
    assert_eq!(back["status"], "ok");
    assert_eq!(site.serving().as_deref(), Some("v1"));
    assert_eq!(site.ledger()["history"][0]["status"], "rolled-back");
}

#[test]
fn bad_input_exits_2_and_names_what_is_wrong() {
    let site = Site::local();
    let out = deploy(&site)
        .args(["--version", "v1; reboot"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("version \"v1; reboot\""),
        "{}",
        stderr(&out)
    );
    let out = assert_cmd::Command::cargo_bin("deploy")
        .unwrap()
        .args(["--environment", "prod", "--version", "v1", "--config"])
        .arg(&site.config)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no environment \"prod\"")
            && stderr(&out).contains("known environments: test"),
        "{}",
        stderr(&out)
    );
    let out = deploy(&site)
        .args(["--version", "v1", "--strategy", "sideways"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(site.ledger().is_null(), "nothing was written");
}

#[test]
fn a_failed_pre_deploy_hook_changes_nothing_and_on_failure_hooks_run_after_a_rollback() {
    let site = Site::start(slipway_deploy_engine::testing::Options {
        extra: "hooks.pre_deploy = ['''echo migrating to {version} >> hooks.log; case {version} in *-badmigration) echo migration failed; exit 1;; esac''']\n\
                hooks.post_switch = ['echo switched to {version} from {previous} >> hooks.log']\n\
                hooks.on_failure = ['echo failed {version} >> hooks.log']"
            .into(),
        ..Default::default()
    });
    deployed(&site, "v1");
    let upstream = site.upstream();
    let out = deploy_version(&site, "v2-badmigration", &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let d = doc(&out);
    assert!(
        d["error"].as_str().unwrap().contains("nothing was changed"),
        "{d}"
    );
    assert_eq!(
        d["steps"][1]["output"]
            .as_str()
            .map(|o| o.contains("migration failed")),
        Some(true),
        "{d}"
    );
    assert_eq!(site.upstream(), upstream);
    let out = deploy_version(&site, "v3-badsmoke", &[]);
    assert_eq!(out.status.code(), Some(1));
    let log = std::fs::read_to_string(site.path().join("hooks.log")).unwrap();
    assert_eq!(
        log,
        "migrating to v1\nswitched to v1 from\nmigrating to v2-badmigration\nmigrating to v3-badsmoke\nswitched to v3-badsmoke from v1\nfailed v3-badsmoke\n"
    );
    assert_eq!(site.serving().as_deref(), Some("v1"));
}
