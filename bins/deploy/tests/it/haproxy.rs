//! HAProxy's runtime API under keep-alive load: switches without a reload drop nothing.

use std::time::Duration;

use crate::canary_site::{CanarySite, Front, KeepAliveLoad, QUICK, succeeded};

fn assert_no_failure(hits: &[crate::canary_site::Hit]) {
    let failed: Vec<_> = hits.iter().filter(|h| h.status != 200).collect();
    assert!(
        failed.is_empty(),
        "{} of {} requests failed, first: {:?} {:?}",
        failed.len(),
        hits.len(),
        failed.first().map(|h| h.status),
        failed.first().and_then(|h| h.error.as_deref())
    );
    assert!(hits.len() > 100, "only {} requests", hits.len());
}

#[test]
fn blue_green_on_haproxy_under_keep_alive_load_fails_no_request() {
    let site = CanarySite::start(Front::Haproxy, "", QUICK);
    succeeded(&site.deploy(&["--version", "v1", "--strategy", "blue-green"]));
    let load = KeepAliveLoad::start(&site.url(), 4, 200_000);
    std::thread::sleep(Duration::from_millis(200));
    for version in ["v2", "v3", "v4"] {
        let d = succeeded(&site.deploy(&["--version", version, "--strategy", "blue-green"]));
        assert_eq!(d["strategy"], "blue-green");
    }
    std::thread::sleep(Duration::from_millis(200));
    let hits = load.stop();
    assert_no_failure(&hits);
    assert!(hits.iter().any(|h| h.slot == "blue") && hits.iter().any(|h| h.slot == "green"));
    assert_eq!(site.serving().as_deref(), Some("v4"));
    let log = site.haproxy.as_ref().unwrap().log();
    assert!(!log.contains("reexec"), "HAProxy was reloaded: {log}");
}

#[test]
fn canary_on_haproxy_under_keep_alive_load_fails_no_request() {
    let site = CanarySite::start(Front::Haproxy, "", QUICK);
    succeeded(&site.deploy(&["--version", "v1"]));
    let load = KeepAliveLoad::start(&site.url(), 4, 200_000);
    std::thread::sleep(Duration::from_millis(200));
    succeeded(&site.deploy(&["--version", "v2"]));
    let failed = site.deploy(&["--version", "v3-errors"]);
    assert_eq!(failed.status.code(), Some(1));
    std::thread::sleep(Duration::from_millis(200));
    let hits = load.stop();
    // v3 answers 5 % errors by design while it holds its 10 %; every other answer is a 200.
    let broken: Vec<_> = hits
        .iter()
        .filter(|h| h.status != 200 && h.status != 500)
        .collect();
    assert!(
        broken.is_empty(),
        "transport failures: {:?}",
        broken.first()
    );
    let v2_side: Vec<_> = hits.iter().filter(|h| h.status == 500).collect();
    assert!(
        v2_side.len() < hits.len() / 50,
        "{} errors of {}",
        v2_side.len(),
        hits.len()
    );
    assert_eq!(site.serving().as_deref(), Some("v2"));
}
