//! A GitHub Actions environment for running Slipway's binaries in tests.
//!
//! [`clean_env`] removes what the machine running the tests may have set
//! (`CI`, `GITHUB_*`, `RUNNER_*`, `ACTIONS_*`, `INPUT_*`, `SLIPWAY_*`, `RUST_LOG`,
//! `NO_COLOR`, `FORCE_COLOR`), so a test behaves the same on a laptop and
//! in CI. [`ActionsEnv`] then sets what a runner would: the context
//! variables and the files behind `$GITHUB_OUTPUT`, `$GITHUB_STEP_SUMMARY`,
//! `$GITHUB_ENV`, `$GITHUB_PATH` and `$GITHUB_EVENT_PATH`, all in a
//! temporary directory.
//!
//! ```no_run
//! use std::process::Command;
//! use slipway_test_support::actions::{ActionsEnv, clean_env};
//! let gha = ActionsEnv::new().var("GITHUB_REF", "refs/tags/v1.2.3").event("push", &serde_json::json!({}));
//! let mut cmd = Command::new("version-manager");
//! clean_env(&mut cmd);
//! gha.apply(&mut cmd);
//! // … run, then read gha.output_text() with slipway_kit::outputs::parse_output_file …
//! ```
//!
//! With `assert_cmd`, build the `std::process::Command` first and convert it
//! with `assert_cmd::Command::from_std`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use tempfile::TempDir;

/// Prefixes of the variables [`clean_env`] removes.
const CLEARED_PREFIXES: [&str; 5] = ["GITHUB_", "RUNNER_", "ACTIONS_", "INPUT_", "SLIPWAY_"];
/// Whole names [`clean_env`] removes.
const CLEARED_NAMES: [&str; 7] = [
    "CI",
    "SLIPWAY_LOG",
    "RUST_LOG",
    "NO_COLOR",
    "FORCE_COLOR",
    "CLICOLOR_FORCE",
    "GITHUB_TOKEN",
];

/// Removes from `command` every variable of the test machine that changes
/// how a Slipway binary behaves (see the module docs). `PATH`, `HOME` and
/// `SLIPWAY_TOOLS` stay.
pub fn clean_env(command: &mut Command) -> &mut Command {
    let inherited = std::env::vars_os().map(|(name, _)| name);
    let set_on_command: Vec<_> = command
        .get_envs()
        .map(|(name, _)| name.to_owned())
        .collect();
    let names: Vec<String> = inherited
        .chain(set_on_command)
        .filter_map(|n| n.into_string().ok())
        .collect();
    for name in names {
        if CLEARED_NAMES.contains(&name.as_str())
            || CLEARED_PREFIXES.iter().any(|p| name.starts_with(p))
        {
            command.env_remove(name);
        }
    }
    command
}

/// The variables and files a GitHub Actions runner provides, in a temporary
/// directory deleted on drop.
pub struct ActionsEnv {
    dir: TempDir,
    vars: BTreeMap<String, String>,
}

impl Default for ActionsEnv {
    fn default() -> Self {
        Self::new()
    }
}

