//! End-to-end tests of `deploy` on loopback: real nginx, real sshd, the sample service.
#![allow(clippy::unwrap_used)]

mod blue_green;
mod common;
mod failures;
mod lock;
mod rolling;
mod signals;
