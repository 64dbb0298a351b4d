//! `release`.

use slipway_kit::{Exit, Failure};

use super::Ctx;
use crate::cli::ReleaseArgs;

pub(super) fn run(_ctx: &Ctx<'_>, _args: &ReleaseArgs) -> anyhow::Result<Exit> {
    Err(Failure::bad_input("release is not available yet").into())
}
