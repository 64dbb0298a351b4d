use std::time::Duration;

use slipway_test_support::http;
use slipway_test_support::nginx::{Nginx, NginxConfig, Upstream};
use slipway_test_support::process::poll_until;
use slipway_test_support::sample::SampleService;

#[test]
fn proxies_to_the_sample_service_and_a_reload_switches_upstream() {
    let blue = SampleService::start_on(slipway_test_support::ports::free_port(), "1.0.0", "blue");
    let green = SampleService::start_on(slipway_test_support::ports::free_port(), "2.0.0", "green");
    let nginx = Nginx::start(NginxConfig::proxy_to(&[blue.port()]));

    let first = http::get(&nginx.url()).unwrap();
    assert_eq!(first.status, 200);
    assert_eq!(first.header("x-slot"), Some("blue"));

    nginx.write_upstream(&[Upstream::new(green.port())]);
    nginx.test_config().unwrap();
    nginx.reload();
    poll_until("nginx to route to green", Duration::from_secs(5), || {
        http::get(&nginx.url()).is_ok_and(|r| r.header("x-slot") == Some("green"))
    });
    let green_line = format!("upstream=127.0.0.1:{} upstream_status=200", green.port());
    poll_until(
        "the access log to name green",
        Duration::from_secs(5),
        || nginx.access_log().contains(&green_line),
    );
}

#[test]
fn a_broken_upstream_file_fails_the_config_test_with_nginx_message() {
    let nginx = Nginx::start(NginxConfig::default());
    std::fs::write(
        nginx.upstream_file(),
        "upstream slipway_backend { server ; }\n",
    )
    .unwrap();
    let err = nginx.test_config().unwrap_err();
    assert!(err.contains("upstream.conf"), "{err}");
}
