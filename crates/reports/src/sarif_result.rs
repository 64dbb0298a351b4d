//! One SARIF result as read: deserialised straight from the chunk buffer, its strings
//! borrowed from it (copied only when JSON escapes had to be undone), then reduced to the
//! few owned facts a finding needs ([`Facts`]) before the buffer moves on.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{self, IgnoredAny, SeqAccess, Visitor};

use crate::model::{Severity, clip};

mod scan;

/// A JSON string borrowed from the input when it has no escapes.
pub(crate) struct Str<'a>(Cow<'a, str>);

impl Str<'_> {
    fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Str<'a> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Str<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Str<'a>, E> {
                Ok(Str(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Str<'a>, E> {
                Ok(Str(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Str<'a>, E> {
                Ok(Str(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V(PhantomData))
    }
}

/// `security-severity` is a string by convention, but some tools write a number.
#[derive(Deserialize)]
#[serde(untagged)]
pub(crate) enum Score {
    Number(f64),
    Text(String),
    Other(IgnoredAny),
}

impl Score {
    pub(crate) fn value(&self) -> Option<f64> {
        match self {
            Score::Number(n) => Some(*n),
            Score::Text(t) => t.trim().parse().ok(),
            Score::Other(_) => None,
        }
        .filter(|v: &f64| v.is_finite())
    }
}

#[derive(Deserialize)]
pub(crate) struct Properties {
    #[serde(rename = "security-severity")]
    pub(crate) security_severity: Option<Score>,
}

/// The severity a SARIF `level` gives: `error` high, `warning` medium, anything else low.
pub(crate) fn level_severity(level: &str) -> Severity {
    match level {
        "error" => Severity::High,
        "warning" => Severity::Medium,
        _ => Severity::Low,
    }
}

#[derive(Deserialize)]
struct Text<'a> {
    #[serde(borrow)]
    text: Option<Str<'a>>,
    #[serde(borrow)]
    markdown: Option<Str<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RawResult<'a> {
    #[serde(borrow)]
    rule_id: Option<Str<'a>>,
    rule_index: Option<i64>,
    #[serde(borrow)]
    rule: Option<RuleRef<'a>>,
    #[serde(borrow)]
    kind: Option<Str<'a>>,
    #[serde(borrow)]
    level: Option<Str<'a>>,
    #[serde(borrow)]
    message: Option<Text<'a>>,
    #[serde(borrow)]
    locations: Option<First<Location<'a>>>,
    #[serde(borrow)]
    baseline_state: Option<Str<'a>>,
    suppressions: Option<Vec<IgnoredAny>>,
    properties: Option<Properties>,
}

#[derive(Deserialize)]
struct RuleRef<'a> {
    #[serde(borrow)]
    id: Option<Str<'a>>,
    index: Option<i64>,
}

/// The first element of an array, the others read and dropped.
struct First<T>(Option<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for First<T> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = First<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<First<T>, A::Error> {
                let first = seq.next_element()?;
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(First(first))
            }
        }
        d.deserialize_seq(V(PhantomData))
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(clippy::struct_field_names)] // mirrors the SARIF property names
struct Location<'a> {
    #[serde(borrow)]
    message: Option<Text<'a>>,
    #[serde(borrow)]
    physical_location: Option<PhysicalLocation<'a>>,
    #[serde(borrow)]
    logical_locations: Option<First<LogicalLocation<'a>>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation<'a> {
    #[serde(borrow)]
    artifact_location: Option<ArtifactLocation<'a>>,
    region: Option<Region>,
}

#[derive(Deserialize)]
struct ArtifactLocation<'a> {
    #[serde(borrow)]
    uri: Option<Str<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: Option<i64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation<'a> {
    #[serde(borrow)]
    name: Option<Str<'a>>,
    #[serde(borrow)]
    fully_qualified_name: Option<Str<'a>>,
}

