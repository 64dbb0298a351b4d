//! Fixtures that start real servers on loopback for Slipway tests.
