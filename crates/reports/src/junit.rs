//! Test results: JUnit XML in the dialects real tools write (pytest, cargo-nextest,
//! jest-junit, Maven Surefire, go-junit-report, Ant, Bazel), plus NUnit 2/3, xUnit.net v2
//! and Visual Studio TRX, all read in one streaming pass.
//!
//! Every `<testcase>` (or `<test-case>`, `<test>`, `<UnitTestResult>`) counts as one
//! execution: error beats failure beats skip beats pass, so a case with both a `<skipped>`
//! and a `<failure>` counts once, as failed. Surefire's and nextest's `<flakyFailure>` /
//! `<flakyError>` on a passing case mark it flaky (it passed on a rerun). A suite with
//! no cases but `tests=`/`failures=` attributes is counted from its attributes.

use std::io::BufRead;
use std::path::Path;

use crate::error::ParseError;
use crate::model::{FailureKind, KEEP_DETAILS, KEEP_TEXT, TestFailure, TestReport, clip};
use crate::xml::{RawAttrs, attr, attr_f64, attr_num, decode_into, decode_value, expect_root, num};
use crate::xml_reader::{Step, Tag, Xml};

/// Root elements this parser understands.
pub const ROOTS: &[&str] = &[
    "testsuites",
    "testsuite",
    "test-run",
    "test-results",
    "test-suite",
    "assemblies",
    "assembly",
    "TestRun",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dialect {
    Junit,
    Nunit,
    Xunit,
    Trx,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    Passed,
    Skipped,
    Failed,
    Errored,
}

#[derive(Debug, Default)]
struct Case {
    time: Option<f64>,
    classname: String,
    name: String,
    file: Option<String>,
    line: Option<u32>,
    outcome: Option<Outcome>,
    flaky: bool,
    message: String,
    details: String,
    capture: bool,
}

#[derive(Debug, Default)]
struct Suite {
    cases: u64,
    tests: u64,
    failures: u64,
    errors: u64,
    skipped: u64,
}

/// Parses a test report from `input`; `path` names it in errors.
pub fn parse(input: impl BufRead, path: &Path) -> Result<TestReport, ParseError> {
    let xml = Xml::new(input, path)?;
    let mut report = TestReport::default();
    let mut dialect = Dialect::Junit;
    let mut suites: Vec<Suite> = Vec::new();
    let mut case: Option<Case> = None;
    let mut spare = Case::default();
    // Counts from suites that have `tests=` but no cases; used only when the whole
    // document has no cases at all (a summary-only report).
    let mut summary = TestReport::default();
    xml.read(|step, doc| {
        match step {
            Step::Start(e) => {
                let name = e.local_name();
                if doc.depth() == 1 {
                    expect_root(path, doc.at(), name, ROOTS, "JUnit/NUnit/xUnit/TRX test")?;
                    dialect = match name {
                        b"test-run" | b"test-results" | b"test-suite" => Dialect::Nunit,
                        b"assemblies" | b"assembly" => Dialect::Xunit,
                        b"TestRun" => Dialect::Trx,
                        _ => Dialect::Junit,
                    };
                }
                match (dialect, name) {
                    (Dialect::Junit, b"testsuite")
                    | (Dialect::Nunit, b"test-suite")
                    | (Dialect::Xunit, b"collection")
                    | (Dialect::Trx, b"Results") => {
                        report.suites += 1;
                        suites.push(Suite {
                            cases: 0,
                            tests: attr_num(&e, b"tests").unwrap_or(0),
                            failures: attr_num(&e, b"failures").unwrap_or(0),
                            errors: attr_num(&e, b"errors").unwrap_or(0),
                            skipped: attr_num::<u64>(&e, b"skipped")
                                .or_else(|| attr_num(&e, b"skips"))
                                .unwrap_or(0)
                                + attr_num::<u64>(&e, b"disabled").unwrap_or(0),
                        });
                    }
                    (Dialect::Junit, b"testcase")
                    | (Dialect::Nunit, b"test-case")
                    | (Dialect::Xunit, b"test")
                    | (Dialect::Trx, b"UnitTestResult") => {
                        doc.check_attrs(&e)?;
                        let c = start_case(dialect, &e, std::mem::take(&mut spare));
                        if let Some(t) = c
                            .time
                            .or_else(|| attr_f64(&e, b"time"))
                            .or_else(|| attr_f64(&e, b"duration"))
                        {
                            report.duration_secs += t;
                        }
                        case = Some(c);
                    }
                    _ => {
                        if let Some(c) = case.as_mut() {
                            child_start(dialect, c, name, &e);
                        }
                    }
                }
            }
            Step::Text(t) => {
                if let Some(c) = case.as_mut() {
                    if c.capture && c.details.len() < KEEP_TEXT {
                        c.details.push_str(&doc.text(t)?);
                    }
                }
            }
            Step::Chars(t) => {
                if let Some(c) = case.as_mut() {
                    if c.capture && c.details.len() < KEEP_TEXT {
                        c.details.push_str(&t);
                    }
                }
            }
            Step::End(end) => match (dialect, end) {
                (Dialect::Junit, b"testsuite")
                | (Dialect::Nunit, b"test-suite")
                | (Dialect::Xunit, b"collection")
                | (Dialect::Trx, b"Results") => {
                    if let Some(s) = suites.pop() {
                        let mut cases = s.cases;
                        if cases == 0 && s.tests > 0 && dialect == Dialect::Junit {
                            // A suite summary without its cases: count from attributes.
                            let bad = (s.failures + s.errors + s.skipped).min(s.tests);
                            summary.total += s.tests;
                            summary.failed += s.failures.min(s.tests);
                            summary.errors += s.errors.min(s.tests - s.failures.min(s.tests));
                            summary.skipped +=
                                s.skipped.min(s.tests.saturating_sub(s.failures + s.errors));
                            summary.passed += s.tests - bad;
                            cases = s.tests;
                        }
                        if let Some(parent) = suites.last_mut() {
                            parent.cases += cases;
                        }
                    }
                }
                (Dialect::Junit, b"testcase")
                | (Dialect::Nunit, b"test-case")
                | (Dialect::Xunit, b"test")
                | (Dialect::Trx, b"UnitTestResult") => {
                    if let Some(c) = case.take() {
                        if let Some(back) = finish_case(&mut report, c) {
                            spare = back;
                        }
                        if let Some(s) = suites.last_mut() {
                            s.cases += 1;
                        }
                    }
                }
                (
                    _,
                    b"failure" | b"error" | b"ErrorInfo" | b"flakyFailure" | b"flakyError"
                    | b"rerunFailure" | b"rerunError",
                ) => {
                    if let Some(c) = case.as_mut() {
                        c.capture = false;
                    }
                }
                _ => {}
            },
            // Only compact readers report empty elements; this one expands them.
            Step::Empty(_) => {}
        }
        Ok(())
    })?;
    if report.total == 0 && summary.total > 0 {
        summary.suites = report.suites;
        summary.duration_secs = report.duration_secs;
        return Ok(summary);
    }
    Ok(report)
}

/// Fills `c` (cleared, its buffers reused) from a case's start tag.
fn start_case(dialect: Dialect, e: &Tag<'_>, mut c: Case) -> Case {
    c.classname.clear();
    c.name.clear();
    c.message.clear();
    c.details.clear();
    c.file = None;
    c.line = None;
    c.time = None;
    c.outcome = None;
    c.flaky = false;
    c.capture = false;
    match dialect {
        Dialect::Junit => {
            // One pass, reusing the case's buffers: a large report has a million of these.
            let mut class_attr: Option<&[u8]> = None;
            let mut classname_seen = false;
            for (k, v) in RawAttrs::of(e) {
                match k {
                    b"name" => decode_into(v, &mut c.name),
                    b"classname" => {
                        classname_seen = true;
                        decode_into(v, &mut c.classname);
                    }
                    b"class" => class_attr = Some(v),
                    b"file" if !v.is_empty() => c.file = Some(decode_value(v)),
                    b"line" => c.line = num(v),
                    b"time" | b"duration" => c.time = num::<f64>(v).filter(|t| t.is_finite()),
                    b"status" => {
                        let v = v.to_ascii_lowercase();
                        if matches!(
                            v.as_slice(),
                            b"skipped" | b"disabled" | b"notrun" | b"not run"
                        ) {
                            c.outcome = Some(Outcome::Skipped);
                        }
                    }
                    _ => {}
                }
            }
            if !classname_seen {
                if let Some(v) = class_attr {
                    decode_into(v, &mut c.classname);
                }
            }
        }
        Dialect::Nunit => {
            c.name = attr(e, b"fullname")
                .or_else(|| attr(e, b"name"))
                .unwrap_or_default();
            c.classname = attr(e, b"classname").unwrap_or_default();
            let result = attr(e, b"result").unwrap_or_default().to_ascii_lowercase();
            let label = attr(e, b"label").unwrap_or_default().to_ascii_lowercase();
            let executed = attr(e, b"executed").map(|v| v.eq_ignore_ascii_case("true"));
            let success = attr(e, b"success").map(|v| !v.trim().eq_ignore_ascii_case("false"));
            // NUnit 3's label="Error" (an exception rather than an assertion) still counts as
            // a failure, as NUnit's own summary and the peers count it.
            let _ = label;
            c.outcome = Some(match result.as_str() {
                "" if executed == Some(false) => Outcome::Skipped,
                "" if success == Some(false) => Outcome::Failed,
                "passed" | "success" | "warning" => Outcome::Passed,
                "failed" | "failure" => Outcome::Failed,
                "error" | "notrunnable" if executed != Some(false) => Outcome::Errored,
                _ if executed == Some(false) => Outcome::Skipped,
                "skipped" | "ignored" | "inconclusive" | "notrunnable" => Outcome::Skipped,
                _ => Outcome::Passed,
            });
        }
        Dialect::Xunit => {
            c.name = attr(e, b"name").unwrap_or_default();
            c.classname = attr(e, b"type").unwrap_or_default();
            c.outcome = Some(
                match attr(e, b"result")
                    .unwrap_or_default()
                    .to_ascii_lowercase()
                    .as_str()
                {
                    "fail" | "failed" => Outcome::Failed,
                    "skip" | "skipped" | "notrun" => Outcome::Skipped,
                    "error" => Outcome::Errored,
                    _ => Outcome::Passed,
                },
            );
        }
        Dialect::Trx => {
            c.name = attr(e, b"testName").unwrap_or_default();
            c.outcome = Some(
                match attr(e, b"outcome")
                    .unwrap_or_default()
                    .to_ascii_lowercase()
                    .as_str()
                {
                    "passed" | "passedbutrunaborted" | "warning" | "completed" => Outcome::Passed,
                    "failed" | "timeout" => Outcome::Failed,
                    "error" => Outcome::Errored,
                    // Aborted, NotExecuted, NotRunnable, Inconclusive, Pending: did not run.
                    _ => Outcome::Skipped,
                },
            );
        }
    }
    c
}

fn child_start(dialect: Dialect, c: &mut Case, name: &[u8], e: &Tag<'_>) {
    let bump = |c: &mut Case, o: Outcome| {
        c.outcome = Some(c.outcome.map_or(o, |old| old.max(o)));
    };
    match (dialect, name) {
        (Dialect::Junit | Dialect::Nunit, b"failure") => {
            bump(c, Outcome::Failed);
            start_capture(c, e);
        }
        (Dialect::Junit, b"error") => {
            bump(c, Outcome::Errored);
            start_capture(c, e);
        }
        (Dialect::Junit, b"skipped" | b"disabled") => bump(c, Outcome::Skipped),
        (Dialect::Junit, b"flakyFailure" | b"flakyError") => c.flaky = true,
        (Dialect::Junit, b"rerunFailure" | b"rerunError") => {
            bump(c, Outcome::Failed);
            if c.message.is_empty() {
                start_capture(c, e);
            }
        }
        (Dialect::Xunit, b"failure") | (Dialect::Trx, b"ErrorInfo") => {
            start_capture(c, e);
        }
        _ => {}
    }
}

fn start_capture(c: &mut Case, e: &Tag<'_>) {
    if c.message.is_empty() {
        c.message = clip(
            &attr(e, b"message").unwrap_or_else(|| attr(e, b"type").unwrap_or_default()),
            KEEP_TEXT,
        );
    }
    c.capture = true;
}

/// Counts a finished case; hands it back for reuse unless it was kept as a failure.
fn finish_case(report: &mut TestReport, c: Case) -> Option<Case> {
    report.total += 1;
    let outcome = c.outcome.unwrap_or(Outcome::Passed);
    let kind = match outcome {
        Outcome::Passed => {
            report.passed += 1;
            if c.flaky {
                report.flaky += 1;
            }
            return Some(c);
        }
        Outcome::Skipped => {
            report.skipped += 1;
            return Some(c);
        }
        Outcome::Failed => {
            report.failed += 1;
            FailureKind::Failure
        }
        Outcome::Errored => {
            report.errors += 1;
            FailureKind::Error
        }
    };
    if report.failures.len() < KEEP_DETAILS {
        let details = clip(c.details.trim(), KEEP_TEXT);
        let (file, line) = match (c.file, c.line) {
            (Some(f), l) => (Some(f), l),
            (None, _) => match location_in(&details) {
                Some((f, l)) => (Some(f), Some(l)),
                None => (None, None),
            },
        };
        let message = if c.message.trim().is_empty() {
            details.lines().next().unwrap_or_default().to_owned()
        } else {
            c.message
        };
        report.failures.push(TestFailure {
            classname: c.classname,
            name: c.name,
            file,
            line,
            kind,
            message,
            details,
        });
        return None;
    }
    Some(c)
}

/// Where a failure happened, read from its output when the report has no `file`/`line`:
/// Rust's `panicked at src/lib.rs:29:9`, else the last `path.ext:LINE: ` line (pytest's
/// `tests/test_cart.py:21: AssertionError`, Go's `foo_test.go:12: ...`).
fn location_in(details: &str) -> Option<(String, u32)> {
    fn split(spot: &str) -> Option<(String, u32)> {
        let mut parts = spot.splitn(3, ':');
        let file = parts.next()?.trim();
        let line: u32 = parts.next()?.trim().parse().ok()?;
        let ext_ok = file.rsplit_once('.').is_some_and(|(stem, ext)| {
            !stem.is_empty()
                && (1..=5).contains(&ext.len())
                && ext.chars().all(|c| c.is_ascii_alphanumeric())
        });
        (ext_ok && !file.contains(' ') && !file.starts_with('<') && line > 0)
            .then(|| (file.to_owned(), line))
    }
    if let Some(rest) = details.split("panicked at ").nth(1) {
        if let Some(found) = split(rest.split_whitespace().next().unwrap_or_default()) {
            return Some(found);
        }
    }
    details.lines().rev().find_map(|l| {
        let l = l.trim();
        let (spot, _) = l.split_once(": ").unwrap_or((l, ""));
        split(spot)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(s: &str) -> Result<TestReport, ParseError> {
        parse(s.as_bytes(), Path::new("t.xml"))
    }

    #[test]
    fn pytest_report_with_a_failure_and_a_skip() {
        let r = parse_str(
            r#"<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" tests="3">
            <testcase classname="t.test_a" name="test_ok" file="t/test_a.py" line="3" time="0.5"/>
            <testcase classname="t.test_a" name="test_bad" file="t/test_a.py" line="7" time="0.25">
              <failure message="assert 1 == 2">def test_bad():
&gt;       assert 1 == 2</failure></testcase>
            <testcase classname="t.test_a" name="test_skip"><skipped message="later"/></testcase>
            </testsuite></testsuites>"#,
        )
        .unwrap();
        assert_eq!(
            (r.total, r.passed, r.failed, r.errors, r.skipped),
            (3, 1, 1, 0, 1)
        );
        assert!((r.duration_secs - 0.75).abs() < 1e-9);
        let f = &r.failures[0];
        assert_eq!(f.name, "test_bad");
        assert_eq!(f.line, Some(7));
        assert_eq!(f.message, "assert 1 == 2");
        assert!(f.details.contains(">       assert 1 == 2"), "{}", f.details);
    }

    #[test]
    fn surefire_flaky_test_passes_but_is_counted_flaky() {
        let r = parse_str(
            r#"<testsuite><testcase name="a" classname="C"><flakyFailure message="boom" type="X"/></testcase>
            <testcase name="b" classname="C"><failure/><rerunFailure message="again"/></testcase></testsuite>"#,
        )
        .unwrap();
        assert_eq!((r.total, r.passed, r.flaky, r.failed), (2, 1, 1, 1));
    }

    #[test]
    fn go_junit_report_failure_is_located_from_its_output() {
        let r = parse_str(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<testsuites tests="2" failures="1">
	<testsuite name="example.com/shop/cart" tests="2" failures="1" errors="0" id="0" hostname="ci" time="0.004" timestamp="2026-11-22T21:00:00Z">
		<properties><property name="go.version" value="go1.22.0"></property></properties>
		<testcase name="TestTotal" classname="example.com/shop/cart" time="0.000"></testcase>
		<testcase name="TestDiscount" classname="example.com/shop/cart" time="0.001">
			<failure message="Failed" type="">    cart_test.go:21: discount(99, 10) = 90, want 89</failure>
		</testcase>
	</testsuite>
</testsuites>"#,
        )
        .unwrap();
        assert_eq!((r.total, r.passed, r.failed), (2, 1, 1));
        let f = &r.failures[0];
        assert_eq!(
            (f.file.as_deref(), f.line),
            (Some("cart_test.go"), Some(21))
        );
    }

    #[test]
    fn suite_summary_without_cases_counts_from_attributes() {
        let r = parse_str(
            r#"<testsuites><testsuite errors="0" failures="1" skipped="2" tests="6"></testsuite></testsuites>"#,
        )
        .unwrap();
        assert_eq!((r.total, r.passed, r.failed, r.skipped), (6, 3, 1, 2));
    }

    #[test]
    fn truncated_file_names_the_position() {
        let err = parse_str("<testsuite><testcase name=\"a\"><skipped").unwrap_err();
        assert!(err.to_string().starts_with("t.xml: at byte"), "{err}");
    }

    #[test]
    fn html_error_page_is_recognised() {
        let err =
            parse_str("<!DOCTYPE html><html><body>502 Bad Gateway</body></html>").unwrap_err();
        assert!(err.message.contains("HTML page"), "{err}");
    }

    #[test]
    fn failure_location_comes_from_the_output_when_attributes_lack_it() {
        assert_eq!(
            location_in("E   assert 90 == 89\n\ntests/test_cart.py:21: AssertionError"),
            Some(("tests/test_cart.py".to_owned(), 21))
        );
        assert_eq!(
            location_in("thread 'a' (28) panicked at src/lib.rs:29:9:\nassertion failed"),
            Some(("src/lib.rs".to_owned(), 29))
        );
        assert_eq!(
            location_in("   at /rustc/5980/library/core/src/panicking.rs:80:14"),
            None
        );
    }

    #[test]
    fn latin1_declaration_is_read_but_undeclared_invalid_utf8_and_shift_jis_are_refused() {
        let bytes = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><testsuite>\
            <testcase name=\"caf\xE9\"><failure message=\"\xE9chec\"/></testcase></testsuite>";
        let r = parse(&bytes[..], Path::new("t.xml")).unwrap();
        assert_eq!(
            (r.failures[0].name.as_str(), r.failures[0].message.as_str()),
            ("café", "échec")
        );
        let bytes =
            b"<testsuite><testcase name=\"a\"><failure>caf\xE9</failure></testcase></testsuite>";
        let err = parse(&bytes[..], Path::new("t.xml")).unwrap_err();
        assert!(err.message.contains("not valid UTF-8"), "{err}");
        let err =
            parse_str("<?xml version=\"1.0\" encoding=\"Shift_JIS\"?><testsuite/>").unwrap_err();
        assert!(err.message.contains("write the report as UTF-8"), "{err}");
    }

    #[test]
    fn empty_input_is_an_error() {
        let err = parse_str("").unwrap_err();
        assert!(err.message.contains("no XML element"), "{err}");
    }

    #[test]
    fn nunit3_and_trx_and_xunit_count_outcomes() {
        let n = parse_str(r#"<test-run><test-suite type="TestFixture"><test-case name="a" result="Passed"/><test-case name="b" result="Failed"><failure><message>no</message></failure></test-case><test-case name="c" result="Skipped"/></test-suite></test-run>"#).unwrap();
        assert_eq!((n.total, n.passed, n.failed, n.skipped), (3, 1, 1, 1));
        assert_eq!(n.failures[0].message, "no");
        let t = parse_str(r#"<TestRun><Results><UnitTestResult testName="a" outcome="Passed"/><UnitTestResult testName="b" outcome="NotExecuted"/></Results></TestRun>"#).unwrap();
        assert_eq!((t.total, t.passed, t.skipped), (2, 1, 1));
        let x = parse_str(r#"<assemblies><assembly><collection><test name="a" result="Pass"/><test name="b" result="Fail"/></collection></assembly></assemblies>"#).unwrap();
        assert_eq!((x.total, x.passed, x.failed), (2, 1, 1));
    }
}
