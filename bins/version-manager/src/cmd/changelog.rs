//! `changelog`.

use slipway_kit::{Exit, Failure};

use super::Ctx;
use crate::cli::ChangelogArgs;

pub(super) fn run(_ctx: &Ctx<'_>, _args: &ChangelogArgs) -> anyhow::Result<Exit> {
    Err(Failure::bad_input("changelog is not available yet").into())
}
