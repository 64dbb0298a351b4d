//! Cobertura XML coverage (coverage.py, cargo-llvm-cov, Istanbul, coverlet, gcovr), read
//! in one streaming pass. Line and branch counts are summed from the `<line>` elements
//! of each `<class>` (lines repeated under `<methods>` are ignored); a file with only
//! summary attributes on `<coverage>` falls back to `lines-valid`/`lines-covered`.

use std::io::BufRead;
use std::path::Path;

use crate::Options;
use crate::error::ParseError;
use crate::model::{Counter, CoverageReport, FileCoverage};

use crate::xml::{RawAttrs, attr, attr_num, expect_root, is, num, uint};
use crate::xml_reader::{Doc, Step, Tag, Xml};

/// Parses a Cobertura report from `input`; `path` names it in errors.
pub fn parse(
    input: impl BufRead,
    path: &Path,
    options: &Options,
) -> Result<CoverageReport, ParseError> {
    let xml = Xml::compact(input, path)?;
    let mut st = State {
        options: Some(options),
        ..State::default()
    };
    xml.read(|step, doc| {
        match step {
            Step::Start(e) => st.start(doc, &e, doc.depth() == 1)?,
            Step::Empty(e) => {
                st.start(doc, &e, doc.depth() == 0)?;
                st.end(e.local_name());
            }
            Step::End(name) => st.end(name),
            Step::Text(t) if st.in_source => st.source.push_str(&String::from_utf8_lossy(t)),
            Step::Chars(t) if st.in_source => st.source.push_str(&t),
            Step::Text(_) | Step::Chars(_) => {}
        }
        Ok(())
    })?;
    let mut report = rooted(std::mem::take(&mut st.report), &st.sources);
    if report.lines.total == 0 && st.summary_lines.total > 0 {
        report.lines = st.summary_lines;
        report.branches = st.summary_branches;
    }
    Ok(report)
}

#[derive(Default)]
struct State<'o> {
    options: Option<&'o Options>,
    report: CoverageReport,
    summary_lines: Counter,
    summary_branches: Counter,
    class: Option<(String, FileCoverage, bool)>,
    in_method: usize,
    /// `<source>` roots, and the one being read.
    sources: Vec<String>,
    source: String,
    in_source: bool,
}

/// Re-keys files by their repository path when a `<source>` root puts them inside this
/// checkout (or a CI runner's): `src` + `pkg/m.py` is `src/pkg/m.py`. With several
/// roots, the first under which the file exists; files outside keep the report's name.
fn rooted(report: CoverageReport, sources: &[String]) -> CoverageReport {
    if sources.is_empty() {
        return report;
    }
    let (lines, branches) = (report.lines, report.branches);
    let mut out = CoverageReport::default();
    for (name, fc) in report.files {
        let candidates: Vec<String> = sources
            .iter()
            .map(|s| crate::paths::normalise(&crate::paths::join(s, &name)))
            .filter(|p| !p.starts_with('/') && p.as_bytes().get(1) != Some(&b':'))
            .collect();
        let key = if candidates.len() == 1 || sources.len() == 1 {
            candidates.into_iter().next()
        } else {
            candidates.into_iter().find(|p| crate::paths::exists(p))
        };
        out.add_file(key.unwrap_or(name), fc);
    }
    out.lines = lines;
    out.branches = branches;
    out
}

