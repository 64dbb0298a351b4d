//! `changelog`: release notes as Markdown, for the unreleased commits, a range, or every
//! release in history (one walk over history, commits assigned to the release that
//! closes them).

use slipway_kit::{Exit, Failure};

use super::{Ctx, Document};
use crate::analysis;
use crate::changelog::{self, Links, Release};
use crate::cli::ChangelogArgs;
use crate::commit;
use crate::history::{self, TagIndex};
use crate::project::{Project, State};

/// The notes of the release `version` made from the commits of `state`.
pub(super) fn notes(
    project: &Project,
    state: &State,
    version: &semver::Version,
    links: &Links,
) -> String {
    let extra = extra_types(project);
    changelog::render(
        &Release {
            title: version.to_string(),
            tag: Some(project.tag_name(version)),
            previous_tag: state.current_tag.clone(),
            date: Some(changelog::today()),
            commits: &state.verdict.commits,
        },
        links,
        &extra,
    )
}

fn extra_types(project: &Project) -> Vec<String> {
    project
        .config
        .types
        .iter()
        .filter(|(_, l)| **l != crate::version::Level::None)
        .map(|(k, _)| k.clone())
        .collect()
}

pub(super) fn run(ctx: &Ctx<'_>, args: &ChangelogArgs) -> anyhow::Result<Exit> {
    let ui = ctx.ui;
    let project = ctx.project()?;
    let tags = project.tags(ui)?;
    let links = Links::detect(&slipway_kit::GithubContext::from_env(), &project.repo);
    let types = project.types();
    let extra = extra_types(&project);
    let to = match &args.to {
        Some(r) => history::resolve(&project.repo, r).map_err(Failure::from)?,
        None => project.head()?,
    };
    let mut state_doc = None;
    let markdown = if args.all {
        let releases = history::all_releases(&project.repo, to, &tags, &project.filter)
            .map_err(Failure::from)?;
        let mut out = String::new();
        for (i, r) in releases.iter().enumerate() {
            let previous_tag = releases[i + 1..]
                .iter()
                .find_map(|p| p.tag.as_ref().map(|t| t.name.clone()));
            let verdict = judge(&r.commits, &types);
            out.push_str(&changelog::render(
                &Release {
                    title: r
                        .tag
                        .as_ref()
                        .map_or_else(|| "Unreleased".to_owned(), |t| t.version.to_string()),
                    tag: r.tag.as_ref().map(|t| t.name.clone()),
                    previous_tag,
                    date: r.time.map(changelog::date),
                    commits: &verdict.commits,
                },
                &links,
                &extra,
            ));
        }
        out
    } else if args.from.is_none() && args.to.is_none() {
        let state = project.state(ui, &tags)?;
        let next = project.next(&state, state.verdict.level, None);
        let md = match &next {
            Some(v) => notes(&project, &state, v, &links),
            None => changelog::render(
                &Release {
                    title: "Unreleased".to_owned(),
                    tag: None,
                    previous_tag: None,
                    date: None,
                    commits: &state.verdict.commits,
                },
                &links,
                &extra,
            ),
        };
        state_doc = Some((state, next));
        md
    } else {
        let from = match &args.from {
            Some(r) => Some(history::resolve(&project.repo, r).map_err(Failure::from)?),
            None => None,
        };
        let commits =
            history::range(&project.repo, from, to, &project.filter).map_err(Failure::from)?;
        let verdict = judge(&commits, &types);
        let to_tag = args
            .to
            .as_deref()
            .and_then(|name| tags.find_name(name).map(|(_, t)| t.clone()));
        let from_tag = args
            .from
            .as_deref()
            .and_then(|name| tags.find_name(name).map(|(_, t)| t.name.clone()));
        let date = to_tag.as_ref().and_then(|_| {
            project
                .repo
                .find_commit(to)
                .ok()
                .map(|c| changelog::date(c.time().seconds()))
        });
        changelog::render(
            &Release {
                title: to_tag
                    .as_ref()
                    .map_or_else(|| "Unreleased".to_owned(), |t| t.version.to_string()),
                tag: to_tag.as_ref().map(|t| t.name.clone()),
                previous_tag: from_tag,
                date,
                commits: &verdict.commits,
            },
            &links,
            &extra,
        )
    };
    if let Some(file) = &args.file {
        let full = project.root.join(file);
        let existing = match std::fs::read_to_string(&full) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => {
                return Err(
                    Failure::bad_input(format!("cannot read {}: {e}", file.display())).into(),
                );
            }
        };
        if args.dry_run {
            ui.info(&format!("would prepend to {}:", file.display()));
        } else {
            slipway_kit::fs::write_atomic(
                &full,
                changelog::prepend(&existing, &markdown).as_bytes(),
            )
            .map_err(|e| Failure::bad_input(format!("cannot write {}: {e}", file.display())))?;
            ui.info(&format!("prepended the notes to {}", file.display()));
        }
    }
    let doc = match &state_doc {
        Some((state, next)) => {
            let mut d = Document::new("changelog", &project, state);
            d.next = next.as_ref().map(ToString::to_string);
            d.tag = next.as_ref().map(|v| project.tag_name(v));
            d
        }
        None => {
            let empty = State {
                current: semver::Version::new(0, 0, 0),
                current_tag: None,
                source: analysis::Source::Default,
                source_file: None,
                verdict: analysis::Verdict::default(),
                walked: 0,
            };
            Document::new("changelog", &project, &empty)
        }
    };
    let mut doc = doc;
    doc.changelog = Some(markdown.clone());
    doc.dry_run = args.dry_run;
    if !ctx.emit(&doc)? && (args.file.is_none() || args.dry_run) {
        ui.result(markdown.trim_end());
    }
    Ok(Exit::Success)
}

fn judge(commits: &[commit::RawCommit], types: &commit::TypeRules) -> analysis::Verdict {
    analysis::judge(commits.iter().cloned().map(commit::parse).collect(), types)
}

/// The notes of an existing version tag: the commits since the version tag before it.
pub(super) fn notes_for_tag(
    project: &Project,
    tags: &TagIndex,
    tag_name: &str,
    links: &Links,
) -> Result<(semver::Version, String), Failure> {
    let Some((oid, tag)) = tags.find_name(tag_name) else {
        return Err(Failure::bad_input(format!(
            "tag {tag_name} is not a version tag of this repository"
        ))
        .help(
            "create it first (prepare-release --tag) or pass --tag with an existing vX.Y.Z tag",
        ));
    };
    let since = history::since_tag_before(&project.repo, oid, tags, &project.filter, Some(oid))
        .map_err(Failure::from)?;
    let verdict = analysis::judge(
        since.commits.into_iter().map(commit::parse).collect(),
        &project.types(),
    );
    let date = project
        .repo
        .find_commit(oid)
        .ok()
        .map(|c| changelog::date(c.time().seconds()));
    let md = changelog::render(
        &Release {
            title: tag.version.to_string(),
            tag: Some(tag.name.clone()),
            previous_tag: since.base.map(|(_, t)| t.name),
            date,
            commits: &verdict.commits,
        },
        links,
        &extra_types(project),
    );
    Ok((tag.version.clone(), md))
}
