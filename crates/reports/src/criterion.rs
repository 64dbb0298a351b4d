//! criterion's `estimates.json` (`target/criterion/<group>/<bench>/new/estimates.json`):
//! the median point estimate, in nanoseconds, named by the `full_id` of the
//! `benchmark.json` criterion writes beside it (the name it prints), or else after the
//! directories between `criterion/` and `new/`.

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

/// criterion's `benchmark.json`, beside each `estimates.json`: the id as criterion prints
/// it, and the directory (under `criterion/`) it wrote the id's files to.
#[derive(Deserialize)]
struct BenchmarkId {
    full_id: String,
    directory_name: String,
}

/// The benchmark name from an estimates.json path: the directories between `criterion/`
/// and `new/` (or `base/`, `change/`).
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

/// The benchmark name criterion prints for the estimates.json at `path`: the `full_id` of
/// the `benchmark.json` beside it, which keeps what the directory name lost (criterion
/// writes the id `format/hex` to `format_hex/`, and cuts long ids short). The directory
/// name ([`bench_name`]) when there is no such file, or the file there is not criterion's
/// for this directory (pytest-benchmark's default output is also `benchmark.json`).
pub fn printed_name(path: &Path) -> String {
    let dir_name = bench_name(path);
    if path.file_name().is_none_or(|n| n != "estimates.json") {
        return dir_name;
    }
    let id = std::fs::File::open(path.with_file_name("benchmark.json"))
        .ok()
        .and_then(|f| serde_json::from_reader::<_, BenchmarkId>(std::io::BufReader::new(f)).ok());
    match id {
        Some(id)
            if dir_name == id.directory_name
                || dir_name.ends_with(&format!("/{}", id.directory_name)) =>
        {
            id.full_id
        }
        _ => dir_name,
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
        printed_name(path),
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
