//! GitHub Deployments: the ledger mirrored where reviewers look. When `GITHUB_TOKEN` and
//! `GITHUB_REPOSITORY` are set, each deploy and rollback creates a deployment of the commit
//! (`GITHUB_SHA`, else the version as a ref) to the environment, with a payload (strategy,
//! slot, previous version), then posts `in_progress`, and `success` or `failure` with the
//! `environment_url` and a `log_url` to the workflow run. On success the deployment it
//! superseded is set `inactive` explicitly (Slipway posts with `auto_inactive` off).
//!
//! GitHub is a mirror, never a gate: any error here is a warning and the deploy goes on.
//! `rollback --list-versions` merges [`Mirror::history`] with the ledger.

use serde::Serialize;
use serde_json::{Value, json};
use slipway_github::Client;
use slipway_kit::{GithubContext, Ui};

/// How many superseded deployments are looked at to set them inactive.
const SUPERSEDED_SCAN: usize = 10;

/// A deployment as GitHub records it.
#[derive(Debug, Clone, Serialize)]
pub struct Remote {
    /// Deployment id.
    pub id: u64,
    /// Version (from the payload, else the ref).
    pub version: String,
    /// The ref deployed.
    #[serde(rename = "ref")]
    pub git_ref: String,
    /// Who created it.
    pub creator: Option<String>,
    /// When (RFC 3339).
    pub created_at: String,
    /// Its description.
    pub description: Option<String>,
}

/// The GitHub side of one environment's deploys.
pub struct Mirror {
    runtime: tokio::runtime::Runtime,
    client: Client,
    owner: String,
    repo: String,
    environment: String,
    environment_url: Option<String>,
    log_url: Option<String>,
    git_ref: Option<String>,
    ui: Ui,
}

impl std::fmt::Debug for Mirror {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mirror")
            .field("repository", &format!("{}/{}", self.owner, self.repo))
            .field("environment", &self.environment)
            .finish_non_exhaustive()
    }
}

impl Mirror {
    /// The mirror for `environment`, when a token and a repository are set; `None` (said
    /// once at debug level) otherwise.
    pub fn from_env(environment: &str, environment_url: Option<&str>, ui: &Ui) -> Option<Self> {
        let ctx = GithubContext::from_env();
        let repository = ctx.repository.clone().filter(|r| r.contains('/'))?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .ok()?;
        let client = match runtime.block_on(async { Client::from_env(&ctx, ui) }) {
            Ok(Some(c)) => c,
            Ok(None) => {
                tracing::debug!("no GITHUB_TOKEN: GitHub Deployments are not mirrored");
                return None;
            }
            Err(e) => {
                ui.warn(&format!("GitHub Deployments are not mirrored: {}", e.cause));
                return None;
            }
        };
        let (owner, repo) = repository.split_once('/')?;
        Some(Self {
            client,
            owner: owner.to_owned(),
            repo: repo.to_owned(),
            environment: environment.to_owned(),
            environment_url: environment_url.map(str::to_owned),
            log_url: ctx.run_url(),
            git_ref: ctx.sha.clone().filter(|s| !s.is_empty()),
            ui: ui.clone(),
            runtime,
        })
    }

    /// Creates the deployment of `version` and marks it `in_progress`. Returns its id, or
    /// `None` (with a warning) when GitHub refused.
    pub fn start(&self, kind: &str, version: &str, payload: &Value) -> Option<u64> {
        let git_ref = self.git_ref.clone().unwrap_or_else(|| version.to_owned());
        let mut payload = payload.clone();
        payload["version"] = json!(version);
        payload["kind"] = json!(kind);
        let description = format!("{kind} {version} to {}", self.environment);
        let result = self.runtime.block_on(async {
            let created = self
                .client
                .create_deployment(
                    &self.owner,
                    &self.repo,
                    &git_ref,
                    &self.environment,
                    &description,
                    &payload,
                )
                .await?;
            let id = created["id"].as_u64().unwrap_or_default();
            self.client
                .create_deployment_status(
                    &self.owner,
                    &self.repo,
                    id,
                    "in_progress",
                    &description,
                    self.environment_url.as_deref(),
                    self.log_url.as_deref(),
                )
                .await?;
            Ok::<_, slipway_github::GithubError>(id)
        });
        match result {
            Ok(id) => {
                self.ui
                    .detail(&format!("GitHub deployment {id} created ({description})"));
                Some(id)
            }
            Err(e) => {
                self.ui
                    .warn(&format!("could not create the GitHub deployment: {e}"));
                None
            }
        }
    }

