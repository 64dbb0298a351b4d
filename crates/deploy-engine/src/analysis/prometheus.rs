//! The `prometheus` provider: at the end of each measurement (every `analysis.interval`
//! through a window), three PromQL instant queries (`GET /api/v1/query`) for the new
//! version's error rate, p95 latency (seconds) and request count over the measurement.
//! A query that fails (Prometheus down, a 5xx, a malformed answer) makes the measurement
//! inconclusive, not failed. Queries are templated with `{slot}`, `{version}`,
//! `{environment}` and `{window}` (the measurement as a PromQL duration, `10000ms`). Values
//! arrive as strings and are parsed; an empty result or `NaN` is no data.
//!
//! The defaults fit the conventional `http_requests_total{code,slot,version}` counter and
//! `http_request_duration_seconds` histogram:
//!
//! ```toml
//! [deploy.environments.production.analysis.prometheus]
//! url = "http://127.0.0.1:9090"
//! error_rate = '(sum(rate(http_requests_total{slot="{slot}",version="{version}",code=~"5.."}[{window}])) or vector(0)) / sum(rate(http_requests_total{slot="{slot}",version="{version}"}[{window}]))'
//! p95 = 'histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{slot="{slot}",version="{version}"}[{window}])))'
//! samples = 'sum(increase(http_requests_total{slot="{slot}",version="{version}"}[{window}]))'
//! ```

use std::fmt::Write as _;
use std::time::Duration;

use serde::Deserialize;
use slipway_config::Duration as ConfigDuration;
use slipway_kit::Failure;

use super::{AnalysisConfig, Interrupt, Measurement, Provide, Subject};
use crate::http;
use crate::run::{Error, Result, Run};
use crate::template::Vars;

/// Placeholders a query may use.
pub const QUERY_VARIABLES: &[&str] = &["slot", "version", "environment", "window"];

/// `[deploy.environments.NAME.analysis.prometheus]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PrometheusConfig {
    /// Base URL (`http://prometheus:9090`).
    pub url: String,
    /// Query for the error rate (a ratio, 0 to 1).
    pub error_rate: String,
    /// Query for the p95 latency, in seconds.
    pub p95: String,
    /// Query for the number of requests in the window.
    pub samples: String,
    /// Timeout of one query (default 5s).
    pub timeout: ConfigDuration,
    /// PEM certificates trusted for an `https://` URL, besides the system roots.
    pub ca_file: Option<String>,
}

impl Default for PrometheusConfig {
    fn default() -> Self {
        let sel = r#"slot="{slot}",version="{version}""#;
        Self {
            url: String::new(),
            error_rate: format!(
                r#"(sum(rate(http_requests_total{{{sel},code=~"5.."}}[{{window}}])) or vector(0)) / sum(rate(http_requests_total{{{sel}}}[{{window}}]))"#
            ),
            p95: format!(
                "histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{{{sel}}}[{{window}}])))"
            ),
            samples: format!("sum(increase(http_requests_total{{{sel}}}[{{window}}]))"),
            timeout: ConfigDuration::from_secs(5),
            ca_file: None,
        }
    }
}

impl PrometheusConfig {
    /// Checks the section.
    pub fn check(&self, key: &str) -> std::result::Result<(), Failure> {
        if !self.url.starts_with("http://") && !self.url.starts_with("https://") {
            return Err(Failure::bad_input(format!(
                "{key}.url: {:?} must be the http:// or https:// base URL of Prometheus",
                self.url
            ))
            .help("e.g. url = \"http://127.0.0.1:9090\""));
        }
        if let Some(path) = &self.ca_file {
            http::check_ca_file(&format!("{key}.ca_file"), path)?;
        }
        for (name, query) in [
            ("error_rate", &self.error_rate),
            ("p95", &self.p95),
            ("samples", &self.samples),
        ] {
            if let Some(p) = crate::template::unknown_placeholder_among(query, QUERY_VARIABLES) {
                return Err(Failure::bad_input(format!(
                    "{key}.{name}: unknown placeholder {{{p}}}"
                ))
                .help("queries may use {slot} {version} {environment} {window}"));
            }
        }
        Ok(())
    }
}

/// Percent-encodes a query-string value.
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len() * 2);
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// What one instant query returned.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value {
    /// A number (possibly NaN or infinite).
    Number(f64),
    /// An empty result.
    Empty,
}

