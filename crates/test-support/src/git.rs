//! Temporary git repositories with scripted history.
//!
//! [`TestRepo`] drives the real `git` program in a temporary directory that is
//! deleted on drop. The repository has its own `user.name` and `user.email`,
//! default branch `main`, no signing, and ignores the user's global and system
//! git config. Commit dates are fixed and increase by one minute per commit
//! (from 2024-01-01T00:00:00Z), so history, tag order and changelogs are the
//! same on every run.
//!
//! ```no_run
//! use slipway_test_support::git::TestRepo;
//! let repo = TestRepo::new();
//! repo.commit("feat: first");
//! repo.tag("v0.1.0");
//! repo.commit_file("src/lib.rs", "// fix", "fix: a bug");
//! assert_eq!(repo.run_git(&["describe", "--tags", "--abbrev=0"]), "v0.1.0");
//! ```

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

use tempfile::TempDir;

use crate::process::run_checked;
use crate::program;

/// The name every test commit is authored with.
pub const USER_NAME: &str = "Slipway Test";
/// The e-mail every test commit is authored with.
pub const USER_EMAIL: &str = "test@slipway.invalid";

/// A temporary git repository, deleted on drop.
pub struct TestRepo {
    dir: TempDir,
    remote: Option<TempDir>,
    commits: AtomicU32,
}

impl Default for TestRepo {
    fn default() -> Self {
        Self::new()
    }
}