    /// Posts `success` or `failure` on deployment `id`; after a success, sets the
    /// deployments it superseded (their latest status `success`) `inactive`.
    pub fn finish(&self, id: u64, success: bool, description: &str) {
        let state = if success { "success" } else { "failure" };
        let result = self.runtime.block_on(async {
            self.client
                .create_deployment_status(
                    &self.owner,
                    &self.repo,
                    id,
                    state,
                    description,
                    self.environment_url.as_deref(),
                    self.log_url.as_deref(),
                )
                .await?;
            let mut retired = Vec::new();
            if success {
                let list = self
                    .client
                    .list_deployments(&self.owner, &self.repo, &self.environment)
                    .await?;
                for other in list.iter().take(SUPERSEDED_SCAN) {
                    let Some(other_id) = other["id"].as_u64() else {
                        continue;
                    };
                    if other_id == id {
                        continue;
                    }
                    let statuses = self
                        .client
                        .list_deployment_statuses(&self.owner, &self.repo, other_id)
                        .await?;
                    if statuses.first().is_some_and(|s| s["state"] == "success") {
                        self.client
                            .create_deployment_status(
                                &self.owner,
                                &self.repo,
                                other_id,
                                "inactive",
                                &format!("superseded by deployment {id}"),
                                None,
                                None,
                            )
                            .await?;
                        retired.push(other_id);
                    }
                }
            }
            Ok::<_, slipway_github::GithubError>(retired)
        });
        match result {
            Ok(retired) => {
                self.ui.detail(&format!("GitHub deployment {id}: {state}"));
                if !retired.is_empty() {
                    self.ui.detail(&format!(
                        "GitHub deployments set inactive: {}",
                        retired
                            .iter()
                            .map(u64::to_string)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
            }
            Err(e) => self.ui.warn(&format!(
                "could not record {state} on GitHub deployment {id}: {e}"
            )),
        }
    }

    /// The environment's deployments on GitHub, newest first.
    pub fn history(&self) -> Vec<Remote> {
        let list = self.runtime.block_on(self.client.list_deployments(
            &self.owner,
            &self.repo,
            &self.environment,
        ));
        match list {
            Ok(list) => list.iter().filter_map(remote).collect(),
            Err(e) => {
                self.ui
                    .warn(&format!("could not read GitHub deployments: {e}"));
                Vec::new()
            }
        }
    }
}

impl Mirror {
    /// The environment's deployments (newest first) created before `before` (RFC 3339; all
    /// when `None`), each with its statuses (newest first), for `deploy metrics`. On an
    /// error, a warning and what was read so far.
    pub fn runs_before(&self, before: Option<&str>) -> Vec<(Value, Vec<Value>)> {
        let list = match self.runtime.block_on(self.client.list_deployments(
            &self.owner,
            &self.repo,
            &self.environment,
        )) {
            Ok(list) => list,
            Err(e) => {
                self.ui
                    .warn(&format!("could not read GitHub deployments: {e}"));
                return Vec::new();
            }
        };
        let before = before.and_then(crate::metrics::window::parse_rfc3339);
        let mut out = Vec::new();
        for d in list {
            let created = d["created_at"]
                .as_str()
                .and_then(crate::metrics::window::parse_rfc3339);
            if before.is_some_and(|b| created.is_none_or(|c| c >= b)) {
                continue;
            }
            let Some(id) = d["id"].as_u64() else {
                continue;
            };
            match self.runtime.block_on(self.client.list_deployment_statuses(
                &self.owner,
                &self.repo,
                id,
            )) {
                Ok(statuses) => out.push((d, statuses)),
                Err(e) => {
                    self.ui.warn(&format!(
                        "could not read the statuses of GitHub deployment {id}: {e}"
                    ));
                    break;
                }
            }
        }
        out
    }
}

/// A deployment from the REST answer.
pub fn remote(value: &Value) -> Option<Remote> {
    let git_ref = value["ref"].as_str().unwrap_or_default().to_owned();
    Some(Remote {
        id: value["id"].as_u64()?,
        version: value["payload"]["version"]
            .as_str()
            .map_or_else(|| git_ref.clone(), str::to_owned),
        git_ref,
        creator: value["creator"]["login"].as_str().map(str::to_owned),
        created_at: value["created_at"].as_str().unwrap_or_default().to_owned(),
        description: value["description"].as_str().map(str::to_owned),
    })
}

/// One deploy or rollback mirrored to GitHub: created when it starts, finished once.
#[derive(Debug, Default)]
pub struct Tracker {
    mirror: Option<Mirror>,
    id: Option<u64>,
}

impl Tracker {
    /// Creates the deployment (`in_progress`) unless this is a dry run or no token is set.
    pub fn begin(
        run: &crate::Run,
        env: &crate::Environment,
        kind: &str,
        version: &str,
        previous: Option<&str>,
        strategy: &str,
        slot: Option<&str>,
    ) -> Self {
        if run.dry_run {
            return Self::default();
        }
        let Some(mirror) = Mirror::from_env(&env.name, env.url.as_deref(), &run.ui) else {
            return Self::default();
        };
        let payload = json!({
            "strategy": strategy,
            "slot": slot,
            "previous": previous,
        });
        let id = mirror.start(kind, version, &payload);
        Self {
            mirror: Some(mirror),
            id,
        }
    }

    /// The deployment id, when one was created.
    pub fn id(&self) -> Option<u64> {
        self.id
    }

    /// Posts the outcome.
    pub fn end(&self, success: bool, description: &str) {
        if let (Some(m), Some(id)) = (&self.mirror, self.id) {
            m.finish(id, success, description);
        }
    }
}

/// Merges GitHub's history into a `slipway.versions/v1` document: each ledger version gets
/// its `github_deployment` id, and versions GitHub knows but the ledger no longer holds
/// (pruned, or a lost state directory) are listed under `github_only`. Returns those.
pub fn merge(doc: &mut Value, remote: &[Remote]) -> Vec<Remote> {
    let mut known = Vec::new();
    if let Some(versions) = doc["versions"].as_array_mut() {
        for v in versions {
            let version = v["version"].as_str().unwrap_or_default().to_owned();
            if let Some(r) = remote.iter().find(|r| r.version == version) {
                v["github_deployment"] = json!(r.id);
            }
            known.push(version);
        }
    }
    let mut only: Vec<Remote> = Vec::new();
    for r in remote {
        if !known.contains(&r.version) && !only.iter().any(|o| o.version == r.version) {
            only.push(r.clone());
        }
    }
    doc["github_only"] = json!(only);
    only
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_history_merges_into_the_ledger_list() {
        let mut doc = json!({"versions": [{"version": "v2"}, {"version": "v1"}]});
        let remote: Vec<Remote> = [
            json!({"id": 7, "ref": "abc", "payload": {"version": "v2"}, "created_at": "t"}),
            json!({"id": 5, "ref": "v0.9", "payload": {}, "created_at": "t"}),
        ]
        .iter()
        .filter_map(super::remote)
        .collect();
        let only = merge(&mut doc, &remote);
        assert_eq!(doc["versions"][0]["github_deployment"], 7);
        assert!(doc["versions"][1].get("github_deployment").is_none());
        assert_eq!(only.len(), 1);
        assert_eq!(only[0].version, "v0.9");
        assert_eq!(doc["github_only"][0]["id"], 5);
    }
}
