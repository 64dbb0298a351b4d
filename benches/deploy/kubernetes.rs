//! Slipway's own overhead per rollout step on the Kubernetes fixture (a real API server,
//! controller manager and scheduler, and the kubelet loop of test-support).
//!
//! For each step a thread reads the object through `kubectl proxy` every 10 ms and notes
//! when the change lands in the API (the Deployment's generation moves, the Service's
//! resourceVersion moves) and when the cluster has done it (the rollout is complete, the
//! endpoints hold only the new slot). The controller's time is the span between the two;
//! Slipway's overhead is the step's wall time minus that span: reading state before the
//! change, kubectl start-up, and noticing the end (the watch event).
//!
//! 1. rolling step: `start` of a new image on a 3-replica Deployment, max_surge 1;
//! 2. blue-green switch: the Service selector patch to the other ready slot.
//!
//! `cargo bench -p deploy --bench kubernetes`; the target is under 200 ms per step.
#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use slipway_deploy_engine::Run;
use slipway_deploy_engine::cancel::Cancel;
use slipway_deploy_engine::platform::Platform as _;
use slipway_deploy_engine::platform::kubernetes::rollout::{Progress, progress};
use slipway_deploy_engine::platform::kubernetes::{HOST, KubePlatform};
use slipway_deploy_engine::router::Routing;
use slipway_deploy_engine::testing::kube::KubeSite;
use slipway_kit::Ui;
use slipway_test_support::kube::Kube;

const STEPS: usize = 6;

fn quiet_run() -> Run {
    Run::new(Ui::detect().quiet(true), Cancel::new(), false)
}

/// Polls `path` every 10 ms; returns (when the change landed, when it was done).
fn watch(
    kube: &'static Kube,
    path: String,
    landed: impl Fn(&serde_json::Value) -> bool + Send + 'static,
    done: impl Fn(&serde_json::Value) -> bool + Send + 'static,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<(Option<Instant>, Option<Instant>)> {
    std::thread::spawn(move || {
        let (mut l, mut d) = (None, None);
        for _ in 0..60_000 {
            if stop.load(Ordering::SeqCst) && d.is_some() {
                break;
            }
            if stop.load(Ordering::SeqCst) && l.is_none() {
                break;
            }
            if let Ok(v) = kube.try_get(&path) {
                let now = Instant::now();
                if l.is_none() && landed(&v) {
                    l = Some(now);
                }
                if l.is_some() && d.is_none() && done(&v) {
                    d = Some(now);
                }
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        (l, d)
    })
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn report(name: &str, totals: &[f64], controller: &[f64]) {
    let overhead: Vec<f64> = totals.iter().zip(controller).map(|(t, c)| t - c).collect();
    println!(
        "{name}: {} steps; step median {:.0} ms; cluster median {:.0} ms; Slipway overhead median {:.0} ms, max {:.0} ms",
        totals.len(),
        median(totals.to_vec()),
        median(controller.to_vec()),
        median(overhead.clone()),
        overhead.iter().copied().fold(0.0, f64::max)
    );
}

fn rolling() {
    let site = KubeSite::rolling(3, "max_surge = 1\nmax_unavailable = 0", "");
    let env = site.environment();
    let platform = KubePlatform::new(&env);
    let slot = env.slot_names[0].clone();
    platform.start(&quiet_run(), HOST, &slot, "v1").unwrap();
    let path = format!(
        "/apis/apps/v1/namespaces/{}/deployments/web",
        site.namespace
    );
    let (mut totals, mut cluster) = (Vec::new(), Vec::new());
    for i in 0..STEPS {
        let version = format!("v{}", i + 2);
        let before = site.kube.get(&path)["metadata"]["generation"]
            .as_i64()
            .unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let watcher = watch(
            site.kube,
            path.clone(),
            move |d| d["metadata"]["generation"].as_i64().unwrap_or(0) > before,
            |d| progress(d) == Progress::Done,
            Arc::clone(&stop),
        );
        let t0 = Instant::now();
        platform.start(&quiet_run(), HOST, &slot, &version).unwrap();
        let total = t0.elapsed();
        stop.store(true, Ordering::SeqCst);
        let (landed, done) = watcher.join().unwrap();
        let (Some(l), Some(d)) = (landed, done) else {
            println!("rolling step {version}: the watcher missed the change");
            continue;
        };
        totals.push(total.as_secs_f64() * 1000.0);
        cluster.push(d.duration_since(l).as_secs_f64() * 1000.0);
    }
    report("rolling step (3 replicas, max_surge 1)", &totals, &cluster);
}

fn switch() {
    let site = KubeSite::slotted("blue-green", 2, "", "scale_down_delay = \"0s\"");
    let env = site.environment();
    let platform = KubePlatform::new(&env);
    let router = platform.own_router().unwrap();
    let run = quiet_run();
    // Both slots ready: blue v1 (serving), green v2.
    platform.start(&run, HOST, "blue", "v1").unwrap();
    router
        .apply(
            &run,
            &Routing::new(vec![platform.backend(HOST, "blue", "v1")]),
        )
        .unwrap();
    platform.start(&run, HOST, "green", "v2").unwrap();
    let svc = format!("/api/v1/namespaces/{}/services/web", site.namespace);
    let ep = format!("/api/v1/namespaces/{}/endpoints/web", site.namespace);
    let (mut totals, mut cluster) = (Vec::new(), Vec::new());
    for i in 0..STEPS {
        let (slot, version) = if i % 2 == 0 {
            ("green", "v2")
        } else {
            ("blue", "v1")
        };
        let stop = Arc::new(AtomicBool::new(false));
        let prefix = format!("web-{slot}-");
        let selects = slot.to_owned();
        let landed = watch(
            site.kube,
            svc.clone(),
            move |s| s["spec"]["selector"]["slipway.dev/slot"] == selects.as_str(),
            |_| true,
            Arc::clone(&stop),
        );
        let done = watch(
            site.kube,
            ep.clone(),
            |_| true,
            move |e| {
                let names: Vec<&str> = e["subsets"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .flat_map(|s| s["addresses"].as_array().into_iter().flatten())
                    .filter_map(|a| a["targetRef"]["name"].as_str())
                    .collect();
                names.len() == 2 && names.iter().all(|n| n.starts_with(&prefix))
            },
            Arc::clone(&stop),
        );
        let t0 = Instant::now();
        router
            .apply(
                &run,
                &Routing::new(vec![platform.backend(HOST, slot, version)]),
            )
            .unwrap();
        let total = t0.elapsed();
        stop.store(true, Ordering::SeqCst);
        let (l, _) = landed.join().unwrap();
        let (_, d) = done.join().unwrap();
        let (Some(l), Some(d)) = (l, d) else {
            println!("switch to {slot}: the watcher missed the change");
            continue;
        };
        totals.push(total.as_secs_f64() * 1000.0);
        cluster.push(d.saturating_duration_since(l).as_secs_f64() * 1000.0);
    }
    report(
        "blue-green switch (Service selector, 2 ready pods)",
        &totals,
        &cluster,
    );
}

fn main() {
    println!(
        "machine: {} cores, load {}",
        std::thread::available_parallelism().map_or(0, std::num::NonZero::get),
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .trim()
    );
    rolling();
    switch();
}
