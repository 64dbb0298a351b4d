//! Canary analysis through a real Prometheus scraping the sample service's slots.

use std::time::Duration;

use slipway_test_support::prometheus::Prometheus;

use crate::canary_site::{CanarySite, Front, KeepAliveLoad, doc, succeeded};

/// A site whose analysis asks a Prometheus that scrapes both slots every 100 ms.
fn site_with_prometheus(analysis: &str) -> (CanarySite, Prometheus) {
    let site = CanarySite::start(
        Front::Haproxy,
        "",
        "[deploy.environments.test.canary]\nstep_duration = \"2s\"\n",
    );
    let prometheus = Prometheus::start(
        &[
            format!("127.0.0.1:{}", site.blue),
            format!("127.0.0.1:{}", site.green),
        ],
        Duration::from_millis(100),
    );
    // Prometheus applies its first target set a few seconds after start: wait until both
    // slots are scraped (down, since nothing runs there yet).
    crate::common::wait_for("Prometheus to scrape both slots", 20, || {
        prometheus.query("up")["data"]["result"]
            .as_array()
            .is_some_and(|r| r.len() == 2)
    });
    site.append(&format!(
        "[deploy.environments.test.analysis]\nprovider = \"prometheus\"\nmin_samples = 20\n{analysis}\n\
         [deploy.environments.test.analysis.prometheus]\nurl = \"{}\"\n",
        prometheus.url()
    ));
    (site, prometheus)
}

#[test]
fn canary_with_five_percent_errors_rolls_back_at_first_step_through_prometheus() {
    let (site, prometheus) = site_with_prometheus("");
    succeeded(&site.deploy(&["--version", "v1"]));
    let load = KeepAliveLoad::start(&site.url(), 2, 1_000_000);
    let out = site.deploy(&["--version", "v2-errors"]);
    let hits = load.stop();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let d = doc(&out);
    assert_eq!(d["status"], "rolled-back");
    let analysis = d["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "analysis at 10%")
        .unwrap();
    assert_eq!(analysis["status"], "failed", "{analysis}");
    let output = analysis["output"].as_str().unwrap();
    assert!(
        output.starts_with("prometheus analysis: error rate"),
        "{output}"
    );
    assert!(output.contains("is above 1.00%"), "{output}");
    assert_eq!(site.haproxy.as_ref().unwrap().weight("green"), 0);
    assert_eq!(site.serving().as_deref(), Some("v1"));
    assert_eq!(site.ledger()["history"][0]["status"], "rolled-back");
    // Prometheus saw the canary's errors (the series are stale now the slot is stopped).
    let errors = prometheus.query_value(
        "sum(max_over_time(http_requests_total{version=\"v2-errors\",code=\"500\"}[1m]))",
    );
    assert!(errors.is_some_and(|e| e >= 1.0), "{errors:?}");
    assert!(
        hits.iter().all(|h| h.status == 200 || h.status == 500),
        "only the canary's own 500s, no transport failure"
    );
}

#[test]
fn prometheus_answering_no_data_holds_the_step_and_never_passes_it() {
    let (site, _prometheus) = site_with_prometheus("no_data = \"hold\"\nhold_timeout = \"1s\"\n");
    site.append("error_rate = 'sum(rate(no_such_metric_total{slot=\"{slot}\"}[{window}]))'\n");
    succeeded(&site.deploy(&["--version", "v1"]));
    let load = KeepAliveLoad::start(&site.url(), 2, 1_000_000);
    let out = site.deploy(&["--version", "v2"]);
    load.stop();
    assert_eq!(out.status.code(), Some(1));
    let d = doc(&out);
    let analysis = d["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "analysis at 10%")
        .unwrap();
    assert_eq!(analysis["status"], "failed");
    let detail = analysis["detail"].as_str().unwrap();
    assert!(detail.contains("no analysis data"), "{detail}");
    assert!(
        analysis["duration_ms"].as_u64().unwrap() >= 2500,
        "the step was held past its 2 s before failing: {analysis}"
    );
    assert_eq!(site.serving().as_deref(), Some("v1"));
}
