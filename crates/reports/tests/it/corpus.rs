//! Every file of the peer corpus (vendored under `tests/corpus`, licences and sources in its
//! `SOURCES.md`; `$SLIPWAY_CORPUS` points elsewhere) through the
//! parsers: nothing panics, files the peers expect to fail fail with an error naming the
//! file, and test counts match EnricoMi's `.results.json` wherever one exists.

use std::path::{Path, PathBuf};

use slipway_reports::{Options, Report, parse_path};

/// The peer corpus (the vendored copy unless `$SLIPWAY_CORPUS` names another), or a loud
/// failure saying how to provide it: these tests never pass by skipping.
pub(crate) fn corpus_or_fail() -> PathBuf {
    let dir = std::env::var_os("SLIPWAY_CORPUS").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus"),
        PathBuf::from,
    );
    assert!(
        dir.join("MANIFEST.tsv").is_file(),
        "peer report corpus not found at {}: set SLIPWAY_CORPUS to a copy of it \
         (the folders listed in its SOURCES.md); the corpus tests never skip",
        dir.display()
    );
    dir
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// Files that describe expectations rather than being inputs.
fn is_expectation(p: &Path) -> bool {
    let name = p.file_name().unwrap_or_default().to_string_lossy();
    name.ends_with(".results")
        || name.ends_with(".results.json")
        || name.ends_with(".annotations")
        || name.ends_with(".exception")
        || name.starts_with("LICENSE")
        || name.ends_with(".md")
        || name == "MANIFEST.tsv"
}

#[derive(Debug, Default)]
struct Tally {
    files: usize,
    parsed: usize,
    refused: usize,
    expected_failures: usize,
    expected_failures_refused: usize,
    with_counts: usize,
    counts_match: usize,
    mismatches: Vec<String>,
}

#[test]
fn every_corpus_file_parses_or_is_refused_with_a_clear_error() {
    let root = corpus_or_fail();
    let mut files = Vec::new();
    walk(&root, &mut files);
    let mut t = Tally::default();
    let mut by_kind: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
    for file in files.iter().filter(|f| !is_expectation(f)) {
        t.files += 1;
        let result = std::panic::catch_unwind(|| parse_path(file, None, &Options::default()));
        let result = result.unwrap_or_else(|_| panic!("parser panicked on {}", file.display()));
        // `.junit-xml` files are the peer's own NUnit/xUnit-to-JUnit conversions; its
        // expectations are about the original input beside them.
        let derived = file.extension().is_some_and(|e| e == "junit-xml");
        let stem = file.with_extension("");
        let exception = stem.with_extension("exception");
        let expected = stem.with_extension("results.json");
        let (exception, expected) = if derived {
            (PathBuf::new(), PathBuf::new())
        } else {
            (exception, expected)
        };
        match &result {
            Ok((kind, _)) => {
                t.parsed += 1;
                *by_kind.entry(kind.name().to_owned()).or_default() += 1;
            }
            Err(e) => {
                t.refused += 1;
                if std::env::var_os("SLIPWAY_CORPUS_VERBOSE").is_some() {
                    eprintln!("  refused: {e}");
                }
                let text = e.to_string();
                assert!(
                    text.starts_with(&file.display().to_string()),
                    "error does not name the file: {text}"
                );
                assert!(
                    text.len() > file.display().to_string().len() + 5,
                    "error says nothing: {text}"
                );
            }
        }
        if exception.exists() {
            t.expected_failures += 1;
            if result.is_err() {
                t.expected_failures_refused += 1;
            } else {
                t.mismatches.push(format!(
                    "{}: peer expects a parse error, we parsed it",
                    file.display()
                ));
            }
        }
        if expected.exists() && !exception.exists() {
            let want: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&expected).unwrap()).unwrap();
            let stats = &want["stats"];
            let n = |k: &str| stats[k].as_u64().unwrap_or(0);
            t.with_counts += 1;
            match &result {
                Ok((_, Report::Tests(r))) => {
                    let ours = (r.total, r.passed, r.skipped, r.failed, r.errors);
                    let runs = (
                        n("runs"),
                        n("runs_succ"),
                        n("runs_skip"),
                        n("runs_fail"),
                        n("runs_error"),
                    );
                    let tests = (
                        n("tests"),
                        n("tests_succ"),
                        n("tests_skip"),
                        n("tests_fail"),
                        n("tests_error"),
                    );
                    if ours == runs || ours == tests {
                        t.counts_match += 1;
                    } else {
                        t.mismatches.push(format!("{}: ours (total, pass, skip, fail, error) {ours:?}, peer runs {runs:?}, tests {tests:?}", file.display()));
                    }
                }
                Ok((kind, _)) => t.mismatches.push(format!(
                    "{}: peer has test counts, we read it as {kind}",
                    file.display()
                )),
                Err(e) => t.mismatches.push(format!(
                    "{}: peer has test counts, we refused it: {e}",
                    file.display()
                )),
            }
        }
    }
    eprintln!(
        "corpus: {} files, {} parsed, {} refused; by format: {by_kind:?}",
        t.files, t.parsed, t.refused
    );
    eprintln!(
        "expected failures refused: {}/{}; test counts matching .results.json: {}/{}",
        t.expected_failures_refused, t.expected_failures, t.counts_match, t.with_counts
    );
    for m in &t.mismatches {
        eprintln!("  differs: {m}");
    }
    assert!(t.files > 500, "corpus looks incomplete: {} files", t.files);
    // Deliberate differences are listed in docs/quality-gate.md; anything new fails here.
    assert!(
        t.mismatches.len() <= KNOWN_DIFFERENCES,
        "{} differences from the peers (expected at most {KNOWN_DIFFERENCES})",
        t.mismatches.len()
    );
}

