//! Teams, Discord and Google Chat webhooks: each gets its own payload structure.

use std::time::Duration;

use slipway_test_support::webhook::WebhookSink;

use crate::common::{Project, run};

#[test]
fn teams_discord_and_google_chat_each_get_their_own_card_in_one_run() {
    let sink = WebhookSink::start();
    let project = Project::new(
        r#"
[notify.channels.teams]
type = "teams"
url_env = "TEAMS_URL"
[notify.channels.discord]
type = "discord"
url_env = "DISCORD_URL"
[notify.channels.chat]
type = "google-chat"
url_env = "GCHAT_URL"
"#,
    );
    let deploy = project.deploy_report();
    let (code, out, err) = run(project
        .notify()
        .env("TEAMS_URL", sink.url_for("/teams"))
        .env(
            "DISCORD_URL",
            format!("discord+{}", sink.url_for("/discord")),
        )
        .env("GCHAT_URL", sink.url_for("/gchat"))
        .args([
            "--event",
            "deploy",
            "--status",
            "failure",
            "--message",
            "Error: health check failed",
            "--report",
        ])
        .arg(&deploy));
    assert_eq!(code, 0, "{out}\n{err}");
    let requests = sink.wait_for_requests(3, Duration::from_secs(5));
    let by_path = |p: &str| {
        requests
            .iter()
            .find(|r| r.path() == p)
            .unwrap_or_else(|| panic!("no request to {p}"))
            .json()
    };

    let teams = by_path("/teams");
    assert_eq!(teams["type"], "message");
    let attachment = &teams["attachments"][0];
    assert_eq!(
        attachment["contentType"],
        "application/vnd.microsoft.card.adaptive"
    );
    let card = &attachment["content"];
    assert_eq!(card["type"], "AdaptiveCard");
    assert_eq!(card["body"][0]["color"], "Attention");
    assert_eq!(
        card["body"][0]["text"],
        "❌ Deploy 1.4.0 to production failed — acme/shop"
    );
    assert_eq!(card["body"][1]["text"], "Error: health check failed");
    assert_eq!(card["body"][2]["type"], "FactSet");
    assert_eq!(card["actions"][0]["type"], "Action.OpenUrl");

    let discord = by_path("/discord");
    let embed = &discord["embeds"][0];
    assert_eq!(embed["color"], 0xd0_00_00);
    assert_eq!(embed["description"], "Error: health check failed");
    assert_eq!(embed["fields"][0]["name"], "Environment");
    assert_eq!(embed["fields"][0]["value"], "production");
    assert_eq!(
        discord["allowed_mentions"]["parse"]
            .as_array()
            .unwrap()
            .len(),
        0
    );

    let chat = by_path("/gchat");
    let card = &chat["cardsV2"][0]["card"];
    assert_eq!(card["header"]["subtitle"], "acme/shop");
    assert_eq!(
        card["sections"][0]["widgets"][0]["textParagraph"]["text"],
        "Error: health check failed"
    );
}
