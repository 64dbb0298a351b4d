//! Reports written by the real tools, run here: coverage.py over two complementary test
//! suites merged line by line against `coverage combine` as the oracle, bandit's own
//! SARIF, Semgrep with local rules, Checkov over local Terraform and a Dockerfile, and
//! pip-audit against the package index. A missing tool fails the test with the command
//! that installs it. The checked-in copies in `tests/fixtures/real` (`regen.sh`) were
//! written by the same versions; these tests prove today's tools still write what the
//! parsers read.

use std::path::{Path, PathBuf};
use std::process::Command;

use slipway_reports::{CoverageReport, Kind, Options, Report, Severity, parse_path};

/// A program from the project's tool venv (or PATH); fails loudly when absent.
fn tool(name: &str) -> PathBuf {
    let venv = std::env::var_os("SLIPWAY_TOOLS").map_or_else(
        || PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/slipway-tools"),
        PathBuf::from,
    );
    let candidate = venv.join("venv/bin").join(name);
    if candidate.is_file() {
        return candidate;
    }
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(name))
            .find(|p| p.is_file())
    });
    found.unwrap_or_else(|| {
        panic!("{name} is not installed: run scripts/install-deps.sh (it installs {name} into $SLIPWAY_TOOLS/venv)")
    })
}

