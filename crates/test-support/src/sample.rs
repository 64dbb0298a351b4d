//! The sample service: a small HTTP app the deploy tests ship, route to,
//! probe and scrape.
//!
//! The `slipway-sample-service` binary of this crate serves [`server::App`]:
//! `GET /`, `/health`, `/version`, `/metrics`, and knobs for error rate,
//! latency and a failing health check, set by flags
//! (`--error-rate 0.05 --latency-ms 200 --fail-health`) or at run time
//! (`POST /knobs`). [`SampleService`] runs it as a child process:
//!
//! ```no_run
//! use slipway_test_support::sample::{Knobs, SampleService};
//! let blue = SampleService::start("1.0.0");
//! blue.set_knobs(Knobs { error_rate: 0.05, ..Knobs::default() });
//! let body = slipway_test_support::http::get(&blue.url()).unwrap().text();
//! assert!(body.contains("1.0.0"));
//! ```
//!
//! Deploy tests that start the service through their own commands use
//! [`sample_service_bin`] to get the binary's path, e.g. in a start command
//! `"{bin} --port {port} --version {version} --slot {slot}"`.

pub mod server;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use tempfile::TempDir;

pub use server::Knobs;

use crate::http;
use crate::ports::free_port;
use crate::process::ServerProcess;

/// The binary's file name.
pub const BIN_NAME: &str = "slipway-sample-service";

/// A running `slipway-sample-service`, stopped on drop.
pub struct SampleService {
    process: ServerProcess,
    port: u16,
    version: String,
    slot: String,
    _dir: TempDir,
}

impl SampleService {
    /// Starts version `version` in slot `blue` on a free port.
    pub fn start(version: &str) -> Self {
        Self::start_on(free_port(), version, "blue")
    }

    /// Starts version `version` in slot `slot` on 127.0.0.1:`port`.
    pub fn start_on(port: u16, version: &str, slot: &str) -> Self {
        Self::start_with(port, version, slot, Knobs::default())
    }

    /// Starts with knobs set from the first request on.
    pub fn start_with(port: u16, version: &str, slot: &str, knobs: Knobs) -> Self {
        let dir = tempfile::Builder::new()
            .prefix("slipway-sample-")
            .tempdir()
            .expect("create a temporary directory");
        let mut command = Command::new(sample_service_bin());
        command.args([
            "--port",
            &port.to_string(),
            "--version",
            version,
            "--slot",
            slot,
        ]);
        command.args([
            "--error-rate",
            &knobs.error_rate.to_string(),
            "--latency-ms",
            &knobs.latency_ms.to_string(),
        ]);
        if knobs.fail_health {
            command.arg("--fail-health");
        }
        let mut process = ServerProcess::spawn(BIN_NAME, command, &dir.path().join("sample.log"));
        // Ready when it answers as itself (not some other server on the port).
        let version_url = format!("http://127.0.0.1:{port}/version");
        let expected = serde_json::json!({"version": version, "slot": slot});
        process.wait_until(
            &format!("GET {version_url} to answer {expected}"),
            Duration::from_secs(10),
            || {
                http::get(&version_url).is_ok_and(|r| {
                    r.status == 200
                        && serde_json::from_slice::<serde_json::Value>(&r.body)
                            .is_ok_and(|v| v == expected)
                })
            },
        );
        Self {
            process,
            port,
            version: version.to_owned(),
            slot: slot.to_owned(),
            _dir: dir,
        }
    }

    /// The port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The version it reports.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The slot it reports.
    pub fn slot(&self) -> &str {
        &self.slot
    }

    /// Sets every knob (and restarts the error-rate count).
    pub fn set_knobs(&self, knobs: Knobs) {
        let body = serde_json::to_value(knobs).expect("knobs serialise");
        match http::post_json(&format!("{}/knobs", self.url()), &body) {
            Ok(response) if response.status == 200 => {}
            Ok(response) => self.process.fail(&format!(
                "POST /knobs answered {}: {}",
                response.status,
                response.text()
            )),
            Err(e) => self.process.fail(&format!("POST /knobs failed: {e}")),
        }
    }

    /// The knobs now in force.
    pub fn knobs(&self) -> Knobs {
        let response = http::get(&format!("{}/knobs", self.url()))
            .unwrap_or_else(|e| self.process.fail(&format!("GET /knobs: {e}")));
        serde_json::from_slice(&response.body)
            .unwrap_or_else(|e| self.process.fail(&format!("GET /knobs: {e}")))
    }

    /// Kills the process at once, as a crash would.
    pub fn kill(&mut self) {
        self.process.kill();
    }

    /// The service's log (its stdout and stderr).
    pub fn log(&self) -> String {
        self.process.log()
    }
}

/// The path of the `slipway-sample-service` binary, built if needed.
///
/// Looks, in order, at `$SLIPWAY_SAMPLE_SERVICE_BIN`, then next to the
/// running test executable (`target/<profile>/`, the parent of `deps/`). When
/// the binary is missing or older than its sources, runs `cargo build -p
/// slipway-test-support --bin slipway-sample-service` (same target dir and
/// profile) once per process.
pub fn sample_service_bin() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        if let Some(explicit) =
            std::env::var_os("SLIPWAY_SAMPLE_SERVICE_BIN").filter(|v| !v.is_empty())
        {
            return PathBuf::from(explicit);
        }
        let profile_dir = profile_dir();
        let bin = profile_dir.join(BIN_NAME);
        if !is_fresh(&bin) {
            build(&profile_dir);
        }
        assert!(
            bin.is_file(),
            "{BIN_NAME} not found at {} after cargo build",
            bin.display()
        );
        bin
    })
    .clone()
}

/// `target/<profile>` of the running executable.
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("path of the running test executable");
    let dir = exe.parent().expect("executable has a directory").to_owned();
    if dir
        .file_name()
        .is_some_and(|n| n == "deps" || n == "examples")
    {
        dir.parent().expect("deps has a parent").to_owned()
    } else {
        dir
    }
}

/// Whether `bin` exists and is newer than every source it is built from.
fn is_fresh(bin: &Path) -> bool {
    let Ok(built) = bin.metadata().and_then(|m| m.modified()) else {
        return false;
    };
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let sources = [
        src.join("bin/sample-service.rs"),
        src.join("sample/server.rs"),
        src.join("http.rs"),
    ];
    sources.iter().all(|source| {
        source
            .metadata()
            .and_then(|m| m.modified())
            .map_or(true, |changed: SystemTime| changed <= built)
    })
}

fn build(profile_dir: &Path) {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml");
    let mut command = Command::new(cargo);
    command
        .args([
            "build",
            "--quiet",
            "-p",
            "slipway-test-support",
            "--bin",
            BIN_NAME,
            "--manifest-path",
        ])
        .arg(&manifest);
    if let Some(target_dir) = profile_dir.parent() {
        command.arg("--target-dir").arg(target_dir);
    }
    match profile_dir.file_name().and_then(|n| n.to_str()) {
        Some("release") => {
            command.arg("--release");
        }
        Some("debug") | None => {}
        Some(other) => {
            command.args(["--profile", other]);
        }
    }
    crate::process::run_checked(&format!("building {BIN_NAME}"), &mut command);
}
