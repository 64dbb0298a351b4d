//! End-to-end tests of `rollback` on loopback: real nginx, real sshd, the sample service.
#![allow(clippy::unwrap_used)]

mod common;
mod fast_path;
mod github;
mod kubernetes;
mod list;
mod lock;
mod redeploy;
