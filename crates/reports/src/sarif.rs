//! SARIF 2.1.0 (bandit, semgrep, CodeQL, Trivy, Grype, clippy-sarif, ...), streamed: each
//! result is read, normalised and counted, never the whole log held in memory.
//!
//! Severity: a `security-severity` score on the result or its rule wins (>= 9.0 critical,
//! 7.0-8.9 high, 4.0-6.9 medium, else low); otherwise the `level` (result, then the
//! rule's `defaultConfiguration`, then `warning`): `error` high, `warning` medium,
//! `note`/`none` low. Results whose `kind` is not `fail`, and suppressed results, are not
//! counted. Unknown properties are ignored, as the spec lets consumers do.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::io::{BufRead, Read};
use std::path::Path;

use serde::Deserialize;
use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::error::ParseError;
use crate::json_stream::Borrowed;
use crate::json_stream::JsonStream;
use crate::model::{Finding, FindingsReport, Severity, finding_key};
use crate::sarif_result::{
    Facts, Outcome, Properties, RawResult, Score, first_line, level_severity,
};

/// Results are read with their strings borrowed from the buffer.
struct RawResults;
impl Borrowed for RawResults {
    type Value<'de> = RawResult<'de>;
}

/// Parses a SARIF log from `input`; `path` names it in errors.
pub fn parse(input: impl BufRead, path: &Path) -> Result<FindingsReport, ParseError> {
    parse_stream(JsonStream::new(input, path), path)
}

pub(crate) fn parse_stream<R: Read>(
    mut js: JsonStream<'_, R>,
    path: &Path,
) -> Result<FindingsReport, ParseError> {
    let mut acc = Acc::default();
    if js.peek()? != Some(b'{') {
        return Err(shape::<LogShape, _>(&mut js));
    }
    js.object(|js, key| {
        match key {
            "version" => acc.version = js.value()?,
            "runs" => {
                acc.saw_runs = true;
                runs(js, &mut acc.report)?;
            }
            _ => {
                js.value::<IgnoredAny>()?;
            }
        }
        Ok(())
    })?;
    js.end()?;
    if !acc.saw_runs {
        return Err(ParseError::whole(
            path,
            "not a SARIF log: no \"runs\" array at the top level",
        ));
    }
    match acc.version.as_deref() {
        Some(v) if v.starts_with("2.") => {}
        Some(v) => {
            return Err(ParseError::whole(
                path,
                format!("SARIF version {v:?} is not supported (expected 2.1.0)"),
            ));
        }
        None => {
            return Err(ParseError::whole(path, "not a SARIF log: no \"version\""));
        }
    }
    Ok(acc.report)
}

#[derive(Default)]
struct Acc {
    report: FindingsReport,
    version: Option<String>,
    saw_runs: bool,
}

/// `"runs": [...]`: each run's results are counted as they are read.
fn runs<R: Read>(
    js: &mut JsonStream<'_, R>,
    report: &mut FindingsReport,
) -> Result<(), ParseError> {
    if js.peek()? != Some(b'[') {
        return Err(shape::<RunsShape, _>(js));
    }
    js.array(|js| {
        if js.peek()? != Some(b'{') {
            return Err(shape::<RunShape, _>(js));
        }
        let mut state = RunState::default();
        js.object(|js, key| {
            match key {
                "tool" => state.tool(js.value()?, report),
                "results" => match js.peek()? {
                    Some(b'[') => {
                        js.array(|js| {
                            js.scanned::<RawResults, _>(
                                |w| RawResult::scan(w),
                                |r| {
                                    state.result(r, report);
                                },
                            )
                        })?;
                    }
                    Some(b'n') => js.value::<()>()?,
                    _ => return Err(shape::<ResultsShape, _>(js)),
                },
                _ => {
                    js.value::<IgnoredAny>()?;
                }
            }
            Ok(())
        })?;
        state.flush(report);
        Ok(())
    })
}

/// serde_json's own error for a value of the wrong shape where `E` was expected
/// (`invalid type: sequence, expected a SARIF log object`).
fn shape<E: Expect, R: Read>(js: &mut JsonStream<'_, R>) -> ParseError {
    match js.value::<Shape<E>>() {
        Err(e) => e,
        // Only called where the value is of another shape, which serde_json refuses.
        Ok(_) => ParseError::whole(js.path(), format!("expected {}", E::WHAT)),
    }
}

/// What a JSON value was expected to be, for [`Shape`].
trait Expect {
    const WHAT: &'static str;
    const MAP: bool;
}

struct LogShape;
impl Expect for LogShape {
    const WHAT: &'static str = "a SARIF log object";
    const MAP: bool = true;
}

struct RunsShape;
impl Expect for RunsShape {
    const WHAT: &'static str = "an array of runs";
    const MAP: bool = false;
}

struct RunShape;
impl Expect for RunShape {
    const WHAT: &'static str = "a SARIF run object";
    const MAP: bool = true;
}

struct ResultsShape;
impl Expect for ResultsShape {
    const WHAT: &'static str = "an array of results or null";
    const MAP: bool = false;
}

