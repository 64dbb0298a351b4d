//! coverage.py JSON (`coverage json`), streamed file by file. Line coverage is
//! `covered_lines / num_statements` and branch coverage `covered_branches / num_branches`,
//! reported separately: coverage.py's own `percent_covered` mixes the two when branch
//! coverage is on, so it is not used.

use std::borrow::Cow;
use std::fmt;
use std::io::BufRead;
use std::path::Path;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, Visitor};

use crate::Options;
use crate::error::ParseError;
use crate::model::{Counter, CoverageReport, FileCoverage};

/// Parses a coverage.py JSON report.
pub fn parse(
    input: impl BufRead,
    path: &Path,
    options: &Options,
) -> Result<CoverageReport, ParseError> {
    let mut state = State {
        report: CoverageReport::default(),
        options,
        saw_files: false,
    };
    let mut de = serde_json::Deserializer::from_reader(input);
    Top { state: &mut state }
        .deserialize(&mut de)
        .and_then(|()| de.end())
        .map_err(|e| crate::json::error(path, &e))?;
    if !state.saw_files {
        return Err(ParseError::whole(
            path,
            "not a coverage.py JSON report: no \"files\" object",
        ));
    }
    Ok(state.report)
}

struct State<'o> {
    report: CoverageReport,
    options: &'o Options,
    saw_files: bool,
}

struct Top<'a, 'o> {
    state: &'a mut State<'o>,
}

impl<'de> DeserializeSeed<'de> for Top<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Top<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a coverage.py JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            if key == "files" {
                self.state.saw_files = true;
                map.next_value_seed(Files { state: self.state })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

struct Files<'a, 'o> {
    state: &'a mut State<'o>,
}

impl<'de> DeserializeSeed<'de> for Files<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

#[derive(Deserialize)]
struct FileEntry {
    #[serde(default)]
    executed_lines: Vec<u32>,
    #[serde(default)]
    missing_lines: Vec<u32>,
    /// Arcs `[from, to]` taken and not taken (with `--branch`; exits are negative).
    #[serde(default)]
    executed_branches: Vec<(i64, i64)>,
    #[serde(default)]
    missing_branches: Vec<(i64, i64)>,
    summary: Option<Summary>,
}

#[derive(Deserialize)]
struct Summary {
    #[serde(default)]
    covered_lines: u64,
    #[serde(default)]
    num_statements: u64,
    #[serde(default)]
    num_branches: u64,
    #[serde(default)]
    covered_branches: u64,
}

impl<'de> Visitor<'de> for Files<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a map of files")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(name) = map.next_key::<String>()? {
            let entry: FileEntry = map.next_value()?;
            let mut fc = FileCoverage::default();
            if let Some(s) = &entry.summary {
                fc.lines = Counter {
                    covered: s.covered_lines,
                    total: s.num_statements,
                };
                fc.branches = Counter {
                    covered: s.covered_branches,
                    total: s.num_branches,
                };
            } else {
                fc.lines = Counter {
                    covered: entry.executed_lines.len() as u64,
                    total: (entry.executed_lines.len() + entry.missing_lines.len()) as u64,
                };
            }
            for &l in &entry.executed_lines {
                fc.detail.line(Some(l), true);
            }
            for &l in &entry.missing_lines {
                fc.detail.line(Some(l), false);
            }
            let arcs = entry.executed_branches.iter().map(|a| (a, true));
            for (&(from, to), taken) in
                arcs.chain(entry.missing_branches.iter().map(|a| (a, false)))
            {
                let name = (
                    crate::lines::Scheme::Destination,
                    crate::lines::arc_destination(to),
                );
                fc.detail
                    .add_branch(u32::try_from(from).ok(), taken, Some(name));
            }
            if self.state.options.keeps_lines(&name) {
                fc.line_hits = entry
                    .executed_lines
                    .iter()
                    .map(|&l| (l, 1))
                    .chain(entry.missing_lines.iter().map(|&l| (l, 0)))
                    .collect();
                fc.line_hits.sort_unstable();
            }
            self.state.options.finish(&mut fc);
            self.state.report.add_file(name, fc);
        }
        Ok(())
    }
}
