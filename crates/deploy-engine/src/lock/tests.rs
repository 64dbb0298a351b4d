//! The lock's rules against a real directory on this machine.

use super::*;
use crate::cancel::Cancel;

const NONE: Breaking = Breaking {
    stale: false,
    freeze: false,
};
const FORCE: Breaking = Breaking {
    stale: true,
    freeze: false,
};
const BREAK_FREEZE: Breaking = Breaking {
    stale: false,
    freeze: true,
};

fn setup() -> (tempfile::TempDir, Lock, Run) {
    let dir = tempfile::tempdir().unwrap();
    let lock = Lock::new(
        Arc::new(crate::shell::Local),
        &dir.path().join("staging").display().to_string(),
        "staging",
        Duration::from_secs(3600),
    );
    let run = Run::new(slipway_kit::Ui::detect().quiet(true), Cancel::new(), false);
    (dir, lock, run)
}

/// Writes `holder` as the lock's holder, as a run that took it at `since_epoch` would.
fn plant(lock: &Lock, holder: &Holder) {
    std::fs::create_dir_all(lock.path()).unwrap();
    std::fs::write(
        format!("{}/holder.json", lock.path()),
        serde_json::to_string(holder).unwrap(),
    )
    .unwrap();
}

#[test]
fn a_lock_is_stamped_when_taken_not_when_the_run_started_waiting() {
    let (_dir, lock, run) = setup();
    let mut waited = Holder::this_process("queued", "deploy", Some("v1"), None);
    waited.since_epoch -= 7200;
    lock.acquire(&run, &waited, Duration::ZERO, NONE).unwrap();
    let held = lock.holder(&run).unwrap().unwrap();
    assert_eq!(
        held.stale_reason(Duration::from_secs(3600)),
        None,
        "{held:?}"
    );
}

#[test]
fn second_holder_is_refused_with_the_first_named() {
    let (_dir, lock, run) = setup();
    let first = Holder::this_process("run-1", "deploy", Some("v1"), None);
    lock.acquire(&run, &first, Duration::ZERO, NONE).unwrap();
    let second = Holder::this_process("run-2", "deploy", Some("v2"), None);
    let err = lock
        .acquire(&run, &second, Duration::from_millis(600), NONE)
        .unwrap_err();
    assert!(err.to_string().contains("deploy of v1"), "{err}");
    lock.remove(&run, Some("run-1")).unwrap();
    lock.acquire(&run, &second, Duration::ZERO, NONE).unwrap();
    assert_eq!(lock.holder(&run).unwrap().unwrap().id, "run-2");
}

#[test]
fn a_dead_holder_is_stale_and_force_breaks_it_but_not_a_live_one() {
    let (_dir, lock, run) = setup();
    let mut dead = Holder::this_process("dead", "deploy", Some("v1"), None);
    dead.pid = 999_999_999;
    lock.acquire(&run, &dead, Duration::ZERO, NONE).unwrap();
    let me = Holder::this_process("me", "deploy", Some("v2"), None);
    match lock.acquire(&run, &me, Duration::from_secs(5), NONE) {
        Err(LockError::Held {
            stale: Some(why), ..
        }) => assert!(why.contains("gone"), "{why}"),
        other => panic!("expected a stale lock, got {other:?}"),
    }
    lock.acquire(&run, &me, Duration::ZERO, FORCE).unwrap();
    let other = Holder::this_process("other", "deploy", Some("v3"), None);
    assert!(
        lock.acquire(&run, &other, Duration::ZERO, FORCE).is_err(),
        "a live holder here is never broken"
    );
}

#[test]
fn release_by_another_id_leaves_the_lock() {
    let (_dir, lock, run) = setup();
    lock.acquire(
        &run,
        &Holder::this_process("a", "manual", None, Some("freeze")),
        Duration::ZERO,
        NONE,
    )
    .unwrap();
    lock.remove(&run, Some("b")).unwrap();
    assert!(lock.holder(&run).unwrap().is_some());
    lock.remove(&run, None).unwrap();
    assert!(lock.holder(&run).unwrap().is_none());
}

#[test]
fn a_file_at_the_lock_path_is_an_error_naming_the_path_not_a_spin() {
    let (dir, lock, run) = setup();
    std::fs::create_dir_all(dir.path().join("staging")).unwrap();
    std::fs::write(dir.path().join("staging/lock"), "stray").unwrap();
    let me = Holder::this_process("me", "deploy", Some("v1"), None);
    for breaking in [NONE, FORCE, BREAK_FREEZE] {
        match lock.acquire(&run, &me, Duration::from_secs(1), breaking) {
            Err(e @ LockError::Unexpected { .. }) => {
                let text = e.to_string();
                assert!(text.contains(&lock.path()), "{text}");
                assert!(text.contains("is a file"), "{text}");
            }
            other => panic!("expected an unexpected lock path, got {other:?}"),
        }
    }
    let err = lock.holder(&run).unwrap_err().to_string();
    assert!(err.contains("is a file"), "{err}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("staging/lock")).unwrap(),
        "stray",
        "the file is left for a person to look at"
    );
}

#[test]
fn a_lock_directory_that_cannot_be_created_is_an_error_naming_the_path() {
    let (dir, lock, run) = setup();
    // The state directory itself is a file: mkdir -p fails.
    std::fs::write(dir.path().join("staging"), "not a directory").unwrap();
    let me = Holder::this_process("me", "deploy", Some("v1"), None);
    match lock.acquire(&run, &me, Duration::from_secs(1), NONE) {
        Err(e @ LockError::Unexpected { .. }) => {
            assert!(e.to_string().contains("cannot be created"), "{e}");
        }
        other => panic!("expected an unexpected lock path, got {other:?}"),
    }
}

