//! Locust `--csv PREFIX` statistics (`PREFIX_stats.csv`): the `Aggregated` row (or the
//! sum of rows when there is none) gives requests, failures, throughput and percentiles.
//! Both the current header (`Request Count`, `95%`) and the old one (`# requests`) work.

use std::io::BufRead;
use std::path::Path;

use crate::error::ParseError;
use crate::model::{LoadStats, PerfReport};

/// Parses a Locust stats CSV.
pub fn parse(input: impl BufRead, path: &Path) -> Result<PerfReport, ParseError> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(input);
    let headers = reader
        .headers()
        .map_err(|e| ParseError::at_line(path, 1, 1, format!("unreadable CSV header: {e}")))?
        .clone();
    let col = |names: &[&str]| {
        headers
            .iter()
            .position(|h| names.iter().any(|n| h.trim().eq_ignore_ascii_case(n)))
    };
    let name = col(&["Name"])
        .ok_or_else(|| ParseError::at_line(path, 1, 1, "not a Locust stats CSV: no Name column"))?;
    let requests = col(&["Request Count", "# requests"]).ok_or_else(|| {
        ParseError::at_line(
            path,
            1,
            1,
            "not a Locust stats CSV: no Request Count column",
        )
    })?;
    let failures = col(&["Failure Count", "# failures"]);
    let rps = col(&["Requests/s"]);
    let p50 = col(&["50%", "Median Response Time", "Median response time"]);
    let p95 = col(&["95%"]);
    let p99 = col(&["99%"]);
    let mut total = LoadStats::default();
    let mut aggregated = None;
    let mut rps_sum = 0.0;
    for (i, row) in reader.records().enumerate() {
        let line = i as u64 + 2;
        let row = row
            .map_err(|e| ParseError::at_line(path, line, 1, format!("unreadable CSV row: {e}")))?;
        let num = |c: Option<usize>| -> Result<Option<f64>, ParseError> {
            let Some(c) = c else { return Ok(None) };
            let cell = row.get(c).unwrap_or("").trim();
            if cell.is_empty() || cell == "N/A" {
                return Ok(None);
            }
            cell.parse::<f64>().map(Some).map_err(|_| {
                ParseError::at_line(
                    path,
                    line,
                    c as u64 + 1,
                    format!("{cell:?} is not a number"),
                )
            })
        };
        let stats = LoadStats {
            requests: num(Some(requests))?.unwrap_or(0.0) as u64,
            failures: num(failures)?.unwrap_or(0.0) as u64,
            rps: num(rps)?,
            p50_ms: num(p50)?,
            p95_ms: num(p95)?,
            p99_ms: num(p99)?,
        };
        if row.get(name).is_some_and(|n| {
            n.trim().eq_ignore_ascii_case("Aggregated") || n.trim().eq_ignore_ascii_case("Total")
        }) {
            aggregated = Some(stats);
        } else {
            total.requests += stats.requests;
            total.failures += stats.failures;
            rps_sum += stats.rps.unwrap_or(0.0);
            total.p95_ms = max_opt(total.p95_ms, stats.p95_ms);
            total.p99_ms = max_opt(total.p99_ms, stats.p99_ms);
            total.p50_ms = max_opt(total.p50_ms, stats.p50_ms);
        }
    }
    let load = aggregated.unwrap_or(LoadStats {
        rps: Some(rps_sum),
        ..total
    });
    Ok(PerfReport {
        load: Some(load),
        ..PerfReport::default()
    })
}

fn max_opt(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, y) => x.or(y),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aggregated_row_gives_the_totals() {
        let csv = "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%\nGET,/forecast,1000,5,42,50,3,900,120,55.5,0.2,42,50,60,70,120,180,300,450,800,900,900\n,Aggregated,1000,5,42,50,3,900,120,55.5,0.2,42,50,60,70,120,180,300,450,800,900,900\n";
        let r = parse(csv.as_bytes(), Path::new("s.csv")).unwrap();
        let l = r.load.unwrap();
        assert_eq!((l.requests, l.failures), (1000, 5));
        assert_eq!((l.p95_ms, l.rps), (Some(180.0), Some(55.5)));
        assert!((l.error_rate_percent().unwrap() - 0.5).abs() < 1e-9);
    }
}
