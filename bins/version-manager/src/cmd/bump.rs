//! `bump`: write the next version into every version file (no commit, no tag).

use slipway_kit::{Exit, Failure};

use super::{Ctx, Document, FileDoc, nothing_to_release, target_version};
use crate::cli::BumpArgs;
use crate::files;

pub(super) fn run(ctx: &Ctx<'_>, args: &BumpArgs) -> anyhow::Result<Exit> {
    let project = ctx.project()?;
    let tags = project.tags(ctx.ui)?;
    let state = project.state(ctx.ui, &tags)?;
    let Some((version, level)) =
        target_version(&project, &state, args.kind, args.pre, args.promote)
    else {
        return Err(nothing_to_release(&state).into());
    };
    let files = project.files()?;
    let changes = files::plan_all(&project.root, &files, &version).map_err(Failure::from)?;
    if changes.is_empty() {
        return Err(Failure::bad_input(format!(
            "no version file found in {}",
            project.root.join(&project.target.detect_in).display()
        ))
        .help("list your files in [version] files of slipway.toml (docs/version-manager.md)")
        .into());
    }
    if !args.dry_run {
        files::apply(&project.root, &changes).map_err(Failure::from)?;
    }
    let mut doc = Document::new("bump", &project, &state);
    doc.bump = level;
    doc.next = Some(version.to_string());
    doc.version = Some(version.to_string());
    doc.tag = Some(project.tag_name(&version));
    doc.dry_run = args.dry_run;
    doc.files = changes.iter().map(FileDoc::from).collect();
    if !ctx.emit(&doc)? {
        report(ctx, &changes, args.dry_run);
        ctx.ui.result(&version.to_string());
    }
    Ok(Exit::Success)
}

/// Prints each file change on stderr.
pub(super) fn report(ctx: &Ctx<'_>, changes: &[files::Change], dry_run: bool) {
    let verb = if dry_run { "would write" } else { "wrote" };
    for c in changes {
        ctx.ui.info(&format!(
            "{verb} {}: {} -> {}",
            c.path.display(),
            c.from,
            c.to
        ));
    }
}
