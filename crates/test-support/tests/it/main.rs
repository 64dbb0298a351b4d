//! Each fixture against its real program: one module per fixture.

mod git;
mod sample;
mod webhook;
