//! The GitHub client against real servers: the recording sink for retry behaviour and
//! the Prism emulator (GitHub's own OpenAPI description) for the REST contract.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod contract;
mod retries;
