//! Each fixture against its real program: one module per fixture.

mod git;
mod haproxy;
mod mqtt;
mod nginx;
mod prism;
mod prometheus;
mod sample;
mod smtp;
mod sshd;
mod webhook;
