//! Shared runtime for every Slipway binary: GitHub Actions conventions (context, outputs,
//! step summary, annotations, groups, masks), human output on a terminal, JSON documents,
//! atomic file writes, logging, and the exit codes of DESIGN.md §2.
#![deny(missing_docs)]

pub mod context;
pub mod doc;
pub mod exit;
pub mod fs;
pub mod log;
pub mod outputs;
pub mod secret;
pub mod ui;
pub mod workflow;

pub use context::GithubContext;
pub use doc::OutputArgs;
pub use exit::{Exit, Failure};
pub use secret::Secret;
pub use ui::Ui;
