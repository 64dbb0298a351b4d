//! A report whose elements carry tens of thousands of attributes (RUSTSEC-2026-0194: a
//! start tag checked for duplicate attribute names in quadratic time stalls the parser)
//! is read in one linear pass by every XML parser, with the real attributes found among
//! the junk. Each parse runs on its own thread under a generous deadline: a quadratic
//! check over 200,000 attributes (2·10^10 name comparisons per element) cannot finish
//! within it, while the linear pass takes about 1.5 s of CPU in a debug build (a minute of
//! wall time when eight builds share two cores).

use std::fmt::Write as _;
use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use slipway_reports::{Kind, Options, Report, parse_reader};

/// Junk attributes per flooded element.
const FLOOD: usize = 200_000;

/// Far beyond a linear parse of a few megabytes, far below a quadratic one.
const DEADLINE: Duration = Duration::from_secs(300);

/// `FLOOD` attributes: distinct names when `distinct`, else the same name repeated.
fn flood(distinct: bool) -> String {
    let mut s = String::with_capacity(FLOOD * 12);
    for i in 0..FLOOD {
        if distinct {
            write!(s, " a{i}=\"{i}\"").unwrap();
        } else {
            s.push_str(" dup=\"x\"");
        }
    }
    s
}

/// Parses `doc` as `kind` on a thread; panics if it has not finished by [`DEADLINE`].
fn parse_within_deadline(kind: Kind, doc: String) -> Result<Report, String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let r = parse_reader(
            kind,
            doc.as_bytes(),
            Path::new("flood.xml"),
            &Options::default(),
        );
        let _ = tx.send(r.map_err(|e| e.to_string()));
    });
    rx.recv_timeout(DEADLINE).unwrap_or_else(|_| {
        panic!("{kind} parser still running after {DEADLINE:?} on {FLOOD} attributes")
    })
}

fn junit(distinct: bool) -> String {
    let f = flood(distinct);
    format!(
        "<?xml version=\"1.0\"?>\n<testsuites{f}>\n<testsuite name=\"s\"{f} tests=\"2\">\n\
         <testcase{f} classname=\"c\" name=\"ok\" time=\"0.5\"/>\n\
         <testcase classname=\"c\" name=\"bad\"{f} time=\"0.25\">\
         <failure{f} message=\"boom\">trace</failure></testcase>\n\
         </testsuite>\n</testsuites>\n"
    )
}

fn cobertura(distinct: bool) -> String {
    let f = flood(distinct);
    format!(
        "<?xml version=\"1.0\"?>\n<coverage{f} lines-valid=\"2\" lines-covered=\"1\">\
         <packages><package name=\"p\"{f}><classes>\
         <class name=\"m\"{f} filename=\"src/m.py\"><lines>\
         <line{f} number=\"1\" hits=\"3\"/><line number=\"2\"{f} hits=\"0\"/>\
         </lines></class></classes></package></packages></coverage>\n"
    )
}

fn jacoco(distinct: bool) -> String {
    let f = flood(distinct);
    format!(
        "<?xml version=\"1.0\"?>\n<report name=\"r\"{f}><package name=\"p\"{f}>\
         <sourcefile{f} name=\"A.java\"><line nr=\"1\" mi=\"0\" ci=\"2\"{f}/>\
         <counter{f} type=\"LINE\" missed=\"1\" covered=\"3\"/></sourcefile>\
         <counter type=\"LINE\" missed=\"1\" covered=\"3\"{f}/></package>\
         <counter type=\"LINE\"{f} missed=\"1\" covered=\"3\"/></report>\n"
    )
}

#[test]
fn junit_with_two_hundred_thousand_attributes_per_element_parses_in_one_pass() {
    let Ok(Report::Tests(t)) = parse_within_deadline(Kind::Junit, junit(true)) else {
        panic!("not read as tests");
    };
    assert_eq!((t.total, t.passed, t.failed), (2, 1, 1));
    assert!((t.duration_secs - 0.75).abs() < 1e-9, "{}", t.duration_secs);
    assert_eq!(t.failures[0].name, "bad");
    assert_eq!(t.failures[0].message, "boom");
}

#[test]
fn cobertura_with_two_hundred_thousand_attributes_per_element_parses_in_one_pass() {
    let Ok(Report::Coverage(c)) = parse_within_deadline(Kind::Cobertura, cobertura(true)) else {
        panic!("not read as coverage");
    };
    assert_eq!((c.lines.covered, c.lines.total), (1, 2));
    assert!(c.files.contains_key("src/m.py"), "{:?}", c.files.keys());
}

#[test]
fn jacoco_with_two_hundred_thousand_attributes_per_element_parses_in_one_pass() {
    let Ok(Report::Coverage(c)) = parse_within_deadline(Kind::Jacoco, jacoco(true)) else {
        panic!("not read as coverage");
    };
    assert_eq!((c.lines.covered, c.lines.total), (3, 4));
}

#[test]
fn two_hundred_thousand_duplicate_attribute_names_end_within_the_deadline() {
    // The advisory's own shape: one name repeated. Whatever the verdict on such a
    // document, every XML parser reaches it in linear time and keeps the real values.
    for (kind, doc) in [
        (Kind::Junit, junit(false)),
        (Kind::Cobertura, cobertura(false)),
        (Kind::Jacoco, jacoco(false)),
    ] {
        match parse_within_deadline(kind, doc) {
            Ok(Report::Tests(t)) => assert_eq!((t.total, t.failed), (2, 1)),
            Ok(Report::Coverage(c)) => assert!(c.lines.total > 0, "{kind}: no lines"),
            Ok(other) => panic!("{kind}: read as {:?}", other.category()),
            Err(e) => assert!(e.contains("flood.xml"), "{kind}: error without file: {e}"),
        }
    }
}
