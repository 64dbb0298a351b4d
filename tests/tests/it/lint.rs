//! Workflow and action hygiene, checked with the linters GitHub users run: actionlint on
//! workflows, reusable workflows and recipes, zizmor on all of them and the actions,
//! GitHub's workflow and action schemas (actionlint skips composite steps), shellcheck on
//! every script.

use std::path::{Path, PathBuf};
use std::process::Command;

use slipway_test_support::program::require;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn files(dir: &str, suffixes: &[&str]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![repo_root().join(dir)];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else if suffixes.iter().any(|s| p.to_string_lossy().ends_with(s)) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn assert_clean(what: &str, cmd: &mut Command) {
    let out = cmd
        .current_dir(repo_root())
        .output()
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what} reported findings:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn actionlint_finds_nothing_in_the_workflows_and_reusable_workflows() {
    let workflows = files(".github/workflows", &[".yml", ".yaml"]);
    assert!(
        workflows.len() >= 6,
        "expected ci, release, security and the pipeline-* reusable workflows: {workflows:?}"
    );
    let shellcheck = require("shellcheck");
    assert_clean(
        "actionlint",
        Command::new(require("actionlint"))
            .arg("-shellcheck")
            .arg(shellcheck)
            .args(&workflows),
    );
}

#[test]
fn actionlint_finds_nothing_in_the_recipes_laid_out_as_a_users_repository() {
    // The recipes call each other (`uses: ./.github/workflows/deploy.yml`), which actionlint
    // resolves from the repository root: lint them where a user puts them.
    for recipe in ["python-service"] {
        let repo = tempfile::tempdir().unwrap();
        let dir = repo.path().join(".github/workflows");
        std::fs::create_dir_all(&dir).unwrap();
        // actionlint finds the project by its `.git` directory.
        std::fs::create_dir_all(repo.path().join(".git")).unwrap();
        let recipes = files(&format!("docs/recipes/{recipe}"), &[".yml"]);
        assert!(recipes.len() >= 3, "ci, release and deploy: {recipes:?}");
        for file in &recipes {
            std::fs::copy(file, dir.join(file.file_name().unwrap())).unwrap();
        }
        let out = Command::new(require("actionlint"))
            .arg("-shellcheck")
            .arg(require("shellcheck"))
            .current_dir(repo.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "actionlint reported findings in docs/recipes/{recipe}:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn workflows_and_recipes_match_githubs_workflow_schema() {
    let mut workflows = files(".github/workflows", &[".yml", ".yaml"]);
    workflows.extend(files("docs/recipes", &[".yml"]));
    assert_clean(
        "check-jsonschema",
        Command::new(require("check-jsonschema"))
            .args(["--builtin-schema", "vendor.github-workflows"])
            .args(&workflows),
    );
}

#[test]
fn zizmor_finds_nothing_in_workflows_actions_and_recipes() {
    let recipes = files("docs/recipes", &[".yml"]);
    assert!(!recipes.is_empty(), "recipes are linted too");
    assert_clean(
        "zizmor",
        Command::new(require("zizmor"))
            .args([
                "--offline",
                "--no-progress",
                "--config",
                ".github/zizmor.yml",
                ".github",
                "actions",
            ])
            .args(&recipes),
    );
}

#[test]
fn every_action_matches_githubs_action_schema() {
    let actions = files("actions", &["action.yml"]);
    assert_eq!(actions.len(), 5, "one action per binary: {actions:?}");
    assert_clean(
        "check-jsonschema",
        Command::new(require("check-jsonschema"))
            .args(["--builtin-schema", "vendor.github-actions"])
            .args(&actions),
    );
}

#[test]
fn shellcheck_finds_nothing_in_the_scripts() {
    let mut scripts = files("scripts", &[".sh"]);
    scripts.extend(files("actions", &[".sh"]));
    scripts.extend(files("benches", &[".sh"]));
    scripts.push(repo_root().join(".ci/run"));
    assert_clean(
        "shellcheck",
        Command::new(require("shellcheck")).arg("-x").args(&scripts),
    );
}
