//! `prepare-release`: bump the files, prepend the changelog, commit, tag and push, all or
//! nothing. Every check that can fail runs before the first write; when a later step fails
//! (a commit hook, a rejected push) the commit and tag are undone and every file restored.

use std::path::PathBuf;

use slipway_kit::{Exit, Failure, Ui};

use super::{Ctx, Document, FileDoc, nothing_to_release, target_version};
use crate::changelog;
use crate::cli::PrepareArgs;
use crate::files::{self, Change};
use crate::gitcli::Git;
use crate::history::{self, TagIndex};

pub(super) fn run(ctx: &Ctx<'_>, args: &PrepareArgs) -> anyhow::Result<Exit> {
    let ui = ctx.ui;
    let project = ctx.project()?;
    let do_push = args.push;
    let do_tag = args.tag || do_push;
    let do_commit = args.auto_commit || do_tag;
    if !args.allow_dirty {
        let dirty = history::is_dirty(&project.repo).map_err(Failure::from)?;
        if !dirty.is_empty() {
            let list: Vec<&str> = dirty.iter().take(5).map(String::as_str).collect();
            return Err(Failure::bad_input(format!(
                "the working tree has uncommitted changes: {}{}",
                list.join(", "),
                if dirty.len() > 5 { ", …" } else { "" }
            ))
            .help("commit or stash them first, or pass --allow-dirty (they will not be committed)")
            .into());
        }
    }
    let tags = project.tags(ui)?;
    let state = project.state(ui, &tags)?;
    super::warn_non_conventional(ui, &state);
    let Some((version, level)) =
        target_version(&project, &state, args.kind, args.pre, args.promote)
    else {
        return Err(nothing_to_release(&state).into());
    };
    let tag = project.tag_name(&version);
    if do_tag && TagIndex::tag_exists(&project.repo, &tag) {
        return Err(Failure::bad_input(format!("tag {tag} already exists"))
            .help(format!(
                "delete it (`git tag -d {tag}`) or release another version (`--type patch|minor|major`)"
            ))
            .into());
    }
    let branch = if do_push {
        Some(current_branch(&project.repo)?)
    } else {
        None
    };
    let files = project.files()?;
    let mut changes = files::plan_all(&project.root, &files, &version).map_err(Failure::from)?;
    let links = changelog::Links::detect(&slipway_kit::GithubContext::from_env(), &project.repo);
    let notes = super::changelog::notes(&project, &state, &version, &links);
    if !args.no_changelog {
        let path = project.target.changelog.clone();
        let existing = std::fs::read_to_string(project.root.join(&path)).unwrap_or_default();
        changes.push(Change {
            path,
            from: String::new(),
            to: version.to_string(),
            content: changelog::prepend(&existing, &notes).into_bytes(),
        });
    }
    let message = project
        .config
        .release_commit_message
        .replace("{tag}", &tag)
        .replace("{version}", &version.to_string());

    let mut doc = Document::new("prepare-release", &project, &state);
    doc.bump = level;
    doc.next = Some(version.to_string());
    doc.version = Some(version.to_string());
    doc.tag = Some(tag.clone());
    doc.changelog = Some(notes.clone());
    doc.files = changes.iter().map(FileDoc::from).collect();
    doc.dry_run = args.dry_run;

    if args.dry_run {
        for c in &changes {
            ui.info(&format!("would write {}", c.path.display()));
        }
        if do_commit {
            ui.info(&format!("would commit: {message}"));
        }
        if do_tag {
            ui.info(&format!("would tag: {tag} (annotated)"));
        }
        if let Some(b) = &branch {
            ui.info(&format!(
                "would push {b} and {tag} to {}",
                project.config.remote
            ));
        }
        if !ctx.emit(&doc)? {
            ui.result(&version.to_string());
        }
        return Ok(Exit::Success);
    }

    let mut tx = Transaction::begin(&project.root, &changes);
    let outcome = (|| -> Result<(), Failure> {
        files::apply(&project.root, &changes).map_err(Failure::from)?;
        tx.files_written = true;
        if !do_commit {
            return Ok(());
        }
        let token = std::env::var("GITHUB_TOKEN").ok();
        if let Some(t) = token.as_deref().filter(|t| !t.is_empty()) {
            ui.mask(t);
        }
        let git = Git::new(&project.root).with_fallback_identity();
        let paths: Vec<String> = changes
            .iter()
            .map(|c| c.path.to_string_lossy().into_owned())
            .collect();
        let mut add = vec!["add", "--"];
        add.extend(paths.iter().map(String::as_str));
        git.run(&add)
            .map_err(|e| step_failed("staging the release files", &e))?;
        tx.staged = true;
        let mut commit = vec!["commit", "--quiet", "-m", message.as_str(), "--only", "--"];
        commit.extend(paths.iter().map(String::as_str));
        git.run(&commit)
            .map_err(|e| step_failed("committing (a commit hook may have refused it)", &e))?;
        tx.committed = true;
        if do_tag {
            let tag_message = format!("{tag}\n\n{notes}");
            git.run(&["tag", "--annotate", &tag, "-m", &tag_message])
                .map_err(|e| step_failed("tagging", &e))?;
            tx.tagged = Some(tag.clone());
        }
        if let Some(b) = &branch {
            // The token goes to the push only, and only to the push remote's URL: hooks
            // of the commit and tag above, and any other remote, never see it.
            let remote = &project.config.remote;
            let url = git
                .push_url(remote)
                .map_err(|e| step_failed("reading the push remote's URL", &e))?;
            git.clone()
                .with_token_for(&url, token.as_deref())
                .run(&[
                    "push",
                    "--quiet",
                    "--atomic",
                    remote,
                    &format!("HEAD:refs/heads/{b}"),
                    &format!("refs/tags/{tag}"),
                ])
                .map_err(|e| step_failed("pushing (the remote refused or is unreachable)", &e))?;
        }
        Ok(())
    })();
    if let Err(failure) = outcome {
        let restored = tx.rollback(&project.root);
        return Err(match restored {
            Ok(()) => Failure {
                cause: format!(
                    "{}; every file was restored and no tag was left",
                    failure.cause
                ),
                ..failure
            },
            Err(why) => Failure::unsafe_state(format!(
                "{}; restoring the repository failed too: {why}",
                failure.cause
            ))
            .help("check `git status`, `git log -1` and `git tag` and undo by hand"),
        }
        .into());
    }
    doc.released = do_tag;
    ui.summary(&format!("## Release {tag}\n\n{notes}"));
    report(
        ui,
        &changes,
        do_commit,
        tx.tagged.as_deref(),
        branch.as_deref(),
    );
    if !ctx.emit(&doc)? {
        ui.result(&version.to_string());
    }
    Ok(Exit::Success)
}

