//! JaCoCo XML (`jacoco:report`, Gradle `jacocoTestReport`): per source file LINE and
//! BRANCH counters, read in one streaming pass. Files are keyed `package/File.java`.
//! Overall totals come from the counters directly under `<report>` (JaCoCo's own totals),
//! falling back to the sum of source files.

use std::io::BufRead;
use std::path::Path;

use crate::Options;
use crate::error::ParseError;
use crate::model::{Counter, CoverageReport, FileCoverage};
use crate::xml::{attr, attr_num, expect_root};
use crate::xml_reader::{Step, Xml};

/// Parses a JaCoCo report from `input`; `path` names it in errors.
pub fn parse(
    input: impl BufRead,
    path: &Path,
    options: &Options,
) -> Result<CoverageReport, ParseError> {
    let xml = Xml::compact(input, path)?;
    let mut report = CoverageReport::default();
    let mut stack: Vec<Vec<u8>> = Vec::new();
    let mut package = String::new();
    let mut file: Option<(String, FileCoverage, bool, bool)> = None;
    let mut top_lines = Counter::default();
    let mut top_branches = Counter::default();
    xml.read(|step, doc| {
        let empty = matches!(step, Step::Empty(_));
        match step {
            Step::Start(e) | Step::Empty(e) => {
                let name = e.local_name();
                if stack.is_empty() {
                    expect_root(path, doc.at(), name, &["report"], "JaCoCo coverage")?;
                }
                let parent = stack.last().map(Vec::as_slice);
                match name {
                    b"package" => package = attr(&e, b"name").unwrap_or_default(),
                    b"sourcefile" => {
                        let n = attr(&e, b"name").unwrap_or_default();
                        let full = if package.is_empty() {
                            n
                        } else {
                            format!("{package}/{n}")
                        };
                        let keep = options.keeps_lines(&full);
                        file = Some((full, FileCoverage::default(), keep, false));
                    }
                    b"line" if parent == Some(b"sourcefile") => {
                        if let Some((_, fc, keep, _)) = file.as_mut() {
                            let nr: Option<u32> = attr_num(&e, b"nr");
                            let ci: u64 = attr_num(&e, b"ci").unwrap_or(0);
                            let mi: u64 = attr_num(&e, b"mi").unwrap_or(0);
                            let cb: u32 = attr_num(&e, b"cb").unwrap_or(0);
                            let mb: u32 = attr_num(&e, b"mb").unwrap_or(0);
                            if ci + mi > 0 {
                                fc.detail.line(nr, ci > 0);
                            }
                            if cb + mb > 0 {
                                fc.detail.add_branch_counts(nr, cb, cb + mb);
                            }
                            if *keep {
                                if let Some(nr) = nr {
                                    if ci + mi > 0 {
                                        fc.line_hits.push((nr, ci));
                                    }
                                }
                            }
                        }
                    }
                    b"counter" => {
                        let kind = attr(&e, b"type").unwrap_or_default();
                        let c = Counter {
                            covered: attr_num(&e, b"covered").unwrap_or(0),
                            total: attr_num::<u64>(&e, b"covered").unwrap_or(0)
                                + attr_num::<u64>(&e, b"missed").unwrap_or(0),
                        };
                        match parent {
                            Some(b"sourcefile") => {
                                if let Some((_, fc, _, counted)) = file.as_mut() {
                                    match kind.as_str() {
                                        "LINE" => {
                                            fc.lines = c;
                                            *counted = true;
                                        }
                                        "BRANCH" => fc.branches = c,
                                        _ => {}
                                    }
                                }
                            }
                            Some(b"report") => match kind.as_str() {
                                "LINE" => top_lines = c,
                                "BRANCH" => top_branches = c,
                                _ => {}
                            },
                            _ => {}
                        }
                    }
                    _ => {}
                }
                if !empty {
                    stack.push(name.to_vec());
                } else if name == b"sourcefile" {
                    if let Some((p, mut fc, _, _)) = file.take() {
                        options.finish(&mut fc);
                        report.add_file(p, fc);
                    }
                } else if name == b"package" {
                    package.clear();
                }
            }
            Step::End(end) => {
                stack.pop();
                match end {
                    b"sourcefile" => {
                        if let Some((p, mut fc, _, _)) = file.take() {
                            options.finish(&mut fc);
                            report.add_file(p, fc);
                        }
                    }
                    b"package" => package.clear(),
                    _ => {}
                }
            }
            Step::Text(_) | Step::Chars(_) => {}
        }
        Ok(())
    })?;
    // The counters directly under <report> are JaCoCo's own totals: authoritative even
    // when source files lack counters (aggregate reports list empty <sourcefile/>s).
    if top_lines.total > 0 {
        report.lines = top_lines;
    }
    if top_branches.total > 0 {
        report.branches = top_branches;
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_sourcefile_counters_and_ignores_class_and_method_ones() {
        let text = r#"<?xml version="1.0"?><!DOCTYPE report PUBLIC "-//JACOCO//DTD Report 1.1//EN" "report.dtd">
<report name="x"><package name="com/a"><class name="com/a/U" sourcefilename="U.java">
<method name="m" desc="()V" line="3"><counter type="LINE" missed="9" covered="9"/></method>
<counter type="LINE" missed="9" covered="9"/></class>
<sourcefile name="U.java"><line nr="3" mi="0" ci="3" mb="0" cb="0"/><line nr="6" mi="4" ci="0" mb="1" cb="1"/>
<counter type="LINE" missed="1" covered="1"/><counter type="BRANCH" missed="1" covered="1"/></sourcefile>
<counter type="LINE" missed="1" covered="1"/></package><counter type="LINE" missed="1" covered="1"/></report>"#;
        let opts = Options::default().keep_line_hits(|_| true);
        let r = parse(text.as_bytes(), Path::new("jacoco.xml"), &opts).unwrap();
        assert_eq!(
            r.lines,
            Counter {
                covered: 1,
                total: 2
            }
        );
        assert_eq!(
            r.branches,
            Counter {
                covered: 1,
                total: 2
            }
        );
        assert_eq!(r.files["com/a/U.java"].line_hits, vec![(3, 3), (6, 0)]);
    }
}
