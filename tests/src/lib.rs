//! End-to-end tests across the Slipway binaries live in `tests/`.
