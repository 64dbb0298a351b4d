//! The deploy engine against real servers: the Kubernetes ledger and lock.
#![allow(clippy::unwrap_used)]

mod kubernetes;
