//! pytest-benchmark JSON (`--benchmark-json`): per benchmark median, stddev and rounds,
//! in seconds, keyed by `fullname`.

use std::io::BufRead;
use std::path::Path;

use serde::Deserialize;

use crate::error::ParseError;
use crate::model::{Benchmark, PerfReport};

#[derive(Deserialize)]
struct Doc {
    benchmarks: Option<Vec<Bench>>,
}

#[derive(Deserialize)]
struct Bench {
    #[serde(default)]
    name: String,
    fullname: Option<String>,
    stats: Stats,
}

#[derive(Deserialize)]
struct Stats {
    median: Option<f64>,
    mean: Option<f64>,
    stddev: Option<f64>,
    rounds: Option<u64>,
}

/// Parses a pytest-benchmark JSON file.
pub fn parse(input: impl BufRead, path: &Path) -> Result<PerfReport, ParseError> {
    let doc: Doc = crate::json::read(input, path)?;
    let benches = doc.benchmarks.ok_or_else(|| {
        ParseError::whole(path, "not a pytest-benchmark report: no \"benchmarks\"")
    })?;
    let mut report = PerfReport::default();
    for b in benches {
        let Some(median) = b.stats.median.or(b.stats.mean) else {
            continue;
        };
        report.benchmarks.insert(
            b.fullname.unwrap_or(b.name),
            Benchmark {
                median_secs: median,
                stddev_secs: b.stats.stddev,
                samples: b.stats.rounds,
            },
        );
    }
    Ok(report)
}
