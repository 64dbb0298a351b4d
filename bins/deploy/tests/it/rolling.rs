//! Rolling across three SSH hosts: max_unavailable 1, and max_surge 1 with max_unavailable 0.

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

/// The backends of an upstream file (`server ADDR:PORT weight=…;` lines), when complete.
fn upstream_servers(text: &str) -> Option<Vec<String>> {
    text.contains('}').then(|| {
        text.lines()
            .filter_map(|l| l.trim().strip_prefix("server "))
            .filter_map(|rest| rest.split_whitespace().next())
            .map(str::to_owned)
            .collect()
    })
}

/// Whether `addr` (`127.0.0.1:PORT`) answers its health check with 200.
fn healthy(addr: &str) -> bool {
    slipway_test_support::http::get(&format!("http://{addr}/health")).is_ok_and(|r| r.status == 200)
}

#[test]
fn rolling_with_max_unavailable_zero_never_has_fewer_healthy_servers_than_hosts() {
    // Seed 000's development environment: max_surge 1, max_unavailable 0.
    let site = Site::start(Options {
        ssh_hosts: 3,
        strategy: "rolling",
        extra: "max_surge = 1\nmax_unavailable = 0".into(),
        ..Options::default()
    });
    deployed(&site, "v1");
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = {
        let stop = Arc::clone(&stop);
        let file = site.nginx.upstream_file();
        std::thread::spawn(move || {
            // (servers listed, servers healthy) per sample, every ~20 ms.
            let mut samples = Vec::new();
            while !stop.load(Ordering::SeqCst) && samples.len() < 5_000 {
                let Some(text) = std::fs::read_to_string(&file).ok() else {
                    continue;
                };
                let Some(servers) = upstream_servers(&text) else {
                    continue;
                };
                let up = servers.iter().filter(|s| healthy(s)).count();
                // A sample taken across a rewrite of the file says nothing: keep only
                // those whose file did not change while the servers were checked.
                if std::fs::read_to_string(&file).ok().as_deref() == Some(text.as_str()) {
                    samples.push((servers.len(), up));
                }
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            samples
        })
    };
    let doc = deployed(&site, "v2");
    stop.store(true, Ordering::SeqCst);
    let samples = sampler.join().unwrap();
    assert!(samples.len() >= 10, "only {} samples", samples.len());
    let short: Vec<_> = samples.iter().filter(|(_, up)| *up < 3).collect();
    assert!(
        short.is_empty(),
        "{} of {} samples had fewer than 3 healthy servers in the upstream: {:?}",
        short.len(),
        samples.len(),
        short.first()
    );
    let names: Vec<&str> = doc["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert!(
        !names.iter().any(|n| n.contains("out of rotation")),
        "max_unavailable = 0 took a host out: {names:?}"
    );
    for host in ["h1", "h2", "h3"] {
        assert!(
            names.contains(&format!("move {host} to v2").as_str()),
            "{names:?}"
        );
    }
    let upstream = site.upstream();
    assert_eq!(upstream.matches(" green v2").count(), 3, "{upstream}");
    assert_eq!(site.serving().as_deref(), Some("v2"));
}

#[test]
fn max_surge_on_a_blue_green_environment_is_a_config_error_naming_the_key() {
    let site = Site::start(Options {
        extra: "max_surge = 1".into(),
        ..Options::default()
    });
    let out = crate::common::deploy_version(&site, "v1", &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = crate::common::stderr(&out);
    assert!(
        err.contains(
            "deploy.environments.test.max_surge: is not used by strategy = \"blue-green\""
        ),
        "{err}"
    );
    assert!(site.ledger().is_null(), "nothing was deployed");
}
