//! The reusable pipelines (`.github/workflows/pipeline-*.yml`) run for real by act, from
//! a user's repository: the small Python service of `tests/chain/app`, a `slipway.toml`
//! and a caller workflow (the ones in docs/actions.md where a test says so). act stands a
//! checkout of this Slipway in for `slipway-dev/slipway@v1` (`--local-repository`), and
//! the composite actions install the binaries just built from a release served on
//! loopback, checked against its checksums, exactly as they would from GitHub. Around it:
//! production on loopback (real nginx in front of the sample service's slots, a canary
//! 50/100), Prism for the GitHub API, and a recording webhook standing in for Slack.

use std::hash::{DefaultHasher, Hash as _, Hasher as _};
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context as _, bail};
use slipway_deploy_engine::testing::{Options as SiteOptions, Site};
use slipway_test_support::files::copy_tree;
use slipway_test_support::git::TestRepo;
use slipway_test_support::prism::Prism;
use slipway_test_support::webhook::WebhookSink;

use crate::act::{Act, ActRun};
use crate::chain::repo_root;
use crate::release::{BINARIES, ReleaseServer, slipway_checkout};

/// The environment the pipelines deploy to.
pub const ENVIRONMENT: &str = "production";

/// The release serving production before a test runs (the image tag, per the tag
/// contract: `1.0.0` for git tag `v1.0.0`).
pub const PREVIOUS: &str = "1.0.0";

/// A fenced `yaml` block of docs/actions.md that mentions `needle`, as the user copies it.
pub fn docs_caller(needle: &str) -> anyhow::Result<String> {
    let text = std::fs::read_to_string(repo_root().join("docs/actions.md"))?;
    let mut blocks = text.split("```yaml\n").skip(1);
    blocks
        .find_map(|b| {
            let block = b.split("```").next()?;
            block.contains(needle).then(|| block.to_owned())
        })
        .with_context(|| format!("docs/actions.md has no yaml block with {needle}"))
}

/// Slipway as the pipelines see it: a checkout of its actions and workflows whose
/// `Cargo.toml` names a release, and that release (the binaries in `bin_dir`) published
/// under `base` and served on loopback.
pub struct Slipway {
    checkout: tempfile::TempDir,
    server: ReleaseServer,
    tool_cache: tempfile::TempDir,
}

impl std::fmt::Debug for Slipway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Slipway")
            .field("checkout", &self.checkout.path())
            .finish_non_exhaustive()
    }
}

impl Slipway {
    /// Publishes the binaries of `bin_dir` as a release whose version is unique to this
    /// build (`0.0.0-e2e.<hash of the binaries>`, so no tool cache can hold an older
    /// build under the same name), kept under `base` so later tests reuse the archive.
    pub fn publish(bin_dir: &Path, base: &Path) -> anyhow::Result<Self> {
        let mut hasher = DefaultHasher::new();
        for bin in BINARIES {
            let meta = std::fs::metadata(bin_dir.join(bin)).with_context(|| {
                format!(
                    "{bin} not found in {}: build the binaries first (cargo build --bins)",
                    bin_dir.display()
                )
            })?;
            meta.len().hash(&mut hasher);
            meta.modified()?.hash(&mut hasher);
        }
        let version = format!("0.0.0-e2e.{:016x}", hasher.finish());
        let server = ReleaseServer::serve(&base.join("releases"))?;
        if !server.has(&format!("v{version}")) {
            server.publish_binaries(&format!("v{version}"), bin_dir)?;
        }
        Ok(Self {
            checkout: slipway_checkout(&version)?,
            server,
            tool_cache: tempfile::Builder::new()
                .prefix("slipway-toolcache-")
                .tempdir()?,
        })
    }

    /// An act run of `workflow` in `repo` that resolves `slipway-dev/slipway@v1` to this
    /// checkout and downloads the release from the local server into a fresh tool cache.
    pub fn act(&self, repo: &Path, workflow: &str) -> Act {
        Act::new(repo, workflow)
            .local_repository("slipway-dev/slipway@v1", self.checkout.path())
            .env("SLIPWAY_RELEASE_URL", self.server.base())
            .env(
                "SLIPWAY_TOOL_CACHE",
                self.tool_cache.path().display().to_string(),
            )
    }
}

/// A user's repository with production on loopback, ready for a pipeline run.
pub struct UserRepo {
    /// The repository (pushes go to its bare remote).
    pub repo: TestRepo,
    /// Production.
    pub site: Site,
    /// The webhook standing in for Slack (`SLACK_WEBHOOK_URL`).
    pub sink: WebhookSink,
    bin_dir: PathBuf,
}

