use std::time::Duration;

use slipway_test_support::mqtt::Mosquitto;

#[test]
fn delivers_a_published_message_to_a_subscriber() {
    let broker = Mosquitto::start();
    let subscriber = broker.subscribe("slipway/deploys/#", 2, Duration::from_secs(5));
    broker.publish(
        "slipway/deploys/production",
        r#"{"version":"1.2.3"}"#,
        false,
    );
    broker.publish("slipway/deploys/staging", "multi\nline", false);
    let messages = subscriber.messages();
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[0].topic, "slipway/deploys/production");
    assert_eq!(messages[0].json()["version"], "1.2.3");
    assert_eq!(messages[1].text(), "multi\nline");
}

#[test]
fn a_retained_message_can_be_read_after_the_fact() {
    let broker = Mosquitto::start();
    assert_eq!(broker.retained("slipway/status"), None);
    broker.publish("slipway/status", "green", true);
    let retained = broker
        .retained("slipway/status")
        .expect("a retained message");
    assert!(retained.retained);
    assert_eq!(retained.text(), "green");
}