#[test]
fn force_never_breaks_a_live_lock_from_another_machine_until_its_ttl_passes() {
    let (_dir, lock, run) = setup();
    let mut foreign = Holder::this_process("runner-2", "deploy", Some("v1"), None);
    foreign.machine = "another-runner".into();
    foreign.pid = 999_999_999;
    lock.acquire(&run, &foreign, Duration::ZERO, NONE).unwrap();
    let me = Holder::this_process("me", "deploy", Some("v2"), None);
    match lock.acquire(&run, &me, Duration::ZERO, FORCE) {
        Err(LockError::Held {
            stale: None,
            forced: true,
            holder,
            ..
        }) => assert_eq!(holder.machine, "another-runner"),
        other => panic!("a live foreign lock must hold, got {other:?}"),
    }
    assert_eq!(lock.holder(&run).unwrap().unwrap().id, "runner-2");
    // Two hours later (TTL 1h) it is stale, and --force breaks it.
    foreign.since_epoch -= 7200;
    plant(&lock, &foreign);
    match lock.acquire(&run, &me, Duration::ZERO, NONE) {
        Err(LockError::Held {
            stale: Some(why), ..
        }) => assert!(why.contains("older than the lock TTL"), "{why}"),
        other => panic!("expected a stale lock, got {other:?}"),
    }
    lock.acquire(&run, &me, Duration::ZERO, FORCE).unwrap();
    assert_eq!(lock.holder(&run).unwrap().unwrap().id, "me");
}

#[test]
fn a_freeze_is_never_stale_force_leaves_it_and_break_freeze_breaks_it() {
    let (_dir, lock, run) = setup();
    let mut freeze = Holder::this_process("freeze", "manual", None, Some("Black Friday"));
    freeze.since_epoch -= 30 * 24 * 3600;
    freeze.pid = 999_999_999;
    plant(&lock, &freeze);
    let me = Holder::this_process("me", "deploy", Some("v2"), None);
    match lock.acquire(&run, &me, Duration::from_secs(30), FORCE) {
        Err(LockError::Held {
            stale: None,
            holder,
            ..
        }) => assert!(holder.is_freeze()),
        other => panic!("a freeze must hold against --force, got {other:?}"),
    }
    lock.acquire(&run, &me, Duration::ZERO, BREAK_FREEZE)
        .unwrap();
    assert_eq!(lock.holder(&run).unwrap().unwrap().id, "me");
}

#[test]
fn a_lock_without_holder_json_ages_by_its_directory_and_force_breaks_it_past_the_ttl() {
    let (dir, lock, run) = setup();
    let path = dir.path().join("staging/lock");
    std::fs::create_dir_all(&path).unwrap();
    let me = Holder::this_process("me", "deploy", Some("v2"), None);
    match lock.acquire(&run, &me, Duration::ZERO, FORCE) {
        Err(LockError::Held { stale: None, .. }) => {}
        other => panic!("a fresh lock without holder is live, got {other:?}"),
    }
    let touched = std::process::Command::new("touch")
        .args(["-d", "2 hours ago"])
        .arg(&path)
        .status()
        .unwrap();
    assert!(touched.success());
    lock.acquire(&run, &me, Duration::ZERO, FORCE).unwrap();
    assert_eq!(lock.holder(&run).unwrap().unwrap().id, "me");
}

#[test]
fn a_panic_unwinding_through_a_run_releases_its_lock() {
    let (_dir, lock, run) = setup();
    let me = Holder::this_process("me", "deploy", Some("v1"), None);
    lock.acquire(&run, &me, Duration::ZERO, NONE).unwrap();
    let unwound = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _guard = lock.guard(&run, "me");
        panic!("a bug in a strategy");
    }));
    assert!(unwound.is_err());
    assert!(
        lock.holder(&run).unwrap().is_none(),
        "the guard released it"
    );
}

#[test]
fn the_release_profile_unwinds_so_guards_and_restores_run_on_a_panic() {
    let manifest = include_str!("../../../../Cargo.toml");
    let release = manifest
        .split("[profile.release]")
        .nth(1)
        .and_then(|rest| rest.split("\n[").next())
        .expect("a [profile.release] section");
    assert!(
        !release.contains("panic = \"abort\""),
        "panic = \"abort\" skips lock release and routing restore: {release}"
    );
}

#[test]
fn a_run_renews_its_lease_so_it_never_turns_stale_while_it_runs() {
    let dir = tempfile::tempdir().unwrap();
    let lock = Lock::new(
        Arc::new(crate::shell::Local),
        &dir.path().join("staging").display().to_string(),
        "staging",
        Duration::from_secs(2),
    );
    let run = Run::new(slipway_kit::Ui::detect().quiet(true), Cancel::new(), false);
    let mut long = Holder::this_process("long-run", "deploy", Some("v1"), None);
    // Held from another runner: only the TTL can make it stale.
    long.machine = "another-runner".into();
    lock.acquire(&run, &long, Duration::ZERO, NONE).unwrap();
    let guard = lock.guard(&run, "long-run").renewing(&long);
    // Past its TTL of 2 s, renewed every 0.5 s: still live.
    std::thread::sleep(Duration::from_secs(4));
    let me = Holder::this_process("me", "deploy", Some("v2"), None);
    match lock.acquire(&run, &me, Duration::ZERO, FORCE) {
        Err(LockError::Held {
            stale: None,
            holder,
            ..
        }) => assert!(holder.renewed_epoch.is_some(), "{holder:?}"),
        other => panic!("a renewed lock is live, got {other:?}"),
    }
    drop(guard);
    assert!(lock.holder(&run).unwrap().is_none(), "released on drop");
}
