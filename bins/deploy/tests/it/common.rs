//! A `deploy` command with a clean environment, pointed at a site.

use std::process::Output;

use assert_cmd::Command;
use slipway_deploy_engine::testing::{ENV, Site};
pub(crate) use slipway_test_support::output::{json as doc, stderr, step_names};

/// `deploy --config SITE --environment test ARGS`, without CI or GitHub variables.
pub(crate) fn deploy(site: &Site) -> Command {
    let mut std_cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("deploy"));
    slipway_test_support::actions::clean_env(&mut std_cmd);
    let mut cmd = Command::from_std(std_cmd);
    cmd.current_dir(site.path())
        .env("NO_COLOR", "1")
        .args(["--config"])
        .arg(&site.config)
        .args(["--environment", ENV])
        .timeout(std::time::Duration::from_secs(60));
    for (k, v) in &site.envs {
        cmd.env(k, v);
    }
    cmd
}

/// Deploys `version`, returning the output (any exit code).
pub(crate) fn deploy_version(site: &Site, version: &str, extra: &[&str]) -> Output {
    deploy(site)
        .args(["--version", version, "--json"])
        .args(extra)
        .output()
        .unwrap()
}

/// Deploys `version` and asserts it succeeded.
pub(crate) fn deployed(site: &Site, version: &str) -> serde_json::Value {
    let out = deploy_version(site, version, &[]);
    assert!(
        out.status.success(),
        "deploy {version} failed with {:?}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    doc(&out)
}

/// The same command as a std `Command`, for runs in the background.
pub(crate) fn deploy_background(site: &Site, args: &[&str]) -> std::process::Child {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("deploy"));
    slipway_test_support::actions::clean_env(&mut cmd);
    cmd.current_dir(site.path())
        .env("NO_COLOR", "1")
        .arg("--config")
        .arg(&site.config)
        .args(["--environment", ENV, "--json"])
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    for (k, v) in &site.envs {
        cmd.env(k, v);
    }
    cmd.spawn().unwrap()
}

/// Waits for a background run with a deadline, killing it if it overruns.
pub(crate) fn finish(mut child: std::process::Child) -> Output {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("background deploy did not finish within 60 s");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

/// Polls `check` every 20 ms for up to `secs` seconds.
pub(crate) fn wait_for(what: &str, secs: u64, mut check: impl FnMut() -> bool) {
    slipway_test_support::process::poll_until(
        what,
        std::time::Duration::from_secs(secs),
        &mut check,
    );
}
