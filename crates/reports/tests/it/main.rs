//! Integration tests for slipway-reports: one binary, a module per area.

mod corpus;
