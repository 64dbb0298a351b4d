//! Template overrides from the repository: a directory of templates, per-event files, a
//! per-channel template; a broken template stops the run before anything is sent.

use std::time::Duration;

use slipway_test_support::webhook::WebhookSink;

use crate::common::{Project, run};

const CHANNELS: &str = r#"
[notify.channels.team]
type = "slack"
url_env = "TEAM_URL"
[notify.channels.raw]
type = "webhook"
url_env = "RAW_URL"
template = "ci/raw.json.j2"
"#;

#[test]
fn repository_templates_replace_the_defaults_per_event_and_per_channel() {
    let team = WebhookSink::start();
    let raw = WebhookSink::start();
    let project = Project::new(CHANNELS);
    project.write(
        ".github/notify/slack.json.j2",
        r#"{{ {"text": "any: " ~ title} | tojson }}"#,
    );
    project.write(
        ".github/notify/deploy/slack.json.j2",
        r#"{{ {"text": "deploy to " ~ environment ~ ": " ~ status} | tojson }}"#,
    );
    project.write(
        "ci/raw.json.j2",
        r#"{{ {"who": actor, "what": event, "tests": numbers} | tojson }}"#,
    );
    let gate = project.gate_report();
    let deploy = project.deploy_report();
    let notify = |args: &[&str]| {
        let mut cmd = project.notify();
        cmd.env("TEAM_URL", team.url())
            .env("RAW_URL", raw.url())
            .args(args);
        run(&mut cmd)
    };
    let (code, out, err) = notify(&["--status", "success", "--report", gate.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}\n{err}");
    let (code, out, err) = notify(&[
        "--event",
        "deploy",
        "--status",
        "failure",
        "--report",
        deploy.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{out}\n{err}");
    let team = team.wait_for_requests(2, Duration::from_secs(5));
    assert_eq!(team[0].json()["text"], "any: ✅ CD succeeded — acme/shop");
    assert_eq!(team[1].json()["text"], "deploy to production: failure");
    let raw = raw.wait_for_requests(2, Duration::from_secs(5));
    assert_eq!(
        raw[0].json(),
        serde_json::json!({"who": "octocat", "what": "pipeline", "tests": "Tests: 95/95 passed · Coverage: 88%"})
    );
}

#[test]
fn a_template_that_makes_invalid_json_stops_the_run_before_sending() {
    let team = WebhookSink::start();
    let raw = WebhookSink::start();
    let project = Project::new(CHANNELS);
    project.write("ci/raw.json.j2", r#"{"text": {{ title }}}"#);
    let (code, _, err) = run(project
        .notify()
        .env("TEAM_URL", team.url())
        .env("RAW_URL", raw.url())
        .args(["--status", "success"]));
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("channel raw: template @raw did not produce valid JSON"),
        "{err}"
    );
    assert!(team.requests().is_empty() && raw.requests().is_empty());
}
