//! Prometheus scraping loopback targets, for the deploy checks that query it.
//!
//! [`Prometheus::start`] writes a config with one job, `slipway`, scraping
//! the given `host:port` targets at the given interval, and runs
//! `prometheus --config.file=DIR/prometheus.yml --storage.tsdb.path=DIR/data
//! --web.listen-address=127.0.0.1:PORT`. It is ready when `/-/ready` answers
//! 200.
//!
//! ```no_run
//! use std::time::Duration;
//! use slipway_test_support::prometheus::Prometheus;
//! use slipway_test_support::sample::SampleService;
//! let app = SampleService::start("1.0.0");
//! let prom = Prometheus::start(&[format!("127.0.0.1:{}", app.port())], Duration::from_secs(1));
//! prom.wait_for_target_up(Duration::from_secs(10));
//! let result = prom.query("sum(http_requests_total)");
//! assert_eq!(result["status"], "success");
//! ```

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use tempfile::TempDir;

use crate::http;
use crate::ports::free_port;
use crate::process::ServerProcess;
use crate::program;

/// The job name of the scrape config.
pub const JOB: &str = "slipway";

/// A running Prometheus, stopped on drop.
pub struct Prometheus {
    process: ServerProcess,
    dir: TempDir,
    port: u16,
}

impl Prometheus {
    /// Starts Prometheus scraping `scrape_targets` (`127.0.0.1:PORT`) every
    /// `scrape_interval` (whole seconds or milliseconds; 1 s is a good test
    /// value).
    pub fn start(scrape_targets: &[String], scrape_interval: Duration) -> Self {
        let binary = program::require("prometheus");
        let dir = tempfile::Builder::new()
            .prefix("slipway-prometheus-")
            .tempdir()
            .expect("create a temporary directory");
        let port = free_port();
        let interval = format!("{}ms", scrape_interval.as_millis().max(100));
        let targets = scrape_targets
            .iter()
            .map(|t| format!("'{t}'"))
            .collect::<Vec<_>>()
            .join(", ");
        let config = format!(
            "# written by slipway-test-support\n\
             global:\n\
             \x20 scrape_interval: {interval}\n\
             \x20 scrape_timeout: {interval}\n\
             \x20 evaluation_interval: {interval}\n\
             scrape_configs:\n\
             \x20 - job_name: {JOB}\n\
             \x20   static_configs:\n\
             \x20     - targets: [{targets}]\n"
        );
        std::fs::write(dir.path().join("prometheus.yml"), config).expect("write prometheus.yml");
        let mut command = Command::new(binary);
        command
            .arg(format!(
                "--config.file={}",
                dir.path().join("prometheus.yml").display()
            ))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg("--web.enable-lifecycle")
            .arg("--storage.tsdb.retention.time=1h")
            .current_dir(dir.path());
        let mut process =
            ServerProcess::spawn("prometheus", command, &dir.path().join("prometheus.log"));
        let ready = format!("http://127.0.0.1:{port}/-/ready");
        process.wait_until("/-/ready to answer 200", Duration::from_secs(30), || {
            http::get(&ready).is_ok_and(|r| r.status == 200)
        });
        Self { process, dir, port }
    }

    /// The port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:PORT` (no trailing slash): the base URL a
    /// `prometheus` check is configured with.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The temporary directory (config, data, log).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Runs an instant query (`GET /api/v1/query?query=…`) and returns the
    /// whole JSON answer (`{"status":"success","data":{"resultType":…,"result":[…]}}`).
    pub fn query(&self, promql: &str) -> serde_json::Value {
        let url = format!(
            "{}/api/v1/query?query={}",
            self.url(),
            http::encode_query_value(promql)
        );
        let response =
            http::get(&url).unwrap_or_else(|e| self.process.fail(&format!("query {promql}: {e}")));
        serde_json::from_slice(&response.body).unwrap_or_else(|e| {
            self.process.fail(&format!(
                "query {promql}: not JSON ({e}): {}",
                response.text()
            ))
        })
    }

    /// The value of the first series of an instant query, or `None` when the
    /// result is empty (values arrive as strings; `NaN` parses to NaN).
    pub fn query_value(&self, promql: &str) -> Option<f64> {
        let answer = self.query(promql);
        let value = answer["data"]["result"]
            .get(0)?
            .get("value")?
            .get(1)?
            .as_str()?
            .to_owned();
        value.parse().ok()
    }

    /// Waits until every target has been scraped successfully (`health` is
    /// `up`); panics with the targets' state and the log after `timeout`.
    pub fn wait_for_target_up(&self, timeout: Duration) {
        let url = format!("{}/api/v1/targets", self.url());
        let mut last = String::new();
        let deadline = std::time::Instant::now() + timeout;
        loop {
            if let Ok(response) = http::get(&url) {
                last = response.text();
                if let Ok(json) = serde_json::from_slice::<serde_json::Value>(&response.body) {
                    let targets = json["data"]["activeTargets"]
                        .as_array()
                        .cloned()
                        .unwrap_or_default();
                    if !targets.is_empty() && targets.iter().all(|t| t["health"] == "up") {
                        return;
                    }
                }
            }
            if std::time::Instant::now() >= deadline {
                self.process
                    .fail(&format!("targets not up after {timeout:?}: {last}"));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The server's log.
    pub fn log(&self) -> String {
        self.process.log()
    }
}
