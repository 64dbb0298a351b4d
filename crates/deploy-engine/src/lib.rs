//! The deploy engine shared by Slipway's `deploy` and `rollback` binaries (DESIGN.md §3).
//!
//! The pieces, one per module, each replaceable without touching the others:
//!
//! | module | concept |
//! | --- | --- |
//! | [`config`] | `[deploy]` and `[rollback]` in `slipway.toml`, validated into an [`config::Environment`] |
//! | [`shell`] | running a command on a target (this machine or a host over SSH) with a timeout and cancellation |
//! | [`ssh`] | the system `ssh` client with ControlMaster multiplexing, batch mode and key handling |
//! | [`platform`] | where the service runs: starting and stopping a version in a slot on a host |
//! | [`router`] | how traffic moves between slots; [`nginx`] rewrites an upstream file and reloads |
//! | [`haproxy`] | the hitless router: weights and server states over HAProxy's admin socket |
//! | [`analysis`] | canary analysis: probe requests or Prometheus queries against thresholds |
//! | [`control`] | `deploy promote` / `deploy abort` reaching a running canary |
//! | [`check`] | HTTP health checks and smoke commands |
//! | [`strategy`] | blue-green and rolling over the platform's and router's primitives |
//! | [`ledger`] | the environment's history, a JSON file on the primary host |
//! | [`metrics`] | `deploy metrics`: DORA's four keys from the ledger, its archive and GitHub Deployments |
//! | [`lock`] | one deploy or rollback per environment, `mkdir`-atomic on the primary host |
//! | [`cancel`] | SIGINT and SIGTERM turned into a flag checked between steps |
//! | [`run`] | the context of one run: output, dry-run, cancellation, recorded steps |
//! | [`deploy`] and [`rollback`] | the two operations end to end, with their JSON documents |
#![deny(missing_docs)]

pub mod analysis;
pub mod cancel;
pub mod check;
pub mod config;
pub mod control;
pub mod deploy;
pub mod deployments;
pub mod haproxy;
pub mod http;
pub mod ledger;
pub mod lock;
pub mod metrics;
pub mod nginx;
pub mod platform;
pub mod rollback;
pub mod router;
pub mod run;
pub mod shell;
pub mod ssh;
pub mod strategy;
pub mod summary;
pub mod template;
#[cfg(feature = "testing")]
pub mod testing;

pub use config::{DeploySection, Environment, RollbackSection};
pub use run::Run;
