//! The `git` program, for what must honour the user's hooks, signing and credentials:
//! commit, tag, push (with a token scoped to the push URL), and undoing our own commit
//! when a later step fails.

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

    /// The URL `git push REMOTE` sends to: the remote's push URL with `insteadOf` and
    /// `pushInsteadOf` applied (what git matches `http.<url>.*` settings against). A
    /// remote given as a URL is that URL.
    pub fn push_url(&self, remote: &str) -> Result<String, GitError> {
        match self.run(&["remote", "get-url", "--push", remote]) {
            Ok(url) => Ok(url),
            Err(_) if remote.contains("://") => Ok(remote.to_owned()),
            Err(e) => Err(e),
        }
    }

    /// Authenticates pushes to `url` with `token` the way actions/checkout does (an
    /// `AUTHORIZATION` extra header), scoped to that URL only (`http.<url>.extraheader`),
    /// so no other host or repository ever receives it. An empty value first resets the
    /// headers git collected for that URL, so a header actions/checkout kept in the local
    /// config is replaced rather than sent beside ours. Passed through the environment, so
    /// it never shows in the process list. Nothing is set for a non-HTTP(S) URL (SSH and
    /// paths do not send HTTP headers).
    #[must_use]
    pub fn with_token_for(mut self, url: &str, token: Option<&str>) -> Self {
        use base64::Engine as _;
        let (Some(token), Some(scope)) = (token.filter(|t| !t.is_empty()), header_scope(url))
        else {
            return self;
        };
        let basic =
            base64::engine::general_purpose::STANDARD.encode(format!("x-access-token:{token}"));
        let inherited = std::env::var("GIT_CONFIG_COUNT")
            .ok()
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or(0);
        let key = format!("http.{scope}.extraheader");
        let values = [String::new(), format!("AUTHORIZATION: basic {basic}")];
        let count = inherited + values.len();
        for (i, value) in values.into_iter().enumerate() {
            let index = inherited + i;
            self.env
                .push((format!("GIT_CONFIG_KEY_{index}"), key.clone()));
            self.env.push((format!("GIT_CONFIG_VALUE_{index}"), value));
        }
        self.env
            .push(("GIT_CONFIG_COUNT".to_owned(), count.to_string()));
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

/// The URL an `http.<url>.*` setting is scoped to for pushes to `url`: the URL without
/// user information (git matches such a setting for any user), or `None` when `url` is
/// not HTTP(S).
pub fn header_scope(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    if !scheme.eq_ignore_ascii_case("https") && !scheme.eq_ignore_ascii_case("http") {
        return None;
    }
    let (authority, path) = rest.find('/').map_or((rest, ""), |i| rest.split_at(i));
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if host.is_empty() {
        return None;
    }
    Some(format!("{scheme}://{host}{path}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_header_is_scoped_to_the_push_url_without_user_info() {
        assert_eq!(
            header_scope("https://github.com/acme/shop.git").as_deref(),
            Some("https://github.com/acme/shop.git")
        );
        assert_eq!(
            header_scope("https://x-access-token:secret@github.com/acme/shop").as_deref(),
            Some("https://github.com/acme/shop")
        );
        assert_eq!(
            header_scope("http://127.0.0.1:8080/a.git").as_deref(),
            Some("http://127.0.0.1:8080/a.git")
        );
        assert_eq!(header_scope("git@github.com:acme/shop.git"), None);
        assert_eq!(header_scope("ssh://git@github.com/acme/shop.git"), None);
        assert_eq!(header_scope("/srv/git/shop.git"), None);
    }
}
