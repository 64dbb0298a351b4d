//! The sticky pull-request comment (one per gate name, found by a hidden marker and
//! updated in place) and the optional commit status. A token that cannot write (a fork's
//! pull request gets a read-only token) skips them with a notice, never fails the gate.

use slipway_github::{Client, GithubError};
use slipway_kit::{GithubContext, Ui};

use crate::gate::{GateDoc, Verdict};

/// The hidden marker that identifies this gate's comment.
pub fn marker(name: &str) -> String {
    format!("<!-- slipway:quality-gate:{name} -->")
}

/// What publishing did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Published {
    /// The comment's id, when one was created or updated.
    pub comment_id: Option<u64>,
    /// Whether a status was set.
    pub status: bool,
}

/// Creates or updates the PR comment (when `pr` is set) and sets a commit status (when
/// `status` and a commit are known).
pub async fn publish(
    client: &Client,
    ctx: &GithubContext,
    ui: &Ui,
    doc: &GateDoc,
    markdown: &str,
    pr: Option<u64>,
    status: bool,
) -> Published {
    let mut done = Published::default();
    let Some((owner, repo)) = ctx.owner_repo() else {
        ui.warn("GITHUB_REPOSITORY is not set; skipping the pull-request comment and status");
        return done;
    };
    if let Some(number) = pr {
        let body = format!("{markdown}\n{}", marker(&doc.name));
        match client
            .upsert_sticky_comment(owner, repo, number, &marker(&doc.name), &body)
            .await
        {
            Ok(c) => {
                done.comment_id = c.get("id").and_then(serde_json::Value::as_u64);
                ui.info(&format!(
                    "updated the quality-gate comment on pull request #{number}"
                ));
            }
            Err(e) => skip(ui, "pull-request comment", &e),
        }
    }
    if status {
        if let Some(sha) = doc.commit.as_deref() {
            let state = match doc.verdict {
                Verdict::Fail if doc.enforced => "failure",
                _ => "success",
            };
            let description = if doc.totals.text.is_empty() {
                format!("quality gate: {}", doc.verdict.as_str())
            } else {
                doc.totals.text.clone()
            };
            let context = format!("slipway/{}", doc.name);
            match client
                .create_commit_status(
                    owner,
                    repo,
                    sha,
                    state,
                    &context,
                    &description,
                    ctx.run_url().as_deref(),
                )
                .await
            {
                Ok(_) => done.status = true,
                Err(e) => skip(ui, "commit status", &e),
            }
        } else {
            ui.warn("no commit SHA (GITHUB_SHA) known; skipping the commit status");
        }
    }
    done
}

fn skip(ui: &Ui, what: &str, e: &GithubError) {
    if e.is_forbidden() || e.status() == Some(404) {
        ui.notice(&format!(
            "skipped the {what}: the token cannot write here ({e}); fork pull requests get a read-only token — grant `pull-requests: write` / `statuses: write` or run on pull_request from the same repository"
        ));
    } else {
        ui.warn(&format!("could not write the {what}: {e}"));
    }
}
