//! Commit statuses and commit comments.

use serde_json::{Value, json};

use crate::{Client, GithubError};

impl Client {
    /// Sets a commit status (`state`: error, failure, pending, success).
    #[allow(clippy::too_many_arguments)] // mirrors the REST fields one to one
    pub async fn create_commit_status(
        &self,
        owner: &str,
        repo: &str,
        sha: &str,
        state: &str,
        context: &str,
        description: &str,
        target_url: Option<&str>,
    ) -> Result<Value, GithubError> {
        let description: String = description.chars().take(140).collect();
        let mut body = json!({ "state": state, "context": context, "description": description });
        if let Some(url) = target_url {
            body["target_url"] = json!(url);
        }
        self.post(&format!("/repos/{owner}/{repo}/statuses/{sha}"), &body)
            .await
    }

    /// Comments on a commit.
    pub async fn create_commit_comment(
        &self,
        owner: &str,
        repo: &str,
        sha: &str,
        body: &str,
    ) -> Result<Value, GithubError> {
        self.post(
            &format!("/repos/{owner}/{repo}/commits/{sha}/comments"),
            &json!({ "body": body }),
        )
        .await
    }
}
