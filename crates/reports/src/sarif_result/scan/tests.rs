//! The scanner against serde: every shape, file and mutant read both ways must agree.

use std::path::Path;

use crate::json_stream::JsonStream;
use crate::sarif::parse_stream;

/// `doc` read with the scanner and through serde alone, in chunks of `chunk` bytes:
/// the report, or the error as shown.
fn both_ways(doc: &[u8], chunk: usize) -> [Result<crate::FindingsReport, String>; 2] {
    let path = Path::new("r.sarif");
    let read = |js: JsonStream<'_, &[u8]>| parse_stream(js, path).map_err(|e| e.to_string());
    [
        read(JsonStream::new(doc, path).with_chunk(chunk)),
        read(
            JsonStream::new(doc, path)
                .with_chunk(chunk)
                .without_scanner(),
        ),
    ]
}

/// Checks `doc` reads the same with and without the scanner, whole and in chunks that
/// cut results (where the scanner hands them to serde).
fn assert_same(doc: &[u8], what: &str) {
    let [whole, _] = both_ways(doc, 1 << 20);
    for chunk in [1 << 20, 61, 37] {
        let [fast, slow] = both_ways(doc, chunk);
        let shown = String::from_utf8_lossy(doc);
        assert_eq!(fast, slow, "{what} (chunks of {chunk}): {shown}");
        assert_eq!(
            fast, whole,
            "{what} in chunks of {chunk} and whole: {shown}"
        );
    }
}

/// A log whose one run has `results` (a JSON array's inside) and rules the results name.
fn log(results: &str) -> String {
    format!(
        r#"{{"version":"2.1.0","runs":[{{"tool":{{"driver":{{"name":"t","rules":[
          {{"id":"a","properties":{{"security-severity":"9.1"}}}},
          {{"id":"b","defaultConfiguration":{{"level":"note"}}}}]}}}},
          "results":[{results}]}}]}}"#
    )
}

/// A result with every field the reader keeps, and some it skips.
const RICH: &str = r#"{"ruleId": "a", "ruleIndex": 0, "rule": {"id": "a", "index": 0},
    "kind": "fail", "level": "error",
    "message": {"text": "SQL from \"input\"\nsecond line", "markdown": "**SQL**"},
    "locations": [{"message": {"text": "pkg@1.0"},
        "physicalLocation": {"artifactLocation": {"uri": "src/db.py", "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": 12, "startColumn": 5, "snippet": {"text": "q = f'{x}'"}}},
        "logicalLocations": [{"name": "q", "fullyQualifiedName": "db.q"}]},
        {"physicalLocation": {"artifactLocation": {"uri": "other.py"}}}],
    "baselineState": "new", "suppressions": [],
    "properties": {"security-severity": "7.5", "tags": ["security", "cwe-89"], "precision": 0.93e0},
    "partialFingerprints": {"primaryLocationLineHash": "39fa2ee980eb94b0:1"},
    "codeFlows": [{"threadFlows": [{"locations": [{"location": {"message": {"text": "caf\u00e9 é"}}}]}]}],
    "fixes": null, "rank": -1.5E+2, "occurrenceCount": 3, "ok": true, "no": false}"#;

#[test]
fn a_rich_result_reads_the_same_both_ways() {
    let doc = log(&format!("{RICH}, {RICH}, {{\"ruleId\": \"b\"}}"));
    let [fast, _] = both_ways(doc.as_bytes(), 1 << 20);
    let report = fast.unwrap();
    assert_eq!(
        (report.count(crate::Severity::High), report.duplicates),
        (1, 1)
    );
    assert_same(doc.as_bytes(), "rich");
}

