//! Integration tests of `notify`: the real binary delivering to real receivers on loopback
//! (the recording webhook sink, aiosmtpd, mosquitto, the Prism GitHub emulator).
#![allow(clippy::unwrap_used, clippy::format_push_string)]

mod chat;
mod common;
mod email;
mod github;
mod mqtt;
mod overrides;
mod routing;
mod secrets;
mod slack;
mod summary;
mod templates;
mod webhook;
