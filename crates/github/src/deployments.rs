//! Deployments and deployment statuses.

use serde_json::{Value, json};

use crate::{Client, GithubError};

impl Client {
    /// Creates a deployment of `git_ref` to `environment` with a JSON `payload`.
    /// `auto_merge` is off and required contexts are empty: Slipway has already gated.
    pub async fn create_deployment(
        &self,
        owner: &str,
        repo: &str,
        git_ref: &str,
        environment: &str,
        description: &str,
        payload: &Value,
    ) -> Result<Value, GithubError> {
        let body = json!({
            "ref": git_ref,
            "environment": environment,
            "description": description,
            "payload": payload,
            "auto_merge": false,
            "required_contexts": [],
            "production_environment": environment == "production",
        });
        self.post(&format!("/repos/{owner}/{repo}/deployments"), &body)
            .await
    }

    /// Posts a deployment status (`state`: error, failure, inactive, in_progress, queued,
    /// pending, success). `auto_inactive` is off: Slipway marks superseded deployments
    /// inactive itself.
    #[allow(clippy::too_many_arguments)] // mirrors the REST fields one to one
    pub async fn create_deployment_status(
        &self,
        owner: &str,
        repo: &str,
        deployment_id: u64,
        state: &str,
        description: &str,
        environment_url: Option<&str>,
        log_url: Option<&str>,
    ) -> Result<Value, GithubError> {
        let description: String = description.chars().take(140).collect();
        let mut body =
            json!({ "state": state, "description": description, "auto_inactive": false });
        if let Some(url) = environment_url {
            body["environment_url"] = json!(url);
        }
        if let Some(url) = log_url {
            body["log_url"] = json!(url);
        }
        self.post(
            &format!("/repos/{owner}/{repo}/deployments/{deployment_id}/statuses"),
            &body,
        )
        .await
    }

    /// Deployments to `environment`, newest first.
    pub async fn list_deployments(
        &self,
        owner: &str,
        repo: &str,
        environment: &str,
    ) -> Result<Vec<Value>, GithubError> {
        self.get_all(
            &format!(
                "/repos/{owner}/{repo}/deployments?environment={}",
                crate::releases::encode(environment)
            ),
            3,
        )
        .await
    }

    /// Statuses of one deployment, newest first.
    pub async fn list_deployment_statuses(
        &self,
        owner: &str,
        repo: &str,
        deployment_id: u64,
    ) -> Result<Vec<Value>, GithubError> {
        self.get_all(
            &format!("/repos/{owner}/{repo}/deployments/{deployment_id}/statuses"),
            3,
        )
        .await
    }
}
