//! criterion output written by a real criterion 0.7.0 run (`tests/fixtures/criterion-real`,
//! see its README and `regen.sh`): three benchmarks, `parse/small` in a group, `fib_20`,
//! and `format/hex`, a plain id with a slash that criterion writes to `format_hex/`. Each
//! is read through detection and the parser and checked against the JSON criterion wrote.

use std::path::{Path, PathBuf};

use slipway_reports::{Kind, Options, PerfReport, Report, detect, parse_path};

/// `target/criterion` of the real run.
fn criterion_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/criterion-real/target/criterion")
}

/// The directory names criterion wrote, and the `full_id` it printed for each.
const BENCHES: [(&str, &str); 3] = [
    ("parse/small", "parse/small"),
    ("fib_20", "fib_20"),
    ("format_hex", "format/hex"),
];

fn estimates(dir: &str) -> PathBuf {
    criterion_dir().join(dir).join("new/estimates.json")
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn perf(path: &Path) -> PerfReport {
    match parse_path(path, None, &Options::default()) {
        Ok((Kind::Criterion, Report::Performance(p))) => p,
        other => panic!("{}: {other:?}", path.display()),
    }
}

#[test]
fn criterion_0_7_estimates_are_detected_from_their_content_under_any_file_name() {
    for (dir, _) in BENCHES {
        let bytes = std::fs::read(estimates(dir)).unwrap();
        // A name that says nothing: detection has only the structure to go on.
        assert_eq!(
            detect(&bytes, Path::new("report.json")).unwrap(),
            Kind::Criterion,
            "{dir}"
        );
    }
}

#[test]
#[allow(clippy::float_cmp)] // the same division by 1e9 as the parser: equal to the bit
fn criterion_0_7_median_mean_and_std_dev_are_its_point_estimates_in_seconds() {
    for (dir, _) in BENCHES {
        let path = estimates(dir);
        let written = json(&path);
        let report = perf(&path);
        assert_eq!(report.benchmarks.len(), 1, "{dir}: {:?}", report.benchmarks);
        let b = report.benchmarks.values().next().unwrap();
        let ns = |field: &str| written[field]["point_estimate"].as_f64().unwrap();
        assert_eq!(b.median_secs, ns("median") / 1e9, "{dir}");
        assert_eq!(b.mean_secs, Some(ns("mean") / 1e9), "{dir}");
        assert_eq!(b.stddev_secs, Some(ns("std_dev") / 1e9), "{dir}");
        // criterion writes nanoseconds: these took nanoseconds to microseconds, not
        // seconds, so a unit slip shows here.
        assert!(
            b.median_secs > 1e-10 && b.median_secs < 1e-3,
            "{dir}: {b:?}"
        );
    }
}

#[test]
fn criterion_0_7_benchmark_in_a_group_is_named_group_slash_function_as_it_prints() {
    let names: Vec<String> = BENCHES
        .iter()
        .flat_map(|(dir, _)| perf(&estimates(dir)).benchmarks.into_keys())
        .collect();
    assert_eq!(names, ["parse/small", "fib_20", "format/hex"]);
    for (dir, printed) in BENCHES {
        let written = json(&criterion_dir().join(dir).join("new/benchmark.json"));
        assert_eq!(written["full_id"], printed, "{dir}");
    }
}

#[test]
fn criterion_id_with_a_slash_is_named_as_printed_not_after_its_format_hex_directory() {
    // Regression: the name came from the directory only, so criterion's `format/hex`
    // (written to `format_hex/`) was `format_hex`, which a target `format/*` never matched.
    let report = perf(&estimates("format_hex"));
    assert_eq!(report.benchmarks.keys().collect::<Vec<_>>(), ["format/hex"]);
}

/// A copy of one real `estimates.json` under `target/criterion/<dir>/new/` in a fresh
/// directory, with `benchmark.json` beside it when `id` is given.
fn copied(dir: &str, id: Option<&str>) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let new = tmp.path().join("target/criterion").join(dir).join("new");
    std::fs::create_dir_all(&new).unwrap();
    std::fs::copy(estimates(dir), new.join("estimates.json")).unwrap();
    if let Some(id) = id {
        std::fs::write(new.join("benchmark.json"), id).unwrap();
    }
    (tmp, new.join("estimates.json"))
}

#[test]
fn criterion_estimates_without_benchmark_json_are_named_after_their_directories() {
    let (_tmp, path) = copied("format_hex", None);
    assert_eq!(
        perf(&path).benchmarks.keys().collect::<Vec<_>>(),
        ["format_hex"]
    );
    let (_tmp, path) = copied("parse/small", None);
    assert_eq!(
        perf(&path).benchmarks.keys().collect::<Vec<_>>(),
        ["parse/small"]
    );
}

#[test]
fn criterion_estimates_beside_a_foreign_benchmark_json_are_named_after_their_directory() {
    // pytest-benchmark's default output is also `benchmark.json`; a criterion one without
    // `full_id`, or one written for another directory, names nothing either.
    let pytest = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds/benchmark.json"),
    )
    .unwrap();
    let other_dir =
        std::fs::read_to_string(criterion_dir().join("fib_20/new/benchmark.json")).unwrap();
    for foreign in [
        pytest.as_str(),
        r#"{"group_id":"format/hex","directory_name":"format_hex"}"#,
        &other_dir,
        "not json",
    ] {
        let (_tmp, path) = copied("format_hex", Some(foreign));
        assert_eq!(
            perf(&path).benchmarks.keys().collect::<Vec<_>>(),
            ["format_hex"],
            "{foreign}"
        );
    }
}
