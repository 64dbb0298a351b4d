//! The fast path of [`RawResult`]: the same fields read by [`Scan`] straight from the
//! buffer, without serde's visitors (about half of quality-gate's time on a large SARIF
//! log went to them). Whatever the scanner leaves (see [`crate::json_scan`]), and any
//! shape the serde path would refuse or read differently (a field given twice, a struct
//! written as an array, a number where a string belongs), answers `None`: the result is
//! then read by serde, which decides. The differential tests in `sarif.rs` read every
//! file both ways.

use std::borrow::Cow;

use serde::de::IgnoredAny;

use super::{
    ArtifactLocation, First, Location, LogicalLocation, PhysicalLocation, Properties, RawResult,
    Region, RuleRef, Score, Str, Text,
};
use crate::json_scan::{Scan, Seen};

impl<'a> RawResult<'a> {
    /// The result at the start of `buf` and the bytes it took, when the scanner reads
    /// it as serde would; `None` leaves it to serde.
    pub(crate) fn scan(buf: &'a [u8]) -> Option<(RawResult<'a>, usize)> {
        let mut s = Scan::new(buf);
        let r = result(&mut s)?;
        Some((r, s.used()))
    }
}

/// A nullable string field ([`Scan::nullable`]).
#[allow(clippy::option_option)]
fn str<'a>(s: &mut Scan<'a>) -> Option<Option<Str<'a>>> {
    s.nullable(|s| s.str().map(Str))
}

/// A nullable integer field ([`Scan::nullable`]).
#[allow(clippy::option_option)]
fn int(s: &mut Scan<'_>) -> Option<Option<i64>> {
    s.nullable(Scan::int)
}

fn result<'a>(s: &mut Scan<'a>) -> Option<RawResult<'a>> {
    let mut r = RawResult::default();
    let mut seen = Seen::default();
    s.object(|s, key| {
        match key {
            b"ruleId" => {
                seen.once(0)?;
                r.rule_id = str(s)?;
            }
            b"ruleIndex" => {
                seen.once(1)?;
                r.rule_index = int(s)?;
            }
            b"rule" => {
                seen.once(2)?;
                r.rule = s.nullable(rule_ref)?;
            }
            b"kind" => {
                seen.once(3)?;
                r.kind = str(s)?;
            }
            b"level" => {
                seen.once(4)?;
                r.level = str(s)?;
            }
            b"message" => {
                seen.once(5)?;
                r.message = s.nullable(text)?;
            }
            b"locations" => {
                seen.once(6)?;
                r.locations = s.nullable(|s| first(s, location))?;
            }
            b"baselineState" => {
                seen.once(7)?;
                r.baseline_state = str(s)?;
            }
            b"suppressions" => {
                seen.once(8)?;
                r.suppressions = s.nullable(|s| {
                    let mut n = 0;
                    s.array(|s| {
                        n += 1;
                        s.skip()
                    })?;
                    Some(vec![IgnoredAny; n])
                })?;
            }
            b"properties" => {
                seen.once(9)?;
                r.properties = s.nullable(properties)?;
            }
            _ => s.skip()?,
        }
        Some(())
    })?;
    Some(r)
}

/// A struct-typed field: serde also reads a struct from an array, by position; that
/// rare form is left to it.
fn object<'a>(
    s: &mut Scan<'a>,
    f: impl FnMut(&mut Scan<'a>, &'a [u8]) -> Option<()>,
) -> Option<()> {
    if s.peek()? != b'{' {
        return None;
    }
    s.object(f)
}

fn rule_ref<'a>(s: &mut Scan<'a>) -> Option<RuleRef<'a>> {
    let (mut id, mut index) = (None, None);
    let mut seen = Seen::default();
    object(s, |s, key| {
        match key {
            b"id" => {
                seen.once(0)?;
                id = str(s)?;
            }
            b"index" => {
                seen.once(1)?;
                index = int(s)?;
            }
            _ => s.skip()?,
        }
        Some(())
    })?;
    Some(RuleRef { id, index })
}

fn text<'a>(s: &mut Scan<'a>) -> Option<Text<'a>> {
    let (mut text, mut markdown) = (None, None);
    let mut seen = Seen::default();
    object(s, |s, key| {
        match key {
            b"text" => {
                seen.once(0)?;
                text = str(s)?;
            }
            b"markdown" => {
                seen.once(1)?;
                markdown = str(s)?;
            }
            _ => s.skip()?,
        }
        Some(())
    })?;
    Some(Text { text, markdown })
}

