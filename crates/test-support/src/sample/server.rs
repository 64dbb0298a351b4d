//! The sample service's HTTP application: what `slipway-sample-service`
//! serves. It lives in the library so the binary stays a few lines and the
//! behaviour is documented in one place.
//!
//! | request | answer |
//! | --- | --- |
//! | `GET /` | `hello from slipway-sample-service VERSION (slot SLOT)`; delayed by `latency_ms`; a 500 for the `error_rate` share |
//! | `GET /health` | 200 `ok`, or 503 `failing` when `fail_health` is set |
//! | `GET /version` | `{"version": "...", "slot": "..."}` |
//! | `GET /metrics` | Prometheus text: `http_requests_total{code,slot,version}` and the `http_request_duration_seconds` histogram |
//! | `GET /knobs` | the knobs as JSON |
//! | `POST /knobs` | set some knobs: `{"error_rate":0.05,"latency_ms":200,"fail_health":true}`; answers the new knobs |
//!
//! Every response carries `X-Version` and `X-Slot` headers. The metrics count
//! the application's requests (`/` and unknown paths), not health and
//! version checks, scrapes or knob changes, so an error rate computed from
//! them is the knob's.
//!
//! Errors are deterministic: with `error_rate` r, the k-th request to `/`
//! (counted from the last knob change) fails when `floor(k·r)` exceeds
//! `floor((k-1)·r)`, so 0.05 fails exactly every 20th request and 0.3 fails
//! exactly 3 in every 10.

use std::collections::BTreeMap;
use std::io::BufReader;
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::http;

/// Behaviour switches, settable by flags at start and at run time with
/// `POST /knobs`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Knobs {
    /// The share of `GET /` requests answered 500, from 0.0 to 1.0.
    pub error_rate: f64,
    /// Added latency of every `GET /`, in milliseconds.
    pub latency_ms: u64,
    /// Whether `GET /health` answers 503.
    pub fail_health: bool,
}

/// A partial knob update: the body of `POST /knobs`.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct KnobsUpdate {
    error_rate: Option<f64>,
    latency_ms: Option<u64>,
    fail_health: Option<bool>,
}

/// The histogram bucket bounds, in seconds.
const BUCKETS: [f64; 12] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.5, 5.0, 10.0,
];

#[derive(Default)]
struct Metrics {
    by_code: BTreeMap<u16, u64>,
    buckets: [u64; BUCKETS.len()],
    sum_seconds: f64,
    count: u64,
}

/// What the service is and its state.
pub struct App {
    version: String,
    slot: String,
    knobs: Mutex<Knobs>,
    root_requests: AtomicU64,
    metrics: Mutex<Metrics>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl App {
    /// A service reporting `version` and `slot`, starting with `knobs`.
    pub fn new(version: &str, slot: &str, knobs: Knobs) -> Self {
        Self {
            version: version.to_owned(),
            slot: slot.to_owned(),
            knobs: Mutex::new(knobs),
            root_requests: AtomicU64::new(0),
            metrics: Mutex::new(Metrics::default()),
        }
    }

    /// Serves `listener` forever, a thread per connection.
    pub fn serve(self: Arc<Self>, listener: &TcpListener) {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let app = Arc::clone(&self);
            let _ = std::thread::Builder::new().spawn(move || app.connection(stream));
        }
    }

    fn connection(&self, stream: TcpStream) {
        let _ = stream.set_nodelay(true);
        let mut reader = BufReader::new(stream);
        while let Ok(Some((request, keep_alive))) = http::read_request(&mut reader) {
            let started = Instant::now();
            let (status, content_type, body) = self.answer(&request);
            let headers = [
                ("Content-Type", content_type.to_owned()),
                ("X-Version", self.version.clone()),
                ("X-Slot", self.slot.clone()),
            ];
            let written = http::write_response(
                reader.get_mut(),
                status,
                &headers,
                body.as_bytes(),
                keep_alive,
            );
            if !matches!(
                request.path(),
                "/health" | "/version" | "/metrics" | "/knobs"
            ) {
                self.observe(status, started.elapsed());
            }
            if written.is_err() || !keep_alive {
                return;
            }
        }
    }

