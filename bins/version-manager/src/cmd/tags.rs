//! `tags`.

use slipway_kit::{Exit, Failure};

use super::Ctx;
use crate::cli::TagsArgs;

pub(super) fn run(_ctx: &Ctx<'_>, _args: &TagsArgs) -> anyhow::Result<Exit> {
    Err(Failure::bad_input("tags is not available yet").into())
}
