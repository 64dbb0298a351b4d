//! LCOV tracefiles (`lcov`, `genhtml` input, cargo-llvm-cov `--lcov`, Istanbul,
//! c8, coverage.py `lcov`), read line by line.

use std::io::BufRead;
use std::path::Path;

use crate::Options;
use crate::error::ParseError;
use crate::model::{CoverageReport, FileCoverage};

/// The record being read: file, counts, whether to keep line hits, LF/LH and BRF/BRH.
type Record = (
    String,
    FileCoverage,
    bool,
    Option<(u64, u64)>,
    Option<(u64, u64)>,
);

/// Parses an LCOV tracefile from `input`; `path` names it in errors.
pub fn parse(
    mut input: impl BufRead,
    path: &Path,
    options: &Options,
) -> Result<CoverageReport, ParseError> {
    let mut report = CoverageReport::default();
    let mut current: Option<Record> = None;
    let mut line = Vec::with_capacity(256);
    let mut number = 0u64;
    let mut records = 0u64;
    loop {
        line.clear();
        let n = input
            .read_until(b'\n', &mut line)
            .map_err(|e| ParseError::at_line(path, number + 1, 1, format!("cannot read: {e}")))?;
        if n == 0 {
            break;
        }
        number += 1;
        let text = std::str::from_utf8(&line)
            .map_err(|_| ParseError::at_line(path, number, 1, "line is not valid UTF-8"))?
            .trim_end_matches(['\r', '\n'])
            .trim_start_matches('\u{feff}');
        if text.trim().is_empty() {
            continue;
        }
        let bad = |what: &str| {
            ParseError::at_line(
                path,
                number,
                1,
                format!("{what}: {:?}", crate::xml::preview(text.as_bytes())),
            )
        };
        if text.trim() == "end_of_record" {
            let Some((file, mut fc, _, lf, brf)) = current.take() else {
                return Err(bad("end_of_record without SF"));
            };
            if fc.lines.total == 0 {
                if let Some((h, t)) = lf {
                    fc.lines.covered = h;
                    fc.lines.total = t;
                }
            }
            if fc.branches.total == 0 {
                if let Some((h, t)) = brf {
                    fc.branches.covered = h;
                    fc.branches.total = t;
                }
            }
            options.finish(&mut fc);
            report.add_file(file, fc);
            records += 1;
            continue;
        }
        let Some((key, value)) = text.split_once(':') else {
            return Err(bad("not an LCOV record (expected KEY:VALUE)"));
        };
        match key {
            "SF" => {
                let keep = options.keeps_lines(value);
                current = Some((value.to_owned(), FileCoverage::default(), keep, None, None));
            }
            "DA" => {
                let (_, fc, keep, _, _) = current.as_mut().ok_or_else(|| bad("DA before SF"))?;
                let mut parts = value.split(',');
                let ln: u32 = parts
                    .next()
                    .and_then(|p| p.trim().parse().ok())
                    .ok_or_else(|| bad("bad DA line number"))?;
                let hits: u64 = parts
                    .next()
                    .and_then(|p| p.trim().parse::<f64>().ok())
                    .map(|h| h.max(0.0) as u64)
                    .ok_or_else(|| bad("bad DA hit count"))?;
                fc.lines.total += 1;
                if hits > 0 {
                    fc.lines.covered += 1;
                }
                fc.detail.line(Some(ln), hits > 0);
                if *keep {
                    fc.line_hits.push((ln, hits));
                }
            }
            "BRDA" => {
                let (_, fc, _, _, _) = current.as_mut().ok_or_else(|| bad("BRDA before SF"))?;
                let taken = value.rsplit(',').next().unwrap_or("-").trim();
                fc.branches.total += 1;
                let hit = taken != "-" && taken.parse::<f64>().is_ok_and(|t| t > 0.0);
                if hit {
                    fc.branches.covered += 1;
                }
                // BRDA:line,block,branch,taken; coverage.py names the branch by where
                // it jumps ("jump to line 7"), which Cobertura and JSON also use.
                let mut parts = value.splitn(2, ',');
                let line_no = parts.next().and_then(|l| l.trim().parse::<u32>().ok());
                let name = parts
                    .next()
                    .and_then(|rest| rest.rsplit_once(','))
                    .map(|(id, _)| id);
                let name = name.map(|id| {
                    let branch = id.split_once(',').map_or(id, |(_, b)| b);
                    match crate::lines::lcov_destination(branch) {
                        Some(d) => (crate::lines::Scheme::Destination, d.to_owned()),
                        None => (crate::lines::Scheme::Lcov, id.trim().to_owned()),
                    }
                });
                fc.detail.add_branch(line_no, hit, name);
            }
            "LF" | "LH" | "BRF" | "BRH" => {
                let Some((_, _, _, lf, brf)) = current.as_mut() else {
                    return Err(bad(&format!("{key} before SF")));
                };
                let v: u64 = value
                    .trim()
                    .parse()
                    .map_err(|_| bad(&format!("bad {key} count")))?;
                match key {
                    "LF" => lf.get_or_insert((0, 0)).1 = v,
                    "LH" => lf.get_or_insert((0, 0)).0 = v,
                    "BRF" => brf.get_or_insert((0, 0)).1 = v,
                    _ => brf.get_or_insert((0, 0)).0 = v,
                }
            }
            "TN" | "FN" | "FNDA" | "FNF" | "FNH" | "VER" | "FNL" | "FNA" | "BRL" => {}
            k if k.chars().all(|c| c.is_ascii_uppercase()) && !k.is_empty() => {}
            _ => return Err(bad("not an LCOV record")),
        }
    }
    if current.is_some() {
        return Err(ParseError::at_line(
            path,
            number,
            1,
            "unexpected end of file: the last record has no end_of_record (truncated file?)",
        ));
    }
    if records == 0 {
        return Err(ParseError::whole(
            path,
            "no LCOV records (SF:...end_of_record) found",
        ));
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Counter;

    #[test]
    fn counts_da_and_brda_per_file() {
        let text = "TN:\nSF:src/a.rs\nFN:1,f\nDA:1,1\nDA:2,0\nDA:3,5\nBRDA:3,0,0,1\nBRDA:3,0,1,-\nLF:3\nLH:2\nend_of_record\nSF:src/b.rs\nLF:10\nLH:5\nend_of_record\n";
        let r = parse(text.as_bytes(), Path::new("lcov.info"), &Options::default()).unwrap();
        assert_eq!(
            r.files["src/a.rs"].lines,
            Counter {
                covered: 2,
                total: 3
            }
        );
        assert_eq!(
            r.files["src/a.rs"].branches,
            Counter {
                covered: 1,
                total: 2
            }
        );
        assert_eq!(
            r.lines,
            Counter {
                covered: 7,
                total: 13
            }
        );
    }

    #[test]
    fn truncated_tracefile_is_an_error_with_a_line() {
        let err = parse(
            "SF:a\nDA:1,1\n".as_bytes(),
            Path::new("lcov.info"),
            &Options::default(),
        )
        .unwrap_err();
        assert!(
            err.to_string().starts_with("lcov.info:2:1: unexpected end"),
            "{err}"
        );
        let err = parse(
            "SF:a\nDA:x,1\n".as_bytes(),
            Path::new("lcov.info"),
            &Options::default(),
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .contains("lcov.info:2:1: bad DA line number"),
            "{err}"
        );
    }
}
