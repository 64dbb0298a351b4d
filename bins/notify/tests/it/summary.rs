//! `notify --event summary --report metrics.json`: the weekly delivery summary with each
//! key's trend against the previous window, delivered to a real receiver on loopback.

use std::time::Duration;

use slipway_test_support::webhook::WebhookSink;

use crate::common::{Project, run};

/// What `deploy metrics --since 7d --output metrics.json` writes (two windows' figures).
const METRICS: &str = r#"{"schema": "slipway.metrics/v1",
  "window": {"since": "2026-03-02T00:00:00Z", "until": "2026-03-09T00:00:00Z"},
  "environments": [{"environment": "production", "deployments": 3, "failed_deployments": 2,
    "change_failure_rate": 0.5, "time_to_restore_seconds": {"median": 3780.0, "p90": 6324.0},
    "lead_time_seconds": {"median": 79500.0, "p90": 88860.0},
    "deployment_frequency_per_day": 0.42857142857142855, "deployment_days_per_week": 3.0,
    "success_rate": 0.6, "rollback_rate": 0.6, "deploy_runs": 5,
    "levels": {"deployment_frequency": "high", "lead_time": "elite",
               "change_failure_rate": "low", "time_to_restore": "high"},
    "previous": {"deployments": 5, "failed_deployments": 0, "change_failure_rate": 0.0,
      "time_to_restore_seconds": {"median": null, "p90": null},
      "lead_time_seconds": {"median": 90000.0, "p90": 90000.0}},
    "weeks": []}]}"#;

#[test]
fn weekly_summary_sends_every_key_with_its_trend_to_slack() {
    let sink = WebhookSink::start();
    let project = Project::new(
        r#"
[notify.channels.team]
type = "slack"
url_env = "SLACK_WEBHOOK_URL"
"#,
    );
    let metrics = project.write("metrics.json", METRICS);
    let (code, out, err) = run(project
        .notify()
        .env("SLACK_WEBHOOK_URL", sink.url_for("/services/T0/B0/XXXX"))
        .args(["--event", "summary", "--report"])
        .arg(&metrics));
    assert_eq!(code, 0, "{out}\n{err}");
    let requests = sink.wait_for_requests(1, Duration::from_secs(5));
    let body = requests[0].json();
    assert_eq!(
        body["text"],
        "📊 Delivery summary 2026-03-02 → 2026-03-09 — acme/shop"
    );
    let blocks = body["attachments"][0]["blocks"].as_array().unwrap();
    let text = blocks[1]["text"]["text"].as_str().unwrap();
    for line in [
        "Delivery metrics 2026-03-02 → 2026-03-09 (trend against the previous window)",
        "production",
        "  Deployments: 3 (▼ from 5, worse) · high",
        "  Change failure rate: 50% (▲ from 0%, worse) · low",
        "  Time to restore: 1h03m (no figure before) · high",
        "  Lead time: 22h05m (▼ from 1d01h, better) · elite",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "{line:?} missing from\n{text}"
        );
    }
    let fields: Vec<&str> = blocks[2]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields[0], "*Deployments*\n3 (▼ from 5, worse)",
        "{fields:?}"
    );
}

#[test]
fn a_summary_without_the_metrics_document_is_bad_input() {
    let project = Project::new("");
    let (code, _out, err) =
        run(project
            .notify()
            .args(["--event", "summary", "--to", "https://127.0.0.1:9/x"]));
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("--event summary needs the metrics document"),
        "{err}"
    );
    assert!(err.contains("deploy metrics"), "{err}");
}
