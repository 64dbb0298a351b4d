//! Issues, issue and pull-request comments, including sticky comments found by a marker.

use serde_json::{Value, json};

use crate::{Client, GithubError};

impl Client {
    /// Lists issues (not pull requests) with the given filters, e.g. `state=open&labels=ci`.
    pub async fn list_issues(
        &self,
        owner: &str,
        repo: &str,
        query: &str,
    ) -> Result<Vec<Value>, GithubError> {
        let items = self
            .get_all(&format!("/repos/{owner}/{repo}/issues?{query}"), 5)
            .await?;
        Ok(items
            .into_iter()
            .filter(|i| i.get("pull_request").is_none())
            .collect())
    }

    /// Opens an issue.
    pub async fn create_issue(
        &self,
        owner: &str,
        repo: &str,
        title: &str,
        body: &str,
        labels: &[String],
    ) -> Result<Value, GithubError> {
        self.post(
            &format!("/repos/{owner}/{repo}/issues"),
            &json!({ "title": title, "body": body, "labels": labels }),
        )
        .await
    }

    /// Comments on an issue or pull request.
    pub async fn comment_issue(
        &self,
        owner: &str,
        repo: &str,
        number: u64,
        body: &str,
    ) -> Result<Value, GithubError> {
        self.post(
            &format!("/repos/{owner}/{repo}/issues/{number}/comments"),
            &json!({ "body": body }),
        )
        .await
    }

    /// Closes an issue as completed.
    pub async fn close_issue(
        &self,
        owner: &str,
        repo: &str,
        number: u64,
    ) -> Result<Value, GithubError> {
        self.patch(
            &format!("/repos/{owner}/{repo}/issues/{number}"),
            &json!({ "state": "closed", "state_reason": "completed" }),
        )
        .await
    }

    /// Every comment on an issue or pull request.
    pub async fn list_issue_comments(
        &self,
        owner: &str,
        repo: &str,
        number: u64,
    ) -> Result<Vec<Value>, GithubError> {
        self.get_all(
            &format!("/repos/{owner}/{repo}/issues/{number}/comments"),
            10,
        )
        .await
    }

    /// Replaces a comment's body.
    pub async fn update_issue_comment(
        &self,
        owner: &str,
        repo: &str,
        comment_id: u64,
        body: &str,
    ) -> Result<Value, GithubError> {
        self.patch(
            &format!("/repos/{owner}/{repo}/issues/comments/{comment_id}"),
            &json!({ "body": body }),
        )
        .await
    }

    /// Creates or updates the one comment on issue/PR `number` whose body contains the
    /// hidden `marker` (e.g. `<!-- slipway:quality-gate:default -->`). The marker is
    /// appended to `body` when missing. Returns the comment.
    pub async fn upsert_sticky_comment(
        &self,
        owner: &str,
        repo: &str,
        number: u64,
        marker: &str,
        body: &str,
    ) -> Result<Value, GithubError> {
        let body = if body.contains(marker) {
            body.to_owned()
        } else {
            format!("{body}\n\n{marker}")
        };
        let comments = self.list_issue_comments(owner, repo, number).await?;
        let existing = comments
            .iter()
            .find(|c| {
                c.get("body")
                    .and_then(Value::as_str)
                    .is_some_and(|b| b.contains(marker))
            })
            .and_then(|c| c.get("id").and_then(Value::as_u64));
        match existing {
            Some(id) => self.update_issue_comment(owner, repo, id, &body).await,
            None => self.comment_issue(owner, repo, number, &body).await,
        }
    }
}
