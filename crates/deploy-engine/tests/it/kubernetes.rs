//! The ConfigMap ledger, the Lease and the watches on the real control plane.

use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use serde_json::json;

use slipway_deploy_engine::cancel::Cancel;
use slipway_deploy_engine::ledger::{Entry, Status};
use slipway_deploy_engine::lock::{Breaking, Holder, Lock, LockError};
use slipway_deploy_engine::platform::Platform as _;
use slipway_deploy_engine::platform::kubernetes::KubePlatform;
use slipway_deploy_engine::platform::kubernetes::kubectl::Kubectl;
use slipway_deploy_engine::platform::kubernetes::watch::{self, Check, Event, Watch};
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

/// The ConfigMap `probe` with `data.v = "0"` in a fresh namespace; its path.
fn probe(kube: &Kube, ns: &str) -> String {
    kube.send(
        "POST",
        &format!("/api/v1/namespaces/{ns}/configmaps"),
        &json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "probe"}, "data": {"v": "0"}}),
    );
    format!("/api/v1/namespaces/{ns}/configmaps/probe")
}

/// Waits up to `deadline` for the probe's `data.v` to be `want`.
fn wait_for_v(
    run: &Run,
    kubectl: &Kubectl,
    watch: Option<Watch>,
    deadline: Duration,
    want: &str,
) -> Result<(), String> {
    watch::until(
        run,
        kubectl,
        ("configmap", "probe"),
        deadline,
        watch,
        "the probe's change",
        |o| {
            if o["data"]["v"] == want {
                Check::Done(())
            } else {
                Check::Waiting(format!("v is {}", o["data"]["v"]))
            }
        },
    )
    .map_err(|e| e.to_string())
}

#[test]
fn a_change_between_kubectls_read_and_its_watch_reaches_the_wait() {
    // The link to the API holds each watch request back 3 s, so the ConfigMap changes
    // after kubectl has read it and before its watch starts. kubectl's watch of one named
    // object drops exactly that change (its first watch event), and a Service switch whose
    // endpoints moved in that window waited to its deadline.
    let kube = Kube::shared();
    let ns = kube.namespace("watch");
    let path = probe(kube, &ns);
    let kubeconfig = kube.slow_watch_kubeconfig(&ns, Duration::from_secs(3));
    let kubectl = Kubectl::new(
        "kubectl",
        Some(kubeconfig.to_str().unwrap()),
        None,
        Some(&ns),
    );
    let run = run();
    let watch = Watch::start(&kubectl, "configmap", "probe").unwrap();
    let first = watch.next(&run, Instant::now() + Duration::from_secs(60));
    match &first {
        Ok(Some(Event::Object(o))) => assert_eq!(o["data"]["v"], "0"),
        other => panic!("expected the probe as it is, got {other:?}"),
    }
    // kubectl has read the probe; its watch is on the slow link.
    kube.merge_patch(&path, &json!({"data": {"v": "1"}}));
    wait_for_v(&run, &kubectl, Some(watch), Duration::from_secs(20), "1").unwrap();
}

#[test]
fn a_watch_sees_an_object_created_after_it_started_and_its_deletion() {
    let kube = Kube::shared();
    let ns = kube.namespace("watch");
    let kubectl = Kubectl::new(
        "kubectl",
        Some(kube.kubeconfig_for(&ns).to_str().unwrap()),
        None,
        Some(&ns),
    );
    let run = run();
    // Absent: the watch has no state to give until the object exists.
    let watch = Watch::start(&kubectl, "configmap", "probe").unwrap();
    let path = probe(kube, &ns);
    wait_for_v(&run, &kubectl, Some(watch), Duration::from_secs(60), "0").unwrap();
    let watch = Watch::start(&kubectl, "configmap", "probe").unwrap();
    let first = watch.next(&run, Instant::now() + Duration::from_secs(60));
    assert!(matches!(first, Ok(Some(Event::Object(_)))), "{first:?}");
    // Listed: the deletion comes after the list, so the watch delivers it.
    kube.send("DELETE", &path, &json!({}));
    watch::until(
        &run,
        &kubectl,
        ("configmap", "probe"),
        Duration::from_secs(60),
        Some(watch),
        "the probe's deletion",
        |o| {
            if o.is_null() {
                Check::Done(())
            } else {
                Check::Waiting("it still exists".into())
            }
        },
    )
    .unwrap();
}

#[test]
fn a_wait_on_an_object_that_never_changes_ends_at_its_deadline_naming_the_last_state() {
    let kube = Kube::shared();
    let ns = kube.namespace("watch");
    probe(kube, &ns);
    let kubectl = Kubectl::new(
        "kubectl",
        Some(kube.kubeconfig_for(&ns).to_str().unwrap()),
        None,
        Some(&ns),
    );
    let error = wait_for_v(&run(), &kubectl, None, Duration::from_secs(8), "1").unwrap_err();
    assert_eq!(
        error,
        "the probe's change did not finish within 8s: v is \"0\""
    );
}
