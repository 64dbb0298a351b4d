//! The `probe` provider: synthetic `GET` requests straight to the canary slot (its own
//! address and port, never through the router), one after another, round robin over the
//! canary's hosts. A 5xx answer or a failed connection is an error; the p95 is taken over
//! every request's latency (nearest rank).
//!
//! ```toml
//! [deploy.environments.production.analysis.probe]
//! url = "http://{address}:{port}/"   # default
//! interval = "100ms"                 # between requests (default)
//! timeout = "2s"                     # per request (default)
//! ```

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
            let ok = matches!(
                http::get(url, timeout, self.config.ca_file.as_deref()),
                Ok(r) if r.status < 500
            );
            latencies.push(started.elapsed().as_secs_f64() * 1000.0);
            if !ok {
                errors += 1;
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
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_p95() {
        let mut v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&mut v, 95.0), Some(95.0));
        assert_eq!(percentile(&mut [], 95.0), None);
        assert_eq!(percentile(&mut [7.0], 95.0), Some(7.0));
    }
}
