//! The chain of `tests/chain/workflow.yml`, run for real: a scratch repository holding a
//! small Python service (`tests/chain/app`), Slipway's composite actions and a
//! `slipway.toml`; a staging environment on loopback (real nginx in front of blue and
//! green slots of the sample service); a recording webhook standing in for Slack; and act
//! running the workflow on this machine with the binaries installed by `install: path`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context as _, bail};
use slipway_deploy_engine::testing::{Options as SiteOptions, Site};
use slipway_test_support::files::copy_tree;
use slipway_test_support::git::TestRepo;
use slipway_test_support::webhook::WebhookSink;

use crate::act::Act;

/// The environment the chain deploys to.
pub const ENVIRONMENT: &str = "staging";

/// The release already serving on staging before the chain runs.
pub const PREVIOUS_RELEASE: &str = "v1.0.0";

/// How to run the chain.
#[derive(Debug, Clone)]
pub struct Options {
    /// Directory holding the five binaries (e.g. `target/debug`).
    pub bin_dir: PathBuf,
    /// Add a failing test to the service, so the gate fails and nothing is deployed.
    pub failing_gate: bool,
}

/// A prepared chain: the scratch repository and the environment it deploys to.
pub struct Chain {
    site: Site,
    sink: WebhookSink,
    repo: TestRepo,
    out: tempfile::TempDir,
    bin_dir: PathBuf,
}

impl std::fmt::Debug for Chain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Chain")
            .field("repo", &self.repo.path())
            .finish_non_exhaustive()
    }
}

/// What one run of the workflow left behind.
#[derive(Debug)]
pub struct Run {
    /// Whether act reported the job as succeeded.
    pub succeeded: bool,
    /// act's whole output.
    pub log: String,
    /// The step outputs the workflow recorded (`OUT_*` without the prefix, lower case).
    pub outputs: BTreeMap<String, String>,
    /// The JSON documents the steps wrote, by file name (`gate.json`, …).
    pub documents: BTreeMap<String, serde_json::Value>,
}

impl Run {
    /// A recorded step output, or "" when the step did not run.
    pub fn output(&self, name: &str) -> &str {
        self.outputs.get(name).map_or("", String::as_str)
    }
}

/// The repository root (for `tests/chain` and `actions/`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

impl Chain {
    /// Builds the scratch repository and the staging environment, and deploys the previous
    /// release there so the chain has something to replace and to roll back to.
    pub fn prepare(options: &Options) -> anyhow::Result<Self> {
        for bin in [
            "version-manager",
            "quality-gate",
            "deploy",
            "rollback",
            "notify",
        ] {
            if !options.bin_dir.join(bin).is_file() {
                bail!(
                    "{} not found in {}: build the binaries first (cargo build --bins)",
                    bin,
                    options.bin_dir.display()
                );
            }
        }
        let site = Site::start(SiteOptions::default());
        let sink = WebhookSink::start();
        let repo = TestRepo::new();
        let root = repo_root();

        copy_tree(&root.join("tests/chain/app"), repo.path())?;
        copy_tree(&root.join("actions"), &repo.path().join("actions"))?;
        std::fs::create_dir_all(repo.path().join(".github/workflows"))?;
        std::fs::copy(
            root.join("tests/chain/workflow.yml"),
            repo.path().join(".github/workflows/chain.yml"),
        )?;
        std::fs::write(
            repo.path().join(".gitignore"),
            "reports/\n__pycache__/\n.coverage\n",
        )?;

        let deploy = std::fs::read_to_string(&site.config)?
            .replace("[deploy.environments.test", "[deploy.environments.staging");
        let config = format!(
            "{deploy}\n\
             [quality_gate]\n\
             reports = [\"reports/*\"]\n\n\
             [notify.channels.hook]\n\
             type = \"slack\"\n\
             url_env = \"HOOK_URL\"\n"
        );
        std::fs::write(repo.path().join("slipway.toml"), config)?;

        repo.run_git(&["add", "-A"]);
        repo.commit("feat(cart): totals and empty carts");
        repo.tag_annotated(PREVIOUS_RELEASE, "first release");
        repo.commit("feat(cart): percentage discounts");
        repo.commit("fix(cart): round discounts down to the cent");
        if options.failing_gate {
            repo.commit_file(
                "tests/test_regression.py",
                "from shop.cart import total\n\n\ndef test_total_counts_quantities():\n    assert total([(100, 3)]) == 100\n",
                "test(cart): regression for quantities",
            );
        }

        let bin_dir = options
            .bin_dir
            .canonicalize()
            .with_context(|| format!("{} not found", options.bin_dir.display()))?;
        let chain = Self {
            site,
            sink,
            repo,
            out: tempfile::tempdir()?,
            bin_dir,
        };
        chain.deploy_previous_release()?;
        Ok(chain)
    }