impl ActionsEnv {
    /// A push to `main` of `slipway-dev/demo` on github.com, run 1234, with
    /// empty output, summary, env and path files and an empty event.
    pub fn new() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("slipway-gha-")
            .tempdir()
            .expect("create a temporary directory");
        let d = dir.path();
        for file in ["output", "summary.md", "env", "path"] {
            std::fs::write(d.join(file), "").expect("create a runner file");
        }
        std::fs::write(d.join("event.json"), "{}\n").expect("write event.json");
        std::fs::create_dir_all(d.join("workspace")).expect("create the workspace");
        std::fs::create_dir_all(d.join("runner-temp")).expect("create the runner temp dir");
        let path = |p: &str| d.join(p).display().to_string();
        let vars = [
            ("CI", "true".to_owned()),
            ("GITHUB_ACTIONS", "true".to_owned()),
            ("GITHUB_REPOSITORY", "slipway-dev/demo".to_owned()),
            ("GITHUB_REPOSITORY_OWNER", "slipway-dev".to_owned()),
            (
                "GITHUB_SHA",
                "0123456789abcdef0123456789abcdef01234567".to_owned(),
            ),
            ("GITHUB_REF", "refs/heads/main".to_owned()),
            ("GITHUB_REF_NAME", "main".to_owned()),
            ("GITHUB_REF_TYPE", "branch".to_owned()),
            ("GITHUB_ACTOR", "octocat".to_owned()),
            ("GITHUB_WORKFLOW", "ci".to_owned()),
            ("GITHUB_JOB", "test".to_owned()),
            ("GITHUB_RUN_ID", "1234".to_owned()),
            ("GITHUB_RUN_NUMBER", "7".to_owned()),
            ("GITHUB_RUN_ATTEMPT", "1".to_owned()),
            ("GITHUB_SERVER_URL", "https://github.com".to_owned()),
            ("GITHUB_API_URL", "https://api.github.com".to_owned()),
            ("GITHUB_EVENT_NAME", "push".to_owned()),
            ("GITHUB_EVENT_PATH", path("event.json")),
            ("GITHUB_OUTPUT", path("output")),
            ("GITHUB_STEP_SUMMARY", path("summary.md")),
            ("GITHUB_ENV", path("env")),
            ("GITHUB_PATH", path("path")),
            ("GITHUB_WORKSPACE", path("workspace")),
            ("RUNNER_OS", "Linux".to_owned()),
            ("RUNNER_ARCH", "X64".to_owned()),
            ("RUNNER_TEMP", path("runner-temp")),
        ];
        Self {
            dir,
            vars: vars.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
        }
    }

    /// Sets (or overrides) a variable, e.g. `GITHUB_API_URL` to
    /// `Prism::shared().url()` or `GITHUB_TOKEN`.
    #[must_use]
    pub fn var(mut self, name: &str, value: &str) -> Self {
        self.vars.insert(name.to_owned(), value.to_owned());
        self
    }

    /// Sets `GITHUB_EVENT_NAME` and writes the event payload.
    #[must_use]
    pub fn event(mut self, name: &str, payload: &serde_json::Value) -> Self {
        let text = serde_json::to_string_pretty(payload).expect("event payload serialises");
        std::fs::write(self.dir.path().join("event.json"), text).expect("write event.json");
        self.vars
            .insert("GITHUB_EVENT_NAME".to_owned(), name.to_owned());
        self
    }

    /// The variables, for `Command::envs` or tests that set them otherwise.
    pub fn vars(&self) -> &BTreeMap<String, String> {
        &self.vars
    }

    /// Sets every variable on `command`.
    pub fn apply<'c>(&self, command: &'c mut Command) -> &'c mut Command {
        command.envs(&self.vars)
    }

    /// The temporary directory holding the runner files.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The `$GITHUB_OUTPUT` file.
    pub fn output_file(&self) -> PathBuf {
        self.dir.path().join("output")
    }

    /// What was written to `$GITHUB_OUTPUT` (parse it with
    /// `slipway_kit::outputs::parse_output_file`).
    pub fn output_text(&self) -> String {
        std::fs::read_to_string(self.output_file()).unwrap_or_default()
    }

    /// What was written to `$GITHUB_STEP_SUMMARY`.
    pub fn summary(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("summary.md")).unwrap_or_default()
    }

    /// What was written to `$GITHUB_ENV`.
    pub fn env_text(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("env")).unwrap_or_default()
    }

    /// `$GITHUB_WORKSPACE`.
    pub fn workspace(&self) -> PathBuf {
        self.dir.path().join("workspace")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_child_sees_only_the_runner_variables_it_was_given() {
        let gha = ActionsEnv::new().var("GITHUB_REF", "refs/tags/v1.0.0");
        let mut command = Command::new("sh");
        command.args([
            "-c",
            "echo \"$GITHUB_REF|$CI|${RUNNER_DEBUG:-unset}\" >> \"$GITHUB_OUTPUT\"",
        ]);
        command.env("RUNNER_DEBUG", "1");
        clean_env(&mut command);
        gha.apply(&mut command);
        assert!(command.status().expect("run sh").success());
        assert_eq!(gha.output_text(), "refs/tags/v1.0.0|true|unset\n");
    }
}
