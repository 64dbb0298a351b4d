//! k6 summaries: `--summary-export` JSON (`metrics.http_req_duration["p(95)"]`) and the
//! `handleSummary` data object (`metrics.http_req_duration.values["p(95)"]`).

use std::io::BufRead;
use std::path::Path;

use serde_json::Value;

use crate::error::ParseError;
use crate::model::{LoadStats, PerfReport};

/// Parses a k6 summary JSON.
pub fn parse(input: impl BufRead, path: &Path) -> Result<PerfReport, ParseError> {
    #[derive(serde::Deserialize)]
    struct Doc {
        metrics: Option<serde_json::Map<String, Value>>,
    }
    let doc: Doc = crate::json::read(input, path)?;
    let metrics = doc
        .metrics
        .ok_or_else(|| ParseError::whole(path, "not a k6 summary: no \"metrics\""))?;
    let get = |metric: &str, field: &str| -> Option<f64> {
        let m = metrics.get(metric)?;
        let m = m.get("values").unwrap_or(m);
        m.get(field)?.as_f64()
    };
    let requests = get("http_reqs", "count").unwrap_or(0.0) as u64;
    let failed_rate = get("http_req_failed", "rate").or_else(|| get("http_req_failed", "value"));
    let failures = get("http_req_failed", "passes").map_or_else(
        || failed_rate.map_or(0, |r| (r * requests as f64).round() as u64),
        |p| p as u64,
    );
    let load = LoadStats {
        requests,
        failures,
        rps: get("http_reqs", "rate"),
        p50_ms: get("http_req_duration", "med"),
        p95_ms: get("http_req_duration", "p(95)"),
        p99_ms: get("http_req_duration", "p(99)"),
    };
    Ok(PerfReport {
        load: Some(load),
        ..PerfReport::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_export_and_handle_summary_shapes() {
        let export = r#"{"metrics":{"http_req_duration":{"avg":50,"med":40,"p(90)":90,"p(95)":120},"http_reqs":{"count":200,"rate":66.6},"http_req_failed":{"passes":2,"fails":198,"value":0.01}}}"#;
        let l = parse(export.as_bytes(), Path::new("k6.json"))
            .unwrap()
            .load
            .unwrap();
        assert_eq!((l.requests, l.failures, l.p95_ms), (200, 2, Some(120.0)));
        let data = r#"{"metrics":{"http_req_duration":{"type":"trend","values":{"p(95)":210.5,"p(99)":400}},"http_reqs":{"values":{"count":100,"rate":10}},"http_req_failed":{"values":{"rate":0.05,"passes":5,"fails":95}}}}"#;
        let l = parse(data.as_bytes(), Path::new("k6.json"))
            .unwrap()
            .load
            .unwrap();
        assert_eq!((l.failures, l.p99_ms), (5, Some(400.0)));
    }
}
