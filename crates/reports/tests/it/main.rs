//! Integration tests for slipway-reports: one binary, a module per area.
#![allow(clippy::unwrap_used)] // test helpers panic on setup errors

mod attribute_flood;
mod corpus;
mod criterion_real;
mod defectdojo;
mod docs;
mod encodings;
mod real_tools;
mod robustness;
mod scanners;