fn run(dir: &Path, program: &Path, args: &[&str]) {
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .env_remove("COVERAGE_FILE")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()));
    assert!(
        out.status.success(),
        "{} {args:?} failed: {}{}",
        program.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

const CALC: &str = "\
def grade(score):
    if score >= 90:
        return 'A'
    if score >= 75:
        return 'B'
    return 'C'


def sign(x):
    if x > 0:
        label = 'positive'
    elif x < 0:
        label = 'negative'
    else:
        label = 'zero'
    return label


def total(items, discount):
    amount = 0
    for item in items:
        amount += item
    if discount:
        amount = amount * 0.9
    return amount


def remember(x, log):
    if x:
        log.append(x)


def audit(x, log):
    if x:
        log.append(x)


def each(items, out):
    for i in items:
        out.append(i)


def drain(stack):
    while stack:
        stack.pop()
";

const UNIT: &str = "\
from pkg.calc import audit, each, grade, remember, sign

def test_grade_a():
    assert grade(95) == 'A'

def test_sign_positive():
    assert sign(3) == 'positive'

def test_remember_something():
    remember(1, [])

def test_audit_something():
    audit(1, [])

def test_each_of_nothing():
    each([], [])
";

const INTEG: &str = "\
from pkg.calc import audit, drain, each, grade, remember, sign, total

def test_grade_b_and_c():
    assert grade(80) == 'B'
    assert grade(10) == 'C'

def test_sign_negative():
    assert sign(-1) == 'negative'

def test_total_without_discount():
    assert total([1, 2], False) == 3

def test_remember_nothing():
    remember(0, [])

def test_audit_again():
    audit(2, [])

def test_each_of_one():
    each([1], [])

def test_drain():
    drain([1])
";

/// Two coverage.py runs of complementary suites, each written as Cobertura, LCOV and
/// JSON, plus the JSON of `coverage combine` over both.
struct Runs {
    _dir: tempfile::TempDir,
    dir: PathBuf,
}

impl Runs {
    fn new() -> Self {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_path_buf();
        std::fs::create_dir_all(dir.join("pkg")).unwrap();
        std::fs::create_dir_all(dir.join("tests")).unwrap();
        std::fs::write(dir.join("pkg/__init__.py"), "").unwrap();
        std::fs::write(dir.join("pkg/calc.py"), CALC).unwrap();
        std::fs::write(dir.join("tests/test_unit.py"), UNIT).unwrap();
        std::fs::write(dir.join("tests/test_integ.py"), INTEG).unwrap();
        let coverage = tool("coverage");
        for suite in ["unit", "integ"] {
            let data = format!(".coverage.{suite}");
            let test = format!("tests/test_{suite}.py");
            run(
                &dir,
                &coverage,
                &[
                    "run",
                    "--branch",
                    "--source=pkg",
                    &format!("--data-file={data}"),
                    "-m",
                    "pytest",
                    "-q",
                    "-p",
                    "no:cacheprovider",
                    &test,
                ],
            );
            for (cmd, ext) in [("xml", "xml"), ("lcov", "lcov"), ("json", "json")] {
                run(
                    &dir,
                    &coverage,
                    &[
                        cmd,
                        &format!("--data-file={data}"),
                        "-o",
                        &format!("{suite}.{ext}"),
                    ],
                );
            }
        }
        run(
            &dir,
            &coverage,
            &[
                "combine",
                "--keep",
                "--data-file=.coverage",
                ".coverage.unit",
                ".coverage.integ",
            ],
        );
        run(
            &dir,
            &coverage,
            &["json", "--data-file=.coverage", "-o", "combined.json"],
        );
        Self { _dir: tmp, dir }
    }

    fn read(&self, name: &str) -> CoverageReport {
        match parse_path(&self.dir.join(name), None, &Options::default()) {
            Ok((_, Report::Coverage(c))) => c,
            other => panic!("{name}: {other:?}"),
        }
    }

    fn merged(&self, names: &[&str]) -> CoverageReport {
        let mut all = CoverageReport::default();
        for n in names {
            all.merge(self.read(n));
        }
        all
    }

    /// The oracle: `coverage combine`'s totals, lines and branches.
    fn combined(&self) -> ((u64, u64), (u64, u64)) {
        let v: serde_json::Value =
            serde_json::from_slice(&std::fs::read(self.dir.join("combined.json")).unwrap())
                .unwrap();
        let t = &v["totals"];
        let n = |k: &str| t[k].as_u64().unwrap();
        (
            (n("covered_lines"), n("num_statements")),
            (n("covered_branches"), n("num_branches")),
        )
    }
}

fn totals(c: &CoverageReport) -> ((u64, u64), (u64, u64)) {
    (
        (c.lines.covered, c.lines.total),
        (c.branches.covered, c.branches.total),
    )
}

#[test]
fn two_coverage_py_runs_merge_to_what_coverage_combine_says_in_every_format() {
    let runs = Runs::new();
    let oracle = runs.combined();
    let unit = totals(&runs.read("unit.json"));
    assert!(
        unit.0.0 < oracle.0.0,
        "the suites must be complementary: unit alone {unit:?}, combined {oracle:?}"
    );
    for pair in [
        ["unit.json", "integ.json"],
        ["unit.xml", "integ.xml"],
        ["unit.lcov", "integ.lcov"],
    ] {
        let merged = runs.merged(&pair);
        assert_eq!(totals(&merged), oracle, "{pair:?}");
        assert_eq!(merged.files.len(), 2, "{pair:?}: {:?}", merged.files.keys());
    }
}

#[test]
fn mixed_format_merges_count_coverage_py_exit_branches_as_coverage_combine_does() {
    // Regression: coverage.py names a branch out of a function `exit` in Cobertura, a
    // negative line in JSON and `return from function 'f'` in LCOV; merged across
    // formats, the names never matched, so an exit taken by one run only was lost (LCOV
    // with another format gave 75 % where `coverage combine` says 83 %) and an exit
    // missed by both runs counted as taken. `remember` exits in one run only, `audit`
    // in none, `each` and `drain` leave their loops.
    let runs = Runs::new();
    let oracle = runs.combined();
    let formats = ["xml", "lcov", "json"];
    for unit in formats {
        for integ in formats {
            let pair = [format!("unit.{unit}"), format!("integ.{integ}")];
            let merged = runs.merged(&[&pair[0], &pair[1]]);
            assert_eq!(totals(&merged), oracle, "{pair:?}: (lines, branches)");
            assert_eq!(merged.files.len(), 2, "{pair:?}: {:?}", merged.files.keys());
        }
    }
    // Every format of both runs at once, and one run in two formats with the other.
    for names in [
        &[
            "unit.xml",
            "unit.lcov",
            "unit.json",
            "integ.xml",
            "integ.lcov",
            "integ.json",
        ][..],
        &["unit.xml", "integ.lcov", "integ.json"][..],
        &["unit.lcov", "unit.json", "integ.xml"][..],
    ] {
        assert_eq!(totals(&runs.merged(names)), oracle, "{names:?}");
    }
    let unit = totals(&runs.read("unit.json"));
    let integ = totals(&runs.read("integ.json"));
    assert!(
        unit.1.0 < oracle.1.0 && integ.1.0 < oracle.1.0 && oracle.1.0 < oracle.1.1,
        "the runs must take complementary branches and leave one untaken: \
         unit {unit:?}, integ {integ:?}, combined {oracle:?}"
    );
}

#[test]
fn the_same_file_under_a_ci_checkout_and_windows_separators_is_one_file() {
    let runs = Runs::new();
    let oracle = runs.combined();
    // The unit run as a GitHub-hosted Linux runner writes it, the integration run as a
    // Windows runner does.
    let lcov = std::fs::read_to_string(runs.dir.join("unit.lcov"))
        .unwrap()
        .replace("SF:pkg/", "SF:/home/runner/work/shop/shop/pkg/");
    std::fs::write(runs.dir.join("ci-unit.lcov"), lcov).unwrap();
    let xml = std::fs::read_to_string(runs.dir.join("integ.xml")).unwrap();
    let start = xml.find("<source>").unwrap() + "<source>".len();
    let end = xml.find("</source>").unwrap();
    let xml = format!(
        "{}D:\\a\\shop\\shop{}",
        &xml[..start],
        &xml[end..].replace("filename=\"pkg/", "filename=\"pkg\\")
    );
    std::fs::write(runs.dir.join("ci-integ.xml"), xml).unwrap();
    let merged = runs.merged(&["ci-unit.lcov", "ci-integ.xml"]);
    assert_eq!(
        merged.files.keys().collect::<Vec<_>>(),
        ["pkg/__init__.py", "pkg/calc.py"]
    );
    assert_eq!(
        (merged.lines.covered, merged.lines.total),
        oracle.0,
        "lines"
    );
}

#[test]
fn bandit_sarif_written_by_bandit_reads_as_sarif() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::create_dir_all(dir.join("app")).unwrap();
    std::fs::write(
        dir.join("app/run.py"),
        "import subprocess\n\ndef run(cmd):\n    return subprocess.call(cmd, shell=True)\n\nPASSWORD = 'hunter2'\n",
    )
    .unwrap();
    let bandit = tool("bandit");
    // bandit exits 1 when it finds issues.
    let status = Command::new(&bandit)
        .args(["-q", "-r", "app", "-f", "sarif", "-o", "bandit.sarif"])
        .current_dir(dir)
        .status()
        .unwrap();
    assert!(
        status.code() == Some(1),
        "bandit did not report its findings: {status}"
    );
    let head = std::fs::read_to_string(dir.join("bandit.sarif")).unwrap();
    assert!(
        head.trim_start().starts_with("{\n  \"runs\""),
        "bandit's SARIF no longer starts with runs; the regression this guards is gone: {}",
        &head[..80]
    );
    let (kind, report) = parse_path(&dir.join("bandit.sarif"), None, &Options::default()).unwrap();
    assert_eq!(kind, Kind::Sarif);
    let Report::Security(s) = report else {
        panic!("not security")
    };
    assert!(
        s.counts.values().sum::<u64>() >= 2,
        "shell=True and a hard-coded password: {:?}",
        s.counts
    );
}

