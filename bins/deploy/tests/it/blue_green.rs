//! Blue-green on one local host behind nginx.

use std::time::Duration;

use slipway_deploy_engine::testing::{Load, Site};

use crate::common::{deploy, deployed};

#[test]
fn first_deploy_then_second_switches_slots_and_records_both() {
    let site = Site::local();
    let first = deployed(&site, "v1");
    assert_eq!(first["schema"], "slipway.deploy/v1");
    assert_eq!(first["status"], "succeeded");
    assert_eq!(first["slot"], "blue");
    assert!(first["previous"].is_null());
    assert_eq!(site.serving().as_deref(), Some("v1"));

    let second = deployed(&site, "v2");
    assert_eq!(second["slot"], "green");
    assert_eq!(second["previous"], "v1");
    assert_eq!(site.serving().as_deref(), Some("v2"));
    let steps: Vec<&str> = second["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        steps,
        [
            "lock test",
            "start v2 in green on local",
            "health check green on local",
            "switch traffic to v2 (green)",
            "smoke tests"
        ]
    );
    let smoke = &second["steps"][4];
    assert!(
        smoke["output"]
            .as_str()
            .is_some_and(|o| o.contains("\"version\":\"v2\"")),
        "{smoke}"
    );
    let ledger = site.ledger();
    assert_eq!(ledger["active"]["version"], "v2");
    assert_eq!(
        ledger["slots"]["blue"], "v1",
        "the previous version stays in its slot for a fast rollback"
    );
    assert_eq!(ledger["history"][0]["status"], "succeeded");
    assert!(!site.locked(), "the lock is released");
}

#[test]
fn blue_green_under_load_drops_no_new_connection_and_serves_only_the_new_version_after() {
    let site = Site::local();
    deployed(&site, "v1");
    let load = Load::start(&site.nginx.url(), 2, 20_000);
    std::thread::sleep(Duration::from_millis(300));
    deployed(&site, "v2");
    let switched = std::time::Instant::now();
    std::thread::sleep(Duration::from_millis(300));
    let samples = load.stop();
    let failed: Vec<_> = samples.iter().filter(|s| s.status != 200).collect();
    assert!(
        failed.is_empty(),
        "{} of {} requests failed, first: {:?}",
        failed.len(),
        samples.len(),
        failed.first()
    );
    let after: Vec<_> = samples.iter().filter(|s| s.at >= switched).collect();
    assert!(!after.is_empty(), "requests ran after the switch");
    assert!(
        after.iter().all(|s| s.body.contains("v2")),
        "an old response after the switch"
    );
    assert!(
        samples.iter().any(|s| s.body.contains("v1")),
        "the load ran before the switch too"
    );
    assert!(samples.len() > 50, "only {} requests", samples.len());
}

#[test]
fn dry_run_prints_the_plan_and_touches_nothing() {
    let site = Site::local();
    deployed(&site, "v1");
    let upstream = site.upstream();
    let ledger = site.ledger();
    let out = deploy(&site)
        .args(["--version", "v2", "--dry-run"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    for expected in [
        "would take the lock",
        "would run on local: ",
        "--version v2 --slot green",
        "would write",
        "local/green v2",
        "would record in",
    ] {
        assert!(err.contains(expected), "missing {expected:?} in:\n{err}");
    }
    assert_eq!(site.upstream(), upstream);
    assert_eq!(site.ledger(), ledger);
    assert_eq!(site.serving().as_deref(), Some("v1"));
    assert!(!site.path().join("run/local/green.pid").exists());
}

#[test]
fn blue_green_over_ssh_with_the_key_from_an_environment_variable() {
    let site = Site::start(slipway_deploy_engine::testing::Options {
        ssh_hosts: 1,
        key_env: Some("SLIPWAY_TEST_DEPLOY_KEY"),
        ..Default::default()
    });
    deployed(&site, "v1");
    let second = deployed(&site, "v2");
    assert_eq!(second["slot"], "green");
    assert_eq!(site.serving().as_deref(), Some("v2"));
    let ledger = site.ledger();
    assert_eq!(
        ledger["active"]["version"], "v2",
        "the ledger lives on the primary host"
    );
    let out = deploy(&site)
        .args(["--version", "v3"])
        .env_remove("SLIPWAY_TEST_DEPLOY_KEY")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("ssh.key_env names SLIPWAY_TEST_DEPLOY_KEY, which is not set")
    );
}

#[test]
fn in_ci_each_step_is_a_group_with_outputs_and_a_summary_table() {
    let site = Site::local();
    deployed(&site, "v1");
    let output = site.path().join("github_output");
    let summary = site.path().join("github_summary");
    std::fs::write(&output, "").unwrap();
    std::fs::write(&summary, "").unwrap();
    let out = deploy(&site)
        .args(["--version", "v2", "--output", "deploy.json"])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_OUTPUT", &output)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("::group::start v2 in green on local\n"),
        "{err}"
    );
    assert!(err.contains("::endgroup::"), "{err}");
    let outputs =
        slipway_kit::outputs::parse_output_file(&std::fs::read_to_string(&output).unwrap());
    let get = |k: &str| {
        outputs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(get("status"), Some("succeeded"));
    assert_eq!(get("version"), Some("v2"));
    assert_eq!(get("previous"), Some("v1"));
    assert_eq!(get("slot"), Some("green"));
    assert_eq!(get("report"), Some("deploy.json"));
    let table = std::fs::read_to_string(&summary).unwrap();
    assert!(
        table.contains("### Deploy v2 to test: succeeded"),
        "{table}"
    );
    assert!(
        table.contains("| switch traffic to v2 (green) | ✅ ok |"),
        "{table}"
    );
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(site.path().join("deploy.json")).unwrap())
            .unwrap();
    assert_eq!(doc["schema"], "slipway.deploy/v1");
}
