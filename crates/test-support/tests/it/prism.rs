use std::time::Duration;

use slipway_test_support::http;
use slipway_test_support::prism::Prism;

fn post_release(body: &str) -> http::Message {
    let url = format!(
        "{}/repos/slipway-dev/prism-fixture/releases",
        Prism::shared().url()
    );
    let headers = [
        ("Content-Type", "application/json"),
        ("Accept", "application/vnd.github+json"),
        ("Authorization", "Bearer test"),
    ];
    http::request(
        "POST",
        &url,
        &headers,
        body.as_bytes(),
        Duration::from_secs(30),
    )
    .expect("Prism answers")
}

#[test]
fn a_valid_release_request_gets_201() {
    let response = post_release(r#"{"tag_name":"v1.0.0","name":"v1.0.0","body":"notes"}"#);
    assert_eq!(response.status, 201, "{}", response.text());
    assert!(response.json()["id"].is_number());
}

#[test]
fn a_release_without_tag_name_gets_422_and_the_violation_is_logged() {
    let prism = Prism::shared();
    let mark = prism.log_mark();
    let response = post_release(r#"{"name":"no tag"}"#);
    assert_eq!(response.status, 422, "{}", response.text());
    assert!(
        response
            .header("sl-violations")
            .is_some_and(|v| v.contains("tag_name"))
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while !prism
        .violations_since(mark)
        .iter()
        .any(|v| v.contains("tag_name"))
    {
        assert!(
            std::time::Instant::now() < deadline,
            "no violation logged:\n{}",
            prism.log_since(mark)
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_numeric_tag_name_breaks_the_contract() {
    let response = post_release(r#"{"tag_name":100}"#);
    assert!(
        (400..500).contains(&response.status),
        "{} {}",
        response.status,
        response.text()
    );
}

#[test]
fn prefer_header_selects_a_documented_404() {
    let url = format!("{}/repos/o/r/releases/tags/v9.9.9", Prism::shared().url());
    let response = http::request(
        "GET",
        &url,
        &[("Prefer", "code=404")],
        b"",
        Duration::from_secs(30),
    )
    .unwrap();
    assert_eq!(response.status, 404);
}

#[test]
fn a_preferring_relay_asks_prism_for_the_documented_404_of_the_requests_it_names() {
    let prism = Prism::shared();
    let relay = prism.preferring(&[(
        "GET",
        "/repos/slipway-dev/prism-fixture/releases/tags/",
        "code=404",
    )]);
    let get = |path: &str| {
        http::request(
            "GET",
            &format!("{}{path}", relay.url()),
            &[("Accept", "application/vnd.github+json")],
            b"",
            Duration::from_secs(30),
        )
        .expect("Prism answers")
    };
    let tag = get("/repos/slipway-dev/prism-fixture/releases/tags/v1.0.0");
    assert_eq!(tag.status, 404, "{}", tag.text());
    let latest = get("/repos/slipway-dev/prism-fixture/releases/latest");
    assert_eq!(latest.status, 200, "{}", latest.text());
    let seen: Vec<(Option<String>, u16)> = relay
        .requests()
        .into_iter()
        .map(|r| (r.prefer, r.status))
        .collect();
    assert_eq!(seen, vec![(Some("code=404".to_owned()), 404), (None, 200)]);
}
