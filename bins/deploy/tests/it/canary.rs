//! Canary through HAProxy's runtime API and nginx's weighted upstream: steps, analysis by
//! probe, rollback in one router change.

use std::time::Duration;

use crate::canary_site::{CanarySite, Front, doc, succeeded};
use crate::common::{step_names, wait_for};

const PROBE: &str = "[deploy.environments.test.canary]\nstep_duration = \"2s\"\n\
    [deploy.environments.test.analysis]\nprovider = \"probe\"\nmin_samples = 20\nmax_p95 = \"10s\"\n\
    [deploy.environments.test.analysis.probe]\ninterval = \"10ms\"\n";

fn step<'a>(doc: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    doc["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"].as_str().unwrap().starts_with(name))
        .unwrap_or_else(|| panic!("no step {name:?} in {:?}", step_names(doc)))
}

/// Runs a canary of v2 over v1 and checks, at every step, that the share of responses
/// from the canary slot through the router is within 3 points of the step.
fn healthy_canary_is_promoted_with_observed_shares(front: Front) {
    let site = CanarySite::start(front, "", PROBE);
    succeeded(&site.deploy(&["--version", "v1"]));
    assert_eq!(site.serving().as_deref(), Some("v1"));
    let child = site.background(&["--version", "v2"]);
    for target in [10_u32, 30, 50, 100] {
        wait_for(&format!("the router at {target}% canary"), 30, || {
            site.green_share() == Some(target)
        });
        if front == Front::Nginx {
            // The file is written before the reload, and nginx applies a reload 30 to
            // 190 ms after it returns (DESIGN.md §3); a weighted routing carries no single
            // version the engine could poll for.
            std::thread::sleep(Duration::from_millis(400));
        }
        let (green, total) = site.count_green(200);
        let observed = green * 100 / total;
        assert_eq!(
            site.green_share(),
            Some(target),
            "the step changed while counting"
        );
        assert!(
            observed.abs_diff(target as usize) <= 3,
            "{front:?}: step {target}%: observed {observed}% ({green} of {total})"
        );
    }
    let out = crate::canary_site::finish(child);
    let d = succeeded(&out);
    assert_eq!(d["strategy"], "canary");
    for name in [
        "canary 10% to v2",
        "analysis at 10%",
        "canary 30% to v2",
        "analysis at 30%",
        "canary 50% to v2",
        "analysis at 50%",
        "canary 100%: all traffic to v2",
        "analysis at 100%",
    ] {
        let s = step(&d, name);
        assert_eq!(s["status"], "ok", "{s}");
    }
    assert!(
        step(&d, "analysis at 10%")["output"]
            .as_str()
            .unwrap()
            .contains("error rate 0.00%"),
        "{d}"
    );
    assert_eq!(site.serving().as_deref(), Some("v2"));
    assert_eq!(site.ledger()["active"]["version"], "v2");
}

#[test]
fn healthy_canary_on_haproxy_is_promoted_through_10_30_50_100_with_observed_shares() {
    healthy_canary_is_promoted_with_observed_shares(Front::Haproxy);
}

#[test]
fn healthy_canary_on_nginx_is_promoted_through_10_30_50_100_with_observed_shares() {
    healthy_canary_is_promoted_with_observed_shares(Front::Nginx);
}

#[test]
fn canary_with_five_percent_errors_rolls_back_at_first_step_through_probe() {
    let site = CanarySite::start(Front::Haproxy, "", PROBE);
    succeeded(&site.deploy(&["--version", "v1"]));
    let out = site.deploy(&["--version", "v2-errors"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let d = doc(&out);
    assert_eq!(d["status"], "rolled-back");
    let analysis = step(&d, "analysis at 10%");
    assert_eq!(analysis["status"], "failed");
    assert!(
        analysis["detail"]
            .as_str()
            .unwrap()
            .contains("is above 1.00%"),
        "{analysis}"
    );
    let names = step_names(&d);
    assert!(
        !names.iter().any(|n| n.starts_with("canary 30%")),
        "{names:?}"
    );
    // One router change puts everything back on stable.
    let back: Vec<_> = names
        .iter()
        .filter(|n| n.starts_with("route back"))
        .collect();
    assert_eq!(back.len(), 1, "{names:?}");
    assert_eq!(site.green_share(), Some(0));
    let h = site.haproxy.as_ref().unwrap();
    assert_eq!(h.weight("green"), 0);
    let (green, _) = site.count_green(50);
    assert_eq!(green, 0, "no request reaches the failed canary");
    assert_eq!(site.serving().as_deref(), Some("v1"));
    let ledger = site.ledger();
    assert_eq!(ledger["history"][0]["version"], "v2-errors");
    assert_eq!(ledger["history"][0]["status"], "rolled-back");
    assert_eq!(ledger["active"]["version"], "v1");
}

#[test]
fn canary_dry_run_prints_every_step_and_analysis_and_touches_nothing() {
    let site = CanarySite::start(Front::Haproxy, "", PROBE);
    succeeded(&site.deploy(&["--version", "v1"]));
    let ledger = site.ledger();
    let out = site
        .command()
        .args(["--version", "v2", "--dry-run", "--pause-at", "30"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    for expected in [
        "set server app/blue weight 90; set server app/blue state ready; set server app/green weight 10",
        "would analyse v2 for 2s with probe",
        "would pause at 30%",
        "set server app/green weight 1",
    ] {
        assert!(err.contains(expected), "missing {expected:?} in:\n{err}");
    }
    assert_eq!(site.green_share(), Some(0));
    assert_eq!(site.ledger(), ledger);
    assert!(!site.dir.path().join("run/green.pid").exists());
}
