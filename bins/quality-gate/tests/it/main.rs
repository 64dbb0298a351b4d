//! Integration tests for quality-gate: one binary, a module per area.

mod common;
mod gate_cli;