fn report(ui: &Ui, changes: &[Change], committed: bool, tag: Option<&str>, pushed: Option<&str>) {
    for c in changes {
        ui.info(&format!("wrote {}", c.path.display()));
    }
    if committed {
        ui.success("committed the release");
    }
    if let Some(t) = tag {
        ui.success(&format!("tagged {t}"));
    }
    if let Some(b) = pushed {
        ui.success(&format!("pushed {b} and the tag"));
    }
}

fn step_failed(step: &str, e: &crate::gitcli::GitError) -> Failure {
    Failure::no(format!("prepare-release failed while {step}: {e}"))
        .help("fix the cause above and run prepare-release again")
}

fn current_branch(repo: &git2::Repository) -> Result<String, Failure> {
    let head = repo
        .head()
        .map_err(|e| Failure::bad_input(format!("cannot read HEAD: {}", e.message())))?;
    if !head.is_branch() {
        return Err(
            Failure::bad_input("HEAD is detached: --push needs a branch")
                .help("check out the release branch first (actions/checkout with ref: main)"),
        );
    }
    Ok(head.shorthand().unwrap_or("HEAD").to_owned())
}

/// What was done so far, to undo it.
struct Transaction {
    originals: Vec<(PathBuf, Option<Vec<u8>>)>,
    head: Option<String>,
    files_written: bool,
    staged: bool,
    committed: bool,
    tagged: Option<String>,
}

impl Transaction {
    fn begin(root: &std::path::Path, changes: &[Change]) -> Self {
        let originals = changes
            .iter()
            .map(|c| (c.path.clone(), std::fs::read(root.join(&c.path)).ok()))
            .collect();
        let head = Git::new(root).run(&["rev-parse", "HEAD"]).ok();
        Self {
            originals,
            head,
            files_written: false,
            staged: false,
            committed: false,
            tagged: None,
        }
    }

    /// Deletes our tag, moves the branch back before our commit, resets the index entries
    /// of our files and writes their old bytes back.
    fn rollback(&self, root: &std::path::Path) -> Result<(), String> {
        let git = Git::new(root);
        let mut errors = Vec::new();
        if let Some(tag) = &self.tagged {
            if let Err(e) = git.run(&["tag", "-d", tag]) {
                errors.push(e.to_string());
            }
        }
        if self.committed {
            if let Some(head) = &self.head {
                if let Err(e) = git.run(&["reset", "--quiet", "--soft", head]) {
                    errors.push(e.to_string());
                }
            }
        }
        if self.staged || self.committed {
            let mut args = vec!["reset".to_owned(), "--quiet".to_owned()];
            if let Some(head) = &self.head {
                args.push(head.clone());
            }
            args.push("--".to_owned());
            args.extend(
                self.originals
                    .iter()
                    .map(|(p, _)| p.to_string_lossy().into_owned()),
            );
            let refs: Vec<&str> = args.iter().map(String::as_str).collect();
            if let Err(e) = git.run(&refs) {
                errors.push(e.to_string());
            }
        }
        if self.files_written || self.staged {
            for (path, bytes) in &self.originals {
                let full = root.join(path);
                let result = match bytes {
                    Some(b) => slipway_kit::fs::write_atomic(&full, b),
                    None => match std::fs::remove_file(&full) {
                        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
                        _ => Ok(()),
                    },
                };
                if let Err(e) = result {
                    errors.push(format!("{}: {e}", path.display()));
                }
            }
        } else {
            // apply() may have failed half way: put back whatever it wrote.
            for (path, bytes) in &self.originals {
                let full = root.join(path);
                if let Some(b) = bytes {
                    if std::fs::read(&full).ok().as_ref() != Some(b) {
                        let _ = slipway_kit::fs::write_atomic(&full, b);
                    }
                } else {
                    let _ = std::fs::remove_file(&full);
                }
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors.join("; "))
        }
    }
}
