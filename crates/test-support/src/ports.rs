//! Free loopback ports that no other test is about to use.
//!
//! [`free_port`] hands out ports below the kernel's ephemeral range
//! (`/proc/sys/net/ipv4/ip_local_port_range`, normally from 32768), so the
//! kernel never gives the same port to an outgoing connection or to another
//! `bind(0)` between our check and the program's own `bind`. Test processes
//! coordinate through claim files: a port is ours once
//! `$TMPDIR/slipway-ports/<port>` is created exclusively with our pid in it
//! (a claim whose pid is dead is taken over), and the port must also bind on
//! 127.0.0.1 at that moment. Within a process a port is never handed out
//! twice. When no such range exists, it falls back to asking the kernel
//! (`bind 127.0.0.1:0`).

use std::collections::HashSet;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

/// How many ports below the ephemeral range we use.
const SPAN: u16 = 12_000;

fn handed_out() -> &'static Mutex<HashSet<u16>> {
    static PORTS: OnceLock<Mutex<HashSet<u16>>> = OnceLock::new();
    PORTS.get_or_init(|| Mutex::new(HashSet::new()))
}

/// Returns a TCP port on 127.0.0.1 that is free, claimed for this process,
/// and never handed out before in this process.
///
/// The port is not held open: pass it to the program that binds it.
pub fn free_port() -> u16 {
    let mut ports = handed_out().lock().unwrap_or_else(PoisonError::into_inner);
    if let Some((low, high)) = claim_range() {
        let dir = std::env::temp_dir().join("slipway-ports");
        if std::fs::create_dir_all(&dir).is_ok() {
            let span = u32::from(high - low);
            let mut candidate = seed() % span;
            for _ in 0..span.min(4000) {
                let port = low + candidate as u16;
                candidate = (candidate + 7919) % span;
                if ports.contains(&port) || !claim(&dir, port) {
                    continue;
                }
                if TcpListener::bind(("127.0.0.1", port)).is_ok() {
                    ports.insert(port);
                    return port;
                }
            }
        }
    }
    for _ in 0..200 {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0 for a free port");
        let port = listener
            .local_addr()
            .expect("local address of a bound socket")
            .port();
        if ports.insert(port) {
            return port;
        }
    }
    panic!("no free loopback port after 200 attempts");
}

/// `[low, high)` just below the ephemeral range, or `None` when it is too
/// low to leave room.
fn claim_range() -> Option<(u16, u16)> {
    let text = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range").ok();
    let ephemeral_low: u16 = text
        .as_deref()
        .and_then(|t| t.split_whitespace().next()?.parse().ok())
        .unwrap_or(32_768);
    let low = ephemeral_low.checked_sub(SPAN)?;
    (low >= 10_000).then_some((low, ephemeral_low))
}

/// A per-call starting point: pid and clock mixed.
fn seed() -> u32 {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    std::process::id().wrapping_mul(2_654_435_761) ^ nanos
}

/// Claims `port` for this process; false when a live process holds it.
fn claim(dir: &Path, port: u16) -> bool {
    let path: PathBuf = dir.join(port.to_string());
    let me = std::process::id().to_string();
    for _ in 0..2 {
        if let Ok(mut file) = std::fs::File::options()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            use std::io::Write;
            return file.write_all(me.as_bytes()).is_ok();
        }
        let owner = std::fs::read_to_string(&path).unwrap_or_default();
        let owner = owner.trim();
        if owner == me {
            return true;
        }
        let alive = !owner.is_empty() && Path::new("/proc").join(owner).exists();
        let fresh = path
            .metadata()
            .and_then(|m| m.modified())
            .is_ok_and(|t| t.elapsed().unwrap_or_default().as_secs() < 2);
        if alive || (owner.is_empty() && fresh) {
            return false;
        }
        // The owner is gone: take the claim over.
        let _ = std::fs::remove_file(&path);
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_hands_out_the_same_port_twice() {
        let ports: HashSet<u16> = (0..50).map(|_| free_port()).collect();
        assert_eq!(ports.len(), 50);
    }

    #[test]
    fn ports_are_claimed_below_the_ephemeral_range() {
        let port = free_port();
        if let Some((low, high)) = claim_range() {
            assert!((low..high).contains(&port), "{port} not in {low}..{high}");
            let claim = std::env::temp_dir()
                .join("slipway-ports")
                .join(port.to_string());
            assert_eq!(
                std::fs::read_to_string(claim).unwrap(),
                std::process::id().to_string()
            );
        }
    }
}
