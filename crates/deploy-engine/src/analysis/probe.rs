//! The `probe` provider: synthetic `GET` requests straight to the canary slot (its own
//! address and port, never through the router), one after another, round robin over the
//! canary's hosts. A 5xx answer or a failed connection is an error; the p95 is taken over
//! every request's latency (nearest rank). The most frequent reason requests failed is
//! kept with the measurement, so a failed analysis names it (a certificate nobody trusts,
//! for another host name or expired; a refused connection; a 5xx answer).
//!
//! ```toml
//! [deploy.environments.production.analysis.probe]
//! url = "http://{address}:{port}/"   # default
//! interval = "100ms"                 # between requests (default)
//! timeout = "2s"                     # per request (default)
//! ```

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde::Deserialize;
use slipway_config::Duration as ConfigDuration;
use slipway_kit::Failure;

use super::{AnalysisConfig, Interrupt, Measurement, Provide, Subject};
use crate::http;
use crate::run::{Error, Result, Run};
use crate::template::Vars;

/// `[deploy.environments.NAME.analysis.probe]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProbeConfig {
    /// URL template for one canary backend (default `http://{address}:{port}/`).
    pub url: String,
    /// Pause between requests (default 100ms).
    pub interval: ConfigDuration,
    /// Timeout of one request (default 2s); a timeout is an error.
    pub timeout: ConfigDuration,
    /// PEM certificates trusted for an `https://` URL, besides the system roots.
    pub ca_file: Option<String>,
}

impl Default for ProbeConfig {
    fn default() -> Self {
        Self {
            url: "http://{address}:{port}/".to_owned(),
            interval: ConfigDuration::from_millis(100),
            timeout: ConfigDuration::from_secs(2),
            ca_file: None,
        }
    }
}

impl ProbeConfig {
    /// Checks the section.
    pub fn check(&self, key: &str) -> std::result::Result<(), Failure> {
        if !self.url.starts_with("http://") && !self.url.starts_with("https://") {
            return Err(Failure::bad_input(format!(
                "{key}.url: {:?} must be an http:// or https:// URL (the new slot's own address)",
                self.url
            )));
        }
        if let Some(path) = &self.ca_file {
            http::check_ca_file(&format!("{key}.ca_file"), path)?;
        }
        if let Some(p) = crate::template::unknown_placeholder(&self.url) {
            return Err(Failure::bad_input(format!(
                "{key}.url: unknown placeholder {{{p}}}"
            )));
        }
        Ok(())
    }
}

/// The probe provider.
#[derive(Debug, Clone)]
pub struct Probe {
    config: ProbeConfig,
}

impl Probe {
    /// A probe as configured.
    pub fn new(config: &AnalysisConfig) -> Self {
        Self {
            config: config.probe.clone(),
        }
    }
}

/// Nearest-rank percentile `p` (0 to 100) of `values`, which it sorts.
pub fn percentile(values: &mut [f64], p: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * values.len() as f64).ceil().max(1.0) as usize;
    values.get(rank.min(values.len()) - 1).copied()
}

impl Provide for Probe {
    fn measure(
        &self,
        run: &Run,
        subject: &Subject<'_>,
        window: Duration,
        interrupt: Interrupt<'_>,
    ) -> Result<Measurement> {
        if subject.backends.is_empty() {
            return Err(Error::failed("no canary backend to probe"));
        }
        let urls: Vec<String> = subject
            .backends
            .iter()
            .map(|b| {
                Vars::new()
                    .with("address", &b.address)
                    .with("port", b.port)
                    .with("slot", &b.slot)
                    .with("version", &b.version)
                    .with("host", &b.host)
                    .with("environment", subject.environment)
                    .render(&self.config.url)
            })
            .collect();
        let end = Instant::now() + window;
        let timeout = self.config.timeout.as_std();
        let mut latencies = Vec::new();
        let mut errors = 0_u64;
        let mut causes: BTreeMap<String, u64> = BTreeMap::new();
        let mut last_check = Instant::now();
        let mut i = 0;
        while Instant::now() < end {
            if last_check.elapsed() >= Duration::from_millis(100) {
                interrupt()?;
                last_check = Instant::now();
            }
            if run.interrupted() {
                return Err(Error::Cancelled);
            }
            let url = &urls[i % urls.len()];
            i += 1;
            let started = Instant::now();
            let failure = match http::get(url, timeout, self.config.ca_file.as_deref()) {
                Ok(r) if r.status < 500 => None,
                Ok(r) => Some(format!("{url} answered {}", r.status)),
                Err(e) => Some(e.to_string()),
            };
            latencies.push(started.elapsed().as_secs_f64() * 1000.0);
            if let Some(why) = failure {
                errors += 1;
                *causes.entry(why).or_default() += 1;
            }
            let pause = self.config.interval.as_std();
            if !pause.is_zero() {
                std::thread::sleep(pause.min(end.saturating_duration_since(Instant::now())));
            }
        }
        interrupt()?;
        let samples = latencies.len() as u64;
        Ok(Measurement {
            error_rate: (samples > 0).then(|| errors as f64 / samples as f64),
            p95_ms: percentile(&mut latencies, 95.0),
            samples: Some(samples),
            error: None,
            cause: most_frequent(&causes, errors),
        })
    }
}