/// [`First`]: the first element read with `f`, the others skipped.
fn first<'a, T>(
    s: &mut Scan<'a>,
    mut f: impl FnMut(&mut Scan<'a>) -> Option<T>,
) -> Option<First<T>> {
    let mut first = None;
    s.array(|s| {
        if first.is_none() {
            first = Some(f(s)?);
            Some(())
        } else {
            s.skip()
        }
    })?;
    Some(First(first))
}

fn location<'a>(s: &mut Scan<'a>) -> Option<Location<'a>> {
    let mut loc = Location {
        message: None,
        physical_location: None,
        logical_locations: None,
    };
    let mut seen = Seen::default();
    object(s, |s, key| {
        match key {
            b"message" => {
                seen.once(0)?;
                loc.message = s.nullable(text)?;
            }
            b"physicalLocation" => {
                seen.once(1)?;
                loc.physical_location = s.nullable(physical_location)?;
            }
            b"logicalLocations" => {
                seen.once(2)?;
                loc.logical_locations = s.nullable(|s| first(s, logical_location))?;
            }
            _ => s.skip()?,
        }
        Some(())
    })?;
    Some(loc)
}

fn physical_location<'a>(s: &mut Scan<'a>) -> Option<PhysicalLocation<'a>> {
    let (mut artifact_location, mut region) = (None, None);
    let mut seen = Seen::default();
    object(s, |s, key| {
        match key {
            b"artifactLocation" => {
                seen.once(0)?;
                artifact_location = s.nullable(|s| {
                    let mut uri = None;
                    let mut seen = Seen::default();
                    object(s, |s, key| {
                        if key == b"uri" {
                            seen.once(0)?;
                            uri = str(s)?;
                            Some(())
                        } else {
                            s.skip()
                        }
                    })?;
                    Some(ArtifactLocation { uri })
                })?;
            }
            b"region" => {
                seen.once(1)?;
                region = s.nullable(|s| {
                    let mut start_line = None;
                    let mut seen = Seen::default();
                    object(s, |s, key| {
                        if key == b"startLine" {
                            seen.once(0)?;
                            start_line = int(s)?;
                            Some(())
                        } else {
                            s.skip()
                        }
                    })?;
                    Some(Region { start_line })
                })?;
            }
            _ => s.skip()?,
        }
        Some(())
    })?;
    Some(PhysicalLocation {
        artifact_location,
        region,
    })
}

fn logical_location<'a>(s: &mut Scan<'a>) -> Option<LogicalLocation<'a>> {
    let (mut name, mut fully_qualified_name) = (None, None);
    let mut seen = Seen::default();
    object(s, |s, key| {
        match key {
            b"name" => {
                seen.once(0)?;
                name = str(s)?;
            }
            b"fullyQualifiedName" => {
                seen.once(1)?;
                fully_qualified_name = str(s)?;
            }
            _ => s.skip()?,
        }
        Some(())
    })?;
    Some(LogicalLocation {
        name,
        fully_qualified_name,
    })
}

/// `properties`: only a `security-severity` written as a string (the convention) or null
/// is read here; serde reads a number, or any other value, its own way.
fn properties(s: &mut Scan<'_>) -> Option<Properties> {
    let mut security_severity = None;
    let mut seen = Seen::default();
    object(s, |s, key| {
        if key == b"security-severity" {
            seen.once(0)?;
            security_severity = s.nullable(|s| match s.str()? {
                Cow::Borrowed(t) => Some(Score::Text(t.to_owned())),
                Cow::Owned(t) => Some(Score::Text(t)),
            })?;
            Some(())
        } else {
            s.skip()
        }
    })?;
    Some(Properties { security_severity })
}

#[cfg(test)]
mod tests {
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

    fn assert_same(doc: &[u8], what: &str) {
        for chunk in [1 << 20, 37] {
            let [fast, slow] = both_ways(doc, chunk);
            assert_eq!(
                fast,
                slow,
                "{what} (chunks of {chunk}): {}",
                String::from_utf8_lossy(doc)
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
    fn every_sarif_file_of_the_corpus_reads_the_same_both_ways() {
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
    }

    #[test]
    fn fifteen_hundred_mutated_logs_read_the_same_both_ways() {
        let seed = log(&format!(
            "{RICH}, {{\"ruleId\": \"b\", \"level\": \"note\"}}, {RICH}"
        ));
        let seed = seed.as_bytes();
        let bytes = b"{}[],:\"\\ \n0123456789-+.eEtrufalsn\xc3\xa9\x01";
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
}
