//! MQTT through a real broker (mosquitto): the event on its topic with QoS 1, and the
//! state retained for dashboards that connect later.

use std::time::Duration;

use slipway_test_support::mqtt::Mosquitto;

use crate::common::{Project, run};

#[test]
fn a_deploy_is_published_and_its_state_retained_for_home_assistant() {
    let broker = Mosquitto::start();
    let project = Project::new(&format!(
        r#"
[notify.channels.dashboard]
type = "mqtt"
url = "{}"
topic = "ci/{{{{ repository }}}}/{{{{ event }}}}"
state_topic = "ci/{{{{ repository }}}}/{{{{ environment }}}}/state"
"#,
        broker.url()
    ));
    let deploy = project.deploy_report();
    let subscriber = broker.subscribe("ci/acme/shop/deploy", 1, Duration::from_secs(10));
    let (code, out, err) = run(project
        .notify()
        .args(["--event", "deploy", "--status", "success", "--report"])
        .arg(&deploy));
    assert_eq!(code, 0, "{out}\n{err}");
    let messages = subscriber.messages();
    assert_eq!(messages.len(), 1, "broker log:\n{}", broker.log());
    let message = &messages[0];
    assert_eq!(message.qos, 1);
    assert!(!message.retained);
    let body = message.json();
    assert_eq!(body["event"], "deploy");
    assert_eq!(body["status"], "success");
    assert_eq!(body["version"], "1.4.0");

    let state = broker
        .retained("ci/acme/shop/production/state")
        .expect("a retained state message");
    assert!(state.retained);
    let state = state.json();
    assert_eq!(state["state"], "success");
    assert_eq!(state["environment"], "production");
    assert_eq!(state["version"], "1.4.0");
}

#[test]
fn an_unreachable_broker_fails_only_that_channel() {
    let port = slipway_test_support::ports::free_port();
    let project = Project::new("");
    let (code, out, err) = run(project
        .notify()
        .args(["--status", "failure", "--to"])
        .arg(format!("mqtt://127.0.0.1:{port}/ci")));
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("failed     mqtt#1 (mqtt)"), "{out}");
    assert!(out.contains("gave up after 3 attempts"), "{out}");
}