/// Differences from the peers we keep on purpose (see docs/quality-gate.md, "Peer corpus").
const KNOWN_DIFFERENCES: usize = 2;

#[test]
fn one_coverage_py_run_reads_the_same_in_cobertura_lcov_and_json() {
    let root = corpus_or_fail();
    let dir = root.join("generated-coveragepy");
    for name in ["coverage.cobertura.xml", "coverage.lcov", "coverage.json"] {
        let (_, report) = parse_path(&dir.join(name), None, &Options::default()).unwrap();
        let Report::Coverage(c) = report else {
            panic!("{name} is not coverage")
        };
        assert_eq!((c.lines.covered, c.lines.total), (14, 19), "{name} lines");
        assert_eq!(
            (c.branches.covered, c.branches.total),
            (5, 8),
            "{name} branches"
        );
        let calc = c
            .files
            .iter()
            .find(|(p, _)| p.ends_with("calc.py"))
            .unwrap()
            .1;
        assert_eq!(
            (calc.lines.covered, calc.lines.total),
            (11, 15),
            "{name} calc.py"
        );
    }
}

#[test]
fn trivy_json_and_sarif_of_one_scan_agree_on_four_medium_findings() {
    let root = corpus_or_fail();
    let dir = root.join("trivy/integration/testdata");
    for name in ["alpine-310.json.golden", "alpine-310.sarif.golden"] {
        let (_, report) = parse_path(&dir.join(name), None, &Options::default()).unwrap();
        let Report::Security(s) = report else {
            panic!("{name} is not security")
        };
        assert_eq!(s.count(slipway_reports::Severity::Medium), 4, "{name}");
        assert_eq!(s.counts.values().sum::<u64>(), 4, "{name}");
    }
}

#[test]
fn jacoco_totals_match_each_reports_own_top_level_line_counter() {
    let root = corpus_or_fail();
    let mut files = Vec::new();
    walk(&root, &mut files);
    let mut checked = 0;
    for file in files {
        let Ok((slipway_reports::Kind::Jacoco, Report::Coverage(c))) =
            parse_path(&file, None, &Options::default())
        else {
            continue;
        };
        let text = std::fs::read_to_string(&file).unwrap();
        // The report-level counters come last, just before </report>.
        let Some(tail) = text.rfind("</report>").map(|end| &text[..end]) else {
            continue;
        };
        let Some(at) = tail.rfind("<counter type=\"LINE\"") else {
            continue;
        };
        let counter = &tail[at..tail[at..].find("/>").map_or(tail.len(), |e| at + e)];
        let num = |key: &str| -> u64 {
            let i = counter.find(&format!("{key}=\"")).unwrap() + key.len() + 2;
            counter[i..].split('"').next().unwrap().parse().unwrap()
        };
        let (missed, covered) = (num("missed"), num("covered"));
        // Only the counter directly under <report> is the total; skip files whose last
        // LINE counter belongs to a group or package (nothing follows it but closings).
        if !tail[at..].trim_end().ends_with("/>") {
            continue;
        }
        assert_eq!(
            (c.lines.covered, c.lines.total),
            (covered, covered + missed),
            "{}",
            file.display()
        );
        checked += 1;
    }
    assert!(checked >= 5, "only {checked} JaCoCo reports checked");
}

#[test]
fn cobertura_and_jacoco_of_one_java_project_merge_to_one_entry_per_source_file() {
    // ReportGenerator's Java test project as Cobertura 2.1.1 (`<source>C:/temp`, files
    // `test/X.java`) and JaCoCo 0.8.3 (package `test`, sourcefile `X.java`) wrote it.
    let dir = corpus_or_fail().join("reportgenerator/src/Testprojects/Java/Reports");
    let read = |name: &str| match parse_path(&dir.join(name), None, &Options::default()) {
        Ok((_, Report::Coverage(mut c))) => {
            c.attribute(name);
            c
        }
        other => panic!("{name}: {other:?}"),
    };
    let cobertura = read("Cobertura2.1.1.xml");
    let jacoco = read("JaCoCo0.8.3.xml");
    let mut merged = cobertura.clone();
    merged.merge(jacoco.clone());
    assert_eq!(merged.files.len(), 7, "{:?}", merged.files.keys());
    assert_eq!(
        merged.files.keys().collect::<Vec<_>>(),
        cobertura.files.keys().collect::<Vec<_>>()
    );
    for (path, file) in &merged.files {
        assert_eq!(
            file.reports,
            ["Cobertura2.1.1.xml", "JaCoCo0.8.3.xml"],
            "{path}"
        );
    }
    // JaCoCo counts two lines Cobertura does not; a line is covered if either covered it.
    assert_eq!(
        (merged.lines.covered, merged.lines.total),
        (26, 38),
        "cobertura {:?}, jacoco {:?}",
        cobertura.lines,
        jacoco.lines
    );
    assert_eq!((merged.branches.covered, merged.branches.total), (1, 4));
}
