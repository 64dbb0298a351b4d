//! DefectDojo's scan corpus (vendored under `tests/corpus/defectdojo`, BSD-3-Clause)
//! against DefectDojo's own parser tests: every file is detected by its structure and
//! read with the finding count and severities DefectDojo's tests expect, or differs for
//! a reason written beside it in `EXPECTED.tsv`.

use std::path::{Path, PathBuf};

use slipway_reports::{Options, Report, Severity, parse_path};

fn vendored() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/defectdojo")
}

/// One row of `EXPECTED.tsv`.
struct Row {
    file: String,
    /// DefectDojo's count, `None` for `-`, `Some(Err)` for `error`.
    theirs: Option<Result<u64, ()>>,
    /// Ours where it differs on purpose.
    ours: Option<Result<u64, ()>>,
    severities: String,
    note: String,
}

fn count(text: &str) -> Option<Result<u64, ()>> {
    match text {
        "" | "-" => None,
        "error" => Some(Err(())),
        n => Some(Ok(n.parse().unwrap_or_else(|_| panic!("bad count {n:?}")))),
    }
}

fn rows() -> Vec<Row> {
    let text = std::fs::read_to_string(vendored().join("EXPECTED.tsv")).unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let mut cols = l.split('\t');
            let mut next = || cols.next().unwrap_or_default().to_owned();
            let (file, theirs, ours, severities, note) = (next(), next(), next(), next(), next());
            Row {
                theirs: count(&theirs),
                ours: if ours.is_empty() { None } else { count(&ours) },
                file,
                severities,
                note,
            }
        })
        .collect()
}

/// Checks one file against its row; returns what differs.
fn check(row: &Row, path: &Path) -> Option<String> {
    let want = row.ours.or(row.theirs);
    if row.ours.is_some() && row.note.is_empty() {
        return Some(format!(
            "{}: differs from DefectDojo without a reason",
            row.file
        ));
    }
    let result = std::panic::catch_unwind(|| parse_path(path, None, &Options::default()))
        .unwrap_or_else(|_| panic!("parser panicked on {}", path.display()));
    let (kind, report) = match (result, want) {
        (Err(e), Some(Err(()))) => {
            let text = e.to_string();
            assert!(text.starts_with(&path.display().to_string()), "{text}");
            return None;
        }
        (Err(e), _) => return Some(format!("{}: refused: {e}", row.file)),
        (Ok((kind, _)), Some(Err(()))) => {
            return Some(format!(
                "{}: expected a refusal, read it as {kind}",
                row.file
            ));
        }
        (Ok(ok), _) => ok,
    };
    let (unique, raw, counts) = match &report {
        Report::Security(f) | Report::Secrets(f) => {
            let unique: u64 = f.counts.values().sum();
            (unique, unique + f.duplicates, Some(f))
        }
        Report::Lint(l) => (l.total(), l.total(), None),
        other => {
            return Some(format!(
                "{}: read as {kind}, a {:?} report",
                row.file,
                other.category()
            ));
        }
    };
    if let Some(Ok(n)) = want {
        // DefectDojo counts entries as the tool lists them; we also merge the same rule
        // at the same place: either count may be DefectDojo's.
        if n != unique && n != raw {
            return Some(format!(
                "{}: {n} findings expected, read {unique} ({raw} before merging duplicates) as {kind}",
                row.file
            ));
        }
    }
    for want in row.severities.split(',').filter(|s| !s.is_empty()) {
        let (name, op, n) = if let Some((s, n)) = want.split_once(">=") {
            (s, ">=", n)
        } else if let Some((s, n)) = want.split_once('=') {
            (s, "=", n)
        } else {
            panic!("bad severity constraint {want:?}")
        };
        let sev = Severity::ALL
            .into_iter()
            .find(|s| s.as_str() == name)
            .unwrap_or_else(|| panic!("bad severity {name:?}"));
        let n: u64 = n.parse().unwrap();
        let have = counts.map_or(0, |c| c.count(sev));
        let ok = if op == ">=" { have >= n } else { have == n };
        if !ok {
            return Some(format!(
                "{}: {want} expected, {have} {name} read as {kind}",
                row.file
            ));
        }
    }
    None
}

#[test]
fn every_defectdojo_scan_reads_with_defectdojos_counts_and_severities() {
    let dir = vendored().join("scans");
    let mut checked = 0;
    let mut differences = Vec::new();
    for row in rows() {
        let path = dir.join(&row.file);
        assert!(
            path.exists(),
            "{} is in EXPECTED.tsv but not vendored",
            row.file
        );
        checked += 1;
        differences.extend(check(&row, &path));
    }
    assert!(
        differences.is_empty(),
        "{} of {checked} files differ from DefectDojo:\n{}",
        differences.len(),
        differences.join("\n")
    );
    assert!(checked >= 160, "only {checked} files checked");
}

#[test]
fn semgrep_supply_chain_findings_in_different_repositories_are_not_merged() {
    // Regression: the same advisory at the same lockfile line of two repositories of a
    // Semgrep AppSec export was merged as a duplicate (21 open findings read as 17).
    let path = vendored().join("scans/semgrep/sca-deployments-vulns.json");
    let Ok((_, Report::Security(s))) = parse_path(&path, None, &Options::default()) else {
        panic!("not read as security findings")
    };
    assert_eq!(s.counts.values().sum::<u64>(), 21, "{:?}", s.counts);
    assert_eq!(s.duplicates, 0);
    let locations: Vec<&str> = s.sorted().iter().map(|f| f.location.as_str()).collect();
    assert!(
        locations.contains(&"example/wdof: requirements3.txt")
            && locations.contains(&"example/wbf: requirements3.txt"),
        "{locations:?}"
    );
}

#[test]
fn every_difference_from_defectdojo_is_named_with_its_reason_in_the_docs() {
    let docs = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/quality-gate.md"),
    )
    .unwrap();
    let differing: Vec<Row> = rows().into_iter().filter(|r| !r.note.is_empty()).collect();
    for row in &differing {
        let named = format!("| `{}` |", row.file);
        let line = docs
            .lines()
            .find(|l| l.starts_with(&named))
            .unwrap_or_else(|| {
                panic!(
                    "{} differs from DefectDojo but docs/quality-gate.md does not name it",
                    row.file
                )
            });
        assert!(
            line.contains(&row.note),
            "docs/quality-gate.md gives {} another reason than EXPECTED.tsv: {line}",
            row.file
        );
    }
    let total = rows().len();
    assert!(
        docs.contains(&format!(
            "{} files read exactly as DefectDojo's tests say; these {} differ",
            total - differing.len(),
            differing.len()
        )),
        "docs/quality-gate.md miscounts the {} differences of {total} files",
        differing.len()
    );
}
