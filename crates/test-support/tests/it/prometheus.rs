use std::time::Duration;

use slipway_test_support::http;
use slipway_test_support::process::poll_until;
use slipway_test_support::prometheus::Prometheus;
use slipway_test_support::sample::SampleService;

#[test]
fn scrapes_the_sample_service_and_a_query_returns_its_counter() {
    let app = SampleService::start("4.5.6");
    for _ in 0..3 {
        assert_eq!(http::get(&app.url()).unwrap().status, 200);
    }
    let prom = Prometheus::start(
        &[format!("127.0.0.1:{}", app.port())],
        Duration::from_secs(1),
    );
    prom.wait_for_target_up(Duration::from_secs(60));

    let query = r#"http_requests_total{job="slipway",code="200",version="4.5.6"}"#;
    poll_until("the counter in Prometheus", Duration::from_secs(30), || {
        prom.query_value(query).is_some()
    });
    let answer = prom.query(query);
    assert_eq!(answer["status"], "success");
    assert_eq!(answer["data"]["result"][0]["metric"]["slot"], "blue");
    assert_eq!(prom.query_value(query), Some(3.0));
    assert_eq!(
        prom.query_value(r#"http_requests_total{code="500"}"#),
        None,
        "no data is None, never zero"
    );
}
