//! Deploy benchmarks on loopback with real nginx, real sshd and the sample service.
//!
//! 1. switch: decision (router apply starts) to the new routing observed through nginx,
//!    and to observed-and-steady (the settle window), over 10 blue-green switches;
//! 2. fast-path rollback end to end (lock, ledger, health check of the standby, switch);
//! 3. the engine's own overhead per step: a deploy whose start/stop commands are `true`
//!    and whose health endpoint is always up, so every millisecond is the tool's;
//! 4. SSH step cost with ControlMaster for 1 and 10 hosts (first command, then the steady
//!    per-command cost), against a fresh connection per command;
//! 5. restore: a blue-green deploy of a version answering 20 % errors, probe analysis
//!    every second through the validation window: from the end of the first failing
//!    measurement (the failing window) to the previous version served again through nginx;
//! 6. cancel: the `deploy` binary mid validation window gets SIGINT, as GitHub's cancel
//!    starts; from the signal to its exit with routing back on the previous version, the
//!    new slot stopped (its stop command sleeps 3 s) and the lock released (target 5 s).
#![allow(clippy::unwrap_used, clippy::print_stdout)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use slipway_deploy_engine::Run;
use slipway_deploy_engine::cancel::Cancel;
use slipway_deploy_engine::config::{SshConfig, SshTarget};
use slipway_deploy_engine::deploy::{self, Parts, Request};
use slipway_deploy_engine::rollback;
use slipway_deploy_engine::shell::Target;
use slipway_deploy_engine::ssh::{Ssh, SshSession};
use slipway_deploy_engine::testing::{Options, Site};
use slipway_kit::{Exit, Ui};
use slipway_test_support::sshd::Sshd;

fn quiet_run() -> Run {
    Run::new(Ui::detect().quiet(true), Cancel::new(), false)
}

fn deploy_version(site: &Site, version: &str) -> deploy::Outcome {
    let parts = Parts::new(&site.environment()).unwrap();
    let outcome = deploy::deploy(
        &quiet_run(),
        &parts,
        &Request {
            version: version.into(),
            strategy: None,
            lock_wait: Duration::ZERO,
            breaking: slipway_deploy_engine::lock::Breaking::default(),
        },
    );
    assert_eq!(outcome.exit, Exit::Success, "{:?}", outcome.document.error);
    outcome
}

fn stats(label: &str, mut ms: Vec<f64>) {
    ms.sort_by(f64::total_cmp);
    let n = ms.len();
    let mean = ms.iter().sum::<f64>() / n as f64;
    println!(
        "{label:<58} n={n:<3} min={:>7.1}ms median={:>7.1}ms mean={mean:>7.1}ms max={:>7.1}ms",
        ms[0],
        ms[n / 2],
        ms[n - 1]
    );
}

fn switch_time() {
    let site = Site::start(Options {
        smoke: false,
        ..Options::default()
    });
    deploy_version(&site, "v1");
    deploy_version(&site, "v2");
    let env = site.environment();
    let parts = Parts::new(&env).unwrap();
    let run = quiet_run();
    let (mut seen, mut steady) = (Vec::new(), Vec::new());
    let current = parts.router.current(&run).unwrap().unwrap();
    let other: Vec<_> = current
        .backends
        .iter()
        .map(|b| {
            let slot = env.other_slot(&b.slot).to_owned();
            let version = if b.version == "v2" { "v1" } else { "v2" };
            slipway_deploy_engine::platform::Platform::backend(
                &parts.platform,
                &b.host,
                &slot,
                version,
            )
        })
        .collect();
    let mut routings = [current.backends.clone(), other];
    for i in 0..10 {
        let target = routings[(i + 1) % 2].clone();
        let version = target[0].version.clone();
        let started = Instant::now();
        parts
            .router
            .apply(&run, &slipway_deploy_engine::router::Routing::new(target))
            .unwrap();
        steady.push(started.elapsed().as_secs_f64() * 1000.0);
        // The first moment a new connection through nginx got the new version.
        seen.push(steady[i] - env.nginx.settle.as_std().as_secs_f64() * 1000.0);
        assert_eq!(site.serving().as_deref(), Some(version.as_str()));
        routings.swap(0, 0);
    }
    stats(
        "switch: decision -> first new response through nginx (≈)",
        seen,
    );
    stats(
        "switch: decision -> observed and steady (settle 250 ms)",
        steady,
    );
}

