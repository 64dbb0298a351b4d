//! `prepare`.

use slipway_kit::{Exit, Failure};

use super::Ctx;
use crate::cli::PrepareArgs;

pub(super) fn run(_ctx: &Ctx<'_>, _args: &PrepareArgs) -> anyhow::Result<Exit> {
    Err(Failure::bad_input("prepare is not available yet").into())
}
