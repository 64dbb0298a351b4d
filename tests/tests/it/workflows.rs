//! What the workflow files promise, read from the files themselves: Slipway's own
//! repository triggers only its CI, the release of its binaries and security; every
//! `pipeline-*.yml` is a reusable workflow; the release matrix lists only targets this
//! suite proves; rollback runs only on deploy's `failed`; no step needs a tool nobody
//! installs.

use std::path::{Path, PathBuf};
use std::process::Command;

use slipway_e2e::chain::repo_root;
use slipway_e2e::workflow::{Workflow, steps_using};

fn workflow_files(dir: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(repo_root().join(dir))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml"))
        .collect();
    files.sort();
    files
}

fn name(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

#[test]
fn slipways_own_repository_triggers_only_ci_release_and_security() {
    // Regression: cd-production.yml and cd-staging.yml were triggered on tag and branch
    // pushes in Slipway's own repository and deployed nothing real.
    for path in workflow_files(".github/workflows") {
        let wf = Workflow::load(&path);
        let file = name(&path);
        if file.starts_with("pipeline-") {
            assert_eq!(
                wf.triggers(),
                vec!["workflow_call".to_owned()],
                "{file} is a pipeline users call: workflow_call only"
            );
        } else {
            assert!(
                ["ci.yml", "release.yml", "security.yml"].contains(&file.as_str()),
                "{file}: Slipway's own repository triggers only ci, release and security"
            );
            assert!(
                !wf.triggers().contains(&"workflow_call".to_owned()),
                "{file}"
            );
        }
    }
    for pipeline in ["ci", "release", "deploy"] {
        assert!(
            repo_root()
                .join(format!(".github/workflows/pipeline-{pipeline}.yml"))
                .is_file(),
            "pipeline-{pipeline}.yml is missing"
        );
    }
}

#[test]
fn release_matrix_lists_only_targets_the_test_suite_builds() {
    // Regression: the matrix built x86_64-pc-windows-msvc, which deploy-engine does not
    // compile for, so the publish job never ran and no release ever had binaries.
    let wf = Workflow::load(&repo_root().join(".github/workflows/release.yml"));
    let targets: Vec<String> = wf.json()["jobs"]["build"]["strategy"]["matrix"]["include"]
        .as_array()
        .expect("release.yml: jobs.build.strategy.matrix.include")
        .iter()
        .map(|row| row["target"].as_str().unwrap().to_owned())
        .collect();
    assert!(!targets.is_empty());
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .expect("rustup");
    let installed = String::from_utf8_lossy(&installed.stdout).into_owned();
    let host = String::from_utf8_lossy(
        &Command::new("rustc")
            .arg("-vV")
            .output()
            .expect("rustc")
            .stdout,
    )
    .lines()
    .find_map(|l| l.strip_prefix("host: "))
    .unwrap()
    .to_owned();
    for target in &targets {
        assert!(
            installed.lines().any(|l| l.trim() == target),
            "release.yml builds {target}, which this toolchain cannot build (installed: {installed})"
        );
        assert_eq!(
            target, &host,
            "release.yml builds {target}, but the suite builds and runs the binaries on {host} only"
        );
    }
    // The install step downloads exactly the targets the matrix publishes.
    let install = std::fs::read_to_string(repo_root().join("actions/_shared/install.sh")).unwrap();
    for target in &targets {
        assert!(
            install.contains(target),
            "install.sh never asks for {target}"
        );
    }
    for gone in ["windows-msvc", "apple-darwin", "linux-musl"] {
        assert!(!install.contains(gone), "install.sh still asks for {gone}");
    }
}

#[test]
fn rollback_runs_only_when_deploy_reports_failed() {
    // Regression: `if: failure() && steps.deploy.outputs.status != 'rolled-back'` rolled a
    // healthy production back after a config typo (exit 2), a held lock or an earlier
    // step's failure.
    let mut files = workflow_files(".github/workflows");
    files.extend(workflow_files("docs/recipes/python-service"));
    let mut seen = 0;
    for path in files {
        let wf = Workflow::load(&path);
        for step in steps_using(&wf, "/actions/rollback") {
            seen += 1;
            assert_eq!(
                step["if"].as_str().unwrap_or(""),
                "always() && steps.deploy.outputs.status == 'failed'",
                "{}: step {}",
                name(&path),
                step["name"]
            );
        }
    }
    assert!(
        seen >= 2,
        "the deploy pipeline and its recipe each have a rollback step"
    );
}

#[test]
fn no_workflow_runs_a_tool_nothing_installs() {
    // Regression: the gate step ran `cargo nextest`, which no step installed, so the gate
    // found no report and failed every time.
    let mut files = workflow_files(".github/workflows");
    files.extend(workflow_files("docs/recipes/python-service"));
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            !text.contains("nextest"),
            "{} runs cargo nextest",
            name(&path)
        );
    }
}

#[test]
fn recipes_behave_as_the_reusable_pipelines() {
    // The copy-paste form keeps the same rules: the same rollback condition, the same
    // notify status, the same version-to-deploy script.
    let pipeline = Workflow::load(&repo_root().join(".github/workflows/pipeline-deploy.yml"));
    let recipe = Workflow::load(&repo_root().join("docs/recipes/python-service/deploy.yml"));
    let step = |wf: &Workflow, id: &str| {
        wf.json()["jobs"]["deploy"]["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("no step {id}"))
    };
    let norm = |v: &serde_json::Value| {
        v.to_string()
            .replace("inputs.environment || 'staging'", "inputs.environment")
    };
    assert_eq!(
        norm(&step(&pipeline, "version")["run"]),
        norm(&step(&recipe, "version")["run"])
    );
    assert_eq!(
        step(&pipeline, "rollback")["if"],
        step(&recipe, "rollback")["if"]
    );
    let notify = |wf: &Workflow| {
        wf.json()["jobs"]["deploy"]["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == "Notify")
            .map(|s| s["with"]["status"].clone())
            .unwrap()
    };
    assert_eq!(notify(&pipeline), notify(&recipe));
}
