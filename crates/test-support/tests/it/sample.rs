use slipway_test_support::http;
use slipway_test_support::ports::free_port;
use slipway_test_support::sample::{Knobs, SampleService};

#[test]
fn serves_health_version_and_root() {
    let service = SampleService::start_on(free_port(), "1.2.3", "green");
    let health = http::get(&format!("{}/health", service.url())).unwrap();
    assert_eq!((health.status, health.text().trim()), (200, "ok"));
    let version = http::get(&format!("{}/version", service.url()))
        .unwrap()
        .json();
    assert_eq!(
        version,
        serde_json::json!({"version": "1.2.3", "slot": "green"})
    );
    let root = http::get(&service.url()).unwrap();
    assert_eq!(root.status, 200);
    assert!(root.text().contains("1.2.3"), "{}", root.text());
    assert_eq!(root.header("x-slot"), Some("green"));
}

#[test]
fn error_rate_of_five_percent_fails_exactly_one_in_twenty() {
    let service = SampleService::start("2.0.0");
    service.set_knobs(Knobs {
        error_rate: 0.05,
        ..Knobs::default()
    });
    let statuses: Vec<u16> = (0..40)
        .map(|_| http::get(&service.url()).unwrap().status)
        .collect();
    assert_eq!(statuses.iter().filter(|&&s| s == 500).count(), 2);
    assert_eq!((statuses[19], statuses[39]), (500, 500));

    let metrics = http::get(&format!("{}/metrics", service.url()))
        .unwrap()
        .text();
    assert!(
        metrics.contains(r#"http_requests_total{code="500",slot="blue",version="2.0.0"} 2"#),
        "{metrics}"
    );
    assert!(
        metrics.contains(r#"http_requests_total{code="200",slot="blue",version="2.0.0"} 38"#),
        "{metrics}"
    );
    assert!(
        metrics.contains(r#"http_request_duration_seconds_count{slot="blue",version="2.0.0"} 40"#),
        "{metrics}"
    );
}

#[test]
fn failing_health_and_latency_knobs_apply_at_start_and_at_run_time() {
    let knobs = Knobs {
        fail_health: true,
        latency_ms: 50,
        ..Knobs::default()
    };
    let service = SampleService::start_with(free_port(), "3.0.0", "canary", knobs);
    assert_eq!(
        http::get(&format!("{}/health", service.url()))
            .unwrap()
            .status,
        503
    );
    assert_eq!(service.knobs(), knobs);
    let started = std::time::Instant::now();
    http::get(&service.url()).unwrap();
    assert!(started.elapsed() >= std::time::Duration::from_millis(50));

    service.set_knobs(Knobs::default());
    assert_eq!(
        http::get(&format!("{}/health", service.url()))
            .unwrap()
            .status,
        200
    );
    let bad = http::request(
        "POST",
        &format!("{}/knobs", service.url()),
        &[],
        b"{\"nope\":1}",
        std::time::Duration::from_secs(5),
    )
    .unwrap();
    assert_eq!(bad.status, 400);
}