/// `tests/fixtures/real/src` copied into a fresh directory, where the scanners run.
fn scanned_sources() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/real/src");
    for rel in [
        "rules.yml",
        "requirements.txt",
        "app/views.py",
        "infra/main.tf",
        "infra/Dockerfile",
    ] {
        let to = tmp.path().join(rel);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(src.join(rel), &to).unwrap();
    }
    std::fs::create_dir_all(tmp.path().join("empty")).unwrap();
    tmp
}

/// Runs a scanner that exits `expected` (scanners exit 1 when they find something),
/// writing its stdout to `dir/out`.
fn scan(dir: &Path, program: &str, args: &[&str], expected: i32, out: &str) -> PathBuf {
    let output = Command::new(tool(program))
        .args(args)
        .current_dir(dir)
        // Nothing leaves the machine: no metrics, no version check, no update check.
        .env("SEMGREP_SEND_METRICS", "off")
        .env("SEMGREP_ENABLE_VERSION_CHECK", "0")
        .env("CHECKOV_RUN_SCA_PACKAGE_SCAN_V2", "false")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    assert_eq!(
        output.status.code(),
        Some(expected),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let path = dir.join(out);
    std::fs::write(&path, &output.stdout).unwrap();
    path
}

fn findings(path: &Path) -> (Kind, slipway_reports::FindingsReport) {
    match parse_path(path, None, &Options::default()) {
        Ok((kind, Report::Security(s))) => (kind, s),
        other => panic!("{}: {other:?}", path.display()),
    }
}

#[test]
fn semgrep_run_here_with_local_rules_reads_error_warning_info_as_high_medium_low() {
    let src = scanned_sources();
    let report = scan(
        src.path(),
        "semgrep",
        &[
            "scan",
            "--config",
            "rules.yml",
            "--json",
            "--metrics=off",
            "--disable-version-check",
            "-q",
            "app",
        ],
        0,
        "semgrep.json",
    );
    let (kind, s) = findings(&report);
    assert_eq!(kind, Kind::Semgrep);
    crate::scanners::assert_semgrep_local_rules(&s);
}

#[test]
fn checkov_run_here_counts_failed_checks_and_over_nothing_is_an_empty_scan() {
    let src = scanned_sources();
    let flags = ["-o", "json", "--quiet", "--compact", "--skip-download"];
    // Checkov exits 1 when a check fails, 0 when there was nothing to check.
    let infra = scan(
        src.path(),
        "checkov",
        &[&["-d", "infra"][..], &flags].concat(),
        1,
        "checkov.json",
    );
    let (kind, s) = findings(&infra);
    assert_eq!(kind, Kind::Checkov);
    let total: u64 = s.counts.values().sum();
    // Terraform (a public-read bucket, SSH open to the world) and the Dockerfile (no
    // USER, no HEALTHCHECK) fail checks of both frameworks; without a platform key every
    // one is medium.
    // 13, as in the checked-in `checkov.json` of the same pinned version.
    assert_eq!(
        (s.count(Severity::Medium), total),
        (13, 13),
        "{:?}",
        s.counts
    );
    let places: Vec<&str> = s.sorted().iter().map(|f| f.location.as_str()).collect();
    assert!(
        places.iter().any(|p| p.ends_with("main.tf"))
            && places.iter().any(|p| p.ends_with("Dockerfile")),
        "{places:?}"
    );
    assert!(s.empty_scans.is_empty());
    let empty = scan(
        src.path(),
        "checkov",
        &[&["-d", "empty"][..], &flags].concat(),
        0,
        "checkov-empty.json",
    );
    let (kind, s) = findings(&empty);
    assert_eq!(kind, Kind::Checkov);
    assert_eq!(s.counts.values().sum::<u64>(), 0);
    assert_eq!(
        s.empty_scans.len(),
        1,
        "nothing scanned is not a clean scan"
    );
}

#[test]
fn pip_audit_run_here_that_could_not_audit_a_dependency_warns_and_never_passes_clean() {
    let src = scanned_sources();
    let report = src.path().join("pip-audit.json");
    // pip-audit exits 0 when it found no vulnerability, 1 when it found some.
    let out = Command::new(tool("pip-audit"))
        .args([
            "-r",
            "requirements.txt",
            "--no-deps",
            "--disable-pip",
            "-f",
            "json",
            "-o",
        ])
        .arg(&report)
        .current_dir(src.path())
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "pip-audit failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (kind, s) = findings(&report);
    assert_eq!(kind, Kind::PipAudit);
    // `slipway-surely-not-on-pypi` can never be audited: it always warns by name.
    assert!(
        s.warnings
            .iter()
            .any(|w| w.contains("slipway-surely-not-on-pypi")),
        "{:?}",
        s.warnings
    );
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    let deps = doc["dependencies"].as_array().unwrap();
    let audited = deps
        .iter()
        .filter(|d| d.get("skip_reason").is_none())
        .count();
    if audited == 0 {
        // Where only the package index answers (here), pip-audit audits nothing, says
        // "No known vulnerabilities found" and exits 0: an empty scan, not a clean one.
        assert_eq!(s.empty_scans.len(), 1, "{:?}", s.empty_scans);
        assert_eq!(s.counts.values().sum::<u64>(), 0);
    } else {
        // Where the vulnerability data answers, requests 2.19.0 and urllib3 1.24.1 have
        // published advisories, each counted high.
        assert!(s.empty_scans.is_empty());
        assert!(s.count(Severity::High) >= 2, "{:?}", s.counts);
    }
}
