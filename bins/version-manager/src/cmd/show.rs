//! `show`: current version, commits since it grouped by type, the bump and the next version.

use slipway_kit::Exit;

use super::{Ctx, Document, warn_non_conventional};
use crate::analysis::Source;
use crate::cli::ShowArgs;

/// Commits listed under each type before "… N more".
const SHOWN_PER_TYPE: usize = 10;

pub(super) fn run(ctx: &Ctx<'_>, args: &ShowArgs) -> anyhow::Result<Exit> {
    let project = ctx.project()?;
    let tags = project.tags(ctx.ui)?;
    let state = project.state(ctx.ui, &tags)?;
    warn_non_conventional(ctx.ui, &state);
    let channel = project.channel(
        &state,
        args.pre.map(crate::version::Channel::as_str),
        args.promote,
    );
    let next = project.next(&state, state.verdict.level, channel);
    let mut doc = Document::new("show", &project, &state);
    doc.next = next.as_ref().map(ToString::to_string);
    doc.tag = next.as_ref().map(|v| project.tag_name(v));
    doc.released = next.is_some();
    if ctx.emit(&doc)? {
        return Ok(Exit::Success);
    }
    let ui = ctx.ui;
    let from = match (state.source, &state.current_tag, &state.source_file) {
        (Source::Tag, Some(t), _) => format!("tag {t}"),
        (Source::File, _, Some(f)) => format!("{} (no version tag yet)", f.display()),
        (Source::Default, _, Some(f)) => {
            format!("no tag; {} holds a placeholder, not a release", f.display())
        }
        _ => "no tag and no version file".to_owned(),
    };
    ui.result(&format!("current: {} ({from})", state.current));
    let s = &state.verdict.stats;
    ui.result(&format!(
        "commits: {} since ({} conventional, {} not, {} merges skipped{})",
        s.total,
        s.conventional,
        s.non_conventional,
        s.merges,
        if s.reverted > 0 {
            format!(", {} cancelled by reverts", s.reverted)
        } else {
            String::new()
        }
    ));
    for (kind, n) in &s.by_type {
        ui.result(&format!("  {kind:<10} {n}"));
        let of_kind: Vec<_> = state
            .verdict
            .commits
            .iter()
            .filter(|c| c.conventional().is_some_and(|v| &v.kind == kind))
            .collect();
        for c in of_kind.iter().take(SHOWN_PER_TYPE) {
            let conv = c.conventional().expect("filtered");
            let scope = conv
                .scope
                .as_deref()
                .map(|s| format!("{s}: "))
                .unwrap_or_default();
            let bang = if conv.breaking { " (breaking)" } else { "" };
            ui.result(&format!(
                "    {} {scope}{}{bang}",
                c.short_id(),
                conv.summary
            ));
        }
        if of_kind.len() > SHOWN_PER_TYPE {
            ui.result(&format!("    … {} more", of_kind.len() - SHOWN_PER_TYPE));
        }
    }
    let breaking = state
        .verdict
        .commits
        .iter()
        .filter(|c| c.conventional().is_some_and(|c| c.breaking))
        .count();
    if breaking > 0 {
        ui.result(&format!("  breaking   {breaking}"));
    }
    ui.result(&format!("bump: {}", state.verdict.level));
    match &next {
        Some(v) => ui.result(&format!("next: {v} (tag {})", project.tag_name(v))),
        None => ui.result("next: nothing to release"),
    }
    Ok(Exit::Success)
}
