//! `next`: just the next version, for `$(version-manager next)`; nothing and exit 1 when
//! nothing is releasable. When only the version is wanted (no `--json`, `--output` or
//! step outputs) and no tag exists yet, history is read only down to the first
//! releasable commit ([`crate::project::Project::first_release`]).

use slipway_kit::Exit;

use super::{Ctx, Document};
use crate::cli::NextArgs;

pub(super) fn run(ctx: &Ctx<'_>, args: &NextArgs) -> anyhow::Result<Exit> {
    let project = ctx.project()?;
    let tags = project.tags(ctx.ui)?;
    let pre = args.pre.map(crate::version::Channel::as_str);
    if !ctx.wants_document() {
        if let Some(v) = project.first_release(&tags, pre)? {
            ctx.ui.result(&v.to_string());
            return Ok(Exit::Success);
        }
    }
    let state = project.state(ctx.ui, &tags)?;
    let channel = project.channel(&state, pre, args.promote);
    let next = project.next(&state, state.verdict.level, channel);
    let mut doc = Document::new("next", &project, &state);
    doc.next = next.as_ref().map(ToString::to_string);
    doc.version.clone_from(&doc.next);
    doc.tag = next.as_ref().map(|v| project.tag_name(v));
    doc.released = next.is_some();
    let json = ctx.emit(&doc)?;
    if let Some(v) = next {
        if !json {
            ctx.ui.result(&v.to_string());
        }
        Ok(Exit::Success)
    } else {
        {
            ctx.ui.info(&format!(
                "nothing to release: {} commit(s) since {}, none feat, fix, perf or breaking",
                state.verdict.stats.total,
                state
                    .current_tag
                    .clone()
                    .unwrap_or_else(|| state.current.to_string())
            ));
            Ok(Exit::No)
        }
    }
}
