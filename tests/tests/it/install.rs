//! The composite actions' install step (`actions/_shared/install.sh`): a matching release
//! asset served by a local HTTP server standing in for release downloads, a checksum
//! mismatch, an unsupported platform, `install: path` and the source fallback.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use slipway_test_support::ports::free_port;
use slipway_test_support::process::ServerProcess;
use slipway_test_support::program::venv_python;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// A directory of release files served over HTTP on loopback by Python's http.server.
struct ReleaseServer {
    dir: tempfile::TempDir,
    _server: ServerProcess,
    port: u16,
}

impl ReleaseServer {
    fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let mut cmd = Command::new(venv_python());
        cmd.args([
            "-m",
            "http.server",
            "--bind",
            "127.0.0.1",
            &port.to_string(),
            "--directory",
        ])
        .arg(dir.path());
        let log = dir.path().join("server.log");
        let mut server = ServerProcess::spawn("http.server", cmd, &log);
        server.wait_for_port(port, Duration::from_secs(10));
        Self {
            dir,
            _server: server,
            port,
        }
    }

    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Publishes release `version` holding a `version-manager` that prints `marker`,
    /// with a checksums file that is right, or wrong when `tamper` is set.
    fn publish(&self, version: &str, target: &str, marker: &str, tamper: bool) {
        let rel = self.dir.path().join(version);
        let stage = self.dir.path().join("stage");
        std::fs::create_dir_all(&rel).unwrap();
        std::fs::create_dir_all(&stage).unwrap();
        let bin = stage.join("version-manager");
        std::fs::write(&bin, format!("#!/bin/sh\necho {marker}\n")).unwrap();
        run(Command::new("chmod").arg("+x").arg(&bin));
        let archive = format!("slipway-{version}-{target}.tar.gz");
        run(Command::new("tar")
            .arg("-czf")
            .arg(rel.join(&archive))
            .arg("-C")
            .arg(&stage)
            .arg("version-manager"));
        let sum = String::from_utf8(run(Command::new("sha256sum").arg(rel.join(&archive))).stdout)
            .unwrap();
        let mut sum = sum.split_whitespace().next().unwrap().to_owned();
        if tamper {
            sum = sum.chars().rev().collect();
        }
        std::fs::write(
            rel.join(format!("slipway-{version}-checksums.txt")),
            format!("{sum}  {archive}\n"),
        )
        .unwrap();
    }
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

/// Runs the install script as a composite step would: inputs only through the environment.
fn install(envs: &[(&str, &str)], step: &Path) -> (Output, String, String) {
    let output_file = step.join("output");
    let path_file = step.join("path");
    let mut cmd = Command::new("bash");
    cmd.arg(repo_root().join("actions/_shared/install.sh"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap())
        .env("HOME", step)
        .env("GITHUB_OUTPUT", &output_file)
        .env("GITHUB_PATH", &path_file)
        .env("RUNNER_TOOL_CACHE", step.join("toolcache"))
        .env(
            "SLIPWAY_ACTION_PATH",
            repo_root().join("actions/version-manager"),
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
    server.publish(
        "v1.4.0",
        "x86_64-unknown-linux-musl",
        "prebuilt-1.4.0",
        false,
    );
    let step = tempfile::tempdir().unwrap();
    let base = server.base();
    let env = [
        ("SLIPWAY_INSTALL", "release"),
        ("SLIPWAY_VERSION", "v1.4.0"),
        ("SLIPWAY_RELEASE_URL", base.as_str()),
        ("RUNNER_OS", "Linux"),
        ("RUNNER_ARCH", "X64"),
    ];
    let (out, outputs, paths) = install(&env, step.path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dir = paths.trim();
    assert!(
        dir.ends_with("slipway/v1.4.0/x86_64-unknown-linux-musl"),
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
    let (again, _, _) = install(&env, step.path());
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
    server.publish("v1.4.1", "x86_64-unknown-linux-musl", "tampered", true);
    let step = tempfile::tempdir().unwrap();
    let base = server.base();
    for mode in ["release", "auto"] {
        let (out, outputs, paths) = install(
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
            ("RUNNER_OS", "Linux"),
            ("RUNNER_ARCH", "ARM"),
        ],
        step.path(),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("no prebuilt Slipway binary for Linux/ARM"),
        "{stderr}"
    );
    assert!(stderr.contains("install: source"), "{stderr}");
    assert!(paths.is_empty());
}

#[test]
fn release_mode_on_a_branch_ref_says_to_pin_a_tag() {
    let step = tempfile::tempdir().unwrap();
    let (out, _, _) = install(
        &[("SLIPWAY_INSTALL", "release"), ("SLIPWAY_VERSION", "main")],
        step.path(),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("pinned to a release tag (got 'main')"),
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
            ("SLIPWAY_VERSION", "v9.9.9"),
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
        stderr.contains("no release asset for v9.9.9; building from source"),
        "{stderr}"
    );
    let dir = PathBuf::from(paths.trim());
    assert_eq!(dir, target.join("debug"));
    let ran = run(Command::new(dir.join("version-manager")).arg("--version"));
    assert!(String::from_utf8_lossy(&ran.stdout).starts_with("version-manager "));
}
