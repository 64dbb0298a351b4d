//! What can go wrong talking to GitHub, with the exit code each maps to.

/// A failed GitHub request. Messages name the method and path, never the token.
#[derive(Debug, thiserror::Error)]
pub enum GithubError {
    /// GitHub answered with an error status.
    #[error("GitHub API {method} {path} answered {status}: {message}")]
    Status {
        /// HTTP method.
        method: String,
        /// Request path.
        path: String,
        /// Status code.
        status: u16,
        /// GitHub's `message` (and validation errors), or the body's start.
        message: String,
    },
    /// Rate limited for longer than we are willing to wait.
    #[error("GitHub API {method} {path} is rate limited for another {wait_secs}s")]
    RateLimited {
        /// HTTP method.
        method: String,
        /// Request path.
        path: String,
        /// Seconds until the limit resets.
        wait_secs: u64,
    },
    /// The request never got an answer (connection refused, DNS, TLS, timeout).
    #[error("cannot reach GitHub API at {base} ({method} {path}): {message}")]
    Transport {
        /// API base URL.
        base: String,
        /// HTTP method.
        method: String,
        /// Request path.
        path: String,
        /// What failed.
        message: String,
    },
    /// The answer was not the JSON we expected.
    #[error("GitHub API {method} {path} returned unexpected data: {message}")]
    Decode {
        /// HTTP method.
        method: String,
        /// Request path.
        path: String,
        /// What was wrong.
        message: String,
    },
    /// The client could not be built (bad `GITHUB_API_URL`).
    #[error("invalid GitHub API URL {url:?}: {message}")]
    Config {
        /// The URL.
        url: String,
        /// Why.
        message: String,
    },
}

impl GithubError {
    /// The HTTP status, when GitHub answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            GithubError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// True for 404.
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    /// True when the token lacks permission (403 that is not a rate limit, or 401).
    pub fn is_forbidden(&self) -> bool {
        matches!(self.status(), Some(401 | 403))
    }
}

impl From<GithubError> for slipway_kit::Failure {
    fn from(err: GithubError) -> Self {
        let help = match &err {
            GithubError::Status { status: 401, .. } => "check that GITHUB_TOKEN is set and valid",
            GithubError::Status { status: 403, .. } => {
                "the token lacks a permission: grant it in the job's `permissions:` (e.g. contents: write)"
            }
            GithubError::Status { status: 404, .. } => {
                "check the repository name and that the token can see it"
            }
            GithubError::Status { status: 422, .. } => {
                "GitHub rejected the request's fields; see the message"
            }
            GithubError::RateLimited { .. } => {
                "wait for the rate limit to reset or use a token with a higher limit"
            }
            GithubError::Transport { .. } => "check GITHUB_API_URL and the network",
            GithubError::Config { .. } => "set GITHUB_API_URL to a URL like https://api.github.com",
            _ => "retry; if it persists, report it with the message above",
        };
        let failure = slipway_kit::Failure::no(err.to_string()).help(help);
        match err {
            GithubError::Config { .. } => slipway_kit::Failure {
                exit: slipway_kit::Exit::BadInput,
                ..failure
            },
            _ => failure,
        }
    }
}
