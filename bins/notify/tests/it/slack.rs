//! Slack: incoming webhooks (Block Kit) and the bot (chat.postMessage, then chat.update of
//! the "deploy started" message), against the recording sink standing in for Slack.

use std::time::Duration;

use serde_json::json;
use slipway_test_support::webhook::{Mode, WebhookSink};

use crate::common::{Project, run};

#[test]
fn slack_webhook_receives_block_kit_with_the_seed_numbers() {
    let sink = WebhookSink::start();
    let project = Project::new(
        r#"
[notify.channels.ops]
type = "slack"
url_env = "SLACK_WEBHOOK_URL"
"#,
    );
    let gate = project.gate_report();
    let (code, out, err) = run(project
        .notify()
        .env(
            "SLACK_WEBHOOK_URL",
            sink.url_for("/services/T0/B0/XXXXXXXX"),
        )
        .args(["--event", "pipeline", "--status", "success", "--report"])
        .arg(&gate));
    assert_eq!(code, 0, "{out}\n{err}");
    let requests = sink.wait_for_requests(1, Duration::from_secs(5));
    let body = requests[0].json();
    assert_eq!(body["text"], "✅ CD succeeded — acme/shop");
    let attachment = &body["attachments"][0];
    assert_eq!(attachment["color"], "#2eb886");
    let blocks = attachment["blocks"].as_array().unwrap();
    assert_eq!(blocks[0]["type"], "header");
    assert_eq!(blocks[1]["type"], "section");
    assert_eq!(
        blocks[1]["text"]["text"],
        "Tests: 95/95 passed · Coverage: 88%"
    );
    let fields: Vec<&str> = blocks[2]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["text"].as_str().unwrap())
        .collect();
    assert!(fields.contains(&"*Tests*\n95/95 passed"), "{fields:?}");
    assert!(fields.contains(&"*Coverage*\n88%"), "{fields:?}");
    let actions = blocks.iter().find(|b| b["type"] == "actions").unwrap();
    assert_eq!(
        actions["elements"][0]["url"],
        "https://github.com/acme/shop/actions/runs/4242"
    );
}

fn bot_project() -> Project {
    Project::new(
        r##"
[notify.channels.deploys]
type = "slack"
token_env = "SLACK_BOT_TOKEN"
channel = "#deploys"
api_url = "API_URL"
"##,
    )
}

#[test]
fn the_bot_posts_deploy_started_then_updates_that_message_with_the_result() {
    let slack = WebhookSink::start();
    let project = bot_project();
    let config = std::fs::read_to_string(project.path().join("slipway.toml"))
        .unwrap()
        .replace("API_URL", &slack.url_for("/api"));
    project.write("slipway.toml", &config);
    let state = project.path().join("state.json");
    let deploy = project.deploy_report();

    slack.set_mode(Mode::Reply {
        status: 200,
        body: json!({"ok": true, "channel": "C024BE91L", "ts": "1700000000.000100"}).to_string(),
    });
    let (code, out, err) = run(project
        .notify()
        .env("SLACK_BOT_TOKEN", "xoxb-test-token-123")
        .arg("--state")
        .arg(&state)
        .args(["--event", "deploy", "--status", "started", "--report"])
        .arg(&deploy));
    assert_eq!(code, 0, "{out}\n{err}");
    let requests = slack.wait_for_requests(1, Duration::from_secs(5));
    assert_eq!(requests[0].path(), "/api/chat.postMessage");
    assert_eq!(
        requests[0].header("Authorization"),
        Some("Bearer xoxb-test-token-123")
    );
    assert_eq!(requests[0].json()["channel"], "#deploys");
    let saved = std::fs::read_to_string(&state).unwrap();
    assert!(saved.contains("1700000000.000100"), "{saved}");

    slack.clear();
    let (code, out, err) = run(project
        .notify()
        .env("SLACK_BOT_TOKEN", "xoxb-test-token-123")
        .arg("--state")
        .arg(&state)
        .args(["--event", "deploy", "--status", "rolled-back", "--report"])
        .arg(&deploy));
    assert_eq!(code, 0, "{out}\n{err}");
    let requests = slack.wait_for_requests(2, Duration::from_secs(5));
    assert_eq!(requests[0].path(), "/api/chat.update");
    let update = requests[0].json();
    assert_eq!(update["channel"], "C024BE91L");
    assert_eq!(update["ts"], "1700000000.000100");
    assert!(
        update["text"]
            .as_str()
            .unwrap()
            .starts_with("↩️ Deploy 1.4.0 to production rolled back to 1.3.2"),
        "{update}"
    );
    assert_eq!(requests[1].path(), "/api/chat.postMessage");
    assert_eq!(requests[1].json()["thread_ts"], "1700000000.000100");
    assert!(out.contains("updated message 1700000000.000100"), "{out}");
    let saved = std::fs::read_to_string(&state).unwrap();
    assert!(!saved.contains("1700000000.000100"), "used once: {saved}");
}

#[test]
fn a_slack_api_error_fails_the_channel_with_slacks_reason() {
    let slack = WebhookSink::start();
    slack.set_mode(Mode::Reply {
        status: 200,
        body: json!({"ok": false, "error": "channel_not_found"}).to_string(),
    });
    let project = bot_project();
    let config = std::fs::read_to_string(project.path().join("slipway.toml"))
        .unwrap()
        .replace("API_URL", &slack.url());
    project.write("slipway.toml", &config);
    let (code, out, err) = run(project
        .notify()
        .env("SLACK_BOT_TOKEN", "xoxb-test-token-123")
        .args(["--status", "failure", "--fail-on-error"]));
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(
        out.contains("chat.postMessage: Slack said channel_not_found"),
        "{out}"
    );
}

#[test]
fn the_bot_waits_out_slacks_rate_limit_and_posts_once() {
    let slack = WebhookSink::start();
    slack.set_script(vec![Mode::RateLimited {
        retry_after_secs: 1,
    }]);
    slack.set_mode(Mode::Reply {
        status: 200,
        body: json!({"ok": true, "channel": "C1", "ts": "1.2"}).to_string(),
    });
    let project = bot_project();
    let config = std::fs::read_to_string(project.path().join("slipway.toml"))
        .unwrap()
        .replace("API_URL", &slack.url());
    project.write("slipway.toml", &config);
    let (code, out, err) = run(project
        .notify()
        .env("SLACK_BOT_TOKEN", "xoxb-test-token-123")
        .args(["--status", "success", "--fail-on-error"]));
    assert_eq!(code, 0, "{out}\n{err}");
    let requests = slack.wait_for_requests(2, Duration::from_secs(5));
    assert_eq!(requests.len(), 2);
    assert!(requests[1].received_at - requests[0].received_at >= Duration::from_millis(950));
    assert!(out.contains("posted message 1.2 in C1"), "{out}");
}
