//! GitHub (slipway_github): failure issues, commit comments and a sticky PR comment.
//!
//! `issue` mode keeps one open issue per workflow and branch, found by a hidden marker in
//! its body (and the label): a failure opens it, or comments on it when it is already
//! open (never a duplicate); a success after failures comments "recovered" and closes
//! it; `started` and `cancelled` do nothing. `commit-comment` comments on the run's
//! commit. `pr-comment` keeps one comment per channel on the run's pull request, updated
//! in place. Bodies come from `github.md.j2` (variable `action`), the issue title from
//! `github-issue-title.txt.j2`.

use serde_json::{Value, json};
use slipway_kit::Failure;

use super::envelope::{Delivered, SendEnv};
use crate::config::GithubMode;
use crate::render::{Rendered, Renderer};
use crate::secret::SecretRef;

/// The label of failure issues unless `labels` says otherwise.
pub const DEFAULT_LABEL: &str = "slipway-failure";

/// A GitHub channel.
#[derive(Debug, Clone)]
pub struct Github {
    /// What it does.
    pub mode: GithubMode,
    /// Token (default `GITHUB_TOKEN`).
    pub token: SecretRef,
    /// Issue labels.
    pub labels: Vec<String>,
}

impl Github {
    /// `issue`, `commit comment` or `pull request comment`.
    pub fn mode_name(&self) -> &'static str {
        match self.mode {
            GithubMode::Issue => "issue",
            GithubMode::CommitComment => "commit comment",
            GithubMode::PrComment => "pull request comment",
        }
    }
}

/// What to do on GitHub.
#[derive(Debug, Clone)]
pub enum Action {
    /// Open an issue, or comment on the open one with the same marker.
    OpenOrComment {
        /// Issue title.
        title: String,
        /// Body of a new issue (with the marker).
        body: String,
        /// Comment for an already open issue.
        comment: String,
    },
    /// Comment on and close the open issue with the marker, if any.
    Close {
        /// The closing comment.
        comment: String,
    },
    /// Comment on a commit.
    CommitComment {
        /// Commit SHA.
        sha: String,
        /// Body.
        body: String,
    },
    /// Create or update the sticky comment on a pull request.
    PrComment {
        /// PR number.
        number: u64,
        /// Body.
        body: String,
    },
}

/// A GitHub action ready to run.
#[derive(Debug, Clone)]
pub struct Work {
    /// The channel.
    pub github: Github,
    /// `owner`.
    pub owner: String,
    /// `repo`.
    pub repo: String,
    /// Hidden marker identifying our issue or comment.
    pub marker: String,
    /// What to do.
    pub action: Action,
}

fn str_of<'a>(rendered: &'a Rendered, key: &str) -> Option<&'a str> {
    rendered.value().get(key).and_then(Value::as_str)
}

/// What a GitHub channel will do for this event.
#[derive(Debug, Clone)]
pub enum Plan {
    /// Run these requests.
    Run(Box<Work>),
    /// Nothing to do, and why.
    Skip(String),
}

