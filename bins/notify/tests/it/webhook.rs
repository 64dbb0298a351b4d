//! The generic JSON webhook: payload, HMAC signature, and the retry rules every HTTP
//! channel shares (500, 429 with Retry-After, a receiver that hangs, a 400).

use std::time::Duration;

use hmac::{Hmac, Mac as _};
use sha2::Sha256;
use slipway_test_support::webhook::{Mode, WebhookSink};

use crate::common::{Project, run};

fn webhook_project() -> Project {
    Project::new(
        r#"
[notify.channels.hook]
type = "webhook"
url_env = "HOOK_URL"
secret_env = "HOOK_KEY"
"#,
    )
}

#[test]
fn generic_webhook_gets_the_context_signed_with_hmac_sha256() {
    let sink = WebhookSink::start();
    let project = webhook_project();
    let deploy = project.deploy_report();
    let (code, out, err) = run(project
        .notify()
        .env("HOOK_URL", sink.url_for("/hooks/slipway"))
        .env("HOOK_KEY", "It's a Secret to Everybody")
        .args(["--event", "deploy", "--status", "success", "--report"])
        .arg(&deploy));
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    let requests = sink.wait_for_requests(1, Duration::from_secs(5));
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.path(), "/hooks/slipway");
    assert_eq!(request.header("X-Slipway-Event"), Some("deploy"));
    let mut mac = Hmac::<Sha256>::new_from_slice(b"It's a Secret to Everybody").unwrap();
    mac.update(&request.body);
    let expected = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
    assert_eq!(
        request.header("X-Slipway-Signature-256"),
        Some(expected.as_str())
    );
    let body = request.json();
    assert_eq!(body["schema"], "slipway.notify.event/v1");
    assert_eq!(body["event"], "deploy");
    assert_eq!(body["status"], "success");
    assert_eq!(body["environment"], "production");
    assert_eq!(body["version"], "1.4.0");
    assert_eq!(body["deploy"]["previous"], "1.3.2");
    assert_eq!(body["repository"], "acme/shop");
    assert_eq!(body["title"], "✅ Deployed 1.4.0 to production — acme/shop");
    assert!(out.contains("delivered  hook (webhook)"), "{out}");
}

#[test]
fn a_500_is_retried_and_the_message_delivered_once_with_the_same_delivery_id() {
    let sink = WebhookSink::start();
    sink.set_script(vec![Mode::Status(500), Mode::Status(503)]);
    let project = webhook_project();
    let (code, out, err) = run(project
        .notify()
        .env("HOOK_URL", sink.url_for("/h"))
        .env("HOOK_KEY", "k")
        .args(["--status", "failure"]));
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    let requests = sink.wait_for_requests(3, Duration::from_secs(5));
    assert_eq!(requests.len(), 3, "two failures then one success");
    let ids: Vec<_> = requests
        .iter()
        .map(|r| r.header("X-Slipway-Delivery").unwrap().to_owned())
        .collect();
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
    assert!(out.contains("3 attempts"), "{out}");
}

#[test]
fn a_429_waits_for_retry_after_before_trying_again() {
    let sink = WebhookSink::start();
    sink.set_script(vec![Mode::RateLimited {
        retry_after_secs: 1,
    }]);
    let project = webhook_project();
    let (code, out, err) = run(project
        .notify()
        .env("HOOK_URL", sink.url_for("/h"))
        .env("HOOK_KEY", "k")
        .args(["--status", "success"]));
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    let requests = sink.wait_for_requests(2, Duration::from_secs(5));
    let gap = requests[1].received_at - requests[0].received_at;
    assert!(
        gap >= Duration::from_millis(950),
        "second attempt came {gap:?} after the 429, before Retry-After: 1"
    );
}

#[test]
fn a_400_is_not_retried_and_fails_with_a_warning_naming_the_channel() {
    let sink = WebhookSink::start();
    sink.set_mode(Mode::Reply {
        status: 400,
        body: "invalid_payload".into(),
    });
    let project = webhook_project();
    let (code, out, err) = run(project
        .notify()
        .env("HOOK_URL", sink.url_for("/h"))
        .env("HOOK_KEY", "k")
        .env("GITHUB_ACTIONS", "true")
        .args(["--status", "success"]));
    assert_eq!(
        code, 0,
        "a failed delivery is a warning by default\n{out}\n{err}"
    );
    assert_eq!(sink.requests().len(), 1);
    assert!(
        err.contains(
            "::warning title=notify::channel hook (webhook) failed: answered 400: invalid_payload"
        ),
        "{err}"
    );
    assert!(out.contains("failed     hook"), "{out}");
}

#[test]
fn a_hanging_receiver_times_out_while_the_other_channels_are_delivered() {
    let hang = WebhookSink::start();
    hang.set_mode(Mode::Hang);
    let ok = WebhookSink::start();
    let project = Project::raw(
        r#"
[notify]
attempt_timeout = "500ms"
backoff = "50ms"
timeout = "5s"

[notify.channels.slow]
type = "webhook"
url_env = "SLOW_URL"
attempts = 2

[notify.channels.fast]
type = "slack"
url_env = "FAST_URL"
"#,
    );
    let mut cmd = project.notify();
    cmd.env("SLOW_URL", hang.url_for("/slow"))
        .env("FAST_URL", ok.url_for("/fast"))
        .args(["--status", "failure", "--fail-on-error"]);
    let started = std::time::Instant::now();
    let (code, out, err) = run(&mut cmd);
    let took = started.elapsed();
    assert_eq!(
        code, 1,
        "--fail-on-error turns the failure into exit 1\n{out}\n{err}"
    );
    assert_eq!(ok.wait_for_requests(1, Duration::from_secs(1)).len(), 1);
    assert_eq!(hang.requests().len(), 2, "two attempts, each timed out");
    assert!(out.contains("delivered  fast (slack)"), "{out}");
    assert!(out.contains("failed     slow (webhook)"), "{out}");
    assert!(
        out.contains("no answer within 500ms (gave up after 2 attempts)"),
        "{out}"
    );
    assert!(took < Duration::from_secs(20), "took {took:?}");
}
