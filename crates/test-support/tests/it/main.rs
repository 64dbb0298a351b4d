//! Each fixture against its real program: one module per fixture.

mod git;
mod git_http;
mod haproxy;
mod kube;
mod mqtt;
mod nginx;
mod prism;
mod prometheus;
mod sample;
mod smtp;
mod sshd;
mod webhook;
