//! Integration tests for slipway-reports: one binary, a module per area.
#![allow(clippy::unwrap_used)] // test helpers panic on setup errors

mod corpus;
mod robustness;
