//! Free loopback ports.
//!
//! [`free_port`] asks the kernel for an unused port on 127.0.0.1 and remembers
//! every port it has handed out in this process, so two fixtures started by
//! the same test binary never receive the same port, even when the first has
//! not bound it yet.

use std::collections::HashSet;
use std::net::TcpListener;
use std::sync::{Mutex, OnceLock};

fn handed_out() -> &'static Mutex<HashSet<u16>> {
    static PORTS: OnceLock<Mutex<HashSet<u16>>> = OnceLock::new();
    PORTS.get_or_init(|| Mutex::new(HashSet::new()))
}

/// Returns a TCP port on 127.0.0.1 that was free a moment ago and that this
/// process has not handed out before.
///
/// The port is released before it is returned, so the caller must bind it
/// (or pass it to the program it starts) soon.
pub fn free_port() -> u16 {
    for _ in 0..200 {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0 for a free port");
        let port = listener
            .local_addr()
            .expect("local address of a bound socket")
            .port();
        drop(listener);
        let mut ports = handed_out()
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if ports.insert(port) {
            return port;
        }
    }
    panic!("no free loopback port after 200 attempts");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_hands_out_the_same_port_twice() {
        let ports: HashSet<u16> = (0..50).map(|_| free_port()).collect();
        assert_eq!(ports.len(), 50);
    }
}
