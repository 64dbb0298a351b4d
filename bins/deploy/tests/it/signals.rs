//! SIGTERM mid-deploy restores routing and releases the lock; kill -9 leaves a stale lock
//! the next run breaks with --force, and a router that only ever pointed at checked slots.

use crate::common::{deploy_background, deploy_version, doc, finish, stderr, wait_for};
use slipway_deploy_engine::testing::Site;

fn site_with_window() -> Site {
    Site::local()
}

#[test]
fn sigterm_mid_deploy_routes_back_releases_the_lock_and_the_next_deploy_succeeds() {
    let site = site_with_window();
    let out = deploy_version(&site, "v1", &["--strategy", "blue-green"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let child = deploy_background(&site, &["--version", "v2", "--validation-window", "30s"]);
    let pid = child.id();
    wait_for("v2 to serve (validation window running)", 20, || {
        site.serving().as_deref() == Some("v2")
    });
    std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    let out = finish(child);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let d = doc(&out);
    assert_eq!(d["status"], "cancelled");
    assert_eq!(site.serving().as_deref(), Some("v1"));
    assert!(!site.locked(), "the lock was released");
    assert_eq!(site.ledger()["history"][0]["status"], "cancelled");
    let next = deploy_version(&site, "v3", &["--lock-wait", "1s"]);
    assert_eq!(doc(&next)["status"], "succeeded", "{}", stderr(&next));
    assert_eq!(site.serving().as_deref(), Some("v3"));
}

#[test]
fn kill_9_mid_deploy_leaves_a_stale_lock_that_force_breaks_and_the_next_deploy_succeeds() {
    let site = site_with_window();
    let out = deploy_version(&site, "v1", &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut child = deploy_background(&site, &["--version", "v2", "--validation-window", "30s"]);
    wait_for("v2 to serve (validation window running)", 20, || {
        site.serving().as_deref() == Some("v2")
    });
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(site.locked(), "kill -9 leaves the lock");
    assert!(
        site.upstream().contains(" green v2"),
        "the router points at the slot that passed its checks"
    );
    wait_for("nginx to settle on v2", 5, || {
        site.serving().as_deref() == Some("v2")
    });
    let refused = deploy_version(&site, "v3", &[]);
    assert_eq!(refused.status.code(), Some(3));
    assert!(
        stderr(&refused).contains("stale lock") && stderr(&refused).contains("--force"),
        "{}",
        stderr(&refused)
    );
    let forced = deploy_version(&site, "v3", &["--force"]);
    assert!(forced.status.success(), "{}", stderr(&forced));
    let err = stderr(&forced);
    assert!(
        err.contains("breaking the lock of test: held by deploy of v2"),
        "{err}"
    );
    assert!(err.contains("was interrupted"), "{err}");
    assert_eq!(doc(&forced)["previous"], "v2");
    assert_eq!(site.serving().as_deref(), Some("v3"));
    let history = site.ledger()["history"].clone();
    assert_eq!(history[1]["version"], "v2");
    assert_eq!(history[1]["status"], "interrupted");
}

fn signal(pid: u32, name: &str) {
    let sent = std::process::Command::new("kill")
        .args([&format!("-{name}"), &pid.to_string()])
        .status()
        .unwrap();
    assert!(sent.success(), "kill -{name} {pid}");
}

/// Waits up to `limit` for the child to exit; `None` if it still runs.
fn exited_within(
    child: &mut std::process::Child,
    limit: std::time::Duration,
) -> Option<std::process::ExitStatus> {
    let deadline = std::time::Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        if std::time::Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// v1 serves, v2-slowstop is in its validation window; returns the running deploy. Its
/// slot takes 3 s to stop, so the cleanup after a signal lasts that long at least.
fn mid_validation(site: &Site) -> std::process::Child {
    let out = deploy_version(site, "v1", &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let child = deploy_background(
        site,
        &["--version", "v2-slowstop", "--validation-window", "60s"],
    );
    wait_for("v2 to serve (validation window running)", 20, || {
        site.serving().as_deref() == Some("v2-slowstop")
    });
    child
}

fn assert_put_back(site: &Site, out: &std::process::Output) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(1), "exits 1 on its own: {err}");
    assert_eq!(doc(out)["status"], "cancelled", "{err}");
    assert_eq!(site.serving().as_deref(), Some("v1"), "routing restored");
    assert!(!site.locked(), "the lock was released: {err}");
    assert_eq!(site.ledger()["history"][0]["status"], "cancelled");
    assert_eq!(site.ledger()["active"]["version"], "v1");
}

#[test]
#[allow(clippy::print_stderr)]
fn github_cancel_sigint_then_sigterm_after_7_5_s_then_sigkill_is_survived_mid_validation() {
    let site = site_with_window();
    let mut child = mid_validation(&site);
    let pid = child.id();
    // GitHub's sequence: SIGINT, SIGTERM 7.5 s later, SIGKILL 2.5 s after that.
    let sent = std::time::Instant::now();
    signal(pid, "INT");
    let mut status = exited_within(&mut child, std::time::Duration::from_millis(7500));
    // A figure for the record (`-- --nocapture`), not an assertion: the bound is the SIGKILL.
    eprintln!("SIGINT to exit, cleanup done: {:?}", sent.elapsed());
    if status.is_none() {
        signal(pid, "TERM");
        status = exited_within(&mut child, std::time::Duration::from_millis(2500));
    }
    if status.is_none() {
        signal(pid, "KILL");
    }
    let out = finish(child);
    assert!(
        status.is_some(),
        "the deploy was still cleaning up when GitHub's SIGKILL came: {}",
        stderr(&out)
    );
    assert_put_back(&site, &out);
    let next = deploy_version(&site, "v3", &[]);
    assert_eq!(doc(&next)["status"], "succeeded", "{}", stderr(&next));
}

#[test]
fn sigint_then_sigterm_one_second_later_mid_validation_still_restores_and_releases() {
    let site = site_with_window();
    let child = mid_validation(&site);
    let pid = child.id();
    signal(pid, "INT");
    std::thread::sleep(std::time::Duration::from_secs(1));
    // The slot is still stopping (3 s): before the fix this second signal exited at once
    // (130), leaving the lock and the ledger entry in progress.
    signal(pid, "TERM");
    let out = finish(child);
    assert_put_back(&site, &out);
}

#[test]
fn the_site_stop_counts_a_killed_service_left_a_zombie_as_stopped_instead_of_polling_it() {
    // Before the fix the fixture's stop polled `kill -0` until pid 1 reaped the killed
    // service; this VM's init reaps about every 2 s, which added up to 2 s to every stop
    // and put GitHub's cancel cleanup above its 5 s target. A `sleep` on PATH counts the
    // polls, so nothing here depends on timing.
    let site = Site::local();
    let env = site.environment();
    let mut service = std::process::Command::new("sleep")
        .arg("60")
        .spawn()
        .unwrap();
    let pid = service.id();
    service.kill().unwrap(); // SIGKILL, not reaped: a zombie until `wait` below.
    let zombie = || {
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .is_ok_and(|s| s.rsplit_once(") ").is_some_and(|(_, r)| r.starts_with('Z')))
    };
    wait_for("the killed service to be a zombie", 10, zombie);
    let run_dir = site.path().join("run/local");
    std::fs::create_dir_all(&run_dir).unwrap();
    std::fs::write(run_dir.join("green.pid"), pid.to_string()).unwrap();
    let bin = site.path().join("counting-bin");
    std::fs::create_dir_all(&bin).unwrap();
    let polls = site.path().join("polls");
    std::fs::write(
        bin.join("sleep"),
        format!("#!/bin/sh\necho \"$@\" >> '{}'\n", polls.display()),
    )
    .unwrap();
    std::fs::set_permissions(
        bin.join("sleep"),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let stop = env
        .primary()
        .vars(&env.name, "green", "v2")
        .render(&env.stop);
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let out = std::process::Command::new("sh")
        .args(["-c", &stop])
        .env("PATH", path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        zombie(),
        "the zombie was still there: nobody reaped it meanwhile"
    );
    assert_eq!(
        std::fs::read_to_string(&polls).unwrap_or_default(),
        "",
        "the stop polled a zombie"
    );
    assert!(!run_dir.join("green.pid").exists(), "the stop finished");
    service.wait().unwrap();
}
