//! The reusable pipelines (`.github/workflows/pipeline-*.yml`) run by act from a user's
//! repository, through the callers docs/actions.md shows, against production on
//! loopback (nginx, the sample service), Prism for the GitHub API and a webhook standing
//! in for Slack. The composite actions install this build from a release served on
//! loopback (`SLIPWAY_RELEASE_URL`), checked against its checksums.
//!
//! What act cannot run is not tested here: the macOS and arm64 runners (act runs the
//! Linux runner of this machine only), GitHub environment approvals (act accepts
//! `environment:` and enforces no required reviewers), and workflows started by events a
//! workflow makes (so the release must deploy in the same run, which is the design).
//! Every act run has a deadline (`slipway_e2e::act::DEFAULT_TIMEOUT`).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use slipway_e2e::act::ActRun;
use slipway_e2e::pipelines::{ENVIRONMENT, PREVIOUS, Slipway, UserRepo, docs_caller};

fn bin_dir() -> PathBuf {
    assert_cmd::cargo::cargo_bin("deploy")
        .parent()
        .unwrap()
        .to_path_buf()
}

/// This build, published once per test binary as a release on loopback.
fn slipway() -> &'static Slipway {
    static SLIPWAY: OnceLock<Slipway> = OnceLock::new();
    SLIPWAY.get_or_init(|| {
        Slipway::publish(&bin_dir(), Path::new(env!("CARGO_TARGET_TMPDIR")))
            .expect("publish this build as a release")
    })
}

fn user() -> UserRepo {
    UserRepo::new(&bin_dir(), "").unwrap()
}

fn show(run: &ActRun) -> String {
    format!("jobs: {:?}\n{}", run.jobs(), run.log)
}

/// A caller of pipeline-deploy.yml for production at `version`, for the deploy
/// scenarios (the release test runs the docs' caller, which deploys through it too).
fn production_caller(version: &str) -> String {
    format!(
        "name: production\n\
         on: push\n\
         permissions: {{}}\n\
         jobs:\n\
         \x20 production:\n\
         \x20   uses: slipway-dev/slipway/.github/workflows/pipeline-deploy.yml@v1\n\
         \x20   permissions: {{ contents: read, deployments: write, issues: write }}\n\
         \x20   secrets:\n\
         \x20     SLACK_WEBHOOK_URL: ${{{{ secrets.SLACK_WEBHOOK_URL }}}}\n\
         \x20   with:\n\
         \x20     environment: {ENVIRONMENT}\n\
         \x20     version: {version}\n\
         \x20     lock-wait: 2s\n"
    )
}

fn pull_request(user: &UserRepo) -> serde_json::Value {
    let head = user.repo.head();
    serde_json::json!({
        "number": 7,
        "pull_request": {
            "number": 7,
            "head": { "sha": head, "ref": "feature/discounts" },
            "base": { "sha": head, "ref": "main" }
        },
        "repository": { "full_name": "acme/shop", "name": "shop", "owner": { "login": "acme" } }
    })
}

/// The name of pipeline-deploy.yml's rollback step.
const ROLLBACK_STEP: &str = "Roll back (only when deploy could not put the previous version back)";

/// After a deploy that did not go through: no rollback step ran, production still serves
/// the previous release, and notify sent one message saying `word`.
fn assert_untouched_and_notified(user: &UserRepo, run: &ActRun, word: &str) {
    assert!(!run.succeeded, "{}", show(run));
    assert!(!run.ran(ROLLBACK_STEP), "{}", show(run));
    assert_eq!(user.serving().as_deref(), Some(PREVIOUS));
    let messages = user.messages();
    assert_eq!(messages.len(), 1, "notify runs and reports: {messages:?}");
    assert!(messages[0].to_lowercase().contains(word), "{}", messages[0]);
}

#[test]
fn ci_pipeline_passes_the_gate_and_updates_the_pull_request_comment() {
    let user = user();
    user.add_workflow("ci.yml", &docs_caller("pipeline-ci.yml@v1").unwrap());
    let run = user
        .run(
            slipway(),
            "ci.yml",
            "pull_request",
            Some(pull_request(&user)),
        )
        .unwrap();
    assert!(run.succeeded, "{}", show(&run));
    assert_eq!(run.step("Quality gate"), Some("success"), "{}", show(&run));
    assert_eq!(
        run.output("Quality gate", "verdict"),
        "pass",
        "{}",
        show(&run)
    );
    assert!(
        run.log
            .contains("updated the quality-gate comment on pull request #7"),
        "{}",
        show(&run)
    );
    // No image on a pull request, and the binaries came from the release, not cargo.
    assert!(!run.ran("Build and push the image"));
    assert!(
        run.log
            .contains("slipway install: downloading http://127.0.0.1:"),
        "{}",
        show(&run)
    );
    assert!(!run.log.contains("building from source"), "{}", show(&run));
    let messages = user.messages();
    assert_eq!(messages.len(), 1, "{messages:?}");
}

#[test]
fn ci_pipeline_fails_the_gate_on_a_failing_test_and_notifies_the_failure() {
    let user = user();
    user.repo.commit_file(
        "tests/test_regression.py",
        "from shop.cart import total\n\n\ndef test_total_counts_quantities():\n    assert total([(100, 3)]) == 100\n",
        "test(cart): regression for quantities",
    );
    user.add_workflow("ci.yml", &docs_caller("pipeline-ci.yml@v1").unwrap());
    let run = user
        .run(
            slipway(),
            "ci.yml",
            "pull_request",
            Some(pull_request(&user)),
        )
        .unwrap();
    assert!(
        !run.succeeded,
        "the gate must fail the run:\n{}",
        show(&run)
    );
    assert_eq!(run.step("Quality gate"), Some("failure"), "{}", show(&run));
    assert_eq!(
        run.output("Quality gate", "verdict"),
        "fail",
        "{}",
        show(&run)
    );
    let messages = user.messages();
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(
        messages[0].to_lowercase().contains("fail"),
        "{}",
        messages[0]
    );
}