fn fast_path_rollback() {
    let mut totals = Vec::new();
    for _ in 0..5 {
        let site = Site::start(Options {
            smoke: false,
            ..Options::default()
        });
        deploy_version(&site, "v1");
        deploy_version(&site, "v2");
        let parts = Parts::new(&site.environment()).unwrap();
        let run = quiet_run();
        let request = rollback::Request {
            fast_path: true,
            ..rollback::Request::default()
        };
        let started = Instant::now();
        let outcome = rollback::rollback(&run, &parts, &request);
        totals.push(started.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(outcome.exit, Exit::Success);
        assert_eq!(outcome.document.method.as_deref(), Some("fast-path"));
    }
    stats(
        "fast-path rollback end to end (lock + plan + check + switch)",
        totals,
    );
}

fn overhead_per_step() {
    let site = Site::start(Options {
        smoke: false,
        extra: "router = \"none\"".into(),
        ..Options::default()
    });
    // An always-up health endpoint and no-op commands: every millisecond is the engine's.
    let health = slipway_test_support::sample::SampleService::start("up");
    let text = std::fs::read_to_string(&site.config).unwrap();
    let text = text
        .replace(
            "router = \"none\"",
            &format!(
                "router = \"none\"\nhealth.url = \"http://127.0.0.1:{}/health\"",
                health.port()
            ),
        )
        .lines()
        .map(|l| {
            if l.starts_with("start = ") {
                "start = 'true'".to_owned()
            } else if l.starts_with("stop = ") {
                "stop = 'true'".to_owned()
            } else {
                l.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let text = text.replace(
        "[deploy.environments.test.health]\n",
        "[deploy.environments.test.health_unused]\n",
    );
    let text = strip_table(&text, "[deploy.environments.test.health_unused]");
    std::fs::write(&site.config, text).unwrap();
    let mut per_step = Vec::new();
    for i in 0..10 {
        let outcome = deploy_version(&site, &format!("v{i}"));
        let steps = &outcome.document.steps;
        per_step.push(outcome.document.duration_ms as f64 / steps.len() as f64);
    }
    stats(
        "engine overhead per step (no-op commands, local host)",
        per_step,
    );
}

fn strip_table(text: &str, header: &str) -> String {
    let mut out = Vec::new();
    let mut skipping = false;
    for line in text.lines() {
        if line.starts_with('[') {
            skipping = line == header;
        }
        if !skipping {
            out.push(line);
        }
    }
    out.join("\n") + "\n"
}

fn ssh_overhead(hosts: usize) {
    let sshds: Vec<Sshd> = (0..hosts).map(|_| Sshd::start()).collect();
    let dir = tempfile::tempdir().unwrap();
    let known = dir.path().join("known_hosts");
    let all: String = sshds
        .iter()
        .map(|s| std::fs::read_to_string(s.known_hosts()).unwrap())
        .collect();
    std::fs::write(&known, all).unwrap();
    // One deploy key for every host, as in real fleets: authorise the first host's client key
    // everywhere (ten IdentityFile options would exceed sshd's MaxAuthTries).
    let key = std::fs::read_to_string(sshds[0].dir().join("id_ed25519.pub")).unwrap();
    for s in &sshds[1..] {
        let mut keys = std::fs::read_to_string(s.dir().join("authorized_keys")).unwrap();
        keys.push_str(&key);
        std::fs::write(s.dir().join("authorized_keys"), keys).unwrap();
    }
    let config = SshConfig {
        known_hosts: Some(known.display().to_string()),
        options: vec![format!(
            "IdentityFile={}",
            sshds[0].identity_file().display()
        )],
        ..SshConfig::default()
    };
    let session = SshSession::new(&config).unwrap();
    let targets: Vec<Arc<dyn Target>> = sshds
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let t = SshTarget::parse(&format!("{}@127.0.0.1:{}", s.user(), s.port())).unwrap();
            Arc::new(Ssh::new(&format!("h{i}"), t, Arc::clone(&session))) as Arc<dyn Target>
        })
        .collect();
    let step = |targets: &[Arc<dyn Target>]| {
        let started = Instant::now();
        for t in targets {
            let out = t.run("true", None, Duration::from_secs(30), None).unwrap();
            assert!(out.success(), "{}", out.combined());
        }
        started.elapsed().as_secs_f64() * 1000.0
    };
    let first = step(&targets);
    let steady: Vec<f64> = (0..5).map(|_| step(&targets)).collect();
    println!("ssh, {hosts:>2} host(s): first step (handshakes) {first:>7.1}ms");
    stats(
        &format!("ssh, {hosts:>2} host(s): one step, hosts one after another"),
        steady,
    );
    // What the engine does for a per-host step: every host at once (Run::each_host).
    let run = quiet_run();
    let names: Vec<String> = (0..hosts).map(|i| format!("h{i}")).collect();
    let engine_step = || {
        let started = Instant::now();
        let results = run.each_host("bench", &names, |host| {
            let i: usize = host[1..].parse().unwrap();
            run.step(&format!("true on {host}"), || {
                run.exec_ok(
                    &*targets[i],
                    "true",
                    "true",
                    None,
                    Duration::from_secs(30),
                    slipway_deploy_engine::run::Mode::Change,
                )
                .map(|_| ())
            })
        });
        assert!(results.iter().all(Result::is_ok));
        started.elapsed().as_secs_f64() * 1000.0
    };
    let steady: Vec<f64> = (0..5).map(|_| engine_step()).collect();
    stats(
        &format!("ssh, {hosts:>2} host(s): one engine step, hosts at once"),
        steady,
    );
    let fresh: Vec<f64> = (0..3)
        .map(|_| {
            let started = Instant::now();
            for s in &sshds {
                let out = s.ssh_command("true").output().unwrap();
                assert!(out.status.success());
            }
            started.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    stats(
        &format!("ssh, {hosts:>2} host(s): one step on every host, new connection each"),
        fresh,
    );
    drop(session);
}

fn main() {
    let only = std::env::args().nth(1).filter(|a| !a.starts_with('-'));
    let want = |name: &str| only.as_deref().is_none_or(|o| o == name);
    println!(
        "slipway deploy benchmarks (loopback, real nginx and sshd); load: {}",
        load()
    );
    if want("switch") {
        switch_time();
    }
    if want("rollback") {
        fast_path_rollback();
    }
    if want("overhead") {
        overhead_per_step();
    }
    if want("ssh") {
        ssh_overhead(1);
        ssh_overhead(10);
    }
    if want("restore") {
        restore_after_failing_metric();
    }
    if want("cancel") {
        cancel_cleanup();
    }
}

fn cancel_cleanup() {
    let mut totals = Vec::new();
    for _ in 0..5 {
        let site = Site::local();
        deploy_version(&site, "v1");
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_deploy"));
        slipway_test_support::actions::clean_env(&mut command);
        let mut child = command
            .current_dir(site.path())
            .env("NO_COLOR", "1")
            .arg("--config")
            .arg(&site.config)
            .args(["--environment", slipway_deploy_engine::testing::ENV])
            .args(["--version", "v2-slowstop", "--validation-window", "60s"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        while site.serving().as_deref() != Some("v2-slowstop") {
            assert!(Instant::now() < deadline, "v2 never served");
            std::thread::sleep(Duration::from_millis(20));
        }
        std::thread::sleep(Duration::from_millis(500));
        let sent = Instant::now();
        let signalled = std::process::Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(signalled.success());
        let status = child.wait().unwrap();
        totals.push(sent.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(status.code(), Some(1), "a cancelled deploy exits 1");
        assert_eq!(site.serving().as_deref(), Some("v1"), "routing restored");
        assert!(!site.locked(), "the lock was released");
    }
    stats(
        "cancel: SIGINT -> exit (route back, 3 s stop, ledger, lock)",
        totals,
    );
}

fn restore_after_failing_metric() {
    const INTERVAL_MS: f64 = 1000.0;
    let site = Site::start(Options {
        smoke: false,
        validation_window: "3s",
        extra: "[deploy.environments.test.analysis]\nprovider = \"probe\"\ninterval = \"1s\"\n\
                min_samples = 10\n[deploy.environments.test.analysis.probe]\ninterval = \"20ms\"\n"
            .into(),
        ..Options::default()
    });
    deploy_version(&site, "v1");
    let parts = Parts::new(&site.environment()).unwrap();
    let (mut after_window, mut decided) = (Vec::new(), Vec::new());
    for _ in 0..5 {
        // Watch what nginx serves, every 5 ms, from a new connection each time.
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let watcher = {
            let stop = Arc::clone(&stop);
            let url = format!("{}/version", site.nginx.url());
            std::thread::spawn(move || {
                // (when, serving the bad version) for every answer through nginx.
                let mut samples = Vec::new();
                while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                    let body = slipway_test_support::http::get(&url)
                        .map(|r| r.text())
                        .unwrap_or_default();
                    samples.push((Instant::now(), body.contains("v2-errors20")));
                    std::thread::sleep(Duration::from_millis(5));
                }
                // Old nginx workers answer for a moment after a switch: traffic is back
                // at the first answer after the last one from the bad version.
                let last_bad = samples.iter().rposition(|(_, bad)| *bad)?;
                samples.get(last_bad + 1).map(|(at, _)| *at)
            })
        };
        let started = Instant::now();
        let outcome = deploy::deploy(
            &quiet_run(),
            &parts,
            &Request {
                version: "v2-errors20".into(),
                strategy: None,
                lock_wait: Duration::ZERO,
                breaking: slipway_deploy_engine::lock::Breaking::default(),
            },
        );
        let returned = started.elapsed().as_secs_f64() * 1000.0;
        std::thread::sleep(Duration::from_millis(200));
        stop.store(true, std::sync::atomic::Ordering::SeqCst);
        let restored = watcher.join().unwrap().expect("v1 served again");
        assert_eq!(outcome.exit, Exit::No, "{:?}", outcome.document.error);
        let steps = &outcome.document.steps;
        let window = steps
            .iter()
            .position(|s| s.name.starts_with("validation window"))
            .unwrap();
        // Steps run one after another: the window starts when the steps before it ended.
        let window_start: f64 = steps[..window].iter().map(|s| s.duration_ms as f64).sum();
        let failing_window_end = window_start + INTERVAL_MS;
        let restored_ms = (restored - started).as_secs_f64() * 1000.0;
        after_window.push(restored_ms - failing_window_end);
        decided.push(window_start + steps[window].duration_ms as f64 - failing_window_end);
        assert!(returned >= restored_ms - 50.0);
    }
    stats(
        "restore: failing window end -> analysis fails the window",
        decided,
    );
    stats(
        "restore: failing window end -> v1 served again via nginx",
        after_window,
    );
}

fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}
