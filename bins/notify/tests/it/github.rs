//! GitHub issues and comments against the Prism emulator (GitHub's own OpenAPI
//! description: a request that breaks the contract gets a 4xx), and the issue
//! lifecycle (open once, comment, close on recovery) against a scripted receiver.

use std::time::Duration;

use serde_json::json;
use slipway_test_support::prism::Prism;
use slipway_test_support::webhook::{Mode, WebhookSink};

use crate::common::{Project, run};

fn github_project(mode: &str) -> Project {
    Project::new(&format!(
        r#"
[notify.channels.gh]
type = "github"
mode = "{mode}"
labels = ["ci-failure", "slipway"]
"#
    ))
}

#[test]
fn a_failure_opens_an_issue_that_passes_githubs_contract() {
    let prism = Prism::shared();
    let mark = prism.log_mark();
    let project = github_project("issue");
    let (code, out, err) = run(project
        .notify()
        .env("GITHUB_API_URL", prism.url())
        .env("GITHUB_TOKEN", "ghs_test")
        .args([
            "--status",
            "failure",
            "--fail-on-error",
            "--message",
            "Stage: Unit Tests",
        ]));
    assert_eq!(code, 0, "{out}\n{err}\nprism:\n{}", prism.log_since(mark));
    assert!(out.contains("delivered  gh (github)"), "{out}");
    assert!(
        out.contains("opened issue #") || out.contains("commented on open issue #"),
        "{out}"
    );
    let violations = prism.violations_since(mark);
    assert!(violations.is_empty(), "{violations:?}");
}

#[test]
fn commit_comments_and_sticky_pr_comments_pass_githubs_contract() {
    let prism = Prism::shared();
    let mark = prism.log_mark();
    let project = github_project("commit-comment");
    let (code, out, err) = run(project
        .notify()
        .env("GITHUB_API_URL", prism.url())
        .env("GITHUB_TOKEN", "ghs_test")
        .args(["--status", "success", "--fail-on-error"]));
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("commented on commit 0123456"), "{out}");

    let project = github_project("pr-comment");
    let (code, out, err) = run(project
        .notify()
        .env("GITHUB_API_URL", prism.url())
        .env("GITHUB_TOKEN", "ghs_test")
        .env("GITHUB_REF", "refs/pull/7/merge")
        .args(["--event", "gate", "--status", "failure", "--fail-on-error"]));
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("pull request #7"), "{out}");
    assert!(
        prism.violations_since(mark).is_empty(),
        "{:?}",
        prism.violations_since(mark)
    );
}

/// A receiver scripted like GitHub: the listing shows an open issue carrying our marker.
fn marked_issue(number: u64) -> String {
    json!([{
        "number": number,
        "title": "CD is failing on main",
        "state": "open",
        "body": "…\n\n<!-- slipway:notify:issue workflow=CD ref=main -->\n"
    }])
    .to_string()
}

#[test]
fn a_second_failure_comments_on_the_open_issue_instead_of_opening_another() {
    let github = WebhookSink::start();
    github.set_script(vec![
        Mode::Reply {
            status: 200,
            body: marked_issue(12),
        },
        Mode::Reply {
            status: 201,
            body: json!({"id": 1}).to_string(),
        },
    ]);
    let project = github_project("issue");
    let (code, out, err) = run(project
        .notify()
        .env("GITHUB_API_URL", github.url())
        .env("GITHUB_TOKEN", "ghs_test")
        // Given, so notify does not ask the API when the run started.
        .env("SLIPWAY_STARTED_AT", "2026-01-02T03:04:05Z")
        .args(["--status", "failure", "--fail-on-error"]));
    assert_eq!(code, 0, "{out}\n{err}");
    let requests = github.wait_for_requests(2, Duration::from_secs(5));
    assert_eq!(requests.len(), 2, "no new issue: {requests:?}");
    assert_eq!(requests[0].method, "GET");
    assert!(
        requests[0]
            .target
            .starts_with("/repos/acme/shop/issues?state=open&labels=ci-failure"),
        "{}",
        requests[0].target
    );
    assert_eq!(requests[1].method, "POST");
    assert_eq!(requests[1].path(), "/repos/acme/shop/issues/12/comments");
    assert!(out.contains("commented on open issue #12"), "{out}");
}

