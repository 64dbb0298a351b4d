//! The composite actions' install step (`actions/_shared/install.sh`): a matching release
//! asset served by a local HTTP server standing in for release downloads, found from the
//! version of the action's own checkout whatever the ref (`@v1.4.0`, `@v1`, `@<sha>`), a
//! checksum mismatch, unsupported platforms, `install: path` and the source fallback.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use slipway_e2e::release::{ReleaseServer, TARGET};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Publishes release `version` holding a `version-manager` that prints `marker`, with a
/// checksums file that is right, or wrong when `tamper` is set.
fn publish(server: &ReleaseServer, version: &str, target: &str, marker: &str, tamper: bool) {
    let stage = tempfile::tempdir().unwrap();
    let bin = stage.path().join("version-manager");
    std::fs::write(&bin, format!("#!/bin/sh\necho {marker}\n")).unwrap();
    run(Command::new("chmod").arg("+x").arg(&bin));
    server
        .publish_dir(version, target, stage.path(), tamper)
        .unwrap();
}

fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The action's checkout as the runner lays it out (`_actions/OWNER/REPO/REF/`): the
/// actions and a workspace `Cargo.toml` naming `version`, the release it belongs to.
fn checkout(version: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for sub in ["_shared", "version-manager"] {
        let to = dir.path().join("actions").join(sub);
        std::fs::create_dir_all(&to).unwrap();
        for entry in std::fs::read_dir(repo_root().join("actions").join(sub)).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
    std::fs::write(
        dir.path().join("Cargo.toml"),
        format!(
            "[workspace]\nmembers = []\n\n[workspace.package]\nversion = \"{version}\"\nedition = \"2024\"\n"
        ),
    )
    .unwrap();
    dir
}

/// Runs the install script of Slipway's own checkout as a composite step would.
fn install(envs: &[(&str, &str)], step: &Path) -> (Output, String, String) {
    install_from(&repo_root(), envs, step)
}

/// Runs the install script of the checkout at `action_root` as a composite step would:
/// inputs only through the environment.
fn install_from(
    action_root: &Path,
    envs: &[(&str, &str)],
    step: &Path,
) -> (Output, String, String) {
    let output_file = step.join("output");
    let path_file = step.join("path");
    let mut cmd = Command::new("bash");
    cmd.arg(action_root.join("actions/_shared/install.sh"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap())
        .env("HOME", step)
        .env("GITHUB_OUTPUT", &output_file)
        .env("GITHUB_PATH", &path_file)
        .env("RUNNER_TOOL_CACHE", step.join("toolcache"))
        .env(
            "SLIPWAY_ACTION_PATH",
            action_root.join("actions/version-manager"),
        )
        .env("SLIPWAY_BIN", "version-manager");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let outputs = std::fs::read_to_string(&output_file).unwrap_or_default();
    let paths = std::fs::read_to_string(&path_file).unwrap_or_default();
    (out, outputs, paths)
}

#[test]
fn release_asset_is_downloaded_verified_cached_and_put_on_path() {
    let server = ReleaseServer::start();
    publish(&server, "v1.4.0", TARGET, "prebuilt-1.4.0", false);
    let action = checkout("1.4.0");
    let step = tempfile::tempdir().unwrap();
    let base = server.base();
    let env = [
        ("SLIPWAY_INSTALL", "release"),
        ("SLIPWAY_VERSION", "v1.4.0"),
        ("SLIPWAY_RELEASE_URL", base.as_str()),
        ("RUNNER_OS", "Linux"),
        ("RUNNER_ARCH", "X64"),
    ];
    let (out, outputs, paths) = install_from(action.path(), &env, step.path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dir = paths.trim();
    assert!(
        dir.ends_with("slipway/v1.4.0/x86_64-unknown-linux-gnu"),
        "{dir}"
    );
    assert!(outputs.contains(&format!("bin-dir={dir}")));
    let ran = run(&mut Command::new(Path::new(dir).join("version-manager")));
    assert_eq!(
        String::from_utf8_lossy(&ran.stdout).trim(),
        "prebuilt-1.4.0"
    );

    // A second run uses the tool cache even when the server is gone.
    drop(server);
    let (again, _, _) = install_from(action.path(), &env, step.path());
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert!(String::from_utf8_lossy(&again.stderr).contains("cached v1.4.0"));
}

#[test]
fn checksum_mismatch_fails_loudly_and_installs_nothing() {
    let server = ReleaseServer::start();
    publish(&server, "v1.4.1", TARGET, "tampered", true);
    let action = checkout("1.4.1");
    let step = tempfile::tempdir().unwrap();
    let base = server.base();
    for mode in ["release", "auto"] {
        let (out, outputs, paths) = install_from(
            action.path(),
            &[
                ("SLIPWAY_INSTALL", mode),
                ("SLIPWAY_VERSION", "v1.4.1"),
                ("SLIPWAY_RELEASE_URL", base.as_str()),
                ("RUNNER_OS", "Linux"),
                ("RUNNER_ARCH", "X64"),
            ],
            step.path(),
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{mode}: {stderr}");
        assert!(
            stderr.contains("::error title=slipway install::checksum mismatch for slipway-v1.4.1"),
            "{mode}: {stderr}"
        );
        assert!(outputs.is_empty() && paths.is_empty());
        assert!(!step.path().join("toolcache/slipway/v1.4.1").exists());
    }
}

#[test]
fn unsupported_platform_names_the_platform_and_the_way_out() {
    let step = tempfile::tempdir().unwrap();
    let (out, _, paths) = install(
        &[
            ("SLIPWAY_INSTALL", "release"),
            ("SLIPWAY_VERSION", "v1.4.0"),
            ("RUNNER_OS", "macOS"),
            ("RUNNER_ARCH", "ARM64"),
        ],
        step.path(),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains(
            "no prebuilt Slipway binary for macOS/ARM64: releases are built for Linux X64 only"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("install: source"), "{stderr}");
    assert!(paths.is_empty());
}

#[test]
fn action_pinned_to_a_major_tag_or_a_sha_installs_the_release_of_its_checkout() {
    // Regression: only a full `vX.Y.Z` ref downloaded the release; `@v1` and `@<sha>` built
    // from source with cargo on every step.
    let server = ReleaseServer::start();
    publish(&server, "v2.3.4", TARGET, "prebuilt-2.3.4", false);
    let action = checkout("2.3.4");
    let base = server.base();
    for (mode, git_ref) in [
        ("auto", "v2"),
        ("auto", "0123456789abcdef0123456789abcdef01234567"),
        ("release", "main"),
    ] {
        let step = tempfile::tempdir().unwrap();
        let (out, _, paths) = install_from(
            action.path(),
            &[
                ("SLIPWAY_INSTALL", mode),
                ("SLIPWAY_VERSION", git_ref),
                ("SLIPWAY_RELEASE_URL", base.as_str()),
                ("RUNNER_OS", "Linux"),
                ("RUNNER_ARCH", "X64"),
            ],
            step.path(),
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{mode} @{git_ref}: {stderr}");
        assert!(
            stderr.contains("downloading") && stderr.contains("/v2.3.4/slipway-v2.3.4-"),
            "{mode} @{git_ref}: {stderr}"
        );
        let ran = run(&mut Command::new(
            Path::new(paths.trim()).join("version-manager"),
        ));
        assert_eq!(
            String::from_utf8_lossy(&ran.stdout).trim(),
            "prebuilt-2.3.4"
        );
    }
}

#[test]
fn windows_runner_is_told_to_build_from_source() {
    let action = checkout("1.4.0");
    let step = tempfile::tempdir().unwrap();
    let (out, _, paths) = install_from(
        action.path(),
        &[
            ("SLIPWAY_INSTALL", "release"),
            ("RUNNER_OS", "Windows"),
            ("RUNNER_ARCH", "X64"),
        ],
        step.path(),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains(
            "no prebuilt Slipway binary for Windows/X64: Windows runners need install: source"
        ),
        "{stderr}"
    );
    assert!(paths.is_empty());
}

#[test]
fn release_mode_without_a_version_says_so() {
    let action = checkout("1.4.0");
    std::fs::write(
        action.path().join("Cargo.toml"),
        "[workspace]\nmembers = []\n",
    )
    .unwrap();
    let step = tempfile::tempdir().unwrap();
    let (out, _, _) = install_from(
        action.path(),
        &[("SLIPWAY_INSTALL", "release"), ("SLIPWAY_VERSION", "main")],
        step.path(),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("cannot tell which release this action belongs to")
            && stderr.contains("'main'"),
        "{stderr}"
    );
}

#[test]
fn path_mode_uses_binaries_already_on_disk() {
    let step = tempfile::tempdir().unwrap();
    let bin_dir = step.path().join("bin");
    std::fs::create_dir_all(&bin_dir).unwrap();
    std::fs::write(bin_dir.join("version-manager"), "#!/bin/sh\necho local\n").unwrap();
    run(Command::new("chmod")
        .arg("+x")
        .arg(bin_dir.join("version-manager")));
    let (out, outputs, paths) = install(
        &[
            ("SLIPWAY_INSTALL", "path"),
            ("SLIPWAY_BINARY_DIR", bin_dir.to_str().unwrap()),
        ],
        step.path(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(paths.trim(), bin_dir.to_str().unwrap());
    assert!(outputs.contains("bin-dir="));

    let (out, _, _) = install(
        &[
            ("SLIPWAY_INSTALL", "path"),
            ("SLIPWAY_BINARY_DIR", "/nonexistent"),
        ],
        step.path(),
    );
    assert!(!out.status.success());
}

#[test]
fn missing_release_falls_back_to_building_from_source() {
    let server = ReleaseServer::start();
    let step = tempfile::tempdir().unwrap();
    let base = server.base();
    // A target dir of its own: the outer `cargo test` holds the workspace's build lock.
    let target = repo_root().join("target/install-source-test");
    let (out, _, paths) = install(
        &[
            ("SLIPWAY_INSTALL", "auto"),
            ("SLIPWAY_VERSION", "main"),
            ("SLIPWAY_RELEASE_URL", base.as_str()),
            ("RUNNER_OS", "Linux"),
            ("RUNNER_ARCH", "X64"),
            ("SLIPWAY_BUILD_PROFILE", "dev"),
            ("CARGO_TARGET_DIR", target.to_str().unwrap()),
            (
                "CARGO_HOME",
                &std::env::var("CARGO_HOME")
                    .unwrap_or_else(|_| format!("{}/.cargo", std::env::var("HOME").unwrap())),
            ),
            (
                "RUSTUP_HOME",
                &std::env::var("RUSTUP_HOME")
                    .unwrap_or_else(|_| format!("{}/.rustup", std::env::var("HOME").unwrap())),
            ),
        ],
        step.path(),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "no release asset for v{}; building from source",
            env!("CARGO_PKG_VERSION")
        )),
        "{stderr}"
    );
    let dir = PathBuf::from(paths.trim());
    assert_eq!(dir, target.join("debug"));
    let ran = run(Command::new(dir.join("version-manager")).arg("--version"));
    assert!(String::from_utf8_lossy(&ran.stdout).starts_with("version-manager "));
}
