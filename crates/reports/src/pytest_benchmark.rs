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
    #[serde(default)]
    extra_info: ExtraInfo,
}

/// What a test recorded with `benchmark.extra_info[...]`; pytest-benchmark measures no
/// memory itself.
#[derive(Deserialize, Default)]
struct ExtraInfo {
    memory_mb: Option<f64>,
}

#[derive(Deserialize)]
struct Stats {
    median: Option<f64>,
    mean: Option<f64>,
    stddev: Option<f64>,
    rounds: Option<u64>,
    max: Option<f64>,
    /// Every round's time, unless the run passed `--benchmark-columns` only (pytest-benchmark
    /// writes it by default).
    #[serde(default)]
    data: Vec<f64>,
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
                mean_secs: b.stats.mean,
                max_secs: b.stats.max,
                p95_secs: crate::model::p95(&b.stats.data),
                memory_mb: b.extra_info.memory_mb,
            },
        );
    }
    Ok(report)
}
