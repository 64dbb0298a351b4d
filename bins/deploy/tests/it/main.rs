//! End-to-end tests of `deploy` on loopback: real nginx, real sshd, the sample service.
#![allow(clippy::unwrap_used)]

mod analysis;
mod blue_green;
mod canary;
mod canary_control;
mod canary_prometheus;
mod canary_site;
mod command_platform;
mod common;
mod deployments;
mod failures;
mod haproxy;
mod kubernetes;
mod ledger;
mod lock;
mod metrics;
mod rolling;
mod signals;
mod tls;
mod tokens;
mod waits;
