//! `tags`: the image tags for the current ref, like docker/metadata-action: `1.2.3`,
//! `1.2`, `1` and `latest` for a release tag (only `1.2.3-rc.1` for a prerelease, no `0`
//! for 0.x), `BRANCH-latest` and `sha-abc1234` on branches, `pr-N` on pull requests.

use slipway_kit::{Exit, Failure, GithubContext};

use super::Ctx;
use crate::history::TagIndex;

/// The tags for `git_ref` at commit `sha`; `version` when the ref is a version tag.
pub fn image_tags(git_ref: &str, sha: &str, version: Option<&semver::Version>) -> Vec<String> {
    let short = format!("sha-{}", &sha[..sha.len().min(7)]);
    if let Some(v) = version {
        if !v.pre.is_empty() {
            return vec![sanitize(&v.to_string())];
        }
        let mut tags = vec![v.to_string(), format!("{}.{}", v.major, v.minor)];
        if v.major > 0 {
            tags.push(v.major.to_string());
        }
        tags.push("latest".to_owned());
        return tags;
    }
    if let Some(branch) = git_ref.strip_prefix("refs/heads/") {
        return vec![format!("{}-latest", sanitize(branch)), short];
    }
    if let Some(rest) = git_ref.strip_prefix("refs/pull/") {
        let n = rest.split('/').next().unwrap_or("0");
        return vec![format!("pr-{}", sanitize(n)), short];
    }
    if let Some(tag) = git_ref.strip_prefix("refs/tags/") {
        return vec![sanitize(tag), short];
    }
    vec![short]
}

/// A Docker tag: `[A-Za-z0-9_.-]`, not starting with `.` or `-`, at most 128 characters.
fn sanitize(s: &str) -> String {
    let mut out: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-') {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    while out.starts_with(['.', '-']) {
        out.remove(0);
    }
    out.truncate(128);
    out
}

pub(super) fn run(ctx: &Ctx<'_>, args: &crate::cli::TagsArgs) -> anyhow::Result<Exit> {
    let ui = ctx.ui;
    let project = ctx.project()?;
    let gh = GithubContext::from_env();
    let head = project.head()?;
    let tags = TagIndex::read(&project.repo, &project.matcher).map_err(Failure::from)?;
    let git_ref = match args.git_ref.clone().or_else(|| gh.git_ref.clone()) {
        Some(r) if r.starts_with("refs/") => r,
        Some(r) => {
            if TagIndex::tag_exists(&project.repo, &r) {
                format!("refs/tags/{r}")
            } else {
                format!("refs/heads/{r}")
            }
        }
        None => match tags.best(head) {
            Some(t) => format!("refs/tags/{}", t.name),
            None => match project.repo.head() {
                Ok(h) if h.is_branch() => {
                    format!("refs/heads/{}", h.shorthand().unwrap_or("HEAD"))
                }
                _ => "HEAD".to_owned(),
            },
        },
    };
    let sha = gh.sha.clone().unwrap_or_else(|| head.to_string());
    let version = git_ref
        .strip_prefix("refs/tags/")
        .and_then(|t| project.matcher.version(t));
    let mut list = image_tags(&git_ref, &sha, version.as_ref());
    if let Some(image) = &args.image {
        list = list.into_iter().map(|t| format!("{image}:{t}")).collect();
    }
    ui.set_output("tags", &list.join("\n"));
    ui.set_output(
        "version",
        &version
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
    );
    let doc = serde_json::json!({
        "schema": super::SCHEMA,
        "command": "tags",
        "ref": git_ref,
        "sha": sha,
        "version": version.as_ref().map(ToString::to_string),
        "tags": list,
    });
    if !ctx.cli.output.emit(ui, &doc)? {
        for t in &list {
            ui.result(t);
        }
    }
    Ok(Exit::Success)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_branch_and_pull_request_tags() {
        let sha = "abc1234def";
        assert_eq!(
            image_tags(
                "refs/tags/v1.2.3",
                sha,
                Some(&semver::Version::new(1, 2, 3))
            ),
            vec!["1.2.3", "1.2", "1", "latest"]
        );
        assert_eq!(
            image_tags(
                "refs/tags/v0.4.0",
                sha,
                Some(&semver::Version::new(0, 4, 0))
            ),
            vec!["0.4.0", "0.4", "latest"]
        );
        let rc = semver::Version::parse("1.3.0-rc.1").unwrap();
        assert_eq!(
            image_tags("refs/tags/v1.3.0-rc.1", sha, Some(&rc)),
            vec!["1.3.0-rc.1"]
        );
        assert_eq!(
            image_tags("refs/heads/main", sha, None),
            vec!["main-latest", "sha-abc1234"]
        );
        assert_eq!(
            image_tags("refs/heads/feature/Login", sha, None),
            vec!["feature-login-latest", "sha-abc1234"]
        );
        assert_eq!(
            image_tags("refs/pull/42/merge", sha, None),
            vec!["pr-42", "sha-abc1234"]
        );
    }
}
