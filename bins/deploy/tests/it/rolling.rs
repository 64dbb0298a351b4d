//! Rolling across three SSH hosts with max_unavailable 1.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use slipway_deploy_engine::testing::{Options, Site};

use crate::common::deployed;

#[test]
fn rolling_across_three_ssh_hosts_never_takes_more_than_one_out() {
    let site = Site::start(Options {
        ssh_hosts: 3,
        strategy: "rolling",
        extra: "max_unavailable = 1".into(),
        ..Options::default()
    });
    deployed(&site, "v1");
    assert_eq!(site.upstream().matches("server ").count(), 3);
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = {
        let stop = Arc::clone(&stop);
        let file = site.nginx.upstream_file();
        std::thread::spawn(move || {
            let mut counts = Vec::new();
            while !stop.load(Ordering::SeqCst) && counts.len() < 20_000 {
                if let Ok(text) = std::fs::read_to_string(&file) {
                    if text.contains('}') {
                        counts.push(text.matches("    server ").count());
                    }
                }
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
            counts
        })
    };
    let doc = deployed(&site, "v2");
    stop.store(true, Ordering::SeqCst);
    let counts = sampler.join().unwrap();
    assert!(
        counts.iter().all(|&c| c >= 2),
        "a sample had fewer than two hosts in rotation: {:?}",
        counts.iter().min()
    );
    assert!(
        counts.contains(&2),
        "a host was out of rotation at some point"
    );
    let names: Vec<&str> = doc["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    for host in ["h1", "h2", "h3"] {
        assert!(
            names.contains(&format!("take {host} out of rotation").as_str()),
            "{names:?}"
        );
        assert!(
            names.contains(&format!("put {host} back on v2").as_str()),
            "{names:?}"
        );
    }
    let upstream = site.upstream();
    assert_eq!(upstream.matches(" green v2").count(), 3, "{upstream}");
    assert_eq!(site.serving().as_deref(), Some("v2"));
}