#[test]
fn the_first_failure_opens_an_issue_with_labels_and_the_marker() {
    let github = WebhookSink::start();
    github.set_script(vec![
        Mode::Reply {
            status: 200,
            body: "[]".into(),
        },
        Mode::Reply {
            status: 201,
            body: json!({"number": 31}).to_string(),
        },
    ]);
    let project = github_project("issue");
    let (code, out, err) = run(project
        .notify()
        .env("GITHUB_API_URL", github.url())
        .env("GITHUB_TOKEN", "ghs_test")
        // Given, so notify does not ask the API when the run started.
        .env("SLIPWAY_STARTED_AT", "2026-01-02T03:04:05Z")
        .args(["--status", "failure"]));
    assert_eq!(code, 0, "{out}\n{err}");
    let requests = github.wait_for_requests(2, Duration::from_secs(5));
    assert_eq!(requests[1].path(), "/repos/acme/shop/issues");
    let body = requests[1].json();
    assert_eq!(body["title"], "CD is failing on main");
    assert_eq!(body["labels"], json!(["ci-failure", "slipway"]));
    assert!(
        body["body"]
            .as_str()
            .unwrap()
            .contains("<!-- slipway:notify:issue workflow=CD ref=main -->")
    );
    assert!(out.contains("opened issue #31"), "{out}");
}

#[test]
fn recovery_comments_on_and_closes_the_open_issue() {
    let github = WebhookSink::start();
    github.set_script(vec![
        Mode::Reply {
            status: 200,
            body: marked_issue(12),
        },
        Mode::Reply {
            status: 201,
            body: json!({"id": 2}).to_string(),
        },
        Mode::Reply {
            status: 200,
            body: json!({"number": 12, "state": "closed"}).to_string(),
        },
    ]);
    let project = github_project("issue");
    let (code, out, err) = run(project
        .notify()
        .env("GITHUB_API_URL", github.url())
        .env("GITHUB_TOKEN", "ghs_test")
        // Given, so notify does not ask the API when the run started.
        .env("SLIPWAY_STARTED_AT", "2026-01-02T03:04:05Z")
        .args(["--status", "success"]));
    assert_eq!(code, 0, "{out}\n{err}");
    let requests = github.wait_for_requests(3, Duration::from_secs(5));
    assert_eq!(requests[1].path(), "/repos/acme/shop/issues/12/comments");
    assert!(
        requests[1].json()["body"]
            .as_str()
            .unwrap()
            .contains("Recovered")
    );
    assert_eq!(requests[2].method, "PATCH");
    assert_eq!(requests[2].json()["state"], "closed");
    assert!(out.contains("closed issue #12"), "{out}");
}

#[test]
fn without_a_token_the_github_channel_is_bad_input() {
    let project = github_project("issue");
    let (code, _, err) = run(project.notify().args(["--status", "failure"]));
    assert_eq!(code, 2);
    assert!(err.contains("GITHUB_TOKEN is not set"), "{err}");
}

#[test]
fn a_pipeline_message_says_how_long_the_run_took_from_the_api() {
    let github = WebhookSink::start();
    let started = time::OffsetDateTime::now_utc() - time::Duration::seconds(125);
    let started = started
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    github.set_script(vec![Mode::Reply {
        status: 200,
        body: json!({"id": 4242, "run_started_at": started}).to_string(),
    }]);
    let project = Project::new("");
    let (code, out, err) = run(project
        .notify()
        .env("GITHUB_API_URL", github.url())
        .env("GITHUB_TOKEN", "ghs_test")
        .args([
            "--status",
            "failure",
            "--dry-run",
            "--to",
            "json+http://127.0.0.1:1/x",
        ]));
    assert_eq!(code, 0, "{out}\n{err}");
    assert_eq!(
        github.requests()[0].path(),
        "/repos/acme/shop/actions/runs/4242"
    );
    assert!(out.contains("\"label\": \"Duration\""), "{out}");
    assert!(out.contains("\"value\": \"2m0"), "{out}");
}

#[test]
fn a_pr_comment_channel_outside_a_pull_request_is_skipped() {
    let github = WebhookSink::start();
    let project = github_project("pr-comment");
    let (code, out, err) = run(project
        .notify()
        .env("GITHUB_API_URL", github.url())
        .env("GITHUB_TOKEN", "ghs_test")
        .env("SLIPWAY_STARTED_AT", "2026-01-02T03:04:05Z")
        .args(["--status", "success", "--fail-on-error"]));
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        out.contains("skipped    gh (github): not a pull request run"),
        "{out}"
    );
    assert!(github.requests().is_empty());
}

#[test]
fn a_test_message_never_closes_a_real_failure_issue() {
    let github = WebhookSink::start();
    let project = github_project("issue");
    let (code, out, err) = run(project
        .notify()
        .env("GITHUB_API_URL", github.url())
        .env("GITHUB_TOKEN", "ghs_test")
        .args(["test", "--to", "gh"]));
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        out.contains(
            "skipped    gh (github): a test message does not open or close failure issues"
        ),
        "{out}"
    );
    assert!(github.requests().is_empty());
}
