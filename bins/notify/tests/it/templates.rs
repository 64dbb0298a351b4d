//! Snapshots of the default messages, one scenario per file, every channel in it: what
//! people actually read. Review changes with `cargo insta review` (or INSTA_UPDATE).

use serde_json::json;
use slipway_kit::GithubContext;
use slipway_notify::event::{Context, EventKind, Fact, Inputs, Status};
use slipway_notify::render::Renderer;
use slipway_notify::reports::Reports;

fn github() -> GithubContext {
    GithubContext::from_lookup(|k| {
        Some(
            match k {
                "GITHUB_REPOSITORY" => "acme/shop",
                "GITHUB_REF" => "refs/heads/main",
                "GITHUB_SHA" => "0123456789abcdef0123456789abcdef01234567",
                "GITHUB_RUN_ID" => "4242",
                "GITHUB_RUN_NUMBER" => "17",
                "GITHUB_ACTOR" => "octocat",
                "GITHUB_WORKFLOW" => "CI/CD Pipeline",
                _ => return None,
            }
            .to_owned(),
        )
    })
}

/// Every default template for one scenario, in one text.
fn render_all(event: EventKind, status: Status, reports: &Reports, inputs: &Inputs) -> String {
    let mut ctx = Context::build(event, status, &github(), reports, inputs);
    ctx.timestamp = Some("2026-01-02T03:04:05Z".into());
    let renderer = Renderer::builtin();
    let rendered = renderer.prepare(&ctx).unwrap();
    let mut out = format!(
        "title: {}\n\nsummary:\n{}\n",
        rendered.title, rendered.summary
    );
    for name in [
        "slack.json.j2",
        "teams.json.j2",
        "discord.json.j2",
        "google-chat.json.j2",
        "mqtt.json.j2",
        "mqtt-state.json.j2",
    ] {
        let value = renderer.render_json(&rendered, name, &[]).unwrap();
        out.push_str(&format!(
            "\n===== {name}\n{}\n",
            serde_json::to_string_pretty(&value).unwrap()
        ));
    }
    for name in ["email-subject.txt.j2", "email.txt.j2"] {
        out.push_str(&format!(
            "\n===== {name}\n{}\n",
            renderer.render(&rendered, name, &[]).unwrap()
        ));
    }
    for action in ["open", "comment", "close"] {
        out.push_str(&format!(
            "\n===== github.md.j2 (action={action})\n{}\n",
            renderer
                .render(&rendered, "github.md.j2", &[("action", json!(action))])
                .unwrap()
        ));
    }
    out.push_str(&format!(
        "\n===== github-issue-title.txt.j2\n{}\n",
        renderer
            .render(&rendered, "github-issue-title.txt.j2", &[])
            .unwrap()
    ));
    out
}

fn gate(verdict: &str, passed: u64, total: u64, coverage: f64) -> serde_json::Value {
    json!({
        "schema": "slipway.quality-gate/v1",
        "verdict": verdict,
        "totals": {"tests": {"total": total, "passed": passed, "failed": total - passed, "errors": 0},
                   "coverage": {"line": coverage}},
        "checks": [
            {"id": "tests.failures", "title": "Failed tests", "status": if passed < total { "fail" } else { "pass" },
             "detail": format!("{} failed, 0 errored of {total}", total - passed)},
            {"id": "coverage.line", "title": "Line coverage", "status": if coverage < 80.0 { "fail" } else { "pass" },
             "detail": "7712 of 8764 lines"}
        ]
    })
}

#[test]
fn pipeline_success_with_the_seed_numbers() {
    let reports = Reports {
        gate: Some(gate("pass", 95, 95, 88.0)),
        ..Reports::default()
    };
    insta::assert_snapshot!(render_all(
        EventKind::Pipeline,
        Status::Success,
        &reports,
        &Inputs::default()
    ));
}

#[test]
fn pipeline_failure_with_stage_and_error() {
    let inputs = Inputs {
        fields: vec![
            Fact {
                label: "Stage".into(),
                value: "Unit Tests".into(),
            },
            Fact {
                label: "Error".into(),
                value: "Test timeout".into(),
            },
        ],
        message: Some("Log: see GitHub Actions".into()),
        ..Inputs::default()
    };
    insta::assert_snapshot!(render_all(
        EventKind::Pipeline,
        Status::Failure,
        &Reports::default(),
        &inputs
    ));
}

fn deploy_doc() -> serde_json::Value {
    json!({"schema": "slipway.deploy/v1", "environment": "production", "version": "1.4.0",
           "previous": "1.3.2", "strategy": "canary", "url": "https://shop.example", "status": "started"})
}

#[test]
fn deploy_started() {
    let reports = Reports {
        deploy: Some(deploy_doc()),
        ..Reports::default()
    };
    insta::assert_snapshot!(render_all(
        EventKind::Deploy,
        Status::Started,
        &reports,
        &Inputs::default()
    ));
}

#[test]
fn deploy_rolled_back() {
    let mut deploy = deploy_doc();
    deploy["status"] = json!("rolled-back");
    deploy["duration_ms"] = json!(95_400);
    deploy["error"] = json!("canary analysis failed at step 10%");
    deploy["steps"] = json!([
        {"name": "start canary slot", "status": "ok", "duration_ms": 4200},
        {"name": "canary 10%", "status": "failed", "duration_ms": 60000, "detail": "error rate 4.2% above 1%"},
        {"name": "restore routing", "status": "ok", "duration_ms": 310}
    ]);
    let reports = Reports {
        deploy: Some(deploy),
        rollback: Some(
            json!({"schema": "slipway.rollback/v1", "environment": "production", "from": "1.4.0",
                              "to": "1.3.2", "reason": "error rate 4.2% above 1% at canary step 10%",
                              "status": "succeeded"}),
        ),
        ..Reports::default()
    };
    insta::assert_snapshot!(render_all(
        EventKind::Deploy,
        Status::RolledBack,
        &reports,
        &Inputs::default()
    ));
}

#[test]
fn release_published_with_its_changelog() {
    let reports = Reports {
        release: Some(
            json!({"schema": "slipway.version-manager/v1", "current": "1.3.2", "next": "1.4.0",
                             "tag": "v1.4.0", "changelog": "### Features\n- checkout: pay by invoice\n\n### Fixes\n- cart: keep items after login"}),
        ),
        ..Reports::default()
    };
    insta::assert_snapshot!(render_all(
        EventKind::Release,
        Status::Success,
        &reports,
        &Inputs::default()
    ));
}

#[test]
fn gate_failure_lists_the_failed_checks() {
    let reports = Reports {
        gate: Some(gate("fail", 93, 95, 72.5)),
        ..Reports::default()
    };
    insta::assert_snapshot!(render_all(
        EventKind::Gate,
        Status::Failure,
        &reports,
        &Inputs::default()
    ));
}

#[test]
fn email_html_escapes_what_it_shows() {
    let inputs = Inputs {
        message: Some("<script>alert(1)</script> & more".into()),
        ..Inputs::default()
    };
    let ctx = Context::build(
        EventKind::Pipeline,
        Status::Failure,
        &github(),
        &Reports::default(),
        &inputs,
    );
    let renderer = Renderer::builtin();
    let rendered = renderer.prepare(&ctx).unwrap();
    let html = renderer.render(&rendered, "email.html.j2", &[]).unwrap();
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt; &amp; more"),
        "{html}"
    );
    insta::assert_snapshot!(html);
}
