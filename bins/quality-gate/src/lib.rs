//! `quality-gate`: one verdict from test, coverage, security, lint and performance
//! reports. The parsers live in `slipway-reports`; this crate holds the rules, the
//! evaluation, and the outputs (gate.json, step summary, annotations, PR comment).
#![deny(missing_docs)]

pub mod annotations;
pub mod baseline;
pub mod benchmarks;
pub mod cli;
pub mod comment;
pub mod config;
pub mod diffcov;
pub mod explain;
pub mod finding_keys;
pub mod gate;
pub mod inputs;
pub mod rules;
pub mod run;
pub mod summary;
