//! Reports in UTF-16 (with and without a byte-order mark, both byte orders) and in the
//! single-byte encodings an XML declaration names read exactly as their UTF-8 originals,
//! for every XML format and for JSON (`tests/data/encodings/README.md` says how each file
//! was made from real tool output).

use std::path::{Path, PathBuf};

use slipway_reports::{Kind, Options, Position, Report, detect, parse_path};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/encodings")
        .join(name)
}

fn seed(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/seeds")
        .join(name)
}

fn read(path: &Path) -> (Kind, Report) {
    parse_path(path, None, &Options::default().keep_line_hits(|_| true))
        .unwrap_or_else(|e| panic!("{e}"))
}

fn assert_same(encoded: &str, original: &Path, kind: Kind) {
    let (k, report) = read(&data(encoded));
    assert_eq!(k, kind, "{encoded} detected as {k}");
    assert_eq!(
        report,
        read(original).1,
        "{encoded} reads differently from its original"
    );
}

#[test]
fn utf16_junit_nunit_and_trx_read_as_their_utf8_originals() {
    assert_same(
        "pytest-junit.utf16le-bom.xml",
        &seed("pytest-junit.xml"),
        Kind::Junit,
    );
    assert_same("nunit.utf16le-bom.xml", &seed("nunit.xml"), Kind::Junit);
    assert_same("mstest.utf16le-bom.trx", &seed("mstest.trx"), Kind::Junit);
    assert_same(
        "nextest-junit.utf16be-nobom.xml",
        &seed("nextest-junit.xml"),
        Kind::Junit,
    );
}

#[test]
fn utf16_cobertura_and_jacoco_read_as_their_utf8_originals() {
    assert_same(
        "coverage.utf16be-bom.xml",
        &seed("coverage.xml"),
        Kind::Cobertura,
    );
    assert_same(
        "jacoco.utf16le-nobom.xml",
        &seed("jacoco.xml"),
        Kind::Jacoco,
    );
}

#[test]
fn utf16_sarif_and_coverage_json_read_as_their_utf8_originals() {
    assert_same(
        "codeql.utf16le-bom.sarif",
        &seed("codeql.sarif"),
        Kind::Sarif,
    );
    assert_same(
        "coverage.utf16le-bom.json",
        &seed("coverage.json"),
        Kind::CoveragePy,
    );
}

#[test]
fn latin1_and_windows_1252_declarations_keep_the_accented_failure_details() {
    let original = data("NUnitUnicode.xml");
    let (_, Report::Tests(t)) = read(&original) else {
        panic!("not tests");
    };
    assert!(
        t.failures[0].details.contains("Expected: ü"),
        "{:?}",
        t.failures[0]
    );
    assert!(
        t.failures[0].details.contains("But was:  â"),
        "{:?}",
        t.failures[0]
    );
    assert_same("NUnitUnicode.latin1.xml", &original, Kind::Junit);
    assert_same("NUnitUnicode.cp1252.xml", &original, Kind::Junit);
}

#[test]
fn visual_studio_utf16_coverage_is_refused_by_its_root_element_not_as_garbage() {
    // A format this crate does not read, in Visual Studio's own UTF-16: decoded, its
    // root element is named in the error.
    let err = parse_path(
        &data("visualstudio2010.coveragexml"),
        Some(Kind::Cobertura),
        &Options::default(),
    )
    .unwrap_err();
    assert!(err.message.contains("<CoverageDSPriv>"), "{err}");
}

#[test]
fn an_error_in_a_utf16_file_names_the_same_line_and_column_as_in_utf8() {
    let dir = tempfile::tempdir().unwrap();
    let text = "<?xml version=\"1.0\" encoding=\"utf-16\"?>\n<testsuite>\n  <testcase name=\"é\">\n  </testsuit>\n";
    let utf8 = dir.path().join("broken.utf8.xml");
    std::fs::write(&utf8, text).unwrap();
    let utf16 = dir.path().join("broken.utf16.xml");
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    std::fs::write(&utf16, bytes).unwrap();
    let at = |p: &Path| {
        parse_path(p, Some(Kind::Junit), &Options::default())
            .unwrap_err()
            .position
    };
    let expected = at(&utf8);
    assert!(
        matches!(expected, Some(Position::LineCol(4, _))),
        "{expected:?}"
    );
    assert_eq!(at(&utf16), expected);
}

#[test]
fn detect_called_directly_names_every_encoded_file_as_parse_path_does() {
    // Regression: detect() on the raw bytes refused UTF-16 and misread the head of a
    // file in a declared single-byte encoding; only parse_path decoded first.
    for (name, kind) in [
        ("pytest-junit.utf16le-bom.xml", Kind::Junit),
        ("nunit.utf16le-bom.xml", Kind::Junit),
        ("mstest.utf16le-bom.trx", Kind::Junit),
        ("nextest-junit.utf16be-nobom.xml", Kind::Junit),
        ("coverage.utf16be-bom.xml", Kind::Cobertura),
        ("jacoco.utf16le-nobom.xml", Kind::Jacoco),
        ("codeql.utf16le-bom.sarif", Kind::Sarif),
        ("coverage.utf16le-bom.json", Kind::CoveragePy),
        ("NUnitUnicode.latin1.xml", Kind::Junit),
        ("NUnitUnicode.cp1252.xml", Kind::Junit),
    ] {
        let bytes = std::fs::read(data(name)).unwrap();
        let got = detect(&bytes, &data(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(got, kind, "{name}");
    }
}
