//! Every helper's request checked against GitHub's OpenAPI contract by the Prism emulator:
//! a request that breaks the contract gets a 4xx and shows up in Prism's log.

use serde_json::json;
use slipway_github::{Client, ReleaseSpec};
use slipway_test_support::prism::Prism;

/// Prism's log is shared, so tests that read violations from it take turns.
static LOG_TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn client() -> (&'static Prism, Client) {
    let prism = Prism::shared();
    (prism, Client::new(&prism.url(), "ghp_test").unwrap())
}

#[tokio::test]
async fn release_helpers_send_requests_github_accepts() {
    let _turn = LOG_TURN.lock().await;
    let (prism, c) = client();
    let mark = prism.log_mark();
    let spec = ReleaseSpec {
        tag_name: "v1.2.0".into(),
        target_commitish: Some("main".into()),
        name: Some("v1.2.0".into()),
        body: Some("## Features\n- dark mode".into()),
        draft: false,
        prerelease: false,
    };
    let created = c.create_release("acme", "shop", &spec).await.unwrap();
    let id = created["id"].as_u64().expect("release id");
    c.update_release(
        "acme",
        "shop",
        id,
        &ReleaseSpec {
            prerelease: true,
            ..spec
        },
    )
    .await
    .unwrap();
    assert!(
        c.release_by_tag("acme", "shop", "v1.2.0")
            .await
            .unwrap()
            .is_some()
    );
    c.list_release_assets("acme", "shop", id).await.unwrap();
    c.delete_release_asset("acme", "shop", 1).await.unwrap();
    assert_eq!(prism.violations_since(mark), Vec::<String>::new());
}

#[tokio::test]
async fn issue_and_comment_helpers_send_requests_github_accepts() {
    let _turn = LOG_TURN.lock().await;
    let (prism, c) = client();
    let mark = prism.log_mark();
    c.list_issues("acme", "shop", "state=open&labels=ci-failure")
        .await
        .unwrap();
    c.create_issue(
        "acme",
        "shop",
        "CI failing on main",
        "details",
        &["ci-failure".to_owned()],
    )
    .await
    .unwrap();
    c.comment_issue("acme", "shop", 3, "still failing")
        .await
        .unwrap();
    c.close_issue("acme", "shop", 3).await.unwrap();
    c.list_issue_comments("acme", "shop", 3).await.unwrap();
    c.update_issue_comment("acme", "shop", 11, "updated")
        .await
        .unwrap();
    c.upsert_sticky_comment("acme", "shop", 3, "<!-- slipway:test -->", "verdict")
        .await
        .unwrap();
    assert_eq!(prism.violations_since(mark), Vec::<String>::new());
}

#[tokio::test]
async fn status_and_deployment_helpers_send_requests_github_accepts() {
    let _turn = LOG_TURN.lock().await;
    let (prism, c) = client();
    let mark = prism.log_mark();
    let sha = "0123456789abcdef0123456789abcdef01234567";
    c.create_commit_status(
        "acme",
        "shop",
        sha,
        "success",
        "slipway/quality-gate",
        "pass: 95/95 tests",
        Some("https://example.com/run"),
    )
    .await
    .unwrap();
    c.create_commit_comment("acme", "shop", sha, "deployed")
        .await
        .unwrap();
    let dep = c
        .create_deployment(
            "acme",
            "shop",
            "v1.2.0",
            "production",
            "canary",
            &json!({"strategy": "canary", "slot": "green"}),
        )
        .await
        .unwrap();
    let id = dep["id"].as_u64().unwrap_or(1);
    for state in ["in_progress", "success", "inactive", "failure"] {
        c.create_deployment_status(
            "acme",
            "shop",
            id,
            state,
            "step",
            Some("https://shop.example.com"),
            Some("https://example.com/run"),
        )
        .await
        .unwrap();
    }
    c.list_deployments("acme", "shop", "production")
        .await
        .unwrap();
    c.list_deployment_statuses("acme", "shop", id)
        .await
        .unwrap();
    assert_eq!(prism.violations_since(mark), Vec::<String>::new());
}

#[tokio::test]
async fn a_request_that_breaks_the_contract_is_rejected_with_the_reason() {
    let _turn = LOG_TURN.lock().await;
    let (_prism, c) = client();
    let err = c
        .post("/repos/acme/shop/releases", &json!({"tag_name": 5}))
        .await
        .unwrap_err();
    assert!(matches!(err.status(), Some(400 | 422)), "{err}");
    let err = c
        .post("/repos/acme/shop/releases", &json!({"name": "no tag"}))
        .await
        .unwrap_err();
    assert!(matches!(err.status(), Some(400 | 422)), "{err}");
}