impl std::fmt::Debug for UserRepo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserRepo")
            .field("repo", &self.repo.path())
            .finish_non_exhaustive()
    }
}

impl UserRepo {
    /// The service at `v1.0.0` plus a feature and a fix since, a bare remote, production
    /// serving [`PREVIOUS`] as a canary environment, `slipway.toml` holding `extra` too.
    pub fn new(bin_dir: &Path, extra: &str) -> anyhow::Result<Self> {
        let site = Site::start(SiteOptions {
            strategy: "canary",
            ..SiteOptions::default()
        });
        let sink = WebhookSink::start();
        let mut repo = TestRepo::new();
        copy_tree(&repo_root().join("tests/chain/app"), repo.path())?;
        std::fs::write(
            repo.path().join(".gitignore"),
            "reports/\n__pycache__/\n.coverage\ngate.json\ndeploy.json\nrollback.json\n",
        )?;
        let deploy = std::fs::read_to_string(&site.config)?.replace(
            "[deploy.environments.test",
            &format!("[deploy.environments.{ENVIRONMENT}"),
        );
        let config = format!(
            "[version]\nchangelog = \"CHANGELOG.md\"\n\n\
             {deploy}\n\
             [deploy.environments.{ENVIRONMENT}.canary]\n\
             steps = [50, 100]\n\
             step_duration = \"1s\"\n\
             [deploy.environments.{ENVIRONMENT}.analysis]\n\
             provider = \"probe\"\n\
             min_samples = 5\n\
             [deploy.environments.{ENVIRONMENT}.analysis.probe]\n\
             interval = \"20ms\"\n\n\
             [quality_gate]\n\
             reports = [\"reports/*\"]\n\n\
             [notify.channels.slack]\n\
             type = \"slack\"\n\
             url_env = \"SLACK_WEBHOOK_URL\"\n\
             {extra}"
        );
        std::fs::write(repo.path().join("slipway.toml"), config)?;
        repo.run_git(&["add", "-A"]);
        repo.commit("feat(cart): totals and empty carts");
        repo.tag_annotated("v1.0.0", "first release");
        repo.commit("feat(cart): percentage discounts");
        repo.commit("fix(cart): round discounts down to the cent");
        repo.bare_remote();
        let user = Self {
            repo,
            site,
            sink,
            bin_dir: bin_dir.canonicalize()?,
        };
        user.deploy(PREVIOUS)?;
        Ok(user)
    }

    /// Deploys `version` to production with the binary directly (the state before a run).
    pub fn deploy(&self, version: &str) -> anyhow::Result<()> {
        let out = self
            .binary("deploy")
            .args(["--environment", ENVIRONMENT, "--version", version])
            .output()
            .context("running deploy")?;
        if !out.status.success() {
            bail!(
                "deploying {version} before the run failed:\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(())
    }

    /// A Slipway binary run in the repository outside any workflow.
    pub fn binary(&self, name: &str) -> Command {
        let mut cmd = Command::new(self.bin_dir.join(name));
        cmd.current_dir(self.repo.path());
        slipway_test_support::actions::clean_env(&mut cmd);
        cmd.env("NO_COLOR", "1");
        cmd
    }

    /// Commits `workflow` as `.github/workflows/<name>`.
    pub fn add_workflow(&self, name: &str, workflow: &str) {
        self.repo.commit_file(
            format!(".github/workflows/{name}"),
            workflow,
            "ci: workflow",
        );
    }

    /// Runs `.github/workflows/<name>` with act on `event`, with Prism as the GitHub API
    /// and the webhook as `SLACK_WEBHOOK_URL`.
    pub fn run(
        &self,
        slipway: &Slipway,
        name: &str,
        event: &str,
        payload: Option<serde_json::Value>,
    ) -> anyhow::Result<ActRun> {
        slipway
            .act(self.repo.path(), name)
            .event(event, payload)
            .env("GITHUB_API_URL", Prism::shared().url())
            .env("GITHUB_REPOSITORY", "acme/shop")
            .secret("GITHUB_TOKEN", "ghs_e2e_not_a_real_token")
            .secret("SLACK_WEBHOOK_URL", self.sink.url())
            .run()
    }

    /// The version production serves now.
    pub fn serving(&self) -> Option<String> {
        self.site.serving()
    }

    /// The messages the webhook received, as text.
    pub fn messages(&self) -> Vec<String> {
        self.sink
            .requests()
            .iter()
            .map(|r| r.json().to_string())
            .collect()
    }
}