#[test]
fn every_shape_the_scanner_leaves_to_serde_reads_as_serde_reads_it() {
    for result in [
        r#"{"ruleId": "a\u0062"}"#,
        r#"{"ruleId": "caf\u00e9 é", "level": "warning"}"#,
        r#"{"ruleId": "a", "ruleId": "b"}"#,
        r#"{"ruleId": 5}"#,
        r#"{"ruleId": null, "level": null, "kind": null}"#,
        r#"{"ruleIndex": 1.0}"#,
        r#"{"ruleIndex": -1, "ruleId": "a"}"#,
        r#"{"ruleIndex": 1}"#,
        r#"{"ruleIndex": -0, "ruleId": "a"}"#,
        r#"{"locations": [{"physicalLocation": {"region": {"startLine": -0}}}]}"#,
        r#"{"ruleIndex": 99999999999999999999}"#,
        r#"{"ruleIndex": 123456789012345678}"#,
        r#"{"ruleIndex": "1"}"#,
        r#"{"ruleIndex": 01}"#,
        r#"{"rule": {"id": "b", "index": 1, "x": [1]}}"#,
        r#"{"rule": ["b", 1]}"#,
        r#"{"rule": {"index": 1, "index": 1}}"#,
        r#"{"message": ["text as array", "md"]}"#,
        r#"{"message": null}"#,
        r#"{"message": {"markdown": "only md"}}"#,
        r#"{"message": {"text": 1}}"#,
        r#"{"message": "a string"}"#,
        r#"{"locations": null}"#,
        r#"{"locations": []}"#,
        r#"{"locations": [null]}"#,
        r#"{"locations": [{}, 5]}"#,
        r#"{"locations": {}}"#,
        r#"{"locations": [{"physicalLocation": {"region": {"startLine": 4294967296}}}]}"#,
        r#"{"locations": [{"physicalLocation": {"region": {"startLine": -3}}}]}"#,
        r#"{"locations": [{"physicalLocation": {"region": null, "artifactLocation": null}}]}"#,
        r#"{"locations": [{"logicalLocations": [{"name": "n"}, 7]}]}"#,
        r#"{"locations": [{"logicalLocations": [null]}]}"#,
        r#"{"locations": [{"physicalLocation": {"artifactLocation": {"uri": "a", "uri": "b"}}}]}"#,
        r#"{"suppressions": [{"kind": "inSource"}]}"#,
        r#"{"suppressions": null}"#,
        r#"{"suppressions": {}}"#,
        r#"{"properties": {"security-severity": 9.8}}"#,
        r#"{"properties": {"security-severity": "9.8"}}"#,
        r#"{"properties": {"security-severity": " 4.0 "}}"#,
        r#"{"properties": {"security-severity": "high"}}"#,
        r#"{"properties": {"security-severity": null}}"#,
        r#"{"properties": {"security-severity": true}}"#,
        r#"{"properties": {"security-severity": {"a": 1e999}}}"#,
        r#"{"properties": {"security-severity": "1", "security-severity": "2"}}"#,
        r#"{"properties": [1]}"#,
        r#"{"kind": "pass"}"#,
        r#"{"kind": "fail", "baselineState": "unchanged"}"#,
        r#"{"x": "\ud800"}"#,
        r#"{"x": "\q"}"#,
        "{\"x\": \"a\tb\"}",
        "{\"ruleId\": \"a\u{1}b\"}",
        r#"{"r\u0075leId": "a"}"#,
        r#"{"x": [1, 2,]}"#,
        r#"{"x": 1,}"#,
        r#"{"x": 01}"#,
        r#"{"x": -}"#,
        r#"{"x": 1.}"#,
        r#"{"x": .5}"#,
        r#"{"x": 1e}"#,
        r#"{"x": tru}"#,
        r#"{"x": nul}"#,
        r#"{"x" 1}"#,
        r"{1: 2}",
        r#"{"x": {"y": 1 "z": 2}}"#,
        r#"{"x": {"\q": 1}}"#,
        " { \"ruleId\" :\n\t\"a\" ,\r\n \"level\" : \"error\" } ",
        r"{}",
        r"[]",
        r"null",
        r#""result""#,
    ] {
        assert_same(log(result).as_bytes(), result);
    }
    let deep = format!("{{\"x\": {}1{}}}", "[".repeat(100), "]".repeat(100));
    assert_same(log(&deep).as_bytes(), "100 arrays deep");
    let deeper = format!(
        "{{\"ruleId\": \"a\", \"x\": {}{}}}",
        "{\"k\":".repeat(200),
        "}".repeat(200)
    );
    assert_same(log(&deeper).as_bytes(), "200 objects deep");
}

