//! Choosing channels: filters, `--to`, `--dry-run`, and bad input that stops the run
//! before anything is sent.

use slipway_test_support::webhook::WebhookSink;

use crate::common::{Project, run};

fn two_channels() -> Project {
    Project::new(
        r#"
[notify.channels.everything]
type = "slack"
url_env = "ALL_URL"

[notify.channels.prod-failures]
type = "webhook"
url_env = "PROD_URL"
status = ["failure", "rolled-back"]
environment = ["prod*"]
branch = ["main"]
"#,
    )
}

#[test]
fn a_production_failure_on_main_goes_to_both_channels_a_success_only_to_one() {
    let all = WebhookSink::start();
    let prod = WebhookSink::start();
    let project = two_channels();
    let deploy = project.deploy_report();
    let notify = |status: &str| {
        let mut cmd = project.notify();
        cmd.env("ALL_URL", all.url())
            .env("PROD_URL", prod.url())
            .args(["--event", "deploy", "--status", status, "--report"])
            .arg(&deploy);
        run(&mut cmd)
    };
    let (code, out, _) = notify("success");
    assert_eq!(code, 0);
    assert!(
        out.contains("skipped    prod-failures (webhook): status success is filtered out"),
        "{out}"
    );
    assert_eq!((all.requests().len(), prod.requests().len()), (1, 0));
    let (code, _, _) = notify("failure");
    assert_eq!(code, 0);
    assert_eq!((all.requests().len(), prod.requests().len()), (2, 1));
}

#[test]
fn a_staging_failure_is_kept_out_of_the_production_channel() {
    let all = WebhookSink::start();
    let prod = WebhookSink::start();
    let project = two_channels();
    let (code, out, _) = run(project
        .notify()
        .env("ALL_URL", all.url())
        .env("PROD_URL", prod.url())
        .args([
            "--event",
            "deploy",
            "--status",
            "failure",
            "--environment",
            "staging",
        ]));
    assert_eq!(code, 0);
    assert!(out.contains("environment staging is not in prod*"), "{out}");
    assert_eq!((all.requests().len(), prod.requests().len()), (1, 0));
}

#[test]
fn to_picks_channels_by_name_or_url() {
    let all = WebhookSink::start();
    let adhoc = WebhookSink::start();
    let project = two_channels();
    let (code, out, err) = run(project
        .notify()
        .env("ALL_URL", all.url())
        .args(["--status", "success", "--to", "everything", "--to"])
        .arg(format!("json+{}", adhoc.url_for("/adhoc"))));
    assert_eq!(code, 0, "{out}\n{err}");
    assert_eq!(all.requests().len(), 1);
    assert_eq!(adhoc.requests().len(), 1);
    assert!(out.contains("delivered  webhook#2 (webhook)"), "{out}");
}

#[test]
fn dry_run_prints_every_payload_and_sends_nothing() {
    let all = WebhookSink::start();
    let prod = WebhookSink::start();
    let project = two_channels();
    let (code, out, err) = run(project
        .notify()
        .env("ALL_URL", all.url())
        .env("PROD_URL", prod.url())
        .args([
            "--event",
            "deploy",
            "--status",
            "failure",
            "--environment",
            "production",
            "--dry-run",
        ]));
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("── everything (slack) → $ALL_URL ──"), "{out}");
    assert!(
        out.contains("── prod-failures (webhook) → $PROD_URL ──"),
        "{out}"
    );
    assert!(out.contains("\"blocks\""), "{out}");
    assert!(
        out.contains("\"schema\": \"slipway.notify.event/v1\""),
        "{out}"
    );
    assert!(all.requests().is_empty() && prod.requests().is_empty());
}

#[test]
fn json_output_is_a_versioned_document() {
    let all = WebhookSink::start();
    let project = two_channels();
    let (code, out, _) = run(project.notify().env("ALL_URL", all.url()).args([
        "--status",
        "success",
        "--to",
        "everything",
        "--json",
    ]));
    assert_eq!(code, 0);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["schema"], "slipway.notify/v1");
    assert_eq!(doc["delivered"], 1);
    assert_eq!(doc["channels"][0]["name"], "everything");
    assert_eq!(doc["channels"][0]["outcome"], "delivered");
    assert_eq!(doc["channels"][0]["attempts"], 1);
}

#[test]
fn a_missing_secret_stops_the_run_before_any_channel_is_sent() {
    let all = WebhookSink::start();
    let project = two_channels();
    let (code, _, err) = run(project.notify().env("ALL_URL", all.url()).args([
        "--event",
        "deploy",
        "--status",
        "failure",
        "--environment",
        "production",
    ]));
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("channel prod-failures: environment variable PROD_URL is not set"),
        "{err}"
    );
    assert!(
        all.requests().is_empty(),
        "nothing is sent when the config is broken"
    );
}

