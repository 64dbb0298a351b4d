//! End-to-end tests across binaries, actions and workflows.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod act;
mod chain;
mod cli;
mod injection;
mod install;
mod lint;
mod pipelines;
mod recipes;
mod workflows;
