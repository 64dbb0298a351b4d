//! The fast path of [`RawResult`]: the same fields read by [`Scan`] straight from the
//! buffer, without serde's visitors (about half of quality-gate's time on a large SARIF
//! log went to them). Whatever the scanner leaves (see [`crate::json_scan`]), and any
//! shape the serde path would refuse or read differently (a field given twice, a struct
//! written as an array, a number where a string belongs), answers `None`: the result is
//! then read by serde, which decides. The differential tests below read every shape
//! both ways. (serde also reads a struct from an array, by position; the scanner reads
//! struct-typed fields only from objects and leaves that rare form to serde.)

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

/// A struct of two fields, `names`, read by `read_first` and `read_second` (each `None`
/// when absent), the other keys skipped; a field given twice is left to serde, which
/// refuses it.
#[allow(clippy::option_option)]
fn two<'a, A, B>(
    s: &mut Scan<'a>,
    names: [&[u8]; 2],
    mut read_first: impl FnMut(&mut Scan<'a>) -> Option<Option<A>>,
    mut read_second: impl FnMut(&mut Scan<'a>) -> Option<Option<B>>,
) -> Option<(Option<A>, Option<B>)> {
    let (mut first, mut second) = (None, None);
    let mut seen = Seen::default();
    s.object(|s, key| {
        if key == names[0] {
            seen.once(0)?;
            first = read_first(s)?;
        } else if key == names[1] {
            seen.once(1)?;
            second = read_second(s)?;
        } else {
            s.skip()?;
        }
        Some(())
    })?;
    Some((first, second))
}

/// A struct of one field, `name`, read by `read` ([`two`] with the name twice: the second
/// reader is never reached).
#[allow(clippy::option_option)]
fn one<'a, A>(
    s: &mut Scan<'a>,
    name: &[u8],
    read: impl FnMut(&mut Scan<'a>) -> Option<Option<A>>,
) -> Option<Option<A>> {
    two(s, [name, name], read, |_| Some(None::<()>)).map(|(field, _)| field)
}

fn rule_ref<'a>(s: &mut Scan<'a>) -> Option<RuleRef<'a>> {
    let (id, index) = two(s, [b"id", b"index"], str, int)?;
    Some(RuleRef { id, index })
}

fn text<'a>(s: &mut Scan<'a>) -> Option<Text<'a>> {
    let (text, markdown) = two(s, [b"text", b"markdown"], str, str)?;
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
    s.object(|s, key| {
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
    let artifact = |s: &mut Scan<'a>| {
        s.nullable(|s| {
            Some(ArtifactLocation {
                uri: one(s, b"uri", str)?,
            })
        })
    };
    let region = |s: &mut Scan<'a>| {
        s.nullable(|s| {
            Some(Region {
                start_line: one(s, b"startLine", int)?,
            })
        })
    };
    let (artifact_location, region) = two(s, [b"artifactLocation", b"region"], artifact, region)?;
    Some(PhysicalLocation {
        artifact_location,
        region,
    })
}

fn logical_location<'a>(s: &mut Scan<'a>) -> Option<LogicalLocation<'a>> {
    let (name, fully_qualified_name) = two(s, [b"name", b"fullyQualifiedName"], str, str)?;
    Some(LogicalLocation {
        name,
        fully_qualified_name,
    })
}

/// `properties`: only a `security-severity` written as a string (the convention) or null
/// is read here; serde reads a number, or any other value, its own way.
fn properties(s: &mut Scan<'_>) -> Option<Properties> {
    let score = |s: &mut Scan<'_>| s.nullable(|s| Some(Score::Text(s.str()?.into_owned())));
    let security_severity = one(s, b"security-severity", score)?;
    Some(Properties { security_severity })
}

#[cfg(test)]
mod tests;
