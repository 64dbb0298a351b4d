//! Channel URLs and `[notify.channels]` sections read into channels.

use super::load::from_channel_config;
use super::*;
use crate::config::ChannelConfig;
use crate::redact::Redactor;
use slipway_kit::Ui;
use slipway_kit::outputs::StepFiles;
use slipway_kit::ui::Mode;

fn ui() -> Ui {
    Ui::with(Mode::Human { color: false }, StepFiles::default())
}

fn url_of(target: &Target) -> String {
    match target {
        Target::SlackWebhook { url } | Target::Chat { url, .. } => {
            url.value.as_ref().unwrap().expose().to_owned()
        }
        Target::Webhook(w) => w.url.value.as_ref().unwrap().expose().to_owned(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn apprise_style_urls_expand_to_the_services_endpoints() {
    let r = Redactor::default();
    let t = parse_url("slack://T0/B0/XyZ123abc", None, &ui(), &r).unwrap();
    assert_eq!(
        url_of(&t),
        "https://hooks.slack.com/services/T0/B0/XyZ123abc"
    );
    let t = parse_url("discord://123/tok", None, &ui(), &r).unwrap();
    assert_eq!(url_of(&t), "https://discord.com/api/webhooks/123/tok");
    let t = parse_url("gchat://AAA/key/tok", None, &ui(), &r).unwrap();
    assert_eq!(
        url_of(&t),
        "https://chat.googleapis.com/v1/spaces/AAA/messages?key=key&token=tok"
    );
    let t = parse_url(
        "teams://x.logic.azure.com/workflows/1?sig=s",
        None,
        &ui(),
        &r,
    )
    .unwrap();
    assert_eq!(url_of(&t), "https://x.logic.azure.com/workflows/1?sig=s");
    let t = parse_url("slack+http://127.0.0.1:9/hook", None, &ui(), &r).unwrap();
    assert_eq!(url_of(&t), "http://127.0.0.1:9/hook");
    let t = parse_url("slack://xoxb-1-2@C0123", None, &ui(), &r).unwrap();
    assert!(matches!(t, Target::SlackBot(ref b) if b.channel == "C0123"));
    assert_eq!(r.redact("xoxb-1-2 and XyZ123abc"), "*** and ***");
}

#[test]
fn a_bad_url_names_the_form_and_hides_the_secret() {
    let r = Redactor::default();
    let err = parse_url("slack://only/two", None, &ui(), &r).unwrap_err();
    assert!(err.contains("slack://T000/B000/XXXX"), "{err}");
    let err = from_url("nope://secret-part", 1, &ui(), &r).unwrap_err();
    assert!(!err.cause.contains("secret-part"), "{}", err.cause);
    assert_eq!(err.exit, slipway_kit::Exit::BadInput);
}

#[test]
fn a_plain_url_from_url_env_takes_the_configured_type() {
    let r = Redactor::default();
    let t = parse_url("http://127.0.0.1:1/x", Some(ChannelType::Teams), &ui(), &r).unwrap();
    assert!(matches!(
        t,
        Target::Chat {
            kind: ChannelType::Teams,
            ..
        }
    ));
    let err = parse_url("discord://1/2", Some(ChannelType::Slack), &ui(), &r).unwrap_err();
    assert!(err.contains("type is slack"), "{err}");
}

#[test]
fn keys_of_another_type_and_secret_urls_in_the_file_are_rejected() {
    let cfg = ChannelConfig {
        kind: Some(ChannelType::Slack),
        url: Some("https://hooks.slack.com/services/a/b/c".into()),
        ..ChannelConfig::default()
    };
    let err = from_channel_config("ops", &cfg, &ui(), &Redactor::default()).unwrap_err();
    assert!(err.cause.contains("[notify.channels.ops]"), "{}", err.cause);
    assert!(err.cause.contains("url_env"), "{}", err.cause);
    let cfg = ChannelConfig {
        kind: Some(ChannelType::Slack),
        url_env: Some("X".into()),
        topic: Some("t".into()),
        ..ChannelConfig::default()
    };
    let err = from_channel_config("ops", &cfg, &ui(), &Redactor::default()).unwrap_err();
    assert!(err.cause.contains("`topic`"), "{}", err.cause);
}
