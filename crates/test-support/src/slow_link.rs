//! A slow link: a TCP relay on loopback that holds back each request whose bytes carry a
//! marker (a query parameter such as `watch=true`) before passing it on to a real server.
//! Everything else passes through untouched, both ways. It is a fault injector, not a
//! stand-in: it opens, on purpose, a window that a fast loopback closes too quickly to
//! test (a change landing between a client's read and its watch).
//!
//! ```no_run
//! use std::time::Duration;
//! use slipway_test_support::slow_link;
//! let port = slow_link::start(8001, b"watch=true", Duration::from_secs(3));
//! // Point a client at 127.0.0.1:{port}: its watch requests reach port 8001 3 s late.
//! ```

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::time::Duration;

/// Starts a slow link to `127.0.0.1:upstream` that holds every client write containing
/// `marker` back by `delay`; returns its port. Its threads live as long as the process.
pub fn start(upstream: u16, marker: &'static [u8], delay: Duration) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind the slow link");
    let port = listener.local_addr().expect("slow link address").port();
    std::thread::Builder::new()
        .name("slipway-slow-link".into())
        .spawn(move || {
            for client in listener.incoming().flatten() {
                let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)) else {
                    continue;
                };
                connect(client, server, marker, delay);
            }
        })
        .expect("start the slow link");
    port
}

/// Relays one connection: requests (held back when they carry the marker) one way,
/// answers the other; each direction ends when its source closes.
fn connect(client: TcpStream, server: TcpStream, marker: &'static [u8], delay: Duration) {
    let (Ok(client_reader), Ok(server_reader)) = (client.try_clone(), server.try_clone()) else {
        return;
    };
    std::thread::spawn(move || pass(client_reader, server, Some((marker, delay))));
    std::thread::spawn(move || pass(server_reader, client, None));
}

/// Copies `from` to `to` until `from` closes, sleeping `delay` before a chunk that
/// contains `marker`; then closes `to` for writing.
fn pass(mut from: TcpStream, mut to: TcpStream, hold: Option<(&[u8], Duration)>) {
    let mut buf = vec![0u8; 64 * 1024];
    while let Ok(n) = from.read(&mut buf) {
        if n == 0 {
            break;
        }
        if let Some((marker, delay)) = hold
            && buf[..n].windows(marker.len()).any(|w| w == marker)
        {
            std::thread::sleep(delay);
        }
        if to.write_all(&buf[..n]).is_err() {
            break;
        }
    }
    let _ = to.shutdown(Shutdown::Write);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    /// An echo server on loopback: answers each read with the same bytes.
    fn echo() -> u16 {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            for mut s in listener.incoming().flatten() {
                std::thread::spawn(move || {
                    let mut buf = [0u8; 1024];
                    while let Ok(n) = s.read(&mut buf) {
                        if n == 0 || s.write_all(&buf[..n]).is_err() {
                            break;
                        }
                    }
                });
            }
        });
        port
    }

    fn round_trip(port: u16, message: &[u8]) -> (Vec<u8>, Duration) {
        let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        let started = Instant::now();
        s.write_all(message).unwrap();
        let mut answer = vec![0u8; message.len()];
        s.read_exact(&mut answer).unwrap();
        (answer, started.elapsed())
    }

    #[test]
    fn a_request_with_the_marker_arrives_late_and_others_pass_unchanged() {
        let port = start(echo(), b"watch=true", Duration::from_millis(800));
        let (answer, held) = round_trip(port, b"GET /x?watch=true HTTP/1.1\r\n\r\n");
        assert_eq!(answer, b"GET /x?watch=true HTTP/1.1\r\n\r\n");
        assert!(held >= Duration::from_millis(800), "held {held:?}");
        let (answer, _) = round_trip(port, b"GET /x HTTP/1.1\r\n\r\n");
        assert_eq!(answer, b"GET /x HTTP/1.1\r\n\r\n");
    }
}
