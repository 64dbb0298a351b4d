//! When the workflow run started, for the duration shown in pipeline messages.

use std::time::Duration;

use slipway_kit::GithubContext;

/// When this workflow run started, from the GitHub API (`run_started_at`); `None` without
/// a token or an answer within 3 seconds. Only for the duration in the message.
pub fn run_started_at(github: &GithubContext) -> Option<time::OffsetDateTime> {
    let (owner, repo) = github.owner_repo()?;
    let run_id = github.run_id.as_deref()?;
    let token = std::env::var("GITHUB_TOKEN")
        .ok()
        .filter(|t| !t.is_empty())?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .ok()?;
    let path = format!("/repos/{owner}/{repo}/actions/runs/{run_id}");
    let answer = runtime.block_on(async {
        let client = slipway_github::Client::new(&github.api_url, &token).ok()?;
        tokio::time::timeout(Duration::from_secs(3), client.get(&path))
            .await
            .ok()?
            .ok()
    })?;
    let text = answer.get("run_started_at")?.as_str()?;
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()
}
