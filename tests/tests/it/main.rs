//! End-to-end tests across binaries, actions and workflows.

mod install;