/// What a result says for itself, its strings borrowed from the buffer where they can
/// be; the rule it names fills in the rest.
pub(crate) struct Facts<'a> {
    pub(crate) rule_id: Option<Cow<'a, str>>,
    pub(crate) rule_index: Option<usize>,
    /// Severity from the result's own `security-severity`, then from its `level`.
    pub(crate) score: Option<f64>,
    pub(crate) level: Option<Severity>,
    pub(crate) location: Cow<'a, str>,
    pub(crate) line: Option<u32>,
    pub(crate) package: Option<Cow<'a, str>>,
    /// The message (its first line, clipped, is what a finding keeps), when it has one.
    pub(crate) message: Option<Cow<'a, str>>,
    pub(crate) baseline_state: Option<Cow<'a, str>>,
}

impl Facts<'_> {
    /// The facts with their strings copied, to outlive the buffer.
    pub(crate) fn into_owned(self) -> Facts<'static> {
        let own = |s: Cow<'_, str>| Cow::Owned(s.into_owned());
        Facts {
            rule_id: self.rule_id.map(own),
            rule_index: self.rule_index,
            score: self.score,
            level: self.level,
            location: own(self.location),
            line: self.line,
            package: self.package.map(own),
            message: self.message.map(own),
            baseline_state: self.baseline_state.map(own),
        }
    }
}

/// What a result is to the count.
pub(crate) enum Outcome<'a> {
    /// Suppressed in the source or by the tool: counted apart.
    Suppressed,
    /// A `kind` other than `fail` (pass, open, informational...): not a finding.
    NotFailing,
    /// A finding.
    Finding(Facts<'a>),
}

/// The first line of `message`, at most 300 bytes, as findings keep it.
pub(crate) fn first_line(message: &str) -> String {
    clip(message.lines().next().unwrap_or_default(), 300)
}

impl<'a> RawResult<'a> {
    /// Reduces the result to what counting it needs.
    pub(crate) fn outcome(self) -> Outcome<'a> {
        if self.suppressions.as_ref().is_some_and(|s| !s.is_empty()) {
            return Outcome::Suppressed;
        }
        if self.kind.as_ref().is_some_and(|k| k.as_str() != "fail") {
            return Outcome::NotFailing;
        }
        let RawResult {
            rule_id,
            rule_index,
            rule,
            level,
            message,
            locations,
            baseline_state,
            properties,
            ..
        } = self;
        let (location, line, package) = Self::location(locations);
        let (rule_ref_id, rule_ref_index) = rule.map_or((None, None), |r| (r.id, r.index));
        Outcome::Finding(Facts {
            rule_id: rule_id.or(rule_ref_id).map(|s| s.0),
            rule_index: rule_index
                .or(rule_ref_index)
                .and_then(|i| usize::try_from(i).ok()),
            score: properties
                .as_ref()
                .and_then(|p| p.security_severity.as_ref())
                .and_then(Score::value),
            level: level.as_ref().map(|l| level_severity(l.as_str())),
            location,
            line,
            package,
            message: message.and_then(|m| m.text.or(m.markdown)).map(|m| m.0),
            baseline_state: baseline_state.map(|b| b.0),
        })
    }

    /// Location uri, line, and the location's own message (Trivy and Grype name the
    /// package there: `image.tar: libssl1.1@1.1.1c-r0`), which is part of the identity.
    fn location(
        locations: Option<First<Location<'a>>>,
    ) -> (Cow<'a, str>, Option<u32>, Option<Cow<'a, str>>) {
        let Some(loc) = locations.and_then(|l| l.0) else {
            return (Cow::Borrowed(""), None, None);
        };
        let package = loc.message.and_then(|m| m.text).map(|t| t.0);
        if let Some(p) = loc.physical_location {
            let uri = p
                .artifact_location
                .and_then(|a| a.uri)
                .map_or(Cow::Borrowed(""), |u| u.0);
            let line = p.region.and_then(|r| r.start_line);
            return (uri, line.and_then(|l| u32::try_from(l).ok()), package);
        }
        let logical = loc
            .logical_locations
            .and_then(|l| l.0)
            .and_then(|l| l.fully_qualified_name.or(l.name))
            .map_or(Cow::Borrowed(""), |n| n.0);
        (logical, None, package)
    }
}
