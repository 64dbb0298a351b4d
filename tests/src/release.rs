//! A Slipway release served on loopback, as the composite actions' install step finds it
//! on GitHub: `BASE/vX.Y.Z/slipway-vX.Y.Z-<target>.tar.gz` and
//! `BASE/vX.Y.Z/slipway-vX.Y.Z-checksums.txt` (what `.github/workflows/release.yml`
//! publishes), served by Python's `http.server`; and a checkout of Slipway's actions and
//! reusable workflows as the runner lays out a `uses: slipway-dev/slipway/…@ref`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{Context as _, bail};
use slipway_test_support::files::copy_tree;
use slipway_test_support::ports::free_port;
use slipway_test_support::process::ServerProcess;
use slipway_test_support::program::venv_python;

use crate::chain::repo_root;

/// The one target releases are built for (`.github/workflows/release.yml`).
pub const TARGET: &str = "x86_64-unknown-linux-gnu";

/// The five binaries a release archive holds.
pub const BINARIES: [&str; 5] = [
    "version-manager",
    "quality-gate",
    "deploy",
    "rollback",
    "notify",
];

/// A directory of release files served over HTTP on 127.0.0.1.
pub struct ReleaseServer {
    root: PathBuf,
    _owned: Option<tempfile::TempDir>,
    _logs: tempfile::TempDir,
    _server: ServerProcess,
    port: u16,
}

impl std::fmt::Debug for ReleaseServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReleaseServer")
            .field("root", &self.root)
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}

impl ReleaseServer {
    /// Starts a server over an empty temporary directory, deleted on drop.
    pub fn start() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("slipway-release-")
            .tempdir()
            .expect("temporary directory");
        let root = dir.path().to_owned();
        Self::on(root, Some(dir)).expect("start http.server")
    }

    /// Serves `root` (created when missing), which outlives the server: releases
    /// published there are reused by later servers.
    pub fn serve(root: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(root)?;
        Self::on(root.to_owned(), None)
    }

    fn on(root: PathBuf, owned: Option<tempfile::TempDir>) -> anyhow::Result<Self> {
        let logs = tempfile::tempdir()?;
        let port = free_port();
        let mut cmd = Command::new(venv_python());
        cmd.args([
            "-m",
            "http.server",
            "--bind",
            "127.0.0.1",
            &port.to_string(),
            "--directory",
        ])
        .arg(&root);
        let mut server = ServerProcess::spawn("http.server", cmd, &logs.path().join("server.log"));
        server.wait_for_port(port, Duration::from_secs(30));
        Ok(Self {
            root,
            _owned: owned,
            _logs: logs,
            _server: server,
            port,
        })
    }

    /// Whether release `version` (`v1.2.3`) is published with its checksums file.
    pub fn has(&self, version: &str) -> bool {
        self.root
            .join(version)
            .join(format!("slipway-{version}-checksums.txt"))
            .is_file()
    }

    /// The base URL the install step takes as `SLIPWAY_RELEASE_URL`.
    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Publishes release `version` (`v1.2.3`) for `target`: an archive of the files in
    /// `stage` and a checksums file, right or (with `tamper`) wrong.
    pub fn publish_dir(
        &self,
        version: &str,
        target: &str,
        stage: &Path,
        tamper: bool,
    ) -> anyhow::Result<PathBuf> {
        let rel = self.root.join(version);
        std::fs::create_dir_all(&rel)?;
        let archive = format!("slipway-{version}-{target}.tar.gz");
        // Written under temporary names and renamed: a concurrent test (or process) never
        // serves half an archive, and the checksums file, renamed last, marks it complete.
        let partial = rel.join(format!("{archive}.{}.partial", std::process::id()));
        let status = Command::new("tar")
            .arg("-I")
            .arg("gzip -1")
            .arg("-cf")
            .arg(&partial)
            .arg("-C")
            .arg(stage)
            .arg(".")
            .status()
            .context("running tar")?;
        if !status.success() {
            bail!("tar failed for {}", stage.display());
        }
        let out = Command::new("sha256sum")
            .arg(&partial)
            .output()
            .context("running sha256sum")?;
        let text = String::from_utf8_lossy(&out.stdout);
        let mut sum = text
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_owned();
        if tamper {
            sum = sum.chars().rev().collect();
        }
        std::fs::rename(&partial, rel.join(&archive))?;
        let sums = rel.join(format!("checksums.{}.partial", std::process::id()));
        std::fs::write(&sums, format!("{sum}  {archive}\n"))?;
        std::fs::rename(&sums, rel.join(format!("slipway-{version}-checksums.txt")))?;
        Ok(rel.join(archive))
    }

    /// Publishes release `version` holding the five binaries found in `bin_dir`.
    pub fn publish_binaries(&self, version: &str, bin_dir: &Path) -> anyhow::Result<PathBuf> {
        let stage = tempfile::tempdir()?;
        for bin in BINARIES {
            let from = bin_dir.join(bin);
            // Hard links where possible: the debug binaries are large.
            if std::fs::hard_link(&from, stage.path().join(bin)).is_err() {
                std::fs::copy(&from, stage.path().join(bin))
                    .with_context(|| format!("{} not found", from.display()))?;
            }
        }
        self.publish_dir(version, TARGET, stage.path(), false)
    }
}

/// A checkout of Slipway as a runner lays out `uses: slipway-dev/slipway/…@ref`: the
/// composite actions, the reusable workflows and a workspace `Cargo.toml` naming
/// `version` (no leading `v`), the release the actions install.
pub fn slipway_checkout(version: &str) -> anyhow::Result<tempfile::TempDir> {
    let dir = tempfile::Builder::new()
        .prefix("slipway-checkout-")
        .tempdir()?;
    let root = repo_root();
    copy_tree(&root.join("actions"), &dir.path().join("actions"))?;
    copy_tree(
        &root.join(".github/workflows"),
        &dir.path().join(".github/workflows"),
    )?;
    std::fs::write(
        dir.path().join("Cargo.toml"),
        format!(
            "[workspace]\nmembers = []\n\n[workspace.package]\nversion = \"{version}\"\nedition = \"2024\"\n"
        ),
    )?;
    Ok(dir)
}