impl State<'_> {
    fn start(&mut self, doc: &Doc<'_>, e: &Tag<'_>, root: bool) -> Result<(), ParseError> {
        let name = e.local_name();
        // `<line>` first, compared without a call: a large report has millions of them.
        if !root && is(name, b"line") {
            if self.in_method == 0 {
                self.line(e);
            }
            return Ok(());
        }
        match name {
            b"coverage" if root => {
                self.summary_lines = Counter {
                    covered: attr_num(e, b"lines-covered").unwrap_or(0),
                    total: attr_num(e, b"lines-valid").unwrap_or(0),
                };
                self.summary_branches = Counter {
                    covered: attr_num(e, b"branches-covered").unwrap_or(0),
                    total: attr_num(e, b"branches-valid").unwrap_or(0),
                };
            }
            other if root => {
                expect_root(
                    doc.path(),
                    doc.at(),
                    other,
                    &["coverage"],
                    "Cobertura coverage",
                )?;
            }
            b"class" => {
                doc.check_attrs(e)?;
                let file = attr(e, b"filename").unwrap_or_default();
                let keep = self.options.is_some_and(|o| o.keeps_lines(&file));
                self.class = Some((file, FileCoverage::default(), keep));
            }
            b"method" => self.in_method += 1,
            b"source" => {
                self.in_source = true;
                self.source.clear();
            }
            _ => {}
        }
        Ok(())
    }

    /// One `<line>` of a class (not of a method): counts and, when asked, detail.
    fn line(&mut self, e: &Tag<'_>) {
        // Which lines and branches were covered, unless the caller drops it anyway.
        let detail = self.options.is_none_or(Options::keeps_detail);
        if let Some((_, fc, keep)) = self.class.as_mut() {
            // One pass over the attributes, no allocation: this is the
            // element a large report has millions of.
            let (mut number, mut hits, mut branch, mut cond) = (None, 0u64, false, None);
            let mut missing_branches = None;
            for (k, v) in RawAttrs::of(e) {
                if is(k, b"number") {
                    number = uint(v)
                        .and_then(|n| u32::try_from(n).ok())
                        .or_else(|| num::<u32>(v));
                } else if is(k, b"hits") {
                    hits = uint(v)
                        .or_else(|| num::<f64>(v).map(|h| h.max(0.0) as u64))
                        .unwrap_or(0);
                } else if is(k, b"branch") {
                    branch = is(v, b"true");
                } else if is(k, b"condition-coverage") {
                    cond = Some(v);
                } else if is(k, b"missing-branches") {
                    missing_branches = Some(v);
                }
            }
            fc.lines.total += 1;
            if hits > 0 {
                fc.lines.covered += 1;
            }
            if detail {
                fc.detail.line(number, hits > 0);
            }
            if *keep {
                if let Some(n) = number {
                    fc.line_hits.push((n, hits));
                }
            }
            if branch {
                if let Some((c, t)) = cond
                    .and_then(|c| std::str::from_utf8(c).ok())
                    .and_then(condition_coverage)
                {
                    fc.branches.covered += c;
                    fc.branches.total += t;
                    if !detail {
                        return;
                    }
                    let names = missing_branches
                        .and_then(|m| std::str::from_utf8(m).ok())
                        .map(|m| {
                            m.split(',')
                                .map(|d| d.trim().to_owned())
                                .filter(|d| !d.is_empty())
                                .collect::<Vec<_>>()
                        });
                    let names = names.or_else(|| (c == t).then(Vec::new));
                    fc.detail.add_named_branches(
                        number,
                        u32::try_from(c).unwrap_or(u32::MAX),
                        u32::try_from(t).unwrap_or(u32::MAX),
                        names,
                    );
                }
            }
        }
    }

    fn end(&mut self, name: &[u8]) {
        if is(name, b"line") {
            return;
        }
        match name {
            b"method" => self.in_method = self.in_method.saturating_sub(1),
            b"source" if self.in_source => {
                self.in_source = false;
                let root = self.source.trim();
                if !root.is_empty() {
                    self.sources.push(root.to_owned());
                }
            }
            b"class" => {
                if let Some((file, mut fc, _)) = self.class.take() {
                    if let Some(o) = self.options {
                        o.finish(&mut fc);
                    }
                    self.report.add_file(file, fc);
                }
            }
            _ => {}
        }
    }
}

/// `"50% (1/2)"` -> `(1, 2)`.
fn condition_coverage(text: &str) -> Option<(u64, u64)> {
    let inner = text.split_once('(')?.1.split_once(')')?.0;
    let (c, t) = inner.split_once('/')?;
    Some((c.trim().parse().ok()?, t.trim().parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"<?xml version="1.0" ?>
<coverage version="7.3" line-rate="0.75" branch-rate="0.5" lines-covered="3" lines-valid="4" branches-covered="1" branches-valid="2">
  <sources><source>/repo/src</source></sources>
  <packages><package name="app"><classes>
    <class name="m.py" filename="app/m.py" line-rate="0.75">
      <methods><method name="f"><lines><line number="1" hits="1"/></lines></method></methods>
      <lines>
        <line number="1" hits="1"/>
        <line number="2" hits="3" branch="true" condition-coverage="50% (1/2)"/>
        <line number="3" hits="0"/>
        <line number="4" hits="1"/>
      </lines>
    </class>
  </classes></package></packages>
</coverage>"#;

    #[test]
    fn counts_lines_and_branches_per_file_ignoring_method_repeats() {
        let r = parse(SAMPLE.as_bytes(), Path::new("c.xml"), &Options::default()).unwrap();
        assert_eq!(
            r.lines,
            Counter {
                covered: 3,
                total: 4
            }
        );
        assert_eq!(
            r.branches,
            Counter {
                covered: 1,
                total: 2
            }
        );
        assert_eq!(r.files["app/m.py"].lines.total, 4);
    }

    #[test]
    fn keeps_line_hits_only_for_requested_files() {
        let opts = Options::default().keep_line_hits(|f| f.ends_with("m.py"));
        let r = parse(SAMPLE.as_bytes(), Path::new("c.xml"), &opts).unwrap();
        assert_eq!(
            r.files["app/m.py"].line_hits,
            vec![(1, 1), (2, 3), (3, 0), (4, 1)]
        );
    }

    #[test]
    fn line_detail_is_kept_for_merging_unless_asked_not_to() {
        let r = parse(SAMPLE.as_bytes(), Path::new("c.xml"), &Options::default()).unwrap();
        let f = &r.files["app/m.py"];
        assert!(f.exact());
        assert_eq!(f.detail.get(3), Some(false));
        let opts = Options::default().without_line_detail();
        let r = parse(SAMPLE.as_bytes(), Path::new("c.xml"), &opts).unwrap();
        let f = &r.files["app/m.py"];
        assert_eq!(f.detail.get(1), None);
        assert_eq!(f.lines.total, 4);
    }

    #[test]
    fn junit_file_is_not_coverage() {
        let err = parse(
            "<testsuite/>".as_bytes(),
            Path::new("c.xml"),
            &Options::default(),
        )
        .unwrap_err();
        assert!(err.message.contains("not a Cobertura"), "{err}");
    }
}
