//! End-to-end support: the whole Slipway chain run by act on a scratch repository with real
//! nginx, the sample service and a recording webhook, shared by the test suite and by
//! `scripts/demo.sh` (the `slipway-demo` binary).
#![deny(missing_docs)]

pub mod act;
pub mod chain;
pub mod pipelines;
pub mod release;
pub mod workflow;