impl TestRepo {
    /// Creates an empty repository on branch `main` with a local identity.
    pub fn new() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("slipway-repo-")
            .tempdir()
            .expect("create a temporary directory");
        let repo = Self {
            dir,
            remote: None,
            commits: AtomicU32::new(0),
        };
        repo.run_git(&["init", "--quiet", "--initial-branch=main"]);
        for (key, value) in [
            ("user.name", USER_NAME),
            ("user.email", USER_EMAIL),
            ("commit.gpgsign", "false"),
            ("tag.gpgsign", "false"),
            ("core.autocrlf", "false"),
        ] {
            repo.run_git(&["config", key, value]);
        }
        repo
    }

    /// The working tree (the repository root).
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A `git` command in the repository with the user's global and system
    /// config ignored, ready for more arguments.
    pub fn git_command(&self) -> Command {
        let mut command = Command::new(program::require("git"));
        command
            .current_dir(self.path())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_TERMINAL_PROMPT", "0")
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE")
            .env_remove("GIT_INDEX_FILE");
        let date = commit_date(self.commits.load(Ordering::Relaxed));
        command
            .env("GIT_AUTHOR_DATE", &date)
            .env("GIT_COMMITTER_DATE", &date);
        command
    }

    /// Runs `git ARGS` in the repository and returns its trimmed stdout;
    /// panics with stderr when git fails.
    pub fn run_git(&self, args: &[&str]) -> String {
        let mut command = self.git_command();
        command.args(args);
        run_checked(&format!("git {}", args.join(" ")), &mut command)
            .trim_end()
            .to_owned()
    }

    /// Writes a file (creating parent directories) without committing it.
    pub fn write_file(&self, path: impl AsRef<Path>, content: &str) {
        let full = self.path().join(path);
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent).expect("create parent directories");
        }
        std::fs::write(&full, content).unwrap_or_else(|e| panic!("write {}: {e}", full.display()));
    }

    /// Commits whatever is staged, or nothing (an empty commit is allowed).
    /// Returns the new commit's full SHA.
    pub fn commit(&self, message: &str) -> String {
        self.run_git(&[
            "commit",
            "--quiet",
            "--allow-empty",
            "--no-verify",
            "-m",
            message,
        ]);
        self.commits.fetch_add(1, Ordering::Relaxed);
        self.head()
    }

    /// Commits (empty commits allowed) with author and committer date `date` (RFC 3339,
    /// e.g. `2026-03-02T09:00:00Z`) instead of the fixed sequence. Returns the SHA.
    pub fn commit_at(&self, message: &str, date: &str) -> String {
        let mut command = self.git_command();
        command
            .env("GIT_AUTHOR_DATE", date)
            .env("GIT_COMMITTER_DATE", date)
            .args([
                "commit",
                "--quiet",
                "--allow-empty",
                "--no-verify",
                "-m",
                message,
            ]);
        run_checked("git commit", &mut command);
        self.commits.fetch_add(1, Ordering::Relaxed);
        self.head()
    }

    /// Writes `path` with `content`, stages it and commits. Returns the SHA.
    pub fn commit_file(&self, path: impl AsRef<Path>, content: &str, message: &str) -> String {
        let path = path.as_ref();
        self.write_file(path, content);
        self.run_git(&["add", "--", &path.to_string_lossy()]);
        self.commit(message)
    }

    /// Creates a lightweight tag on HEAD.
    pub fn tag(&self, name: &str) {
        self.run_git(&["tag", name]);
    }

    /// Creates an annotated tag on HEAD.
    pub fn tag_annotated(&self, name: &str, message: &str) {
        self.run_git(&["tag", "--annotate", name, "-m", message]);
    }

    /// Switches to branch `name`, creating it from HEAD when it does not exist.
    pub fn checkout_branch(&self, name: &str) {
        let exists = self
            .git_command()
            .args([
                "rev-parse",
                "--verify",
                "--quiet",
                &format!("refs/heads/{name}"),
            ])
            .output()
            .is_ok_and(|o| o.status.success());
        if exists {
            self.run_git(&["checkout", "--quiet", name]);
        } else {
            self.run_git(&["checkout", "--quiet", "-b", name]);
        }
    }

    /// Merges `branch` into the current branch with a merge commit
    /// (`--no-ff`) and returns its SHA.
    pub fn merge(&self, branch: &str, message: &str) -> String {
        self.run_git(&[
            "merge",
            "--quiet",
            "--no-ff",
            "--no-edit",
            "-m",
            message,
            branch,
        ]);
        self.commits.fetch_add(1, Ordering::Relaxed);
        self.head()
    }

    /// The full SHA of HEAD.
    pub fn head(&self) -> String {
        self.run_git(&["rev-parse", "HEAD"])
    }

    /// The current branch name.
    pub fn branch(&self) -> String {
        self.run_git(&["rev-parse", "--abbrev-ref", "HEAD"])
    }

    /// All tags, sorted by name.
    pub fn tags(&self) -> Vec<String> {
        self.run_git(&["tag", "--list"])
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// Opens the repository with git2.
    pub fn open(&self) -> git2::Repository {
        git2::Repository::open(self.path()).expect("open the test repository with git2")
    }

    /// Creates a bare repository in its own temporary directory (deleted with
    /// this repo), adds it as remote `origin`, and returns its path. Call it
    /// once; later calls return the same remote. Push with
    /// `repo.run_git(&["push", "origin", "main", "--tags"])`.
    pub fn bare_remote(&mut self) -> PathBuf {
        if let Some(remote) = &self.remote {
            return remote.path().to_owned();
        }
        let remote = tempfile::Builder::new()
            .prefix("slipway-remote-")
            .tempdir()
            .expect("create a temporary directory");
        let mut init = self.git_command();
        init.args(["init", "--quiet", "--bare", "--initial-branch=main"])
            .arg(remote.path());
        run_checked("git init --bare", &mut init);
        let path = remote.path().to_owned();
        self.run_git(&["remote", "add", "origin", &path.to_string_lossy()]);
        self.remote = Some(remote);
        path
    }

    /// Runs `git ARGS` in the bare remote (see [`TestRepo::bare_remote`]).
    pub fn run_git_in_remote(&self, args: &[&str]) -> String {
        let remote = self.remote.as_ref().expect("call bare_remote() first");
        let mut command = self.git_command();
        command.current_dir(remote.path()).args(args);
        run_checked(&format!("git {} (remote)", args.join(" ")), &mut command)
            .trim_end()
            .to_owned()
    }
}

/// The fixed date of the `n`th commit: 2024-01-01T00:00:00Z plus `n` minutes.
fn commit_date(n: u32) -> String {
    format!(
        "2024-01-{:02}T{:02}:{:02}:00Z",
        1 + n / 1440 % 28,
        n / 60 % 24,
        n % 60
    )
}
