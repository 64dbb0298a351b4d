//! Canary benchmarks on loopback with real HAProxy, real nginx, real Prometheus and the
//! sample service (`cargo bench -p deploy --bench canary`, or benches/deploy/canary.sh):
//!
//! 1. weight change to observed share, HAProxy (runtime API) against nginx (upstream file
//!    and reload): from the router call until the first response from the canary, and until
//!    a sliding window of 100 responses shows the target share within 3 points (10 runs);
//! 2. analysis overhead per step: time spent beyond the step's window by the probe and the
//!    Prometheus providers (the window itself is the user's choice, not overhead);
//! 3. failed requests under keep-alive load (4 connections) across 20 switches per router.
#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use slipway_deploy_engine::Run;
use slipway_deploy_engine::analysis::{self, AnalysisConfig, Provider, Subject};
use slipway_deploy_engine::cancel::Cancel;
use slipway_deploy_engine::config::NginxConfig as EngineNginx;
use slipway_deploy_engine::haproxy::{Haproxy, HaproxyConfig as EngineHaproxy};
use slipway_deploy_engine::nginx::Nginx as NginxRouter;
use slipway_deploy_engine::router::{Backend, Router, Routing};
use slipway_deploy_engine::shell::Local;
use slipway_kit::Ui;
use slipway_test_support::haproxy::{Haproxy as HaproxyServer, HaproxyConfig};
use slipway_test_support::nginx::{Nginx, NginxConfig, Upstream};
use slipway_test_support::prometheus::Prometheus;
use slipway_test_support::sample::SampleService;

fn run() -> Run {
    Run::new(Ui::detect().quiet(true), Cancel::new(), false)
}

fn stats(label: &str, mut ms: Vec<f64>) {
    ms.sort_by(f64::total_cmp);
    let n = ms.len();
    let mean = ms.iter().sum::<f64>() / n as f64;
    println!(
        "{label:<62} n={n:<3} min={:>7.1}ms median={:>7.1}ms mean={mean:>7.1}ms max={:>7.1}ms",
        ms[0],
        ms[n / 2],
        ms[n - 1]
    );
}

fn backend(slot: &str, port: u16, weight: u32) -> Backend {
    Backend {
        host: "local".into(),
        slot: slot.into(),
        version: slot.into(),
        address: "127.0.0.1".into(),
        port,
        weight,
    }
}

/// The slot that answered one request (a new connection: what a new client sees).
fn slot_of(url: &str) -> String {
    slipway_test_support::http::get(url)
        .ok()
        .and_then(|r| r.header("X-Slot").map(str::to_owned))
        .unwrap_or_default()
}

