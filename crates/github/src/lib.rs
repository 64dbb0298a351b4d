//! One GitHub client for every Slipway binary: octocrab underneath, built from
//! `GITHUB_TOKEN` and `GITHUB_API_URL` (so GitHub Enterprise and the test emulator work),
//! with retries on 5xx and rate limits that honour `Retry-After` and `x-ratelimit-reset`,
//! and the REST helpers the binaries need.
#![deny(missing_docs)]

mod client;
mod deployments;
mod error;
mod issues;
mod releases;
pub mod retry;
mod statuses;

pub use client::{Client, Response};
pub use error::GithubError;
pub use releases::ReleaseSpec;
pub use retry::RetryPolicy;