#[test]
fn numbers_at_the_edges_of_i64_and_of_the_grammar_read_as_serde_reads_them() {
    for n in [
        "0",
        "-0",
        "-0.0",
        "0.0",
        "00",
        "-00",
        "-01",
        "1",
        "-1",
        "1.0",
        "1e2",
        "1E+2",
        "1e-2",
        "0e0",
        "-0e0",
        "1e",
        "1.",
        ".5",
        "-",
        "- 1",
        "+1",
        "1x",
        "1true",
        "1-2",
        "1.5.3",
        "1e5.3",
        "0x1",
        "1e999",
        "-1e999",
        "2e308",
        "5e-324",
        "999999999999999999",
        "-999999999999999999",
        "9223372036854775807",
        "-9223372036854775807",
        "9223372036854775808",
        "-9223372036854775808",
        "-9223372036854775809",
        "18446744073709551615",
        "18446744073709551616",
        "123456789012345678901234567890",
        "4294967295",
        "4294967296",
        "\"1\"",
        "true",
    ] {
        for result in [
            format!(r#"{{"ruleId": "a", "ruleIndex": {n}}}"#),
            format!(r#"{{"ruleId": "b", "ruleIndex":{n}}}"#),
            format!(r#"{{"rule": {{"id": "a", "index": {n} }}}}"#),
            format!(
                r#"{{"locations": [{{"physicalLocation": {{"region": {{"startLine": {n}}}}}}}]}}"#
            ),
            format!(r#"{{"ruleId": "a", "x": {n}}}"#),
            format!(r#"{{"ruleId": "a", "x": [{n}]}}"#),
            format!(r#"{{"ruleId": "a", "locations": [{{}}, {n}]}}"#),
            format!(r#"{{"ruleId": "a", "suppressions": [{n}]}}"#),
            format!(r#"{{"ruleId": "a", "properties": {{"security-severity": {n}}}}}"#),
            format!(r#"{{"ruleId": "a", "properties": {{"security-severity": "{n}"}}}}"#),
        ] {
            assert_same(log(&result).as_bytes(), &result);
        }
    }
}

#[test]
fn string_escapes_and_odd_bytes_read_as_serde_reads_them() {
    for esc in [
        r"\ud83d\ude00",
        r"\uD83D\uDE00",
        r"\ud83d",
        r"\ude00",
        r"\ud83dx",
        r"\ud83d\n",
        r"\ud83d\u0041",
        r"\ud83d\ud83d\ude00",
        r"\u0000",
        r"\u00",
        r"\u12g4",
        r"\U0041",
        r"\/",
        r#"\""#,
        r"\\",
        r"\b\f\n\r\t",
        r"\x",
        r"\'",
        "\u{7f}",
        "\t",
        "\u{1f}",
        "\u{1}",
        "caf\u{e9}",
        "abcdefgh\u{1}ij",
        "abcdefghijklmno\u{7f}",
    ] {
        for result in [
            format!(r#"{{"ruleId": "a{esc}"}}"#),
            format!(r#"{{"ruleId": "a", "level": "{esc}"}}"#),
            format!(r#"{{"ruleId": "a", "x": "{esc}"}}"#),
            format!(r#"{{"ruleId": "a", "x": {{"{esc}": 1}}}}"#),
            format!(r#"{{"ruleId": "a", "{esc}": 1}}"#),
            format!(r#"{{"ruleId": "a", "rule": {{"{esc}": 1}}}}"#),
            format!(r#"{{"ruleId": "a", "locations": [{{}}, "{esc}"]}}"#),
            format!(r#"{{"ruleId": "a", "suppressions": ["{esc}"]}}"#),
            format!(r#"{{"ruleId": "a", "properties": {{"security-severity": "7{esc}"}}}}"#),
            format!(r#"{{"ruleId": "a", "message": {{"text": "m{esc}"}}}}"#),
        ] {
            assert_same(log(&result).as_bytes(), &result);
        }
    }
    // Bytes that are not UTF-8 where serde_json checks them (a struct's keys, the
    // strings it reads) and where it does not (strings and keys it skips).
    for bad in [
        &b"\xff"[..],
        b"\xc3",
        b"\xed\xa0\x80",
        b"\xc0\x80",
        b"\xf4\x90\x80\x80",
    ] {
        for at in [
            "{\"ruleId\": \"@\"}",
            "{\"ruleId\": \"a\", \"@\": 1}",
            "{\"ruleId\": \"a\", \"x\": {\"@\": 1}}",
            "{\"ruleId\": \"a\", \"x\": \"@\\n\"}",
            "{\"ruleId\": \"a\", \"rule\": {\"@\": 1}}",
            "{\"ruleId\": \"a\", \"properties\": {\"@\": 1}}",
            "{\"ruleId\": \"a\", \"properties\": {\"security-severity\": \"@\"}}",
            "{\"ruleId\": \"a\", \"locations\": [{}, {\"@\": \"@\"}]}",
            "{\"ruleId\": \"a\", \"suppressions\": [{\"@\": \"@\"}]}",
            "{\"ruleId\": \"a@\\n\"}",
        ] {
            let mut doc = log(at).into_bytes();
            while let Some(i) = doc.iter().position(|&b| b == b'@') {
                doc.splice(i..=i, bad.iter().copied());
            }
            assert_same(&doc, &format!("{bad:?} in {at}"));
        }
    }
}

#[test]
fn whitespace_literals_and_empty_values_read_as_serde_reads_them() {
    for result in [
        "{\"ruleId\":\u{c}\"a\"}",
        "{\"ruleId\":\u{b}\"a\"}",
        "{\"ruleId\":\u{a0}\"a\"}",
        "{\u{c}}",
        "{\"ruleId\": \"a\", \"x\": [1,\u{c}2]}",
        "{\"ruleId\"\t:\r\"a\"\n}",
        r#"{"ruleId": "a", "x": True}"#,
        r#"{"ruleId": "a", "x": nulll}"#,
        r#"{"ruleId": "a", "x": NaN}"#,
        r#"{"ruleId": "a", "x": Infinity}"#,
        r#"{"ruleId": nul}"#,
        r#"{"ruleId": null }"#,
        r#"{"ruleId": "a", "rule": null, "message": null, "properties": null}"#,
        r#"{"ruleId": "a", "rule": nullx}"#,
        r#"{"ruleId": "a", "rule": true}"#,
        r#"{"kind": true}"#,
        r#"{"kind": ["fail"]}"#,
        r#"{"kind": "f\u0061il", "level": "\u0065rror"}"#,
        r#"{"level": 1}"#,
        r#"{"level": {"text": "error"}}"#,
        r#"{"baselineState": 1}"#,
        r#"{"rule": {}}"#,
        r#"{"message": {}}"#,
        r#"{"locations": [{}]}"#,
        r#"{"locations": [{"physicalLocation": {}}]}"#,
        r#"{"locations": [{"physicalLocation": {"artifactLocation": {}, "region": {}}}]}"#,
        r#"{"locations": [{"logicalLocations": []}]}"#,
        r#"{"locations": [{"logicalLocations": [{}]}]}"#,
        r#"{"properties": {}}"#,
        r#"{ "x" : { } , "y" : [ ] }"#,
        r#"{"suppressions": [ ]}"#,
        r#"{"rule": {"id": "a",}}"#,
        r#"{"locations": [{},]}"#,
        r#"{"suppressions": [1,]}"#,
        r#"{"locations": [{"logicalLocations": [{},]}]}"#,
        r#"{"ruleId": "a",}"#,
        r"{,}",
        r#"{"x": [,]}"#,
        r#"{"x": [,1]}"#,
        r#"{"locations": [,{}]}"#,
        r#"{"x": [}"#,
        r#"{"x": {]}"#,
        r#"{"x": [1}"#,
        r#"{"x": {"a"}}"#,
        r#"{"x": {"a":}}"#,
        r#"{"x": {:1}}"#,
        r#"{"x": [1:2]}"#,
        r#"{"x": {"a":1:2}}"#,
        r#"{"x": "a":1}"#,
        r#"{"ruleId": "a"}x"#,
        r#"{"ruleId": "a"}{"ruleId": "b"}"#,
        r#"{"ruleId": "a"}1"#,
        r#"{"ruleId": "a"} , {"ruleId": "b"}"#,
    ] {
        assert_same(log(result).as_bytes(), result);
    }
}

#[test]
fn duplicate_and_escaped_keys_in_nested_structs_read_as_serde_reads_them() {
    for result in [
        r#"{"message": {"text": "a", "text": "b"}}"#,
        r#"{"message": {"markdown": "a", "markdown": null}}"#,
        r#"{"message": {"text": null, "text": "b"}}"#,
        r#"{"rule": {"id": "a", "id": "b"}}"#,
        r#"{"locations": [{"message": {}, "message": {}}]}"#,
        r#"{"locations": [{"physicalLocation": {}, "physicalLocation": {}}]}"#,
        r#"{"locations": [{"logicalLocations": [], "logicalLocations": []}]}"#,
        r#"{"locations": [{"physicalLocation": {"region": {}, "region": {}}}]}"#,
        r#"{"locations": [{"physicalLocation": {"artifactLocation": {}, "artifactLocation": {}}}]}"#,
        r#"{"locations": [{"physicalLocation": {"region": {"startLine": 1, "startLine": 2}}}]}"#,
        r#"{"locations": [{"logicalLocations": [{"name": "a", "name": "b"}]}]}"#,
        r#"{"locations": [{"logicalLocations": [{"fullyQualifiedName": "a", "fullyQualifiedName": "b"}]}]}"#,
        r#"{"locations": [{"logicalLocations": [{}, {"name": "a", "name": "b"}]}]}"#,
        r#"{"locations": [{}, {"message": 1, "message": 2}]}"#,
        r#"{"locations": [], "locations": []}"#,
        r#"{"suppressions": [], "suppressions": []}"#,
        r#"{"properties": {}, "properties": {}}"#,
        r#"{"kind": "fail", "kind": "fail"}"#,
        r#"{"level": "error", "level": null}"#,
        r#"{"baselineState": "new", "baselineState": "new"}"#,
        r#"{"rule": null, "rule": {}}"#,
        r#"{"ruleIndex": 0, "ruleIndex": 0}"#,
        r#"{"ruleId": "a", "x": 1, "x": 2}"#,
        r#"{"ruleId": "a", "suppressions": [{"kind": "a", "kind": "b"}]}"#,
        r#"{"rule\u0049d": "a"}"#,
        r#"{"ruleId": "a", "rule\u0049d": "b"}"#,
        r#"{"ruleId": "a", "rule": {"\u0069d": "b"}}"#,
        r#"{"ruleId": "a", "x": {"rule\u0049d": 1, "\ud800": 2}}"#,
        r#"{"ruleId": "a", "properties": {"security\u002dseverity": 9.8}}"#,
        r#"{"ruleId": "a", "ruleId ": "b"}"#,
        r#"{"ruleId": "a", "RuleId": "b"}"#,
        r#"{"ruleId": "a", "rule_id": "b"}"#,
        r#"{"properties": {"security-severity": "9.8", "Security-Severity": "1"}}"#,
    ] {
        assert_same(log(result).as_bytes(), result);
    }
}

#[test]
fn nesting_at_both_depth_limits_reads_as_serde_reads_it() {
    let nest = |n: usize, inner: &str| format!("{}{inner}{}", "[".repeat(n), "]".repeat(n));
    let objects = |n: usize| format!("{}1{}", "{\"k\":".repeat(n), "}".repeat(n));
    for n in [1, 62, 63, 64, 65, 125, 126, 127, 128, 300] {
        for value in [nest(n, "1"), nest(n, ""), objects(n)] {
            for result in [
                format!(r#"{{"ruleId": "a", "x": {value}}}"#),
                format!(r#"{{"ruleId": "a", "suppressions": [{value}]}}"#),
                format!(r#"{{"ruleId": "a", "locations": [{{}}, {value}]}}"#),
                format!(r#"{{"ruleId": "a", "locations": [{{"x": {value}}}]}}"#),
                format!(
                    r#"{{"ruleId": "a", "locations": [{{"logicalLocations": [{{}}, {value}]}}]}}"#
                ),
                format!(
                    r#"{{"ruleId": "a", "locations": [{{"physicalLocation": {{"region": {{"x": {value}}}}}}}]}}"#
                ),
                format!(r#"{{"ruleId": "a", "properties": {{"x": {value}}}}}"#),
                format!(r#"{{"ruleId": "a", "properties": {{"security-severity": {value}}}}}"#),
                format!(r#"{{"ruleId": "a", "rule": {{"x": {value}}}}}"#),
                format!(r#"{{"ruleId": "a", "message": {{"x": {value}}}}}"#),
            ] {
                assert_same(log(&result).as_bytes(), &format!("{n} deep: {result:.120}"));
            }
        }
    }
}

#[test]
fn bytes_that_are_not_utf8_read_as_serde_reads_them() {
    for (i, bad) in [&b"\"\xff\""[..], b"\"\xc3\"", b"\"ok\xed\xa0\x80\""]
        .iter()
        .enumerate()
    {
        for field in ["ruleId", "x"] {
            let mut doc = log(&format!("{{\"{field}\": @}}")).into_bytes();
            let at = doc.iter().position(|&b| b == b'@').unwrap();
            doc.splice(at..=at, bad.iter().copied());
            assert_same(&doc, &format!("bad UTF-8 {i} in {field}"));
        }
    }
    let mut key = log("{\"@\": 1}").into_bytes();
    let at = key.iter().position(|&b| b == b'@').unwrap();
    key.splice(at..=at, *b"k\xff");
    assert_same(&key, "bad UTF-8 in a key");
}

#[test]
fn every_sarif_file_of_the_corpus_reads_the_same_both_ways_and_in_small_chunks() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/defectdojo/scans/sarif");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        assert_same(&std::fs::read(&path).unwrap(), &path.display().to_string());
        n += 1;
    }
    assert!(n >= 20, "only {n} SARIF files in {}", dir.display());
}

/// A small deterministic generator (xorshift), so a failure names its case.
struct Rng(u64);
impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
    fn pick<'x>(&mut self, xs: &[&'x [u8]]) -> &'x [u8] {
        xs[self.below(xs.len())]
    }
}

#[test]
fn fifteen_hundred_mutated_logs_read_the_same_both_ways() {
    let seed = log(&format!(
        "{RICH}, {{\"ruleId\": \"b\", \"level\": \"note\"}}, {RICH}"
    ));
    let seed = seed.as_bytes();
    // JSON's other whitespace, whitespace it is not (form feed), the letters and `/` of
    // escapes (`\ud83d`, `\b`, `\/`), DEL and a byte that is never UTF-8.
    let bytes = b"{}[],:\"\\ \n\t\r\x0c0123456789-+.eEtrufalsnbdu/\x7f\xff\xc3\xa9\x01";
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut fast_ok = 0;
    for case in 0..1500 {
        let mut doc = seed.to_vec();
        for _ in 0..=rng.below(3) {
            let at = rng.below(doc.len());
            match rng.below(4) {
                0 => {
                    doc.remove(at);
                }
                1 => doc.insert(at, bytes[rng.below(bytes.len())]),
                2 => doc[at] = bytes[rng.below(bytes.len())],
                _ => {
                    let len = rng.below(12).min(doc.len() - at);
                    let piece: Vec<u8> = doc[at..at + len].to_vec();
                    let to = rng.below(doc.len());
                    doc.splice(to..to, piece);
                }
            }
        }
        let [fast, slow] = both_ways(&doc, 1 << 20);
        assert_eq!(
            fast,
            slow,
            "mutant {case}: {}",
            String::from_utf8_lossy(&doc)
        );
        fast_ok += usize::from(fast.is_ok());
    }
    // The mutants must exercise both outcomes, or the test proves little.
    assert!(
        (150..1450).contains(&fast_ok),
        "{fast_ok} of 1500 mutants read"
    );
}

/// Every field of a result as read, to compare the two readers field for field (a
/// report keeps only some of them).
fn fields(r: &super::RawResult<'_>) -> String {
    use super::{Score, Str, Text};
    let s = |x: &Option<Str<'_>>| format!("{:?}", x.as_ref().map(Str::as_str));
    let t = |x: &Option<Text<'_>>| {
        x.as_ref()
            .map(|t| format!("text {} markdown {}", s(&t.text), s(&t.markdown)))
    };
    let location = r.locations.as_ref().map(|l| {
        l.0.as_ref().map(|l| {
            let physical = l.physical_location.as_ref().map(|p| {
                let uri = p.artifact_location.as_ref().map(|a| s(&a.uri));
                (uri, p.region.as_ref().map(|r| r.start_line))
            });
            let logical = l.logical_locations.as_ref().map(|l| {
                l.0.as_ref()
                    .map(|l| (s(&l.name), s(&l.fully_qualified_name)))
            });
            (t(&l.message), physical, logical)
        })
    });
    let score = r.properties.as_ref().map(|p| {
        p.security_severity.as_ref().map(|x| match x {
            Score::Number(n) => format!("number {n:?}"),
            Score::Text(t) => format!("text {t:?}"),
            Score::Other(_) => "other".to_owned(),
        })
    });
    let rule = r.rule.as_ref().map(|x| (s(&x.id), x.index));
    format!(
        "{} {:?} {rule:?} {} {} {:?} {location:?} {} {:?} {score:?}",
        s(&r.rule_id),
        r.rule_index,
        s(&r.kind),
        s(&r.level),
        t(&r.message),
        s(&r.baseline_state),
        r.suppressions.as_ref().map(Vec::len),
    )
}

/// Whether the scanner read `doc` (`Ok(false)`: it left it to serde), or how it
/// disagrees with serde_json: a value serde refuses, another field, another length,
/// or a prefix of the value taken for a whole one.
fn scanned_as_serde_reads(doc: &[u8]) -> Result<bool, String> {
    let Some((fast, used)) = super::RawResult::scan(doc) else {
        return Ok(false);
    };
    if let Some(cut) = (0..used).find(|&cut| super::RawResult::scan(&doc[..cut]).is_some()) {
        return Err(format!("its first {cut} bytes read as a whole result"));
    }
    let mut values = serde_json::Deserializer::from_slice(doc).into_iter::<super::RawResult<'_>>();
    match values.next() {
        Some(Ok(_)) if values.byte_offset() != used => Err(format!(
            "scanner took {used} bytes, serde {}",
            values.byte_offset()
        )),
        Some(Ok(slow)) if fields(&fast) != fields(&slow) => Err(format!(
            "scanner {}\n  serde   {}",
            fields(&fast),
            fields(&slow)
        )),
        Some(Ok(_)) => Ok(true),
        Some(Err(e)) => Err(format!("scanner read it, serde refuses it: {e}")),
        None => Err("serde read nothing".to_owned()),
    }
}

/// Keys the readers know (at every level, so a known field also turns up where it is
/// not one), escaped or odd keys, and keys long enough to cross an eight-byte word.
const KEYS: &[&[u8]] = &[
    b"ruleId",
    b"ruleIndex",
    b"rule",
    b"kind",
    b"level",
    b"message",
    b"locations",
    b"baselineState",
    b"suppressions",
    b"properties",
    b"id",
    b"index",
    b"text",
    b"markdown",
    b"physicalLocation",
    b"logicalLocations",
    b"artifactLocation",
    b"region",
    b"uri",
    b"startLine",
    b"name",
    b"fullyQualifiedName",
    b"security-severity",
    b"x",
    b"rule\\u0049d",
    b"k\xff",
    b"abcdefghijk\xffmn",
    b"abcdefgh\x01",
    b"caf\xc3\xa9",
    b"abcdefghijklmnop\xc3\xa9",
    b"a\\ud800",
    b"ruleId\x7f",
    b"\\q",
    b"a\x01",
];

/// Pieces of string content: escapes (surrogates paired, lone, cut), bytes that are
/// not UTF-8, control characters, DEL, runs of 3 to 15 bytes.
const STRING_PIECES: &[&[u8]] = &[
    b"a",
    b"9.8",
    b" 7 ",
    b"\\n",
    b"\\\"",
    b"\\/",
    b"\\\\",
    b"\\b\\f\\r\\t",
    b"\\u0041",
    b"\\u00e9",
    b"\\ud83d\\ude00",
    b"\\uD83D\\uDE00",
    b"\\ud83d",
    b"\\ude00",
    b"\\ud83d\\u0041",
    b"\\ud83dx",
    b"\\ud83d\\n",
    b"\\u12g4",
    b"\\u00",
    b"\\x",
    b"\\u0000",
    b"\xc3\xa9",
    b"\xe2\x82\xac",
    b"\xff",
    b"\xc3",
    b"\xe2\x82",
    b"\xed\xa0\x80",
    b"\xc0\x80",
    b"\xf4\x90\x80\x80",
    b"\x7f",
    b"\x01",
    b"\x1f",
    b"\t",
    b"1e400",
    b"NaN",
    b"-0",
    b"abc",
    b"abcdefg",
    b"abcdefghijklmno",
];

const NUMBERS: &[&[u8]] = &[
    b"0",
    b"-0",
    b"1",
    b"-1",
    b"12",
    b"01",
    b"-01",
    b"00",
    b"1.0",
    b"-0.0",
    b"1e2",
    b"1E+2",
    b"1e-2",
    b"1e",
    b"1.",
    b".5",
    b"-",
    b"+1",
    b"1e999",
    b"-1e999",
    b"9223372036854775807",
    b"9223372036854775808",
    b"-9223372036854775808",
    b"-9223372036854775809",
    b"999999999999999999",
    b"-999999999999999999",
    b"18446744073709551616",
    b"4294967296",
    b"123456789012345678901234567890",
    b"1.5.3",
    b"0x1",
    b"1e5.3",
    b"5e-324",
    b"0e0",
    b"-0e0",
    b"- 1",
    b"7.5",
];

const LITERALS: &[&[u8]] = &[
    b"null",
    b"true",
    b"false",
    b"nul",
    b"tru",
    b"nulll",
    b"True",
    b"NaN",
    b"Infinity",
];

/// Sometimes whitespace, JSON's or not (form feed, vertical tab).
fn space(r: &mut Rng, out: &mut Vec<u8>) {
    if r.below(4) == 0 {
        out.extend_from_slice(r.pick(&[b" ", b"\n", b"\t", b"\r", b"\x0c", b"\x0b", b" \n "]));
    }
}

fn generated_string(r: &mut Rng, out: &mut Vec<u8>) {
    out.push(b'"');
    for _ in 0..r.below(4) {
        out.extend_from_slice(r.pick(STRING_PIECES));
    }
    out.push(b'"');
}

fn generated_value(r: &mut Rng, out: &mut Vec<u8>, depth: u32) {
    space(r, out);
    match if depth > 6 { r.below(4) } else { r.below(9) } {
        0 | 3 => generated_string(r, out),
        1 => out.extend_from_slice(r.pick(NUMBERS)),
        2 => out.extend_from_slice(r.pick(LITERALS)),
        4..=6 => generated_object(r, out, depth + 1),
        _ => {
            out.push(b'[');
            for i in 0..r.below(4) {
                if i > 0 {
                    out.push(b',');
                }
                generated_value(r, out, depth + 1);
            }
            if r.below(30) == 0 {
                out.push(b',');
            }
            space(r, out);
            out.push(b']');
        }
    }
    space(r, out);
}

/// An object of up to four keys from [`KEYS`] (a key may come twice), now and then
/// with a trailing comma.
fn generated_object(r: &mut Rng, out: &mut Vec<u8>, depth: u32) {
    out.push(b'{');
    for i in 0..r.below(5) {
        if i > 0 {
            out.push(b',');
        }
        space(r, out);
        out.push(b'"');
        out.extend_from_slice(r.pick(KEYS));
        out.push(b'"');
        space(r, out);
        out.push(b':');
        generated_value(r, out, depth);
    }
    if r.below(30) == 0 {
        out.push(b',');
    }
    space(r, out);
    out.push(b'}');
}

#[test]
fn forty_thousand_generated_results_scan_field_for_field_as_serde_reads_them() {
    let mut rng = Rng(0x1234_5678_9abc_def1);
    let mut scanned = 0;
    for case in 0..40_000 {
        let mut doc = Vec::new();
        generated_object(&mut rng, &mut doc, 0);
        doc.push(b' ');
        match scanned_as_serde_reads(&doc) {
            Ok(read) => scanned += usize::from(read),
            Err(e) => panic!("case {case}: {}\n  {e}", String::from_utf8_lossy(&doc)),
        }
    }
    // The scanner must read a fair share, or the comparison proves little.
    assert!(
        (4_000..36_000).contains(&scanned),
        "{scanned} of 40000 scanned"
    );
}