/// Parses a `/api/v1/query` answer: one vector element or a scalar, value as a string.
pub fn parse_answer(body: &str) -> std::result::Result<Value, String> {
    let json: serde_json::Value =
        serde_json::from_str(body).map_err(|e| format!("not JSON ({e})"))?;
    if json["status"] != "success" {
        return Err(format!(
            "{}: {}",
            json["errorType"].as_str().unwrap_or("error"),
            json["error"].as_str().unwrap_or("query failed")
        ));
    }
    let data = &json["data"];
    let value = match data["resultType"].as_str() {
        Some("scalar") => &data["result"][1],
        Some("vector") => {
            let result = data["result"].as_array().map_or(&[][..], Vec::as_slice);
            match result {
                [] => return Ok(Value::Empty),
                [one] => &one["value"][1],
                many => {
                    return Err(format!(
                        "the query returns {} series; aggregate it to one (sum, max)",
                        many.len()
                    ));
                }
            }
        }
        other => return Err(format!("unsupported result type {other:?}")),
    };
    let text = value
        .as_str()
        .ok_or_else(|| format!("value {value} is not a string"))?;
    // Prometheus writes NaN, +Inf and -Inf; Rust parses "NaN", "inf", "+Inf" case-insensitively.
    text.parse::<f64>()
        .map(Value::Number)
        .map_err(|_| format!("value {text:?} is not a number"))
}

/// The prometheus provider.
#[derive(Debug, Clone)]
pub struct Prometheus {
    config: PrometheusConfig,
}

impl Prometheus {
    /// A provider as configured.
    pub fn new(config: &AnalysisConfig) -> Self {
        Self {
            config: config.prometheus.clone(),
        }
    }

    /// Runs one instant query.
    pub fn query(&self, promql: &str) -> Result<Value> {
        let url = format!(
            "{}/api/v1/query?query={}",
            self.config.url.trim_end_matches('/'),
            encode(promql)
        );
        let response = http::get(
            &url,
            self.config.timeout.as_std(),
            self.config.ca_file.as_deref(),
        )
        .map_err(|e| Error::failed(format!("Prometheus {}: {e}", self.config.url)))?;
        if response.status >= 500 {
            return Err(Error::failed(format!(
                "Prometheus answered {} to {promql}",
                response.status
            )));
        }
        parse_answer(&response.body)
            .map_err(|e| Error::failed(format!("Prometheus query {promql}: {e}")))
    }
}

fn number(value: Value) -> Option<f64> {
    match value {
        Value::Number(n) if n.is_finite() => Some(n),
        _ => None,
    }
}

impl Provide for Prometheus {
    fn measure(
        &self,
        run: &Run,
        subject: &Subject<'_>,
        window: Duration,
        interrupt: Interrupt<'_>,
    ) -> Result<Measurement> {
        super::wait(run, window, interrupt)?;
        let slot = subject
            .backends
            .first()
            .map(|b| b.slot.clone())
            .unwrap_or_default();
        let vars = Vars::new()
            .with("slot", slot)
            .with("version", subject.version)
            .with("environment", subject.environment)
            .with("window", format!("{}ms", window.as_millis().max(1)));
        // A query that fails makes the measurement inconclusive, not the step failed.
        let queried = (|| -> Result<Measurement> {
            let error_rate = number(self.query(&vars.render(&self.config.error_rate))?);
            let p95_ms = number(self.query(&vars.render(&self.config.p95))?).map(|s| s * 1000.0);
            let samples = number(self.query(&vars.render(&self.config.samples))?)
                .map(|n| n.max(0.0).round() as u64);
            Ok(Measurement {
                error_rate,
                p95_ms,
                samples,
                ..Measurement::default()
            })
        })();
        match queried {
            Ok(m) => Ok(m),
            Err(Error::Failed(why)) => Ok(Measurement {
                error: Some(why),
                ..Measurement::default()
            }),
            Err(other) => Err(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_arrive_as_strings() {
        let v = r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1700000000.1,"0.05"]}]}}"#;
        assert_eq!(parse_answer(v), Ok(Value::Number(0.05)));
        let s =
            r#"{"status":"success","data":{"resultType":"scalar","result":[1700000000.1,"NaN"]}}"#;
        assert!(matches!(parse_answer(s), Ok(Value::Number(n)) if n.is_nan()));
        let e = r#"{"status":"success","data":{"resultType":"vector","result":[]}}"#;
        assert_eq!(parse_answer(e), Ok(Value::Empty));
        let bad = r#"{"status":"error","errorType":"bad_data","error":"parse error"}"#;
        assert!(parse_answer(bad).unwrap_err().contains("parse error"));
    }

    #[test]
    fn default_queries_use_only_known_placeholders() {
        let c = PrometheusConfig {
            url: "http://127.0.0.1:9090".into(),
            ..PrometheusConfig::default()
        };
        assert!(c.check("k").is_ok());
        assert!(c.error_rate.contains(r#"code=~"5..""#));
        let bad = PrometheusConfig {
            samples: "sum(x{slot=\"{slott}\"})".into(),
            ..c
        };
        assert!(bad.check("k").unwrap_err().cause.contains("{slott}"));
        assert_eq!(encode("a b{c=\"d\"}"), "a%20b%7Bc%3D%22d%22%7D");
    }
}
