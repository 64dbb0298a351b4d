//! The sticky pull-request comment and the commit status: against the Prism GitHub
//! emulator (the requests must satisfy GitHub's OpenAPI description) and against a
//! recording server (the comment is found by its marker and updated in place; a
//! read-only token is skipped with a notice).

use std::time::Duration;

use predicates::prelude::*;
use slipway_test_support::prism::Prism;
use slipway_test_support::webhook::{Mode, WebhookSink};

use crate::common::{cobertura, gate, junit, write};

fn pr_event(dir: &std::path::Path) -> std::path::PathBuf {
    write(
        dir,
        "event.json",
        r#"{"pull_request":{"number":7,"draft":false,"base":{"ref":"main"}}}"#,
    )
}

#[test]
fn comment_and_status_requests_satisfy_githubs_api_description() {
    let prism = Prism::shared();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "junit.xml", &junit(9, 1));
    write(
        dir.path(),
        "coverage.xml",
        &cobertura("src/app.py", 90, 100),
    );
    let event = pr_event(dir.path());
    let mark = prism.log_mark();
    gate(dir.path())
        .args(["junit.xml", "coverage.xml", "--status"])
        .env("GITHUB_API_URL", prism.url())
        .env("GITHUB_TOKEN", "test-token")
        .env("GITHUB_REPOSITORY", "octo-org/shop")
        .env("GITHUB_SHA", "6dcb09b5b57875f334f61aebed695e2e4193db5e")
        .env("GITHUB_EVENT_PATH", &event)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "updated the quality-gate comment on pull request #7",
        ))
        .stderr(predicate::str::contains("could not").not())
        .stderr(predicate::str::contains("skipped the").not());
    let violations = prism.violations_since(mark);
    assert!(
        violations.is_empty(),
        "Prism saw contract violations: {violations:#?}"
    );
}

#[test]
fn existing_comment_with_the_marker_is_updated_in_place() {
    let api = WebhookSink::start();
    api.set_script(vec![
        Mode::Reply {
            status: 200,
            body: r#"[{"id":11,"body":"someone else"},{"id":42,"body":"old verdict\n<!-- slipway:quality-gate:backend -->"}]"#.to_owned(),
        },
        Mode::Reply { status: 200, body: r#"{"id":42,"body":"new"}"#.to_owned() },
    ]);
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "junit.xml", &junit(3, 0));
    let event = pr_event(dir.path());
    gate(dir.path())
        .args(["junit.xml", "--name", "backend"])
        .env("GITHUB_API_URL", api.url())
        .env("GITHUB_TOKEN", "test-token")
        .env("GITHUB_REPOSITORY", "octo-org/shop")
        .env("GITHUB_EVENT_PATH", &event)
        .assert()
        .code(0);
    let requests = api.wait_for_requests(2, Duration::from_secs(10));
    assert!(
        requests[0]
            .path()
            .starts_with("/repos/octo-org/shop/issues/7/comments"),
        "{}",
        requests[0].path()
    );
    assert_eq!(
        requests[1].path(),
        "/repos/octo-org/shop/issues/comments/42"
    );
    let body = requests[1].json();
    let text = body["body"].as_str().unwrap();
    assert!(text.contains("Quality gate `backend`: pass"), "{text}");
    assert!(
        text.ends_with("<!-- slipway:quality-gate:backend -->"),
        "{text}"
    );
    assert_eq!(api.requests().len(), 2, "exactly one list and one update");
}

#[test]
fn read_only_token_skips_the_comment_with_a_notice_and_keeps_the_verdict() {
    let api = WebhookSink::start();
    api.set_mode(Mode::Reply {
        status: 403,
        body: r#"{"message":"Resource not accessible by integration","documentation_url":"https://docs.github.com/rest"}"#.to_owned(),
    });
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "junit.xml", &junit(3, 0));
    let event = pr_event(dir.path());
    gate(dir.path())
        .args(["junit.xml"])
        .env("GITHUB_API_URL", api.url())
        .env("GITHUB_TOKEN", "test-token")
        .env("GITHUB_REPOSITORY", "octo-org/shop")
        .env("GITHUB_EVENT_PATH", &event)
        .assert()
        .code(0)
        .stderr(predicate::str::contains(
            "skipped the pull-request comment: the token cannot write here",
        ));
}
