//! `version-manager`: semantic versions from Conventional Commits, version files,
//! changelog, tags and GitHub releases.
//!
//! The library holds the logic; `main.rs` parses the command line and calls [`cmd::run`].
#![deny(missing_docs)]
// A `match` with a long `None` arm reads better than `if let … else` here.
#![allow(clippy::single_match_else)]

pub mod analysis;
pub mod changelog;
pub mod cli;
pub mod cmd;
pub mod commit;
pub mod config;
pub mod files;
pub mod gitcli;
pub mod history;
pub mod project;
pub mod version;