/// Decides what to do and renders the bodies. `Ok(Skip)` when there is nothing to do.
pub fn prepare(
    name: &str,
    github: &Github,
    renderer: &Renderer,
    rendered: &Rendered,
) -> Result<(Plan, Value), Failure> {
    let skip = |why: &str| Ok((Plan::Skip(why.to_owned()), json!({ "skip": why })));
    let Some((owner, repo)) = str_of(rendered, "repository").and_then(|r| r.split_once('/')) else {
        return skip("no repository (GITHUB_REPOSITORY is not set)");
    };
    let status = str_of(rendered, "status").unwrap_or_default();
    let problem = status == "failure" || status == "rolled-back";
    let body =
        |action: &str| renderer.render(rendered, "github.md.j2", &[("action", json!(action))]);
    let workflow = str_of(rendered, "workflow").unwrap_or("pipeline");
    let scope = str_of(rendered, "branch")
        .or_else(|| str_of(rendered, "tag"))
        .unwrap_or("-");
    let test = rendered.value().get("test").and_then(Value::as_bool) == Some(true);
    let (marker, action) = match github.mode {
        GithubMode::Issue if test => {
            return skip(
                "a test message does not open or close failure issues (use --dry-run to see the issue)",
            );
        }
        GithubMode::Issue => {
            let marker = format!(
                "<!-- slipway:notify:issue workflow={} ref={} -->",
                workflow.replace("--", "- -"),
                scope.replace("--", "- -")
            );
            let action = if problem {
                Action::OpenOrComment {
                    title: renderer
                        .render(rendered, "github-issue-title.txt.j2", &[])?
                        .trim()
                        .to_owned(),
                    body: format!("{}\n\n{marker}\n", body("open")?.trim_end()),
                    comment: body("comment")?,
                }
            } else if status == "success" {
                Action::Close {
                    comment: body("close")?,
                }
            } else {
                return skip(&format!("nothing to do for status {status} in issue mode"));
            };
            (marker, action)
        }
        GithubMode::CommitComment => {
            let Some(sha) = str_of(rendered, "sha") else {
                return skip("no commit (GITHUB_SHA is not set)");
            };
            (
                String::new(),
                Action::CommitComment {
                    sha: sha.to_owned(),
                    body: body("commit")?,
                },
            )
        }
        GithubMode::PrComment => {
            let Some(number) = rendered.value().get("pull_request").and_then(Value::as_u64) else {
                return skip("not a pull request run");
            };
            let marker = format!("<!-- slipway:notify:{name} -->");
            (
                marker,
                Action::PrComment {
                    number,
                    body: body("pull-request")?,
                },
            )
        }
    };
    let preview = match &action {
        Action::OpenOrComment { title, body, .. } => json!({
            "action": "open an issue, or comment on the open one with the same marker",
            "repository": format!("{owner}/{repo}"), "title": title, "labels": github.labels,
            "marker": marker, "body": body,
        }),
        Action::Close { comment } => json!({
            "action": "comment on and close the open issue with the marker, if any",
            "repository": format!("{owner}/{repo}"), "marker": marker, "comment": comment,
        }),
        Action::CommitComment { sha, body } => json!({
            "action": "comment on the commit", "repository": format!("{owner}/{repo}"),
            "sha": sha, "body": body,
        }),
        Action::PrComment { number, body } => json!({
            "action": "create or update the sticky pull request comment",
            "repository": format!("{owner}/{repo}"), "pull_request": number,
            "marker": marker, "body": body,
        }),
    };
    Ok((
        Plan::Run(Box::new(Work {
            github: github.clone(),
            owner: owner.to_owned(),
            repo: repo.to_owned(),
            marker,
            action,
        })),
        preview,
    ))
}

/// Runs the GitHub requests.
pub async fn send(work: &Work, env: &SendEnv) -> Result<Delivered, String> {
    let token = work
        .github
        .token
        .value
        .as_ref()
        .ok_or_else(|| "no token".to_owned())?;
    let client = slipway_github::Client::new(&env.github.api_url, token.expose())
        .map_err(|e| e.to_string())?;
    env.attempts.bump();
    let (owner, repo) = (work.owner.as_str(), work.repo.as_str());
    let err = |e: slipway_github::GithubError| e.to_string();
    let find_open = || async {
        let label = work
            .github
            .labels
            .first()
            .map(|l| format!("&labels={}", crate::redact::percent_encode(l)))
            .unwrap_or_default();
        let issues = client
            .list_issues(owner, repo, &format!("state=open{label}"))
            .await
            .map_err(err)?;
        Ok::<_, String>(issues.into_iter().find(|i| {
            i.get("body")
                .and_then(Value::as_str)
                .is_some_and(|b| b.contains(&work.marker))
        }))
    };
    let number_of = |issue: &Value| issue.get("number").and_then(Value::as_u64).unwrap_or(0);
    let detail = match &work.action {
        Action::OpenOrComment {
            title,
            body,
            comment,
        } => {
            if let Some(issue) = find_open().await? {
                let n = number_of(&issue);
                client
                    .comment_issue(owner, repo, n, comment)
                    .await
                    .map_err(err)?;
                format!("commented on open issue #{n}")
            } else {
                let created = client
                    .create_issue(owner, repo, title, body, &work.github.labels)
                    .await
                    .map_err(err)?;
                format!("opened issue #{}", number_of(&created))
            }
        }
        Action::Close { comment } => {
            if let Some(issue) = find_open().await? {
                let n = number_of(&issue);
                client
                    .comment_issue(owner, repo, n, comment)
                    .await
                    .map_err(err)?;
                client.close_issue(owner, repo, n).await.map_err(err)?;
                format!("closed issue #{n}")
            } else {
                "no open failure issue to close".to_owned()
            }
        }
        Action::CommitComment { sha, body } => {
            client
                .create_commit_comment(owner, repo, sha, body)
                .await
                .map_err(err)?;
            format!("commented on commit {}", &sha[..sha.len().min(7)])
        }
        Action::PrComment { number, body } => {
            client
                .upsert_sticky_comment(owner, repo, *number, &work.marker, body)
                .await
                .map_err(err)?;
            format!("updated the comment on pull request #{number}")
        }
    };
    Ok(Delivered {
        detail: Some(detail),
        outputs: Vec::new(),
    })
}
