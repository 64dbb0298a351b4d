//! Running workflows with act on this machine (`-P ubuntu-latest=-self-hosted`), bounded:
//! every run has a deadline after which act and everything it started are stopped and the
//! run fails with the tail of its log. act writes its log as JSON lines (`--json`), which
//! [`ActRun`] reads back: which steps ran and how they ended, and the outputs they set.
//!
//! What act cannot do, said once for every test built on this: it runs only the Linux
//! runner of this machine (no macOS or arm64 matrix legs), it accepts `environment:` but
//! enforces no approvals (required reviewers are not tested), and it starts no workflow
//! from an event a workflow makes (so a tag push never triggers anything, as with
//! `GITHUB_TOKEN` on GitHub).

use std::fmt::Write as _;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use slipway_test_support::process::ServerProcess;
use slipway_test_support::program::{require, tools_dir};

/// How long a run may take unless [`Act::timeout`] says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);

/// One act run to make.
#[derive(Debug, Clone)]
pub struct Act {
    dir: PathBuf,
    workflow: String,
    event: String,
    payload: Option<serde_json::Value>,
    envs: Vec<(String, String)>,
    secrets: Vec<(String, String)>,
    local_repositories: Vec<(String, PathBuf)>,
    timeout: Duration,
}

impl Act {
    /// Runs `.github/workflows/<workflow>` of the repository at `dir` on a `push`.
    pub fn new(dir: &Path, workflow: &str) -> Self {
        Self {
            dir: dir.to_owned(),
            workflow: workflow.to_owned(),
            event: "push".to_owned(),
            payload: None,
            envs: Vec::new(),
            secrets: Vec::new(),
            local_repositories: Vec::new(),
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// The event to run (`push`, `pull_request`, …) and its payload.
    #[must_use]
    pub fn event(mut self, name: &str, payload: Option<serde_json::Value>) -> Self {
        name.clone_into(&mut self.event);
        self.payload = payload;
        self
    }

    /// A variable every step sees (`--env`).
    #[must_use]
    pub fn env(mut self, name: &str, value: impl Into<String>) -> Self {
        self.envs.push((name.to_owned(), value.into()));
        self
    }

    /// A secret (`--secret`).
    #[must_use]
    pub fn secret(mut self, name: &str, value: impl Into<String>) -> Self {
        self.secrets.push((name.to_owned(), value.into()));
        self
    }

    /// Stands the local directory `dir` in for `owner/repo@ref` in `uses:`
    /// (`--local-repository`), for actions and reusable workflows alike.
    #[must_use]
    pub fn local_repository(mut self, spec: &str, dir: &Path) -> Self {
        self.local_repositories
            .push((spec.to_owned(), dir.to_owned()));
        self
    }

    /// The deadline of the run.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Runs act and waits for it, at most the timeout.
    pub fn run(&self) -> anyhow::Result<ActRun> {
        let act = require("act");
        let scratch = tempfile::Builder::new().prefix("slipway-act-").tempdir()?;
        let path = std::env::var_os("PATH").unwrap_or_default();
        let tools = tools_dir();
        let path = std::env::join_paths(
            [tools.join("venv/bin"), tools.join("npm/node_modules/.bin")]
                .into_iter()
                .chain(std::env::split_paths(&path)),
        )?;
        let mut cmd = Command::new(act);
        cmd.current_dir(&self.dir)
            .arg(&self.event)
            .args(["-W", &format!(".github/workflows/{}", self.workflow)])
            .args(["-P", "ubuntu-latest=-self-hosted", "--pull=false", "--json"])
            .env("PATH", path)
            .env_remove("GITHUB_ACTIONS")
            .env_remove("CI")
            .env_remove("GITHUB_TOKEN");
        if let Some(payload) = &self.payload {
            let file = scratch.path().join("event.json");
            std::fs::write(&file, serde_json::to_vec_pretty(payload)?)?;
            cmd.arg("-e").arg(file);
        }
        for (k, v) in &self.envs {
            cmd.args(["--env", &format!("{k}={v}")]);
        }
        for (k, v) in &self.secrets {
            cmd.args(["--secret", &format!("{k}={v}")]);
        }
        for (spec, dir) in &self.local_repositories {
            cmd.args(["--local-repository", &format!("{spec}={}", dir.display())]);
        }
        // Its own process group: a timed-out run is stopped with everything it started
        // (a finished run leaves the services it deployed to the test's fixtures).
        cmd.process_group(0);
        let log_path = scratch.path().join("act.log");
        let started = Instant::now();
        let mut child = ServerProcess::spawn("act", cmd, &log_path);
        let status = child.wait_for_exit(self.timeout);
        let elapsed = started.elapsed();
        let Some(status) = status else {
            let _ = Command::new("sh")
                .args([
                    "-c",
                    "kill -TERM -- -\"$0\" 2>/dev/null",
                    &child.id().to_string(),
                ])
                .status();
            child.stop();
            bail!(
                "act ran {} longer than its {:?} deadline and was stopped; last lines:\n{}",
                self.workflow,
                self.timeout,
                child.log_tail(60)
            );
        };
        let text = std::fs::read_to_string(&log_path)
            .with_context(|| format!("reading {}", log_path.display()))?;
        Ok(ActRun::parse(status.success(), &text, elapsed))
    }
}

/// What one act run did.
#[derive(Debug, Clone)]
pub struct ActRun {
    /// act exited 0 and no job failed.
    pub succeeded: bool,
    /// How long the run took.
    pub elapsed: Duration,
    /// Every JSON log line act wrote.
    pub entries: Vec<serde_json::Value>,
    /// The messages, one per line, for failure output.
    pub log: String,
}

impl ActRun {
    fn parse(exit_ok: bool, text: &str, elapsed: Duration) -> Self {
        let mut entries = Vec::new();
        let mut log = String::new();
        for line in text.lines() {
            if let Ok(entry) = serde_json::from_str::<serde_json::Value>(line) {
                let job = entry["job"].as_str().unwrap_or("");
                let msg = entry["msg"].as_str().unwrap_or("");
                let _ = writeln!(log, "[{job}] {}", msg.trim_end());
                entries.push(entry);
            } else {
                log.push_str(line);
                log.push('\n');
            }
        }
        let job_failed = entries
            .iter()
            .any(|e| e["jobResult"].as_str().is_some_and(|r| r != "success"));
        Self {
            succeeded: exit_ok && !job_failed,
            elapsed,
            entries,
            log,
        }
    }

    /// How the top-level step named `name` ended (`success`, `failure`, `skipped`), in any
    /// job; `None` when it never ran. With several, the last.
    pub fn step(&self, name: &str) -> Option<&str> {
        self.entries
            .iter()
            .filter(|e| {
                e["step"] == name
                    && e["stage"] == "Main"
                    && e["stepID"].as_array().is_some_and(|id| id.len() == 1)
            })
            .filter_map(|e| e["stepResult"].as_str())
            .next_back()
    }

    /// Whether the top-level step named `name` started in any job.
    pub fn ran(&self, name: &str) -> bool {
        self.entries.iter().any(|e| {
            e["step"] == name
                && e["stage"] == "Main"
                && e["msg"].as_str().is_some_and(|m| m.contains("⭐ Run Main"))
        })
    }

    /// The value the top-level step named `step` (in any job) gave its output `name`, as
    /// the workflow sees it (`steps.<id>.outputs.<name>`); "" when it set none. act logs a
    /// composite action's outputs as the step's own, after those of its inner steps.
    pub fn output(&self, step: &str, name: &str) -> String {
        self.entries
            .iter()
            .filter(|e| {
                e["command"] == "set-output"
                    && e["name"] == name
                    && e["step"] == step
                    && e["stage"] == "Main"
                    && e["stepID"].as_array().is_some_and(|id| id.len() == 1)
            })
            .filter_map(|e| e["arg"].as_str())
            .next_back()
            .unwrap_or_default()
            .to_owned()
    }

    /// Each job's result, by its path (`release/pipeline-release/release`).
    pub fn jobs(&self) -> Vec<(String, String)> {
        self.entries
            .iter()
            .filter_map(|e| {
                Some((
                    e["job"].as_str()?.to_owned(),
                    e["jobResult"].as_str()?.to_owned(),
                ))
            })
            .collect()
    }
}
