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

/// Runs `git` in a working tree.
#[derive(Debug, Clone)]
pub struct Git {
    root: PathBuf,
}

impl Git {
    /// Git in `root`.
    pub fn new(root: &Path) -> Self {
        Self {
            root: root.to_owned(),
        }
    }

    /// Runs `git ARGS`; returns trimmed stdout.
    pub fn run(&self, args: &[&str]) -> Result<String, GitError> {
        let out = Command::new("git")
            .arg("-C")
            .arg(&self.root)
            .args(args)
            .env("GIT_TERMINAL_PROMPT", "0")
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
