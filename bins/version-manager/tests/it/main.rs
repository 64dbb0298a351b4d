//! version-manager against real temporary git repositories: one binary, a module per area.
#![allow(clippy::unwrap_used, clippy::format_push_string)]

mod bump_set;
mod changelog;
mod common;
mod prepare;
mod release;
mod show_next;
mod tags;
mod verify;
