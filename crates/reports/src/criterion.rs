//! criterion's `estimates.json` (`target/criterion/<group>/<bench>/new/estimates.json`):
//! the median point estimate, in nanoseconds, named after the directories between
//! `criterion/` and `new/`.

use std::io::BufRead;
use std::path::Path;

use serde::Deserialize;

use crate::error::ParseError;
use crate::model::{Benchmark, PerfReport};

#[derive(Deserialize)]
struct Doc {
    median: Option<Estimate>,
    mean: Option<Estimate>,
    std_dev: Option<Estimate>,
}

#[derive(Deserialize)]
struct Estimate {
    point_estimate: f64,
}

/// The benchmark name from an estimates.json path.
pub fn bench_name(path: &Path) -> String {
    let parts: Vec<String> = path
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let start = parts
        .iter()
        .rposition(|p| p == "criterion")
        .map_or(0, |i| i + 1);
    let end = parts
        .iter()
        .rposition(|p| p == "new" || p == "base" || p == "change")
        .unwrap_or(parts.len().saturating_sub(1));
    if start < end {
        parts[start..end].join("/")
    } else {
        path.display().to_string()
    }
}

/// Parses a criterion estimates.json.
pub fn parse(input: impl BufRead, path: &Path) -> Result<PerfReport, ParseError> {
    let doc: Doc = crate::json::read(input, path)?;
    let Some(central) = doc.median.as_ref().or(doc.mean.as_ref()) else {
        return Err(ParseError::whole(
            path,
            "not a criterion estimates.json: no median or mean",
        ));
    };
    let mut report = PerfReport::default();
    report.benchmarks.insert(
        bench_name(path),
        Benchmark {
            median_secs: central.point_estimate / 1e9,
            stddev_secs: doc.std_dev.map(|s| s.point_estimate / 1e9),
            samples: None,
            mean_secs: doc.mean.as_ref().map(|m| m.point_estimate / 1e9),
            max_secs: None,
            p95_secs: None,
            memory_mb: None,
        },
    );
    Ok(report)
}