/// Applies 90/10 then measures (first canary answer, share within 3 points over 100).
fn observe(router: &dyn Router, url: &str, blue: u16, green: u16) -> (f64, f64) {
    let r = run();
    router
        .apply(&r, &Routing::new(vec![backend("blue", blue, 1)]))
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let started = Instant::now();
    router
        .apply(
            &r,
            &Routing::new(vec![backend("blue", blue, 90), backend("green", green, 10)]),
        )
        .unwrap();
    let mut window = std::collections::VecDeque::new();
    let mut first = None;
    loop {
        let green_hit = slot_of(url) == "green";
        if green_hit && first.is_none() {
            first = Some(started.elapsed());
        }
        window.push_back(green_hit);
        if window.len() > 100 {
            window.pop_front();
        }
        if window.len() == 100 {
            let share = window.iter().filter(|g| **g).count();
            if share.abs_diff(10) <= 3 {
                let done = started.elapsed();
                return (
                    first.unwrap_or(done).as_secs_f64() * 1000.0,
                    done.as_secs_f64() * 1000.0,
                );
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "share never observed"
        );
    }
}

struct Fronts {
    blue: SampleService,
    green: SampleService,
    haproxy_server: HaproxyServer,
    haproxy: Haproxy,
    nginx_server: Nginx,
    nginx: NginxRouter,
    _state: tempfile::TempDir,
}

fn fronts() -> Fronts {
    let blue = SampleService::start_on(slipway_test_support::ports::free_port(), "v1", "blue");
    let green = SampleService::start_on(slipway_test_support::ports::free_port(), "v2", "green");
    let haproxy_server = HaproxyServer::start(HaproxyConfig::servers(&[
        ("blue", blue.port(), 1),
        ("green", green.port(), 0),
    ]));
    let state = tempfile::tempdir().unwrap();
    let haproxy = Haproxy::new(
        EngineHaproxy {
            socket: haproxy_server.admin_socket().display().to_string(),
            backend: haproxy_server.backend().to_owned(),
            ..EngineHaproxy::default()
        },
        None,
        Arc::new(Local),
        &state.path().display().to_string(),
        &[
            ("local".into(), "blue".into()),
            ("local".into(), "green".into()),
        ],
    );
    let nginx_server = Nginx::start(NginxConfig::proxy_to(&[blue.port()]));
    nginx_server.write_upstream(&[Upstream::new(blue.port())]);
    let nginx = NginxRouter::new(
        EngineNginx {
            upstream_file: nginx_server.upstream_file().display().to_string(),
            upstream_name: nginx_server.upstream_name().to_owned(),
            command: format!(
                "{} {}",
                slipway_test_support::program::require("nginx").display(),
                nginx_server.command_args().join(" ")
            ),
            probe_url: Some(format!("{}/version", nginx_server.url())),
            ..EngineNginx::default()
        },
        Arc::new(Local),
        "bench",
    );
    Fronts {
        blue,
        green,
        haproxy_server,
        haproxy,
        nginx_server,
        nginx,
        _state: state,
    }
}

fn weight_to_share(f: &Fronts) {
    println!("## weight change (100/0 -> 90/10) to observed share");
    for (name, router, url) in [
        ("haproxy", &f.haproxy as &dyn Router, f.haproxy_server.url()),
        ("nginx", &f.nginx as &dyn Router, f.nginx_server.url()),
    ] {
        let (mut first, mut share) = (Vec::new(), Vec::new());
        for _ in 0..10 {
            let (a, b) = observe(router, &url, f.blue.port(), f.green.port());
            first.push(a);
            share.push(b);
        }
        stats(
            &format!("{name}: router call to first canary response"),
            first,
        );
        stats(
            &format!("{name}: router call to 10% ±3 over 100 requests"),
            share,
        );
    }
}

fn analysis_overhead(f: &Fronts) {
    println!("## analysis overhead per step (time beyond the step window)");
    let subject_backends = [backend("green", f.green.port(), 10)];
    let subject = Subject {
        environment: "bench",
        version: "v2",
        backends: &subject_backends,
    };
    let window = Duration::from_millis(500);
    let none = || Ok(());
    let mut probe = AnalysisConfig {
        min_samples: 5,
        ..AnalysisConfig::default()
    };
    probe.probe.interval = slipway_config::Duration::from_millis(10);
    let mut over = Vec::new();
    for _ in 0..10 {
        let t = Instant::now();
        analysis::analyse(&run(), &probe, &subject, window, &none).unwrap();
        over.push((t.elapsed().saturating_sub(window)).as_secs_f64() * 1000.0);
    }
    stats("probe: beyond a 500 ms window", over);

    let prometheus = Prometheus::start(
        &[format!("127.0.0.1:{}", f.green.port())],
        Duration::from_millis(100),
    );
    prometheus.wait_for_target_up(Duration::from_secs(30));
    let stop = Arc::new(AtomicBool::new(false));
    let feeder = {
        let stop = Arc::clone(&stop);
        let url = f.green.url();
        std::thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                let _ = slipway_test_support::http::get(&url);
            }
        })
    };
    std::thread::sleep(Duration::from_secs(2));
    let mut config = AnalysisConfig {
        provider: Provider::Prometheus,
        min_samples: 5,
        ..AnalysisConfig::default()
    };
    config.prometheus.url = prometheus.url();
    let mut over = Vec::new();
    for _ in 0..10 {
        let t = Instant::now();
        analysis::analyse(&run(), &config, &subject, window, &none).unwrap();
        over.push((t.elapsed().saturating_sub(window)).as_secs_f64() * 1000.0);
    }
    stop.store(true, Ordering::SeqCst);
    let _ = feeder.join();
    stats(
        "prometheus: beyond a 500 ms window (3 instant queries)",
        over,
    );
}