#[test]
fn release_pipeline_bumps_tags_writes_the_changelog_releases_and_deploys_production() {
    let user = user();
    let caller = docs_caller("pipeline-release.yml@v1").unwrap();
    let lines = caller.lines().filter(|l| !l.trim().is_empty()).count();
    assert!(
        lines <= 10,
        "the caller in docs/actions.md is ten lines, not {lines}"
    );
    user.add_workflow("release.yml", &caller);
    let run = user.run(slipway(), "release.yml", "push", None).unwrap();
    assert!(run.succeeded, "{}", show(&run));

    // Version, changelog, tag: pushed to the remote.
    let tags = user.repo.run_git_in_remote(&["tag", "--list"]);
    assert!(tags.lines().any(|t| t == "v1.1.0"), "remote tags: {tags}");
    let changelog = user
        .repo
        .run_git_in_remote(&["show", "v1.1.0:CHANGELOG.md"]);
    assert!(changelog.contains("1.1.0"), "{changelog}");
    assert!(changelog.contains("percentage discounts"), "{changelog}");
    let pyproject = user
        .repo
        .run_git_in_remote(&["show", "v1.1.0:pyproject.toml"]);
    assert!(pyproject.contains("version = \"1.1.0\""), "{pyproject}");
    assert_eq!(
        run.step("GitHub release with the changelog as notes"),
        Some("success"),
        "{}",
        show(&run)
    );

    // The tag contract: the release's image tags, and production deploys 1.1.0, not v1.1.0.
    let image_tags = run.output("Image tags of the release", "tags");
    assert_eq!(image_tags, "1.1.0\n1.1\n1\nlatest", "{}", show(&run));
    assert_eq!(
        run.output("Deploy", "status"),
        "succeeded",
        "{}",
        show(&run)
    );
    assert_eq!(user.serving().as_deref(), Some("1.1.0"));
    // Canary 50/100 succeeded: no rollback step, and Slack heard about it.
    assert!(!run.ran(ROLLBACK_STEP), "{}", show(&run));
    let messages = user.messages();
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(messages[0].contains("1.1.0"), "{}", messages[0]);
}

#[test]
fn release_pipeline_with_nothing_releasable_tags_nothing_and_deploys_nothing() {
    let user = user();
    user.repo.tag_annotated("v1.1.0", "released by hand");
    // A `ci:` commit releases nothing.
    user.add_workflow(
        "release.yml",
        &docs_caller("pipeline-release.yml@v1").unwrap(),
    );
    let run = user.run(slipway(), "release.yml", "push", None).unwrap();
    assert!(run.succeeded, "{}", show(&run));
    assert_eq!(
        run.output("Next version", "released"),
        "false",
        "{}",
        show(&run)
    );
    assert!(!run.ran("Version files, changelog, commit, tag, push"));
    assert!(!run.ran("Deploy"), "{}", show(&run));
    let tags = user.repo.run_git_in_remote(&["tag", "--list"]);
    assert!(!tags.contains("v1.2.0"), "{tags}");
    assert_eq!(user.serving().as_deref(), Some(PREVIOUS));
    assert!(user.messages().is_empty());
}

#[test]
fn production_canary_that_fails_rolls_itself_back_and_no_rollback_step_runs() {
    let user = user();
    // The sample service's smoke test fails for a version ending in -badsmoke.
    user.add_workflow("production.yml", &production_caller("1.1.0-badsmoke"));
    let run = user.run(slipway(), "production.yml", "push", None).unwrap();
    assert_eq!(
        run.output("Deploy", "status"),
        "rolled-back",
        "{}",
        show(&run)
    );
    assert_untouched_and_notified(&user, &run, "rolled back");
}

#[test]
fn config_typo_exits_2_runs_no_rollback_and_notify_reports_failure() {
    // Regression: `if: failure() && status != 'rolled-back'` ran rollback after deploy
    // refused a config typo (exit 2) and rolled a healthy production back.
    let user = user();
    let config = std::fs::read_to_string(user.repo.path().join("slipway.toml")).unwrap();
    let typo = config.replacen("step_duration = ", "step_duraton = ", 1);
    assert_ne!(config, typo);
    user.repo
        .commit_file("slipway.toml", &typo, "chore: tune the canary");
    user.add_workflow("production.yml", &production_caller("1.1.0"));
    let run = user.run(slipway(), "production.yml", "push", None).unwrap();
    assert_eq!(run.step("Deploy"), Some("failure"), "{}", show(&run));
    // Exit 2, bad input (act's own line: the deploy's message naming the key is sometimes
    // missing from act's log when the step ends within milliseconds).
    assert!(run.log.contains("exit status 2"), "{}", show(&run));
    assert_eq!(run.output("Deploy", "status"), "", "{}", show(&run));
    assert_untouched_and_notified(&user, &run, "fail");
}

#[test]
fn held_lock_fails_the_deploy_as_locked_and_nothing_is_rolled_back() {
    let user = user();
    let out = user
        .binary("deploy")
        .args([
            "lock",
            "acquire",
            "--environment",
            ENVIRONMENT,
            "-m",
            "release freeze",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    user.add_workflow("production.yml", &production_caller("1.1.0"));
    let run = user.run(slipway(), "production.yml", "push", None).unwrap();
    assert_eq!(run.output("Deploy", "status"), "locked", "{}", show(&run));
    assert!(run.log.contains("release freeze"), "{}", show(&run));
    assert_untouched_and_notified(&user, &run, "fail");
}
