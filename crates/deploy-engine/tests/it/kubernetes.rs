//! The ConfigMap ledger and the Lease on the real control plane.

use std::sync::{Arc, Barrier};
use std::time::Duration;

use slipway_deploy_engine::cancel::Cancel;
use slipway_deploy_engine::ledger::{Entry, Status};
use slipway_deploy_engine::lock::{Breaking, Holder, Lock, LockError};
use slipway_deploy_engine::platform::Platform as _;
use slipway_deploy_engine::platform::kubernetes::KubePlatform;
use slipway_deploy_engine::run::Mode;
use slipway_deploy_engine::{DeploySection, Environment, Run};
use slipway_kit::Ui;
use slipway_test_support::kube::Kube;

/// A rolling environment `test` in a fresh namespace of the shared control plane.
fn environment() -> (&'static Kube, String, Environment) {
    let kube = Kube::shared();
    let ns = kube.namespace("engine");
    let text = format!(
        "[deploy.environments.test]\nplatform = \"kubernetes\"\nstrategy = \"rolling\"\nlock_ttl = \"3s\"\n\
         [deploy.environments.test.kubernetes]\nkubeconfig = \"{}\"\ndeployment = \"web\"\nimage = \"example/web:{{version}}\"\n",
        kube.kubeconfig_for(&ns).display()
    );
    let file = slipway_config::ConfigFile::from_text(None, text).unwrap();
    let env = DeploySection::load(&file)
        .unwrap()
        .environment("test", "slipway.toml")
        .unwrap();
    (kube, ns, env)
}

fn run() -> Run {
    Run::new(Ui::detect().quiet(true), Cancel::new(), false)
}

fn entry(id: &str, at: &str) -> Entry {
    Entry {
        id: id.into(),
        kind: "deploy".into(),
        version: format!("v-{id}"),
        previous: None,
        slot: "web".into(),
        strategy: "rolling".into(),
        status: Status::Succeeded,
        started_at: at.into(),
        finished_at: None,
        actor: "tester".into(),
        commit: None,
        switched_at: None,
        run_url: None,
        reason: None,
    }
}

#[test]
fn the_ledger_configmap_keeps_both_entries_of_two_concurrent_writers() {
    let (kube, ns, env) = environment();
    let platform = KubePlatform::new(&env);
    let first = platform.ledger_store(&env);
    let second = platform.ledger_store(&env);
    // Both read the same (empty) ledger, then both write: the second write conflicts on
    // resourceVersion and is merged, not lost.
    let barrier = Arc::new(Barrier::new(2));
    let writers: Vec<_> = [
        (first, "a", "2026-01-01T00:00:01Z"),
        (second, "b", "2026-01-01T00:00:02Z"),
    ]
    .into_iter()
    .map(|(store, id, at)| {
        let barrier = Arc::clone(&barrier);
        std::thread::spawn(move || {
            let run = run();
            let mut ledger = store.load(&run).unwrap();
            barrier.wait();
            ledger.push(entry(id, at), 50);
            store.save(&run, &ledger, Mode::Change).unwrap();
            // A second write by the same writer builds on what it stored.
            ledger.history[0].reason = Some(format!("second write of {id}"));
            store.save(&run, &ledger, Mode::Change).unwrap();
        })
    })
    .collect();
    for w in writers {
        w.join().unwrap();
    }
    let cm = kube.get(&format!(
        "/api/v1/namespaces/{ns}/configmaps/slipway-ledger-test"
    ));
    let ledger: serde_json::Value =
        serde_json::from_str(cm["data"]["ledger.json"].as_str().unwrap()).unwrap();
    let ids: Vec<&str> = ledger["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["b", "a"], "{ledger}");
    for e in ledger["history"].as_array().unwrap() {
        let id = e["id"].as_str().unwrap();
        assert_eq!(e["reason"], format!("second write of {id}"));
    }
}

#[test]
fn the_lease_refuses_a_second_holder_and_a_dead_holders_lease_is_stale() {
    let (kube, ns, env) = environment();
    let lease_path =
        format!("/apis/coordination.k8s.io/v1/namespaces/{ns}/leases/slipway-lock-test");
    let platform = KubePlatform::new(&env);
    let lock = Lock::with_store(platform.lock_store(&env), "test", env.lock_ttl);
    let run = run();
    let first = Holder::this_process("run-1", "deploy", Some("v1"), None);
    lock.acquire(&run, &first, Duration::ZERO, Breaking::default())
        .unwrap();
    let second = Holder::this_process("run-2", "deploy", Some("v2"), None);
    match lock.acquire(
        &run,
        &second,
        Duration::from_millis(500),
        Breaking::default(),
    ) {
        Err(LockError::Held { holder, stale, .. }) => {
            assert_eq!(holder.id, "run-1");
            assert!(stale.is_none(), "renewed and alive: not stale");
        }
        other => panic!("expected a held lock, got {other:?}"),
    }
    // Renewals keep a live holder's lease fresh past its TTL.
    std::thread::sleep(Duration::from_secs(5));
    let lease = kube.get(&lease_path);
    assert_ne!(
        lease["spec"]["renewTime"], lease["spec"]["acquireTime"],
        "{lease}"
    );
    assert!(
        lock.holder(&run)
            .unwrap()
            .unwrap()
            .stale_reason(Duration::from_secs(3))
            .is_none()
    );
    lock.remove(&run, Some("run-1")).unwrap();
    assert!(kube.try_get(&lease_path).is_err(), "released");
    // A holder whose process is gone on this machine is stale; --force breaks it.
    let mut dead = Holder::this_process("dead", "deploy", Some("v1"), None);
    dead.pid = 999_999_999;
    lock.acquire(&run, &dead, Duration::ZERO, Breaking::default())
        .unwrap();
    match lock.acquire(&run, &second, Duration::ZERO, Breaking::default()) {
        Err(LockError::Held {
            stale: Some(why), ..
        }) => assert!(why.contains("gone"), "{why}"),
        other => panic!("expected a stale lock, got {other:?}"),
    }
    lock.acquire(
        &run,
        &second,
        Duration::ZERO,
        Breaking {
            stale: true,
            freeze: false,
        },
    )
    .unwrap();
    assert_eq!(lock.holder(&run).unwrap().unwrap().id, "run-2");
    lock.remove(&run, None).unwrap();
}
