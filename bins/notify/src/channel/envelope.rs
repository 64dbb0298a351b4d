//! What every channel's send shares and returns: the [`SendEnv`] it sends with (HTTP
//! client, retry rules, the run) and the [`Delivered`] it reports. The fan-out
//! ([`crate::deliver`]) builds the one and reads the other; channels need nothing else
//! from it.

use slipway_kit::GithubContext;

use crate::http::{Attempts, RetryPolicy};

/// What a successful delivery did.
#[derive(Debug, Clone, Default)]
pub struct Delivered {
    /// One line on what happened (`opened issue #12`).
    pub detail: Option<String>,
    /// Step outputs to set (`slack-ts`).
    pub outputs: Vec<(String, String)>,
}

/// What every send shares.
#[derive(Debug, Clone)]
pub struct SendEnv {
    /// HTTP client.
    pub http: reqwest::Client,
    /// Retry rules.
    pub policy: RetryPolicy,
    /// The run (GitHub API URL).
    pub github: GithubContext,
    /// Attempt counter of this channel.
    pub attempts: Attempts,
}
