//! hyperfine JSON (`--export-json`): per command median (else mean), seconds.

use std::io::BufRead;
use std::path::Path;

use serde::Deserialize;

use crate::error::ParseError;
use crate::model::{Benchmark, PerfReport};

#[derive(Deserialize)]
struct Doc {
    results: Vec<Run>,
}

#[derive(Deserialize)]
struct Run {
    command: String,
    mean: Option<f64>,
    median: Option<f64>,
    stddev: Option<f64>,
    max: Option<f64>,
    #[serde(default)]
    times: Vec<f64>,
}

/// Parses a hyperfine JSON export.
pub fn parse(input: impl BufRead, path: &Path) -> Result<PerfReport, ParseError> {
    let doc: Doc = crate::json::read(input, path)?;
    let mut report = PerfReport::default();
    for r in doc.results {
        let Some(median) = r.median.or(r.mean) else {
            continue;
        };
        report.benchmarks.insert(
            r.command,
            Benchmark {
                median_secs: median,
                stddev_secs: r.stddev,
                samples: Some(r.times.len() as u64),
                mean_secs: r.mean,
                max_secs: r.max,
                p95_secs: crate::model::p95(&r.times),
                memory_mb: None,
            },
        );
    }
    Ok(report)
}
