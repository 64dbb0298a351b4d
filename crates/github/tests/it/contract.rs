//! Requests checked against GitHub's OpenAPI contract by the Prism emulator.