#[test]
fn unknown_channel_names_bad_urls_and_config_typos_are_exit_2() {
    let project = two_channels();
    let (code, _, err) = run(project
        .notify()
        .args(["--status", "success", "--to", "nope"]));
    assert_eq!(code, 2);
    assert!(err.contains("--to nope: no channel of that name"), "{err}");
    assert!(
        err.contains("configured channels: everything, prod-failures"),
        "{err}"
    );

    let (code, _, err) =
        run(project
            .notify()
            .args(["--status", "success", "--to", "slack://only/two"]));
    assert_eq!(code, 2);
    assert!(err.contains("expected slack://T000/B000/XXXX"), "{err}");

    project.write(
        "slipway.toml",
        "[notify.channels.x]\ntype = \"slack\"\nurl_env = \"A\"\nstatus = [\"failed\", \"brokn\"]\n",
    );
    let (code, _, err) = run(project.notify().args(["--status", "success"]));
    assert_eq!(code, 2);
    assert!(
        err.contains("[notify.channels.x]: `status` value \"brokn\""),
        "{err}"
    );

    project.write("slipway.toml", "[notify.channels.x]\ntype = \"slak\"\n");
    let (code, _, err) = run(project.notify().args(["--status", "success"]));
    assert_eq!(code, 2);
    assert!(err.contains("slipway.toml:2"), "{err}");
}

#[test]
fn the_test_subcommand_ignores_filters() {
    let prod = WebhookSink::start();
    let project = two_channels();
    let (code, out, err) =
        run(project
            .notify()
            .env("PROD_URL", prod.url())
            .args(["test", "--to", "prod-failures"]));
    assert_eq!(code, 0, "{out}\n{err}");
    let requests = prod.requests();
    assert_eq!(requests.len(), 1);
    assert!(
        requests[0].json()["title"]
            .as_str()
            .unwrap()
            .starts_with("🔔 Test message from Slipway notify")
    );
}

#[test]
fn in_actions_the_step_outputs_and_summary_name_delivered_and_failed_channels() {
    let all = WebhookSink::start();
    let broken = WebhookSink::start();
    broken.set_mode(slipway_test_support::webhook::Mode::Status(404));
    let project = two_channels();
    let output = project.path().join("github_output");
    let summary = project.path().join("step_summary.md");
    let (code, _, err) = run(project
        .notify()
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_OUTPUT", &output)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("ALL_URL", all.url())
        .env("PROD_URL", broken.url())
        .args([
            "--event",
            "deploy",
            "--status",
            "failure",
            "--environment",
            "production",
        ]));
    assert_eq!(code, 0, "{err}");
    let outputs =
        slipway_kit::outputs::parse_output_file(&std::fs::read_to_string(&output).unwrap());
    assert!(
        outputs.contains(&("delivered".into(), "everything".into())),
        "{outputs:?}"
    );
    assert!(
        outputs.contains(&("failed".into(), "prod-failures".into())),
        "{outputs:?}"
    );
    let summary = std::fs::read_to_string(&summary).unwrap();
    assert!(
        summary.contains("| everything | slack | ✅ delivered | answered 200 |"),
        "{summary}"
    );
    assert!(
        summary.contains("| prod-failures | webhook | ❌ failed | answered 404: Not Found |"),
        "{summary}"
    );
    assert!(
        err.contains("::warning title=notify::channel prod-failures (webhook) failed"),
        "{err}"
    );
}

#[test]
fn a_report_an_earlier_step_never_wrote_is_skipped_with_a_warning() {
    let all = WebhookSink::start();
    let project = two_channels();
    let (code, out, err) = run(project.notify().env("ALL_URL", all.url()).args([
        "--status",
        "failure",
        "--to",
        "everything",
        "--report",
        "rollback.json",
    ]));
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        err.contains("report rollback.json does not exist; sending without it"),
        "{err}"
    );
    assert_eq!(all.requests().len(), 1);
}

#[test]
fn a_disabled_channel_is_left_out_unless_named() {
    let all = WebhookSink::start();
    let project = Project::new(
        r#"
[notify.channels.quiet]
type = "slack"
url_env = "ALL_URL"
enabled = false
"#,
    );
    let (code, _, err) = run(project
        .notify()
        .env("ALL_URL", all.url())
        .args(["--status", "success"]));
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("no notification channels configured"), "{err}");
    assert!(all.requests().is_empty());
    let (code, _, _) = run(project
        .notify()
        .env("ALL_URL", all.url())
        .args(["--status", "success", "--to", "quiet"]));
    assert_eq!(code, 0);
    assert_eq!(all.requests().len(), 1);
}

#[test]
fn an_email_channel_whose_url_variable_is_unset_only_matters_when_it_would_send() {
    let all = WebhookSink::start();
    let project = Project::new(
        r#"
[notify.channels.team]
type = "slack"
url_env = "ALL_URL"
[notify.channels.oncall]
type = "email"
url_env = "ONCALL_SMTP_URL"
status = ["failure"]
"#,
    );
    let (code, out, err) = run(project
        .notify()
        .env("ALL_URL", all.url())
        .args(["--status", "success"]));
    assert_eq!(code, 0, "{out}\n{err}");
    assert_eq!(all.requests().len(), 1);
    let (code, _, err) = run(project
        .notify()
        .env("ALL_URL", all.url())
        .args(["--status", "failure"]));
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("channel oncall: environment variable ONCALL_SMTP_URL is not set"),
        "{err}"
    );
    assert_eq!(
        all.requests().len(),
        1,
        "nothing sent when a selected channel cannot be"
    );
}
