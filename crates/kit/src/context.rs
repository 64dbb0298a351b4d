//! The GitHub context a step runs in, read from the runner's environment variables.

use std::path::PathBuf;

/// Everything the runner tells a step about its run. Outside Actions most fields are empty
/// and `server_url`/`api_url` fall back to github.com.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct GithubContext {
    /// True under GitHub Actions (`GITHUB_ACTIONS=true`).
    pub actions: bool,
    /// `owner/name`.
    pub repository: Option<String>,
    /// Commit SHA that triggered the run.
    pub sha: Option<String>,
    /// Full ref, e.g. `refs/heads/main` or `refs/tags/v1.2.3`.
    pub git_ref: Option<String>,
    /// Short ref name, e.g. `main` or `v1.2.3`.
    pub ref_name: Option<String>,
    /// `branch` or `tag`.
    pub ref_type: Option<String>,
    /// Pull request head branch.
    pub head_ref: Option<String>,
    /// Pull request base branch.
    pub base_ref: Option<String>,
    /// Who triggered the run.
    pub actor: Option<String>,
    /// Workflow name.
    pub workflow: Option<String>,
    /// Job id.
    pub job: Option<String>,
    /// Event name, e.g. `push`.
    pub event_name: Option<String>,
    /// Path of the event payload file.
    pub event_path: Option<PathBuf>,
    /// Run id.
    pub run_id: Option<String>,
    /// Run attempt.
    pub run_attempt: Option<String>,
    /// Run number.
    pub run_number: Option<String>,
    /// `https://github.com` or the GHES server.
    pub server_url: String,
    /// `https://api.github.com` or the GHES / emulator API.
    pub api_url: String,
}

impl GithubContext {
    /// Reads the context from the process environment.
    pub fn from_env() -> Self {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the context through `lookup`, so tests need not touch the process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let get = |name: &str| lookup(name).filter(|v| !v.is_empty());
        Self {
            actions: get("GITHUB_ACTIONS").is_some_and(|v| v == "true"),
            repository: get("GITHUB_REPOSITORY"),
            sha: get("GITHUB_SHA"),
            git_ref: get("GITHUB_REF"),
            ref_name: get("GITHUB_REF_NAME"),
            ref_type: get("GITHUB_REF_TYPE"),
            head_ref: get("GITHUB_HEAD_REF"),
            base_ref: get("GITHUB_BASE_REF"),
            actor: get("GITHUB_ACTOR"),
            workflow: get("GITHUB_WORKFLOW"),
            job: get("GITHUB_JOB"),
            event_name: get("GITHUB_EVENT_NAME"),
            event_path: get("GITHUB_EVENT_PATH").map(PathBuf::from),
            run_id: get("GITHUB_RUN_ID"),
            run_attempt: get("GITHUB_RUN_ATTEMPT"),
            run_number: get("GITHUB_RUN_NUMBER"),
            server_url: get("GITHUB_SERVER_URL")
                .unwrap_or_else(|| "https://github.com".to_owned())
                .trim_end_matches('/')
                .to_owned(),
            api_url: get("GITHUB_API_URL")
                .unwrap_or_else(|| "https://api.github.com".to_owned())
                .trim_end_matches('/')
                .to_owned(),
        }
    }

    /// `owner` and `name` of the repository, when known.
    pub fn owner_repo(&self) -> Option<(&str, &str)> {
        self.repository.as_deref()?.split_once('/')
    }

    /// The run's page: `{server}/{repo}/actions/runs/{id}`.
    pub fn run_url(&self) -> Option<String> {
        Some(format!(
            "{}/{}/actions/runs/{}",
            self.server_url,
            self.repository.as_ref()?,
            self.run_id.as_ref()?
        ))
    }

    /// A commit's page.
    pub fn commit_url(&self, sha: &str) -> Option<String> {
        Some(format!(
            "{}/{}/commit/{sha}",
            self.server_url,
            self.repository.as_ref()?
        ))
    }

    /// The repository's page.
    pub fn repository_url(&self) -> Option<String> {
        Some(format!("{}/{}", self.server_url, self.repository.as_ref()?))
    }

    /// The event payload, parsed; `None` when there is none or it cannot be read.
    pub fn event(&self) -> Option<serde_json::Value> {
        let text = std::fs::read_to_string(self.event_path.as_ref()?).ok()?;
        serde_json::from_str(&text).ok()
    }

    /// The pull request number for `pull_request` events (from the payload, else the ref).
    pub fn pull_request_number(&self) -> Option<u64> {
        if let Some(n) = self.event().and_then(|e| {
            e.pointer("/pull_request/number")
                .and_then(serde_json::Value::as_u64)
        }) {
            return Some(n);
        }
        self.git_ref
            .as_deref()?
            .strip_prefix("refs/pull/")?
            .split('/')
            .next()?
            .parse()
            .ok()
    }

    /// True when the event is a draft pull request.
    pub fn is_draft_pull_request(&self) -> bool {
        self.event()
            .and_then(|e| {
                e.pointer("/pull_request/draft")
                    .and_then(serde_json::Value::as_bool)
            })
            .unwrap_or(false)
    }

    /// The branch name for branch refs.
    pub fn branch(&self) -> Option<&str> {
        self.git_ref.as_deref()?.strip_prefix("refs/heads/")
    }

    /// The tag name for tag refs.
    pub fn tag(&self) -> Option<&str> {
        self.git_ref.as_deref()?.strip_prefix("refs/tags/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn ctx(vars: &[(&str, &str)]) -> GithubContext {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        GithubContext::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn reads_run_context_and_builds_urls() {
        let c = ctx(&[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_REPOSITORY", "acme/shop"),
            ("GITHUB_RUN_ID", "42"),
            ("GITHUB_REF", "refs/tags/v1.2.3"),
            ("GITHUB_SERVER_URL", "https://ghe.example.com/"),
            ("GITHUB_API_URL", "http://127.0.0.1:4010"),
        ]);
        assert!(c.actions);
        assert_eq!(c.owner_repo(), Some(("acme", "shop")));
        assert_eq!(
            c.run_url().as_deref(),
            Some("https://ghe.example.com/acme/shop/actions/runs/42")
        );
        assert_eq!(c.tag(), Some("v1.2.3"));
        assert_eq!(c.branch(), None);
        assert_eq!(c.api_url, "http://127.0.0.1:4010");
    }

    #[test]
    fn defaults_to_github_com_outside_actions() {
        let c = ctx(&[]);
        assert!(!c.actions);
        assert_eq!(c.api_url, "https://api.github.com");
        assert_eq!(c.run_url(), None);
    }

    #[test]
    fn pull_request_number_and_draft_come_from_the_event_payload() {
        let dir = tempfile::tempdir().unwrap();
        let event = dir.path().join("event.json");
        std::fs::write(&event, r#"{"pull_request":{"number":17,"draft":true}}"#).unwrap();
        let c = ctx(&[
            ("GITHUB_EVENT_PATH", event.to_str().unwrap()),
            ("GITHUB_REF", "refs/pull/99/merge"),
        ]);
        assert_eq!(c.pull_request_number(), Some(17));
        assert!(c.is_draft_pull_request());
        let c = ctx(&[("GITHUB_REF", "refs/pull/99/merge")]);
        assert_eq!(c.pull_request_number(), Some(99));
    }
}