/// Keep-alive load: `workers` persistent connections; returns (ok, failed).
fn keep_alive_load(
    url: &str,
    workers: usize,
    stop: &Arc<AtomicBool>,
) -> Vec<std::thread::JoinHandle<(u64, u64)>> {
    let authority = url.trim_start_matches("http://").to_owned();
    (0..workers)
        .map(|_| {
            let authority = authority.clone();
            let stop = Arc::clone(stop);
            std::thread::spawn(move || {
                let (ok, failed) = (AtomicU64::new(0), AtomicU64::new(0));
                let mut conn: Option<BufReader<TcpStream>> = None;
                while !stop.load(Ordering::SeqCst) {
                    if conn.is_none() {
                        conn = TcpStream::connect(&authority).ok().map(BufReader::new);
                    }
                    let Some(reader) = conn.as_mut() else {
                        failed.fetch_add(1, Ordering::Relaxed);
                        continue;
                    };
                    if let Ok((200, keep)) = exchange(reader, &authority) {
                        ok.fetch_add(1, Ordering::Relaxed);
                        if !keep {
                            conn = None;
                        }
                    } else {
                        failed.fetch_add(1, Ordering::Relaxed);
                        conn = None;
                    }
                }
                (ok.into_inner(), failed.into_inner())
            })
        })
        .collect()
}

fn exchange(reader: &mut BufReader<TcpStream>, authority: &str) -> std::io::Result<(u16, bool)> {
    reader
        .get_mut()
        .write_all(format!("GET / HTTP/1.1\r\nHost: {authority}\r\n\r\n").as_bytes())?;
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Err(std::io::ErrorKind::UnexpectedEof.into());
    }
    let status = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let (mut length, mut keep) = (0_usize, true);
    loop {
        let mut h = String::new();
        reader.read_line(&mut h)?;
        let h = h.trim_end().to_ascii_lowercase();
        if h.is_empty() {
            break;
        }
        if let Some(v) = h.strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        }
        if h == "connection: close" {
            keep = false;
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    Ok((status, keep))
}

fn switches_under_load(f: &Fronts) {
    println!("## failed requests under keep-alive load (4 connections), 20 switches");
    for (name, router, url) in [
        ("haproxy", &f.haproxy as &dyn Router, f.haproxy_server.url()),
        ("nginx", &f.nginx as &dyn Router, f.nginx_server.url()),
    ] {
        let r = run();
        router
            .apply(&r, &Routing::new(vec![backend("blue", f.blue.port(), 1)]))
            .unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let workers = keep_alive_load(&url, 4, &stop);
        let started = Instant::now();
        for i in 0..20 {
            let routing = if i % 2 == 0 {
                vec![backend("green", f.green.port(), 1)]
            } else {
                vec![backend("blue", f.blue.port(), 1)]
            };
            router.apply(&r, &Routing::new(routing)).unwrap();
            std::thread::sleep(Duration::from_millis(100));
        }
        stop.store(true, Ordering::SeqCst);
        let (ok, failed) = workers
            .into_iter()
            .map(|w| w.join().unwrap())
            .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
        println!(
            "{name:<8} {} requests in {:.1}s, {failed} failed ({:.3}%)",
            ok + failed,
            started.elapsed().as_secs_f64(),
            failed as f64 * 100.0 / (ok + failed).max(1) as f64
        );
    }
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    println!(
        "# canary benchmarks ({} CPUs)",
        std::thread::available_parallelism().map_or(0, std::num::NonZero::get)
    );
    let f = fronts();
    weight_to_share(&f);
    analysis_overhead(&f);
    switches_under_load(&f);
}