/// A map or a sequence, contents ignored: deserialised only where the value is known
/// to be something else, for serde_json's error naming what it found.
struct Shape<E>(std::marker::PhantomData<E>);

impl<'de, E: Expect> Deserialize<'de> for Shape<E> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        if E::MAP {
            d.deserialize_map(Shape(std::marker::PhantomData))
        } else {
            d.deserialize_seq(Shape(std::marker::PhantomData))
        }
    }
}

impl<'de, E: Expect> Visitor<'de> for Shape<E> {
    type Value = Self;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(E::WHAT)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(self)
    }
}

/// The rule facts severity needs.
#[derive(Debug, Default, Clone)]
struct RuleInfo {
    id: String,
    score: Option<f64>,
    level: Option<String>,
    description: Option<String>,
}

#[derive(Default)]
struct RunState {
    rules: Vec<RuleInfo>,
    by_id: HashMap<String, usize>,
    tool_seen: bool,
    /// Results read before the `tool` object (rare): resolved when the run ends.
    pending: Vec<Facts<'static>>,
}

impl RunState {
    /// The run's `tool`: its rules (driver and extensions) decide the severity of the
    /// results, including those read before it.
    fn tool(&mut self, tool: Tool, report: &mut FindingsReport) {
        let components = tool
            .driver
            .into_iter()
            .chain(tool.extensions.unwrap_or_default());
        for component in components {
            for rule in component.rules.unwrap_or_default() {
                let info = RuleInfo {
                    score: rule
                        .properties
                        .as_ref()
                        .and_then(|p| p.security_severity.as_ref())
                        .and_then(Score::value),
                    level: rule.default_configuration.and_then(|c| c.level),
                    description: rule
                        .short_description
                        .and_then(|d| d.text)
                        .or_else(|| rule.name.clone()),
                    id: rule.id.unwrap_or_default(),
                };
                self.by_id
                    .entry(info.id.clone())
                    .or_insert(self.rules.len());
                self.rules.push(info);
            }
        }
        self.tool_seen = true;
        self.flush(report);
    }

    /// One result: counted now, or once the run's `tool` is read.
    fn result(&mut self, r: RawResult<'_>, report: &mut FindingsReport) {
        match r.outcome() {
            Outcome::Suppressed => report.suppressed += 1,
            Outcome::NotFailing => {}
            Outcome::Finding(facts) if self.tool_seen => self.resolve(facts, report),
            Outcome::Finding(facts) => self.pending.push(facts.into_owned()),
        }
    }

    /// Counts the results read before the `tool` object (at its end, for a run without).
    fn flush(&mut self, report: &mut FindingsReport) {
        for r in std::mem::take(&mut self.pending) {
            self.resolve(r, report);
        }
    }

    fn rule(&self, r: &Facts<'_>) -> Option<&RuleInfo> {
        let id = r.rule_id.as_deref();
        if let Some(i) = r.rule_index {
            if let Some(rule) = self.rules.get(i) {
                if id.is_none() || id == Some(rule.id.as_str()) {
                    return Some(rule);
                }
            }
        }
        id.and_then(|id| {
            self.by_id
                .get(id)
                .or_else(|| self.by_id.get(id.split('/').next().unwrap_or(id)))
        })
        .and_then(|&i| self.rules.get(i))
    }

    /// Counts a finding; its strings are copied only when the report keeps its details.
    fn resolve(&self, r: Facts<'_>, report: &mut FindingsReport) {
        let rule = self.rule(&r);
        let score = r.score.or_else(|| rule.and_then(|x| x.score));
        let severity = score.map_or_else(
            || {
                r.level
                    .or_else(|| rule.and_then(|x| x.level.as_deref().map(level_severity)))
                    .unwrap_or(Severity::Medium)
            },
            Severity::from_score,
        );
        let rule_id = r
            .rule_id
            .as_deref()
            .or_else(|| rule.map(|x| x.id.as_str()))
            .unwrap_or("(no rule)");
        let key = finding_key(rule_id, &r.location, r.line, r.package.as_deref());
        report.push_with(key, severity, || Finding {
            rule: rule_id.to_owned(),
            severity,
            location: r.location.into_owned(),
            line: r.line,
            package: r.package.map(Cow::into_owned),
            message: r
                .message
                .as_deref()
                .map(first_line)
                .or_else(|| rule.and_then(|x| x.description.as_deref().map(first_line)))
                .unwrap_or_default(),
            baseline_state: r.baseline_state.map(Cow::into_owned),
        });
    }
}

#[derive(Deserialize, Default)]
struct Tool {
    driver: Option<Component>,
    extensions: Option<Vec<Component>>,
}

#[derive(Deserialize, Default)]
struct Component {
    rules: Option<Vec<Rule>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: Option<String>,
    name: Option<String>,
    short_description: Option<Message>,
    default_configuration: Option<Configuration>,
    properties: Option<Properties>,
}

#[derive(Deserialize)]
struct Configuration {
    level: Option<String>,
}

