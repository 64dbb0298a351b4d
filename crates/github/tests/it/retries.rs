//! Retries, rate limits and error messages, against the recording webhook sink.

use std::time::{Duration, Instant};

use serde_json::json;
use slipway_github::{Client, GithubError, RetryPolicy};
use slipway_test_support::webhook::{Mode, WebhookSink};

fn client(sink: &WebhookSink) -> Client {
    Client::new(&sink.url(), "ghp_secret_token_value")
        .unwrap()
        .with_retry(RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(20),
            max_wait: Duration::from_secs(5),
        })
}

#[tokio::test]
async fn get_is_retried_after_a_server_error_and_then_succeeds() {
    let sink = WebhookSink::start();
    sink.set_ok_body(r#"{"id":7}"#);
    sink.set_script(vec![Mode::Status(502), Mode::Ok]);
    let body = client(&sink).get("/repos/o/r/releases/7").await.unwrap();
    assert_eq!(body["id"], 7);
    let reqs = sink.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(
        reqs[0].header("authorization"),
        Some("Bearer ghp_secret_token_value")
    );
    assert!(
        reqs[0]
            .header("accept")
            .unwrap()
            .starts_with("application/vnd.github+json")
    );
    assert_eq!(reqs[0].header("x-github-api-version"), Some("2022-11-28"));
}

#[tokio::test]
async fn post_is_not_repeated_after_a_server_error_so_nothing_is_created_twice() {
    let sink = WebhookSink::start();
    sink.set_mode(Mode::Status(500));
    let err = client(&sink)
        .post("/repos/o/r/issues", &json!({"title": "x"}))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(500));
    assert_eq!(sink.requests().len(), 1);
}

#[tokio::test]
async fn rate_limit_honours_retry_after_even_for_post() {
    let sink = WebhookSink::start();
    sink.set_ok_body(r#"{"number":1}"#);
    sink.set_script(vec![
        Mode::RateLimited {
            retry_after_secs: 1,
        },
        Mode::Ok,
    ]);
    let started = Instant::now();
    let body = client(&sink)
        .post("/repos/o/r/issues", &json!({"title": "x"}))
        .await
        .unwrap();
    assert_eq!(body["number"], 1);
    assert_eq!(sink.requests().len(), 2);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "retried before Retry-After elapsed"
    );
}

#[tokio::test]
async fn rate_limit_longer_than_we_wait_is_an_error_saying_how_long() {
    let sink = WebhookSink::start();
    sink.set_mode(Mode::RateLimited {
        retry_after_secs: 3600,
    });
    let err = client(&sink).get("/repos/o/r").await.unwrap_err();
    assert!(
        matches!(
            err,
            GithubError::RateLimited {
                wait_secs: 3600,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(sink.requests().len(), 1);
}

#[tokio::test]
async fn persistent_server_errors_give_up_after_the_attempt_limit() {
    let sink = WebhookSink::start();
    sink.set_mode(Mode::Status(503));
    let err = client(&sink).get("/repos/o/r").await.unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert_eq!(sink.requests().len(), 3);
}

#[tokio::test]
async fn errors_carry_githubs_message_and_never_the_token() {
    let sink = WebhookSink::start();
    sink.set_mode(Mode::Reply {
        status: 422,
        body: r#"{"message":"Validation Failed","errors":[{"resource":"Release","code":"already_exists","field":"tag_name"}]}"#.into(),
    });
    let err = client(&sink)
        .post("/repos/o/r/releases", &json!({"tag_name": "v1"}))
        .await
        .unwrap_err();
    let text = err.to_string();
    assert_eq!(
        text,
        "GitHub API POST /repos/o/r/releases answered 422: Validation Failed (tag_name already_exists)"
    );
    let failure = slipway_kit::Failure::from(err);
    assert!(!failure.to_string().contains("ghp_secret_token_value"));
}

#[tokio::test]
async fn unreachable_api_names_the_host() {
    let port = slipway_test_support::ports::free_port();
    let client = Client::new(&format!("http://127.0.0.1:{port}"), "t")
        .unwrap()
        .with_retry(RetryPolicy {
            max_attempts: 2,
            base_delay: Duration::from_millis(10),
            max_wait: Duration::from_secs(1),
        });
    let err = client.get("/repos/o/r").await.unwrap_err();
    assert!(matches!(err, GithubError::Transport { .. }), "{err}");
    assert!(
        err.to_string().contains(&format!("127.0.0.1:{port}")),
        "{err}"
    );
}

#[tokio::test]
async fn sticky_comment_is_updated_in_place_when_its_marker_is_found() {
    let sink = WebhookSink::start();
    sink.set_script(vec![
        Mode::Reply {
            status: 200,
            body: r#"[{"id":11,"body":"old\n<!-- slipway:gate -->"}]"#.into(),
        },
        Mode::Reply {
            status: 200,
            body: r#"{"id":11}"#.into(),
        },
    ]);
    let c = client(&sink);
    c.upsert_sticky_comment("o", "r", 5, "<!-- slipway:gate -->", "new verdict")
        .await
        .unwrap();
    let reqs = sink.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[1].method, "PATCH");
    assert_eq!(reqs[1].path(), "/repos/o/r/issues/comments/11");
    assert_eq!(
        reqs[1].json()["body"],
        "new verdict\n\n<!-- slipway:gate -->"
    );
}
