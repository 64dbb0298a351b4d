//! Integration tests for quality-gate: one binary, a module per area.
#![allow(
    clippy::unwrap_used,
    clippy::format_push_string,
    clippy::format_collect
)] // test helpers panic on setup errors

mod benchmarks;
mod common;
mod gate_cli;
mod github;
mod merging;
mod new_code;
mod real_tools;
mod summary;
