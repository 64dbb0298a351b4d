//! `quality-gate explain REPORT…`: each covered file's merged line and branch coverage
//! and the reports that contributed to it, so a surprising total can be traced to the
//! report (or the path that failed to match) behind it.

use std::fmt::Write as _;

use slipway_reports::CoverageReport;

/// The per-file table: path, lines, branches, contributing reports; totals last.
pub fn coverage_table(c: &CoverageReport) -> String {
    let pct = |covered: u64, total: u64| {
        if total == 0 {
            "—".to_owned()
        } else {
            format!("{:.1}%", covered as f64 * 100.0 / total as f64)
        }
    };
    let width = c
        .files
        .keys()
        .map(|k| k.chars().count())
        .max()
        .unwrap_or(4)
        .clamp(4, 60);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\n{:<width$}  {:>15}  {:>15}  reports",
        "file", "lines", "branches"
    );
    for (path, f) in &c.files {
        let lines = format!(
            "{}/{} {}",
            f.lines.covered,
            f.lines.total,
            pct(f.lines.covered, f.lines.total)
        );
        let branches = if f.branches.total == 0 {
            "—".to_owned()
        } else {
            format!(
                "{}/{} {}",
                f.branches.covered,
                f.branches.total,
                pct(f.branches.covered, f.branches.total)
            )
        };
        let how = if f.reports.len() > 1 && !f.exact() {
            " (added: a report has no per-line data)"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "{path:<width$}  {lines:>15}  {branches:>15}  {}{how}",
            f.reports.join(", ")
        );
    }
    let _ = writeln!(
        out,
        "{:<width$}  {:>15}  {:>15}  {} file(s)",
        "total",
        format!(
            "{}/{} {}",
            c.lines.covered,
            c.lines.total,
            pct(c.lines.covered, c.lines.total)
        ),
        if c.branches.total == 0 {
            "—".to_owned()
        } else {
            format!(
                "{}/{} {}",
                c.branches.covered,
                c.branches.total,
                pct(c.branches.covered, c.branches.total)
            )
        },
        c.files.len()
    );
    out
}
