//! The recipes in docs/recipes hold what users copy: every binary must accept their
//! `slipway.toml` as written, so the docs never drift from the code.

use std::path::PathBuf;
use std::process::Command;

fn recipe_config() -> PathBuf {
    slipway_e2e::chain::repo_root().join("docs/recipes/python-service/slipway.toml")
}

/// `NAME [SUBCOMMAND] --config RECIPE`: the subcommand first, as users type it.
fn bin(name: &str, subcommand: &[&str]) -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin(name));
    cmd.env_remove("CI")
        .env_remove("GITHUB_ACTIONS")
        .env("NO_COLOR", "1")
        .args(subcommand)
        .arg("--config")
        .arg(recipe_config());
    cmd
}

fn assert_ok(what: &str, cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "{what} rejected the recipe's slipway.toml:\n{stderr}"
    );
    format!("{}{stderr}", String::from_utf8_lossy(&out.stdout))
}

#[test]
fn quality_gate_reads_the_recipe_thresholds() {
    let text = assert_ok(
        "quality-gate explain",
        &mut bin("quality-gate", &["explain"]),
    );
    assert!(
        text.contains("95"),
        "critical modules rule missing:\n{text}"
    );
}

#[test]
fn quality_gate_explain_accepts_the_config_flag_before_the_subcommand() {
    // Regression: `quality-gate --config FILE explain` once read `explain` as a report path.
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("quality-gate"));
    cmd.env_remove("CI")
        .env_remove("GITHUB_ACTIONS")
        .arg("--config")
        .arg(recipe_config())
        .arg("explain");
    let text = assert_ok("quality-gate --config FILE explain", &mut cmd);
    assert!(text.contains("coverage.line"), "{text}");
}

#[test]
fn deploy_plans_both_recipe_environments() {
    for env in ["staging", "production"] {
        let dir = tempfile::tempdir().unwrap();
        let out = bin("deploy", &[])
            .current_dir(dir.path())
            .env("DEPLOY_SSH_KEY", "-----BEGIN OPENSSH PRIVATE KEY-----\nnot a real key\n-----END OPENSSH PRIVATE KEY-----\n")
            .args(["--environment", env, "--version", "v1.2.3", "--dry-run"]).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        // A dry run touches nothing; it may still fail to reach the example hosts, but the
        // config itself must load (exit 2 means it did not).
        assert_ne!(
            out.status.code(),
            Some(2),
            "deploy rejected the recipe for {env}:\n{stderr}"
        );
    }
}

#[test]
fn notify_renders_the_recipe_channels_in_a_dry_run() {
    let text = assert_ok(
        "notify --dry-run",
        bin("notify", &[])
            .args(["--event", "pipeline", "--status", "failure", "--dry-run"])
            .env(
                "SLACK_WEBHOOK_URL",
                "https://hooks.slack.com/services/T000/B000/XXXX",
            )
            .env("SMTP_PASSWORD", "not-a-real-password")
            .env("GITHUB_TOKEN", "ghp_not_a_real_token"),
    );
    assert!(text.contains("slack"), "{text}");
    assert!(
        !text.contains("XXXX") && !text.contains("not-a-real-password"),
        "a secret was printed:\n{text}"
    );
}

#[test]
fn version_manager_reads_the_recipe_version_section() {
    let repo = slipway_test_support::git::TestRepo::new();
    repo.commit("feat: first");
    assert_ok(
        "version-manager show",
        bin("version-manager", &[])
            .current_dir(repo.path())
            .arg("show"),
    );
}
