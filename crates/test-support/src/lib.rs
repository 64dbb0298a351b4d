//! Fixtures that start real servers on loopback for Slipway's tests.
//!
//! Every fixture runs the real program of DESIGN.md §4 on a free port of
//! 127.0.0.1 in its own temporary directory and stops it on drop (SIGTERM,
//! then SIGKILL, then reaped): no test starts a server by hand and none
//! leaks a process. A fixture whose program is missing panics with the
//! command that installs it (`scripts/install-deps.sh`); nothing is skipped
//! silently. Every wait has a deadline, and a server that does not come up
//! fails the test with the tail of its log.
//!
//! | module | fixture |
//! | --- | --- |
//! | [`git`] | [`git::TestRepo`]: temporary repositories with scripted commits and tags |
//! | [`git_http`] | [`git_http::GitHttpRemote`]: `git http-backend` over HTTP, recording headers, pushes need a token |
//! | [`webhook`] | [`webhook::WebhookSink`]: in-process recording HTTP server (ok, 500, 429, hang, scripts) |
//! | [`sample`] | [`sample::SampleService`]: the `slipway-sample-service` binary with knobs |
//! | [`prism`] | [`prism::Prism`]: GitHub API emulator from GitHub's OpenAPI description |
//! | [`haproxy`] | [`haproxy::Haproxy`]: a load balancer driven through its runtime API |
//! | [`nginx`] | [`nginx::Nginx`]: a reverse proxy with a managed upstream file |
//! | [`sshd`] | [`sshd::Sshd`]: an SSH server with a temporary host and client key |
//! | [`prometheus`] | [`prometheus::Prometheus`]: scrapes targets, answers PromQL |
//! | [`smtp`] | [`smtp::SmtpServer`]: aiosmtpd writing a maildir |
//! | [`mqtt`] | [`mqtt::Mosquitto`]: an MQTT broker and subscribers |
//! | [`browser`] | [`browser::screenshot`]: headless Chromium renders an HTML report; [`browser::Picture`] checks it is not blank |
//! | [`tls`] | [`tls::Certificates`]: a throwaway CA and a loopback server certificate (openssl) |
//! | [`kube`] | [`kube::Kube`]: a Kubernetes control plane with a kubelet loop, one per test binary |
//!
//! Helpers: [`actions`] (a clean GitHub Actions environment for running our
//! binaries), [`ports::free_port`], [`program`] (finding programs),
//! [`process::ServerProcess`] (a child stopped on drop), [`reaper::Reaper`]
//! (stops processes started indirectly, e.g. by a deploy command), [`http`] (a tiny
//! blocking HTTP client, safe inside async tests), [`output`] (a binary's JSON document,
//! stderr and step names), [`files::copy_tree`], [`slow_link`] (a relay that holds
//! marked requests back, to open a race window).
#![deny(missing_docs)]

pub mod actions;
pub mod browser;
pub mod files;
pub mod git;
pub mod git_http;
pub mod haproxy;
pub mod http;
pub mod kube;
pub mod mqtt;
pub mod nginx;
pub mod output;
pub mod ports;
pub mod prism;
pub mod process;
pub mod program;
pub mod prometheus;
pub mod reaper;
pub mod sample;
pub mod slow_link;
pub mod smtp;
pub mod sshd;
pub mod tls;
pub mod webhook;