#[derive(Deserialize)]
struct Message {
    text: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(s: &str) -> Result<FindingsReport, ParseError> {
        parse(s.as_bytes(), Path::new("r.sarif"))
    }

    #[test]
    fn security_severity_beats_level_and_duplicates_merge() {
        let r = parse_str(
            r#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"codeql","rules":[
              {"id":"js/sqli","properties":{"security-severity":"9.8"}},
              {"id":"js/xss","properties":{"security-severity":"6.1"}},
              {"id":"style","defaultConfiguration":{"level":"note"}}]}},
              "results":[
              {"ruleId":"js/sqli","level":"error","message":{"text":"SQL built from input"},
               "locations":[{"physicalLocation":{"artifactLocation":{"uri":"src/db.js"},"region":{"startLine":12}}}]},
              {"ruleId":"js/sqli","level":"error","message":{"text":"again"},
               "locations":[{"physicalLocation":{"artifactLocation":{"uri":"src/db.js"},"region":{"startLine":12}}}]},
              {"ruleId":"js/xss","ruleIndex":1,"message":{"text":"xss"}},
              {"ruleId":"style","message":{"text":"nit"}},
              {"ruleId":"other","level":"error","message":{"text":"lint error"}},
              {"ruleId":"js/xss","kind":"pass","message":{"text":"fine"}},
              {"ruleId":"js/xss","suppressions":[{"kind":"inSource"}],"message":{"text":"ok"}}
            ]}]}"#,
        )
        .unwrap();
        assert_eq!(r.count(Severity::Critical), 1);
        assert_eq!(r.count(Severity::High), 1);
        assert_eq!(r.count(Severity::Medium), 1);
        assert_eq!(r.count(Severity::Low), 1);
        assert_eq!((r.duplicates, r.suppressed), (1, 1));
        assert_eq!(r.sorted()[0].location, "src/db.js");
    }

    #[test]
    fn results_before_tool_are_resolved_at_the_end_of_the_run() {
        let r = parse_str(
            r#"{"runs":[{"results":[{"ruleId":"x","message":{"text":"m"}}],
               "tool":{"driver":{"name":"t","rules":[{"id":"x","properties":{"security-severity":7.5}}]}}}],"version":"2.1.0"}"#,
        )
        .unwrap();
        assert_eq!(r.count(Severity::High), 1);
    }

    #[test]
    fn truncated_sarif_names_line_and_column() {
        let err = parse_str("{\"version\":\"2.1.0\",\n\"runs\":[{\"results\":[").unwrap_err();
        assert!(err.to_string().starts_with("r.sarif:2:"), "{err}");
    }

    #[test]
    fn json_that_is_not_sarif_is_refused() {
        let err = parse_str(r#"{"Results":[]}"#).unwrap_err();
        assert!(err.message.contains("no \"runs\""), "{err}");
    }

    fn parse_chunked(bytes: &[u8], chunk: usize) -> Result<FindingsReport, ParseError> {
        let path = Path::new("r.sarif");
        parse_stream(JsonStream::new(bytes, path).with_chunk(chunk), path)
    }

    #[test]
    fn results_cut_by_a_chunk_boundary_count_the_same_at_every_cut() {
        let doc = r#"{"version":"2.1.0","runs":[{"results":[{"ruleId":"x","message":{"text":"m\u00e9 \"q\""},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"a.py"},"region":{"startLine":3}}},{"x":1}]}],
            "tool":{"driver":{"name":"t","rules":[{"id":"x","properties":{"security-severity":7.5}}]}}},
            {"tool":{"driver":{"rules":[]}}},{"results":null}],"$schema":"s"}"#;
        let whole = parse_chunked(doc.as_bytes(), 1 << 20).unwrap();
        assert_eq!(whole.count(Severity::High), 1);
        assert_eq!(whole.sorted()[0].message, "mé \"q\"");
        assert_eq!(whole.sorted()[0].line, Some(3));
        for chunk in 1..doc.len() + 2 {
            assert_eq!(
                parse_chunked(doc.as_bytes(), chunk).unwrap(),
                whole,
                "chunk {chunk}"
            );
        }
    }

    #[test]
    fn wrong_shapes_are_named_as_before() {
        let err = parse_str("[1]").unwrap_err();
        assert!(err.message.contains("expected a SARIF log object"), "{err}");
        let err = parse_str(r#"{"version":"2.1.0","runs":{}}"#).unwrap_err();
        assert!(
            err.message
                .contains("invalid type: map, expected an array of runs"),
            "{err}"
        );
        let err = parse_str(r#"{"version":"2.1.0","runs":[1]}"#).unwrap_err();
        assert!(err.message.contains("expected a SARIF run object"), "{err}");
        let err = parse_str(r#"{"version":"2.1.0","runs":[{"results":"x"}]}"#).unwrap_err();
        assert!(
            err.message.contains("expected an array of results or null"),
            "{err}"
        );
        let err = parse_str("").unwrap_err();
        assert!(err.message.contains("truncated JSON"), "{err}");
    }
}
