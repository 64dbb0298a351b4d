//! Secrets never reach stdout or stderr: not on success, not in `--dry-run`, not in
//! errors (a receiver that fails, an unreachable host, a malformed URL).

use slipway_test_support::webhook::{Mode, WebhookSink};

use crate::common::{Project, run};

const TOKEN: &str = "s3cr3tT0k3nAbCdEf";

fn assert_clean(what: &str, out: &str, err: &str) {
    for (stream, text) in [("stdout", out), ("stderr", err)] {
        for line in text.lines() {
            // GitHub's own masking command necessarily carries the value.
            if line.starts_with("::add-mask::") {
                continue;
            }
            assert!(
                !line.contains(TOKEN),
                "{what}: the secret leaked on {stream}: {line}"
            );
        }
    }
}

#[test]
fn a_secret_never_appears_in_output_dry_run_or_errors() {
    let sink = WebhookSink::start();
    let project = Project::new(
        r#"
[notify.channels.ops]
type = "slack"
url_env = "SLACK_WEBHOOK_URL"
[notify.channels.hook]
type = "webhook"
url_env = "HOOK_URL"
secret_env = "HOOK_KEY"
"#,
    );
    let url = sink.url_for(&format!("/services/T0/B0/{TOKEN}"));
    let notify = |extra: &[&str], ci: bool| {
        let mut cmd = project.notify();
        cmd.env("SLACK_WEBHOOK_URL", &url)
            .env("HOOK_URL", format!("{url}?token={TOKEN}"))
            .env("HOOK_KEY", TOKEN)
            .args(["--status", "failure", "--message", "see logs"])
            .args(extra);
        if ci {
            cmd.env("GITHUB_ACTIONS", "true");
        }
        run(&mut cmd)
    };

    let (code, out, err) = notify(&[], false);
    assert_eq!(code, 0, "{out}\n{err}");
    assert_clean("success", &out, &err);

    let (_, out, err) = notify(&["--dry-run", "--verbose"], false);
    assert_clean("dry run", &out, &err);
    let (_, out, err) = notify(&["--json"], true);
    assert_clean("json in CI", &out, &err);
    assert!(
        err.contains("::add-mask::"),
        "CI mode masks the secrets: {err}"
    );

    sink.set_mode(Mode::Reply {
        status: 404,
        body: format!("no such hook {TOKEN}"),
    });
    let (code, out, err) = notify(&["--fail-on-error", "--verbose"], true);
    assert_eq!(code, 1);
    assert_clean("a receiver that echoes the token in an error", &out, &err);

    let (code, out, err) = run(project
        .notify()
        .args(["--status", "failure", "--to"])
        .arg(format!("https://127.0.0.1:1/{TOKEN}"))
        .arg("--to")
        .arg(format!("discord://{TOKEN}")));
    assert_eq!(code, 2, "{out}\n{err}");
    assert_clean("a malformed URL", &out, &err);

    let (code, out, err) = run(project
        .notify()
        .args(["--status", "failure", "--verbose", "--to"])
        .arg(format!("slack+http://127.0.0.1:1/services/{TOKEN}")));
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("failed"), "{out}");
    assert_clean("an unreachable host", &out, &err);
}
