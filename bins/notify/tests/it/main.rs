//! Integration tests of `notify`: the real binary delivering to real receivers on loopback
//! (the recording webhook sink, aiosmtpd, mosquitto, the Prism GitHub emulator).

mod chat;
mod common;
mod routing;
mod secrets;
mod slack;
mod webhook;
