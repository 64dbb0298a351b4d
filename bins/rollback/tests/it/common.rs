//! Deploys through the engine (to build a history) and a `rollback` command with a clean
//! environment.

use std::time::Duration;

use assert_cmd::Command;
use slipway_deploy_engine::Run;
use slipway_deploy_engine::cancel::Cancel;
use slipway_deploy_engine::deploy::{self, Parts, Request};
use slipway_deploy_engine::testing::{ENV, Site};
use slipway_kit::{Exit, Ui};
pub(crate) use slipway_test_support::output::{json as doc, stderr, step_names as steps};

/// Deploys `version` through the engine, as `deploy` would; returns the exit code.
pub(crate) fn deploy(site: &Site, version: &str) -> Exit {
    let env = site.environment();
    let parts = Parts::new(&env).unwrap();
    let run = Run::new(Ui::detect().quiet(true), Cancel::new(), false);
    let request = Request {
        version: version.to_owned(),
        strategy: None,
        lock_wait: Duration::ZERO,
        breaking: slipway_deploy_engine::lock::Breaking::default(),
    };
    deploy::deploy(&run, &parts, &request).exit
}

/// Deploys each version, asserting success.
pub(crate) fn history(site: &Site, versions: &[&str]) {
    for v in versions {
        assert_eq!(deploy(site, v), Exit::Success, "deploy {v}");
    }
}

/// `rollback --config SITE --environment test`, without CI or GitHub variables.
pub(crate) fn rollback(site: &Site) -> Command {
    let mut std_cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("rollback"));
    slipway_test_support::actions::clean_env(&mut std_cmd);
    let mut cmd = Command::from_std(std_cmd);
    cmd.current_dir(site.path())
        .env("NO_COLOR", "1")
        .arg("--config")
        .arg(&site.config)
        .args(["--environment", ENV])
        .timeout(Duration::from_secs(60));
    for (k, v) in &site.envs {
        cmd.env(k, v);
    }
    cmd
}
