//! `verify`.

use slipway_kit::{Exit, Failure};

use super::Ctx;
use crate::cli::VerifyArgs;

pub(super) fn run(_ctx: &Ctx<'_>, _args: &VerifyArgs) -> anyhow::Result<Exit> {
    Err(Failure::bad_input("verify is not available yet").into())
}