    fn deploy_previous_release(&self) -> anyhow::Result<()> {
        let out = Command::new(self.bin_dir.join("deploy"))
            .current_dir(self.repo.path())
            .args(["--environment", ENVIRONMENT, "--version", PREVIOUS_RELEASE])
            .env_remove("CI")
            .env_remove("GITHUB_ACTIONS")
            .env("NO_COLOR", "1")
            .output()
            .context("running deploy")?;
        if !out.status.success() {
            bail!(
                "deploying {PREVIOUS_RELEASE} before the chain failed:\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(())
    }

    /// Runs the workflow with act on this machine and collects what it left.
    pub fn run(&self) -> anyhow::Result<Run> {
        let (succeeded, log) = run_act(
            self.repo.path(),
            "chain.yml",
            &[
                ("CHAIN_OUT", self.out.path().display().to_string()),
                ("SLIPWAY_BIN_DIR", self.bin_dir.display().to_string()),
                ("HOOK_URL", self.sink.url()),
            ],
        )?;
        let mut outputs = BTreeMap::new();
        if let Ok(text) = std::fs::read_to_string(self.out.path().join("outputs.env")) {
            for line in text.lines() {
                if let Some((k, v)) = line.split_once('=') {
                    outputs.insert(
                        k.trim_start_matches("OUT_").to_ascii_lowercase(),
                        v.to_owned(),
                    );
                }
            }
        }
        let mut documents = BTreeMap::new();
        for entry in std::fs::read_dir(self.out.path())?.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if Path::new(&name)
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("json"))
            {
                let text = std::fs::read_to_string(entry.path())?;
                documents.insert(
                    name,
                    serde_json::from_str(&text)
                        .with_context(|| format!("{} is not JSON", entry.path().display()))?,
                );
            }
        }
        Ok(Run {
            succeeded,
            log,
            outputs,
            documents,
        })
    }

    /// The version nginx serves on staging now.
    pub fn serving(&self) -> Option<String> {
        self.site.serving()
    }

    /// The messages the webhook (standing in for Slack) received, as JSON.
    pub fn messages(&self) -> Vec<serde_json::Value> {
        self.sink
            .requests()
            .iter()
            .map(slipway_test_support::webhook::Request::json)
            .collect()
    }

    /// The scratch repository.
    pub fn repo(&self) -> &Path {
        self.repo.path()
    }

    /// The staging ledger.
    pub fn ledger(&self) -> serde_json::Value {
        self.site.ledger()
    }
}

/// A scratch repository holding Slipway's composite actions and `workflow` as
/// `.github/workflows/<name>`, committed.
pub fn actions_repo(name: &str, workflow: &str) -> anyhow::Result<TestRepo> {
    let repo = TestRepo::new();
    copy_tree(&repo_root().join("actions"), &repo.path().join("actions"))?;
    std::fs::create_dir_all(repo.path().join(".github/workflows"))?;
    std::fs::write(repo.path().join(".github/workflows").join(name), workflow)?;
    repo.run_git(&["add", "-A"]);
    repo.commit("ci: workflow");
    Ok(repo)
}

/// Runs `.github/workflows/<workflow>` of the repository at `dir` with act on this machine
/// (see [`crate::act`]; bounded by its default deadline), passing `envs` as workflow
/// environment. Returns whether every job succeeded, and act's log.
pub fn run_act(
    dir: &Path,
    workflow: &str,
    envs: &[(&str, String)],
) -> anyhow::Result<(bool, String)> {
    let mut act = Act::new(dir, workflow);
    for (k, v) in envs {
        act = act.env(k, v.clone());
    }
    let run = act.run()?;
    Ok((run.succeeded, run.log))
}
