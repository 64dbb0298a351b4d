//! The `git` program, for what must honour the user's hooks, signing and credentials:
//! commit, tag, push, and undoing our own commit when a later step fails.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A failed git command: what ran and what git said.
#[derive(Debug, thiserror::Error)]
#[error("`git {args}` failed: {message}")]
pub struct GitError {
    /// The arguments.
    pub args: String,
    /// git's stderr (last lines), or why it could not start.
    pub message: String,
}

/// The identity GitHub's own bot uses, for release commits on runners with none set.
const BOT_NAME: &str = "github-actions[bot]";
const BOT_EMAIL: &str = "41898282+github-actions[bot]@users.noreply.github.com";

/// Runs `git` in a working tree.
#[derive(Clone)]
pub struct Git {
    root: PathBuf,
    env: Vec<(String, String)>,
}

impl std::fmt::Debug for Git {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Git")
            .field("root", &self.root)
            .finish_non_exhaustive()
    }
}

impl Git {
    /// Git in `root`.
    pub fn new(root: &Path) -> Self {
        Self {
            root: root.to_owned(),
            env: Vec::new(),
        }
    }

    /// Commits as `github-actions[bot]` when the repository has no `user.name`/`user.email`
    /// (a fresh runner), instead of failing with "Please tell me who you are".
    #[must_use]
    pub fn with_fallback_identity(mut self) -> Self {
        let has = |key: &str| {
            let var = format!(
                "GIT_AUTHOR_{}",
                key.trim_start_matches("user.").to_uppercase()
            );
            std::env::var_os(var).is_some()
                || self
                    .run(&["config", "--get", key])
                    .is_ok_and(|v| !v.is_empty())
        };
        let (name, email) = (has("user.name"), has("user.email"));
        if !name {
            for var in ["GIT_AUTHOR_NAME", "GIT_COMMITTER_NAME"] {
                self.env.push((var.to_owned(), BOT_NAME.to_owned()));
            }
        }
        if !email {
            for var in ["GIT_AUTHOR_EMAIL", "GIT_COMMITTER_EMAIL"] {
                self.env.push((var.to_owned(), BOT_EMAIL.to_owned()));
            }
        }
        self
    }

    /// Authenticates HTTPS pushes with `token` the way actions/checkout does (an
    /// `http.extraheader`), passed through the environment so it never shows in the
    /// process list; for checkouts made with `persist-credentials: false`.
    #[must_use]
    pub fn with_token(mut self, token: Option<&str>) -> Self {
        use base64::Engine as _;
        if let Some(token) = token.filter(|t| !t.is_empty()) {
            let basic =
                base64::engine::general_purpose::STANDARD.encode(format!("x-access-token:{token}"));
            let index = std::env::var("GIT_CONFIG_COUNT")
                .ok()
                .and_then(|n| n.parse::<usize>().ok())
                .unwrap_or(0);
            self.env.push((
                format!("GIT_CONFIG_KEY_{index}"),
                "http.extraheader".to_owned(),
            ));
            self.env.push((
                format!("GIT_CONFIG_VALUE_{index}"),
                format!("AUTHORIZATION: basic {basic}"),
            ));
            self.env
                .push(("GIT_CONFIG_COUNT".to_owned(), (index + 1).to_string()));
        }
        self
    }

    /// Runs `git ARGS`; returns trimmed stdout.
    pub fn run(&self, args: &[&str]) -> Result<String, GitError> {
        let out = Command::new("git")
            .arg("-C")
            .arg(&self.root)
            .args(args)
            .env("GIT_TERMINAL_PROMPT", "0")
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .output()
            .map_err(|e| GitError {
                args: args.join(" "),
                message: format!("cannot run git: {e}"),
            })?;
        if out.status.success() {
            return Ok(String::from_utf8_lossy(&out.stdout).trim_end().to_owned());
        }
        let stderr = String::from_utf8_lossy(&out.stderr);
        let stdout = String::from_utf8_lossy(&out.stdout);
        let text = if stderr.trim().is_empty() {
            stdout
        } else {
            stderr
        };
        let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        let tail = lines[lines.len().saturating_sub(3)..].join(" / ");
        Err(GitError {
            args: args.join(" "),
            message: if tail.is_empty() {
                format!("exit status {}", out.status)
            } else {
                tail
            },
        })
    }
}
