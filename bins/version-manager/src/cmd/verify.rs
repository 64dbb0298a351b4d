//! `verify`: lint commit messages against Conventional Commits, pointing at each
//! offending commit (an error annotation in Actions). Merge commits with git's generated
//! message are skipped; leniently read messages pass with a warning.

use slipway_kit::workflow::{Level as AnnotationLevel, Location};
use slipway_kit::{Exit, Failure, GithubContext};

use super::{CommitDoc, Ctx, Document};
use crate::analysis::{Source, Stats, Verdict};
use crate::cli::VerifyArgs;
use crate::commit::{self, Kind};
use crate::history;
use crate::project::State;

/// Types every project accepts; `[version] types` adds more.
const KNOWN_TYPES: &[&str] = &[
    "feat", "fix", "perf", "revert", "docs", "style", "refactor", "test", "build", "ci", "chore",
];

pub(super) fn run(ctx: &Ctx<'_>, args: &VerifyArgs) -> anyhow::Result<Exit> {
    let ui = ctx.ui;
    let project = ctx.project()?;
    let repo = &project.repo;
    let gh = GithubContext::from_env();
    let (label, commits) = match args.range.as_deref() {
        Some(range) => {
            let (from, to) = match range.split_once("..") {
                Some((a, b)) => (
                    (!a.is_empty()).then_some(a),
                    if b.is_empty() {
                        "HEAD"
                    } else {
                        b.trim_start_matches('.')
                    },
                ),
                None => (Some(range), "HEAD"),
            };
            let from = match from {
                Some(f) => Some(history::resolve(repo, f).map_err(Failure::from)?),
                None => None,
            };
            let to_oid = history::resolve(repo, to).map_err(Failure::from)?;
            (
                range.to_owned(),
                history::range(repo, from, to_oid, &project.filter).map_err(Failure::from)?,
            )
        }
        None => {
            let pr = gh.event().and_then(|e| {
                let base = e.pointer("/pull_request/base/sha")?.as_str()?.to_owned();
                let head = e.pointer("/pull_request/head/sha")?.as_str()?.to_owned();
                Some((base, head))
            });
            if let Some((base, head)) = pr {
                let from = history::resolve(repo, &base).map_err(|e| {
                    Failure::from(e)
                        .help("fetch the base branch: actions/checkout with fetch-depth: 0")
                })?;
                let to = history::resolve(repo, &head).map_err(Failure::from)?;
                (
                    format!(
                        "{}..{}",
                        &base[..base.len().min(7)],
                        &head[..head.len().min(7)]
                    ),
                    history::range(repo, Some(from), to, &project.filter).map_err(Failure::from)?,
                )
            } else {
                let tags = project.tags(ui)?;
                let head = project.head()?;
                let since = history::since_latest_tag(repo, head, &tags, &project.filter)
                    .map_err(Failure::from)?;
                let label = since.base.as_ref().map_or_else(
                    || "all commits".to_owned(),
                    |(_, t)| format!("{}..HEAD", t.name),
                );
                (label, since.commits)
            }
        }
    };
    let mut known: Vec<String> = KNOWN_TYPES.iter().map(|s| (*s).to_owned()).collect();
    known.extend(project.config.types.keys().cloned());
    let mut invalid: Vec<CommitDoc> = Vec::new();
    let mut checked = 0usize;
    let mut parsed_all = Vec::new();
    for raw in commits {
        let parsed = commit::parse(raw);
        let why = match &parsed.kind {
            Kind::Merge => None,
            Kind::Other => Some(
                "not a Conventional Commit: expected `type(scope): description`, e.g. `fix(api): handle empty cart`"
                    .to_owned(),
            ),
            Kind::Conventional(c) if !known.contains(&c.kind) => Some(format!(
                "unknown type `{}`: use one of {}",
                c.kind,
                known.join(", ")
            )),
            Kind::Conventional(c) => {
                if let Some(l) = &c.lenient {
                    ui.warn(&format!(
                        "commit {} read leniently ({l}): {}",
                        parsed.short_id(),
                        parsed.subject()
                    ));
                }
                None
            }
        };
        if !matches!(parsed.kind, Kind::Merge) {
            checked += 1;
        }
        if let Some(why) = why {
            ui.annotate(
                AnnotationLevel::Error,
                &format!(
                    "commit {} \"{}\": {why}",
                    parsed.short_id(),
                    parsed.subject()
                ),
                &Location::default().titled("Conventional Commits"),
            );
            invalid.push(CommitDoc {
                id: parsed.raw.id.clone(),
                subject: parsed.subject().to_owned(),
                r#type: parsed.conventional().map(|c| c.kind.clone()),
                scope: None,
                breaking: false,
            });
        }
        parsed_all.push(parsed);
    }
    let state = State {
        current: semver::Version::new(0, 0, 0),
        current_tag: None,
        source: Source::Default,
        source_file: None,
        verdict: Verdict {
            stats: Stats {
                total: checked,
                ..Stats::default()
            },
            ..Verdict::default()
        },
        walked: checked,
    };
    let mut doc = Document::new("verify", &project, &state);
    doc.extra.insert("range".into(), label.clone().into());
    doc.extra.insert("checked".into(), checked.into());
    doc.extra
        .insert("valid".into(), serde_json::Value::Bool(invalid.is_empty()));
    doc.non_conventional.clone_from(&invalid);
    let json = ctx.emit(&doc)?;
    if invalid.is_empty() {
        if !json {
            ui.success(&format!(
                "{checked} commit(s) in {label} follow Conventional Commits"
            ));
        }
        Ok(Exit::Success)
    } else {
        Err(Failure::no(format!(
            "{} of {checked} commit(s) in {label} are not valid Conventional Commits",
            invalid.len()
        ))
        .help("reword them (`git rebase -i`, or squash-merge with a conventional title)")
        .into())
    }
}
