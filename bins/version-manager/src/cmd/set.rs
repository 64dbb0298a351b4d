//! `set`: validate a SemVer version and write it everywhere.

use slipway_kit::{Exit, Failure};

use super::{Ctx, Document, FileDoc};
use crate::cli::SetArgs;
use crate::files;

pub(super) fn run(ctx: &Ctx<'_>, args: &SetArgs) -> anyhow::Result<Exit> {
    let text = args.version.trim();
    let bare = text.strip_prefix('v').unwrap_or(text);
    let version = semver::Version::parse(bare).map_err(|e| {
        Failure::bad_input(format!("'{}' is not a SemVer version: {e}", args.version))
            .help("use MAJOR.MINOR.PATCH with an optional -PRERELEASE, e.g. 1.2.3 or 1.3.0-rc.1")
    })?;
    let project = ctx.project()?;
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
    let current = changes.first().map(|c| c.from.clone()).unwrap_or_default();
    let doc = Document {
        schema: super::SCHEMA,
        command: "set",
        package: project.target.name.clone(),
        current,
        current_tag: None,
        source: crate::analysis::Source::File,
        next: Some(version.to_string()),
        version: Some(version.to_string()),
        tag: Some(project.tag_name(&version)),
        bump: crate::version::Level::None,
        released: false,
        dry_run: args.dry_run,
        commits: crate::analysis::Stats::default(),
        changes: Vec::new(),
        non_conventional: Vec::new(),
        changelog: None,
        files: changes.iter().map(FileDoc::from).collect(),
        extra: serde_json::Map::new(),
    };
    if !ctx.emit(&doc)? {
        super::bump::report(ctx, &changes, args.dry_run);
        ctx.ui.result(&version.to_string());
    }
    Ok(Exit::Success)
}