/// The most frequent of `causes` with its share of the `errors`: `TLS to URL: … (20 of 20
/// failed requests)`.
fn most_frequent(causes: &BTreeMap<String, u64>, errors: u64) -> Option<String> {
    causes
        .iter()
        .max_by_key(|(_, n)| **n)
        .map(|(why, n)| format!("{why} ({n} of {errors} failed requests)"))
}

#[cfg(test)]
mod tests {
    use slipway_test_support::nginx::{Nginx, NginxConfig};
    use slipway_test_support::ports::free_port;
    use slipway_test_support::tls::Certificates;

    use super::*;
    use crate::analysis::Verdict;
    use crate::router::Backend;

    /// Probes `https://127.0.0.1:port/` for `window`, trusting `ca_file`: the config and
    /// the measurement.
    fn probe_tls(
        port: u16,
        ca_file: Option<&std::path::Path>,
        window: Duration,
    ) -> (AnalysisConfig, Measurement) {
        let config = AnalysisConfig {
            probe: ProbeConfig {
                url: "https://{address}:{port}/".into(),
                interval: ConfigDuration::from_millis(50),
                timeout: ConfigDuration::from_secs(5),
                ca_file: ca_file.map(|p| p.display().to_string()),
            },
            min_samples: 1,
            ..AnalysisConfig::default()
        };
        let backends = [Backend {
            host: "local".into(),
            slot: "green".into(),
            version: "v2".into(),
            address: "127.0.0.1".into(),
            port,
            weight: 1,
        }];
        let subject = Subject {
            environment: "staging",
            version: "v2",
            backends: &backends,
        };
        let run = Run::new(
            slipway_kit::Ui::detect().quiet(true),
            crate::cancel::Cancel::new(),
            false,
        );
        let measurement = Probe::new(&config)
            .measure(&run, &subject, window, &|| Ok(()))
            .unwrap();
        (config, measurement)
    }

    #[test]
    fn probe_analysis_names_the_tls_cause_untrusted_wrong_host_or_expired_not_a_bare_error_rate() {
        // Before the fix a failed window said only "error rate 100.00% … is above 1.00%".
        let dir = tempfile::tempdir().unwrap();
        let certs = |name: &str, names: &str, days: i32| {
            let d = dir.path().join(name);
            std::fs::create_dir_all(&d).unwrap();
            Certificates::make_for(&d, 11, names, days)
        };
        let good = certs("good", "IP:127.0.0.1,DNS:localhost", 2);
        let elsewhere = certs("elsewhere", "DNS:elsewhere.example", 2);
        let expired = certs("expired", "IP:127.0.0.1,DNS:localhost", -1);
        let ports = [free_port(), free_port(), free_port()];
        let answer = "return 200 \"ok\";";
        let _nginx = Nginx::start(NginxConfig {
            http_extra: format!(
                "{}{}{}",
                good.nginx_server(ports[0], answer),
                elsewhere.nginx_server(ports[1], answer),
                expired.nginx_server(ports[2], answer)
            ),
            ..NginxConfig::default()
        });
        for (port, ca, cause) in [
            (ports[0], None, "signed by an unknown certificate authority"),
            (
                ports[1],
                Some(&elsewhere.ca),
                "not valid for this host name",
            ),
            (ports[2], Some(&expired.ca), "has expired"),
        ] {
            let (config, m) = probe_tls(
                port,
                ca.map(std::path::PathBuf::as_path),
                Duration::from_millis(500),
            );
            let Verdict::Fail(why) = m.verdict(&config) else {
                panic!("expected a failed window, got {m:?}");
            };
            assert!(why.starts_with("error rate 100.00%"), "{why}");
            assert!(why.contains(cause), "{cause}: {why}");
            assert!(
                why.contains(&format!("TLS to https://127.0.0.1:{port}/")),
                "{why}"
            );
            assert!(why.contains("failed requests)"), "{why}");
        }
        // The same server, trusted and for this host name, passes.
        let (config, m) = probe_tls(ports[0], Some(&good.ca), Duration::from_millis(300));
        assert_eq!(m.verdict(&config), Verdict::Pass, "{m:?}");
        assert_eq!(m.cause, None);
    }

    #[test]
    fn nearest_rank_p95() {
        let mut v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&mut v, 95.0), Some(95.0));
        assert_eq!(percentile(&mut [], 95.0), None);
        assert_eq!(percentile(&mut [7.0], 95.0), Some(7.0));
    }
}
