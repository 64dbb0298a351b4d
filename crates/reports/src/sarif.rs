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
use std::io::BufRead;
use std::path::Path;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::error::ParseError;
use crate::model::{Finding, FindingsReport, Severity, clip};

/// Parses a SARIF log from `input`; `path` names it in errors.
pub fn parse(input: impl BufRead, path: &Path) -> Result<FindingsReport, ParseError> {
    let mut acc = Acc::default();
    let mut de = serde_json::Deserializer::from_reader(input);
    LogSeed { acc: &mut acc }
        .deserialize(&mut de)
        .and_then(|()| de.end())
        .map_err(|e| crate::json::error(path, &e))?;
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

struct LogSeed<'a> {
    acc: &'a mut Acc,
}

impl<'de> DeserializeSeed<'de> for LogSeed<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for LogSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a SARIF log object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            match key.as_ref() {
                "version" => self.acc.version = map.next_value::<Option<String>>()?,
                "runs" => {
                    self.acc.saw_runs = true;
                    map.next_value_seed(RunsSeed { acc: self.acc })?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

struct RunsSeed<'a> {
    acc: &'a mut Acc,
}

impl<'de> DeserializeSeed<'de> for RunsSeed<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for RunsSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of runs")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(RunSeed { acc: self.acc })?.is_some() {}
        Ok(())
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
    pending: Vec<RawResult>,
}

impl RunState {
    fn rule(&self, r: &RawResult) -> Option<&RuleInfo> {
        let id = r.rule_id();
        if let Some(i) = r.rule_index() {
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

    fn resolve(&self, r: RawResult, report: &mut FindingsReport) {
        if r.suppressions.as_ref().is_some_and(|s| !s.is_empty()) {
            report.suppressed += 1;
            return;
        }
        if r.kind.as_deref().is_some_and(|k| k != "fail") {
            return;
        }
        let rule = self.rule(&r);
        let score = r
            .properties
            .as_ref()
            .and_then(|p| p.security_severity.as_ref())
            .and_then(Score::value)
            .or_else(|| rule.and_then(|x| x.score));
        let level = r
            .level
            .clone()
            .or_else(|| rule.and_then(|x| x.level.clone()))
            .unwrap_or_else(|| "warning".to_owned());
        let severity = score.map_or_else(
            || match level.as_str() {
                "error" => Severity::High,
                "warning" => Severity::Medium,
                _ => Severity::Low,
            },
            Severity::from_score,
        );
        let rule_id = r
            .rule_id()
            .map(str::to_owned)
            .or_else(|| rule.map(|x| x.id.clone()))
            .unwrap_or_else(|| "(no rule)".to_owned());
        let (location, line, package) = r.location();
        let message = r
            .message
            .as_ref()
            .and_then(|m| m.text.clone().or_else(|| m.markdown.clone()))
            .or_else(|| rule.and_then(|x| x.description.clone()))
            .unwrap_or_default();
        report.push(Finding {
            rule: rule_id,
            severity,
            location,
            line,
            package,
            message: clip(message.lines().next().unwrap_or_default(), 300),
            baseline_state: r.baseline_state,
        });
    }
}

struct RunSeed<'a> {
    acc: &'a mut Acc,
}

impl<'de> DeserializeSeed<'de> for RunSeed<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for RunSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a SARIF run object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut state = RunState::default();
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            match key.as_ref() {
                "tool" => {
                    let tool: Tool = map.next_value()?;
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
                            state
                                .by_id
                                .entry(info.id.clone())
                                .or_insert(state.rules.len());
                            state.rules.push(info);
                        }
                    }
                    state.tool_seen = true;
                    let pending = std::mem::take(&mut state.pending);
                    for r in pending {
                        state.resolve(r, &mut self.acc.report);
                    }
                }
                "results" => {
                    map.next_value_seed(ResultsSeed {
                        state: &mut state,
                        report: &mut self.acc.report,
                    })?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let pending = std::mem::take(&mut state.pending);
        for r in pending {
            state.resolve(r, &mut self.acc.report);
        }
        Ok(())
    }
}

struct ResultsSeed<'a> {
    state: &'a mut RunState,
    report: &'a mut FindingsReport,
}

impl<'de> DeserializeSeed<'de> for ResultsSeed<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_option(self)
    }
}

impl<'de> Visitor<'de> for ResultsSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of results or null")
    }
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(r) = seq.next_element::<RawResult>()? {
            if self.state.tool_seen {
                self.state.resolve(r, self.report);
            } else {
                self.state.pending.push(r);
            }
        }
        Ok(())
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
struct Properties {
    #[serde(rename = "security-severity")]
    security_severity: Option<Score>,
}

/// `security-severity` is a string by convention, but some tools write a number.
#[derive(Deserialize)]
#[serde(untagged)]
enum Score {
    Number(f64),
    Text(String),
    Other(IgnoredAny),
}

impl Score {
    fn value(&self) -> Option<f64> {
        match self {
            Score::Number(n) => Some(*n),
            Score::Text(t) => t.trim().parse().ok(),
            Score::Other(_) => None,
        }
        .filter(|v: &f64| v.is_finite())
    }
}

#[derive(Deserialize)]
struct Message {
    text: Option<String>,
    markdown: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawResult {
    rule_id: Option<String>,
    rule_index: Option<i64>,
    rule: Option<RuleRef>,
    kind: Option<String>,
    level: Option<String>,
    message: Option<Message>,
    locations: Option<Vec<Location>>,
    baseline_state: Option<String>,
    suppressions: Option<Vec<IgnoredAny>>,
    properties: Option<Properties>,
}

#[derive(Deserialize)]
struct RuleRef {
    id: Option<String>,
    index: Option<i64>,
}

impl RawResult {
    fn rule_id(&self) -> Option<&str> {
        self.rule_id
            .as_deref()
            .or_else(|| self.rule.as_ref().and_then(|r| r.id.as_deref()))
    }

    fn rule_index(&self) -> Option<usize> {
        self.rule_index
            .or_else(|| self.rule.as_ref().and_then(|r| r.index))
            .and_then(|i| usize::try_from(i).ok())
    }

    /// Location uri, line, and the location's own message (Trivy and Grype name the
    /// package there: `image.tar: libssl1.1@1.1.1c-r0`), which is part of the identity.
    fn location(&self) -> (String, Option<u32>, Option<String>) {
        let Some(loc) = self.locations.as_ref().and_then(|l| l.first()) else {
            return (String::new(), None, None);
        };
        let package = loc.message.as_ref().and_then(|m| m.text.clone());
        if let Some(p) = &loc.physical_location {
            let uri = p
                .artifact_location
                .as_ref()
                .and_then(|a| a.uri.clone())
                .unwrap_or_default();
            let line = p.region.as_ref().and_then(|r| r.start_line);
            return (uri, line.and_then(|l| u32::try_from(l).ok()), package);
        }
        let logical = loc
            .logical_locations
            .as_ref()
            .and_then(|l| l.first())
            .and_then(|l| l.fully_qualified_name.clone().or_else(|| l.name.clone()))
            .unwrap_or_default();
        (logical, None, package)
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(clippy::struct_field_names)] // mirrors the SARIF property names
struct Location {
    message: Option<Message>,
    physical_location: Option<PhysicalLocation>,
    logical_locations: Option<Vec<LogicalLocation>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: Option<ArtifactLocation>,
    region: Option<Region>,
}

#[derive(Deserialize)]
struct ArtifactLocation {
    uri: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: Option<i64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation {
    name: Option<String>,
    fully_qualified_name: Option<String>,
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
}
