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

#[test]
fn every_defectdojo_scan_is_detected_by_its_structure_under_a_neutral_name() {
    // The corpus folders name their tool, and detection's last resort reads tool names
    // in paths: copied to `report.<ext>`, each file must still be told by its structure.
    fn tool(folder: &str) -> &str {
        match folder {
            "anchore_grype" => "grype",
            "cargo_audit" => "cargo-audit",
            "kubelinter" => "kube-linter",
            "npm_audit" | "npm_audit_7_plus" | "pnpm_audit" => "npm-audit",
            "osv_scanner" => "osv-scanner",
            "pip_audit" => "pip-audit",
            "yarn_audit" => "yarn-audit",
            other => other,
        }
    }
    // Files whose structure cannot or should not give their folder's tool.
    let other: &[(&str, &str)] = &[
        (
            "gitleaks/no_findings.json",
            "refused: `null` has no structure; named gitleaks it is",
        ),
        (
            "trivy/legacy_no_vuln.json",
            "refused: `null` has no structure; named trivy it is",
        ),
        (
            "pip_audit/empty.json",
            "refused: `[]` has no structure; named pip-audit it is",
        ),
        ("osv_scanner/no_findings.json", "refused: an empty file"),
        ("kubelinter/clean.yaml", "refused: a Kubernetes manifest"),
        ("kubelinter/many.yaml", "refused: a Kubernetes manifest"),
        ("kubelinter/single.yaml", "refused: a Kubernetes manifest"),
        (
            "snyk/snykcode_issue_9270.json",
            "sarif: Snyk Code writes SARIF",
        ),
        (
            "yarn_audit/issue_6495.json",
            "npm-audit: npm 6 audit JSON, which DefectDojo's yarn parser also reads",
        ),
        (
            "yarn_audit/issue_6495_multi_cwe_fabricated.json",
            "npm-audit: npm 6 audit JSON, which DefectDojo's yarn parser also reads",
        ),
    ];
    let tmp = tempfile::tempdir().unwrap();
    let mut wrong = Vec::new();
    for row in rows() {
        let src = vendored().join("scans").join(&row.file);
        let ext = src
            .extension()
            .map_or_else(String::new, |e| e.to_string_lossy().into_owned());
        let neutral = tmp.path().join(format!("report.{ext}"));
        let bytes = std::fs::read(&src).unwrap();
        let got = match slipway_reports::detect(&bytes, &neutral) {
            Ok(kind) => kind.name().to_owned(),
            Err(_) => "refused".to_owned(),
        };
        let want = other.iter().find(|(f, _)| *f == row.file).map_or_else(
            || tool(row.file.split('/').next().unwrap()).to_owned(),
            |(_, why)| why.split(':').next().unwrap().to_owned(),
        );
        if got != want {
            wrong.push(format!("{}: detected {got}, want {want}", row.file));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