    fn answer(&self, request: &http::Message) -> (u16, &'static str, String) {
        match (request.method.as_str(), request.path()) {
            ("GET", "/") => {
                let knobs = *lock(&self.knobs);
                if knobs.latency_ms > 0 {
                    std::thread::sleep(Duration::from_millis(knobs.latency_ms));
                }
                let k = self.root_requests.fetch_add(1, Ordering::SeqCst) + 1;
                if fails(k, knobs.error_rate) {
                    (
                        500,
                        "text/plain",
                        format!(
                            "error from slipway-sample-service {} (slot {})\n",
                            self.version, self.slot
                        ),
                    )
                } else {
                    (
                        200,
                        "text/plain",
                        format!(
                            "hello from slipway-sample-service {} (slot {})\n",
                            self.version, self.slot
                        ),
                    )
                }
            }
            ("GET", "/health") => {
                if lock(&self.knobs).fail_health {
                    (503, "text/plain", "failing\n".to_owned())
                } else {
                    (200, "text/plain", "ok\n".to_owned())
                }
            }
            ("GET", "/version") => (
                200,
                "application/json",
                serde_json::json!({"version": self.version, "slot": self.slot}).to_string(),
            ),
            ("GET", "/metrics") => (200, "text/plain; version=0.0.4", self.metrics_text()),
            ("GET", "/knobs") => (200, "application/json", knobs_json(&lock(&self.knobs))),
            ("POST" | "PUT", "/knobs") => {
                match serde_json::from_slice::<KnobsUpdate>(&request.body) {
                    Ok(update) => {
                        let mut knobs = lock(&self.knobs);
                        if let Some(rate) = update.error_rate {
                            knobs.error_rate = rate.clamp(0.0, 1.0);
                        }
                        if let Some(latency) = update.latency_ms {
                            knobs.latency_ms = latency;
                        }
                        if let Some(fail) = update.fail_health {
                            knobs.fail_health = fail;
                        }
                        self.root_requests.store(0, Ordering::SeqCst);
                        (200, "application/json", knobs_json(&knobs))
                    }
                    Err(e) => (400, "text/plain", format!("bad knobs: {e}\n")),
                }
            }
            _ => (404, "text/plain", "not found\n".to_owned()),
        }
    }

    fn observe(&self, status: u16, elapsed: Duration) {
        let seconds = elapsed.as_secs_f64();
        let mut metrics = lock(&self.metrics);
        *metrics.by_code.entry(status).or_default() += 1;
        for (bound, bucket) in BUCKETS.iter().zip(metrics.buckets.iter_mut()) {
            if seconds <= *bound {
                *bucket += 1;
            }
        }
        metrics.sum_seconds += seconds;
        metrics.count += 1;
    }

    fn metrics_text(&self) -> String {
        use std::fmt::Write as _;
        let metrics = lock(&self.metrics);
        let labels = format!("slot=\"{}\",version=\"{}\"", self.slot, self.version);
        let mut out = String::new();
        out.push_str("# HELP http_requests_total Application requests by status code.\n");
        out.push_str("# TYPE http_requests_total counter\n");
        for (code, count) in &metrics.by_code {
            let _ = writeln!(
                out,
                "http_requests_total{{code=\"{code}\",{labels}}} {count}"
            );
        }
        out.push_str("# HELP http_request_duration_seconds Application request latency.\n");
        out.push_str("# TYPE http_request_duration_seconds histogram\n");
        for (bound, bucket) in BUCKETS.iter().zip(metrics.buckets.iter()) {
            let _ = writeln!(
                out,
                "http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {bucket}"
            );
        }
        let _ = writeln!(
            out,
            "http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
            metrics.count
        );
        let _ = writeln!(
            out,
            "http_request_duration_seconds_sum{{{labels}}} {}",
            metrics.sum_seconds
        );
        let _ = writeln!(
            out,
            "http_request_duration_seconds_count{{{labels}}} {}",
            metrics.count
        );
        out
    }
}

fn knobs_json(knobs: &Knobs) -> String {
    serde_json::to_string(knobs).unwrap_or_default()
}

/// Whether the `k`-th request (from 1) fails at `rate`: exactly
/// `floor(n·rate)` of the first n requests fail, spread evenly.
fn fails(k: u64, rate: f64) -> bool {
    let ppm = (rate.clamp(0.0, 1.0) * 1_000_000.0).round() as u64;
    k * ppm / 1_000_000 > (k - 1) * ppm / 1_000_000
}

#[cfg(test)]
mod tests {
    use super::fails;

    #[test]
    fn five_percent_is_every_twentieth_request() {
        let failed: Vec<u64> = (1..=60).filter(|&k| fails(k, 0.05)).collect();
        assert_eq!(failed, vec![20, 40, 60]);
    }

    #[test]
    fn thirty_percent_is_three_in_ten() {
        assert_eq!((1..=10).filter(|&k| fails(k, 0.3)).count(), 3);
        assert_eq!((1..=100).filter(|&k| fails(k, 0.0)).count(), 0);
        assert_eq!((1..=100).filter(|&k| fails(k, 1.0)).count(), 100);
    }
}
