//! A project directory with a slipway.toml, and a `notify` command with a clean,
//! scripted environment (no CI, GITHUB_* or RUNNER_* from the machine running the tests).

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use tempfile::TempDir;

/// Fast retry settings so retry tests take well under a second.
pub(crate) const FAST: &str = r#"
[notify]
attempts = 3
backoff = "50ms"
attempt_timeout = "2s"
timeout = "10s"
"#;

/// A temporary repository root.
pub(crate) struct Project {
    dir: TempDir,
}

impl Project {
    /// A project whose slipway.toml is `FAST` followed by `channels`.
    pub(crate) fn new(channels: &str) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(
            dir.path().join("slipway.toml"),
            format!("{FAST}\n{channels}"),
        )
        .expect("write slipway.toml");
        Self { dir }
    }

    /// A project whose slipway.toml is exactly `config`.
    pub(crate) fn raw(config: &str) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("slipway.toml"), config).expect("write slipway.toml");
        Self { dir }
    }

    /// The root.
    pub(crate) fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file under the root and returns its path.
    pub(crate) fn write(&self, name: &str, content: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&path, content).expect("write file");
        path
    }

    /// `notify` in this project, as a push to main of acme/shop in workflow "CD".
    pub(crate) fn notify(&self) -> Command {
        let mut cmd = Command::cargo_bin("notify").expect("notify binary");
        cmd.current_dir(self.path());
        for (key, _) in std::env::vars() {
            if key == "CI"
                || key.starts_with("GITHUB_")
                || key.starts_with("RUNNER_")
                || key.starts_with("SLIPWAY_")
                || key == "NO_COLOR"
            {
                cmd.env_remove(key);
            }
        }
        cmd.env("NO_COLOR", "1")
            .env("GITHUB_REPOSITORY", "acme/shop")
            .env("GITHUB_REF", "refs/heads/main")
            .env("GITHUB_REF_NAME", "main")
            .env("GITHUB_SHA", "0123456789abcdef0123456789abcdef01234567")
            .env("GITHUB_RUN_ID", "4242")
            .env("GITHUB_RUN_NUMBER", "17")
            .env("GITHUB_ACTOR", "octocat")
            .env("GITHUB_WORKFLOW", "CD")
            .env("GITHUB_SERVER_URL", "https://github.com")
            .timeout(std::time::Duration::from_secs(60));
        cmd
    }

    /// A deploy.json for production 1.4.0 (previous 1.3.2).
    pub(crate) fn deploy_report(&self) -> PathBuf {
        self.write(
            "deploy.json",
            r#"{"schema":"slipway.deploy/v1","environment":"production","version":"1.4.0",
"previous":"1.3.2","strategy":"canary","url":"https://shop.example","status":"succeeded"}"#,
        )
    }

    /// A gate.json with 95/95 tests and 88% coverage.
    pub(crate) fn gate_report(&self) -> PathBuf {
        self.write(
            "gate.json",
            r#"{"schema":"slipway.quality-gate/v1","verdict":"pass",
"totals":{"tests":{"total":95,"passed":95,"failed":0,"errors":0},"coverage":{"line":88.0}}}"#,
        )
    }
}

/// stdout and stderr as text.
pub(crate) fn texts(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Runs and returns (exit code, stdout, stderr).
pub(crate) fn run(cmd: &mut Command) -> (i32, String, String) {
    let output = cmd.output().expect("run notify");
    let (out, err) = texts(&output);
    (output.status.code().unwrap_or(-1), out, err)
}
