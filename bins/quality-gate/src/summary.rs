//! Markdown for the step summary and the pull-request comment: the verdict table first,
//! details folded in `<details>` below, every list capped so the text stays far under
//! GitHub's limits (1 MiB per step summary, 65,536 characters per comment) however large
//! the reports.

use std::fmt::Write as _;

use slipway_reports::{FindingsReport, Severity};

use crate::gate::{Check, GateDoc, Verdict, category_name, trim_number};
use crate::inputs::Inputs;
use crate::rules::{self, Status};

/// How much detail to render.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Items per details list.
    pub items: usize,
    /// Hard cap on the whole text, bytes.
    pub max_bytes: usize,
}

impl Limits {
    /// For `$GITHUB_STEP_SUMMARY`.
    pub const SUMMARY: Limits = Limits {
        items: 100,
        max_bytes: 900 * 1024,
    };
    /// For a pull-request comment.
    pub const COMMENT: Limits = Limits {
        items: 20,
        max_bytes: 60_000,
    };
}

/// Escapes text for a Markdown table cell or list item (one line, no HTML).
pub fn cell(text: &str) -> String {
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    one_line
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('|', "\\|")
        .replace('`', "'")
}

fn icon(status: Status) -> &'static str {
    match status {
        Status::Pass => "✅",
        Status::Warn => "⚠️",
        Status::Fail => "❌",
        Status::Skipped => "➖",
    }
}

/// The verdict headline icon.
pub fn verdict_icon(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "✅",
        Verdict::Warn => "⚠️",
        Verdict::Fail => "❌",
        Verdict::Skipped => "⏭️",
    }
}

/// Formats a check's value.
pub fn value_text(c: &Check) -> String {
    c.value
        .map_or_else(|| "—".to_owned(), |v| rules::show(v, &c.unit))
}

/// Formats a check's thresholds: `≥ 80% (warn < 85%)`.
pub fn threshold_text(c: &Check) -> String {
    let Some(dir) = c.direction else {
        return "present".to_owned();
    };
    let op = match dir {
        rules::Direction::Min => "≥",
        rules::Direction::Max => "≤",
    };
    let mut parts = Vec::new();
    if let Some(v) = c.critical {
        parts.push(format!("{op} {}", rules::show(v, &c.unit)));
    }
    if let Some(v) = c.warning {
        parts.push(format!("warn {op} {}", rules::show(v, &c.unit)));
    }
    parts.join(", ")
}

/// Renders the Markdown report.
pub fn render(doc: &GateDoc, inputs: &Inputs, limits: Limits) -> String {
    let mut md = String::new();
    let _ = writeln!(
        md,
        "### {} Quality gate `{}`: {}",
        verdict_icon(doc.verdict),
        cell(&doc.name),
        doc.verdict.as_str()
    );
    md.push('\n');
    if let Some(note) = &doc.note {
        let _ = writeln!(md, "> {}\n", cell(note));
    }
    if !doc.totals.text.is_empty() {
        let _ = writeln!(md, "{}\n", cell(&doc.totals.text));
    }
    if !doc.checks.is_empty() {
        md.push_str("| | Check | Value | Threshold |\n|---|---|---|---|\n");
        let mut checks: Vec<&Check> = doc.checks.iter().collect();
        checks.sort_by_key(|c| std::cmp::Reverse(c.status));
        for c in checks {
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} |",
                icon(c.status),
                cell(&c.title),
                value_text(c),
                threshold_text(c)
            );
        }
        md.push('\n');
    }
    let mut sections: Vec<String> = Vec::new();
    if let Some(t) = &inputs.tests {
        if !t.failures.is_empty() {
            let mut s = String::new();
            let shown = t.failures.len().min(limits.items);
            let total = t.failed + t.errors;
            let _ = writeln!(s, "<details><summary>Failed tests ({total})</summary>\n");
            for f in &t.failures[..shown] {
                let place = match (&f.file, f.line) {
                    (Some(file), Some(line)) => format!(" — `{}:{line}`", cell(file)),
                    (Some(file), None) => format!(" — `{}`", cell(file)),
                    _ => String::new(),
                };
                let name = if f.classname.is_empty() {
                    f.name.clone()
                } else {
                    format!("{} › {}", f.classname, f.name)
                };
                let msg = clip_line(&f.message, 200);
                let _ = writeln!(s, "- **{}**{place}: {}", cell(&name), cell(&msg));
            }
            if total as usize > shown {
                let _ = writeln!(s, "- … and {} more", total as usize - shown);
            }
            s.push_str("\n</details>\n");
            sections.push(s);
        }
    }
    if let Some(sec) = &inputs.security {
        sections.extend(findings_section("Security findings", sec, limits));
    }
    if let Some(secrets) = &inputs.secrets {
        sections.extend(findings_section("Secrets found", secrets, limits));
    }
    if let Some(cov) = &inputs.coverage {
        let mut files: Vec<(&String, f64, u64)> = cov
            .files
            .iter()
            .filter_map(|(p, f)| {
                f.lines
                    .percent()
                    .map(|pct| (p, pct, f.lines.total - f.lines.covered))
            })
            .collect();
        if !files.is_empty() {
            files.sort_by(|a, b| a.1.total_cmp(&b.1).then(b.2.cmp(&a.2)));
            let mut s = String::new();
            let _ = writeln!(
                s,
                "<details><summary>Least covered files (of {})</summary>\n",
                files.len()
            );
            s.push_str("| File | Lines | Missed |\n|---|---|---|\n");
            for (p, pct, missed) in files.iter().take(limits.items) {
                let _ = writeln!(s, "| {} | {}% | {missed} |", cell(p), trim_number(*pct));
            }
            s.push_str("\n</details>\n");
            sections.push(s);
        }
    }
    if let Some(lint) = &inputs.lint {
        if lint.total() > 0 {
            let mut s = String::new();
            let counts: Vec<String> = lint
                .counts
                .iter()
                .map(|(k, v)| format!("{k}: {v}"))
                .collect();
            let _ = writeln!(
                s,
                "<details><summary>Lint messages ({})</summary>\n",
                counts.join(", ")
            );
            for m in lint.messages.iter().take(limits.items) {
                let place = m
                    .line
                    .map_or_else(|| m.file.clone(), |l| format!("{}:{l}", m.file));
                let _ = writeln!(
                    s,
                    "- `{}` {} {}: {}",
                    cell(&place),
                    m.class,
                    cell(&m.code),
                    cell(&clip_line(&m.message, 160))
                );
            }
            s.push_str("\n</details>\n");
            sections.push(s);
        }
    }
    if !inputs.sources.is_empty() {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "<details><summary>Reports read ({})</summary>\n",
            inputs.sources.len()
        );
        for src in inputs.sources.iter().take(limits.items) {
            let _ = writeln!(
                s,
                "- `{}` ({}, {})",
                cell(&src.path),
                src.format,
                category_name(src.category).to_lowercase()
            );
        }
        if inputs.sources.len() > limits.items {
            let _ = writeln!(s, "- … and {} more", inputs.sources.len() - limits.items);
        }
        s.push_str("\n</details>\n");
        sections.push(s);
    }
    for s in sections {
        if md.len() + s.len() + 200 > limits.max_bytes {
            md.push_str(
                "\n_Details truncated to stay within GitHub's size limit; see gate.json._\n",
            );
            break;
        }
        md.push_str(&s);
        md.push('\n');
    }
    md
}

/// A folded table of findings, most severe first, or nothing when there are none. The
/// scanners' parsers never keep a secret's value, so a secrets table shows where one
/// is, never what it is.
fn findings_section(title: &str, report: &FindingsReport, limits: Limits) -> Option<String> {
    let total: u64 = report.counts.values().sum();
    if total == 0 {
        return None;
    }
    let mut s = String::new();
    let counts: Vec<String> = Severity::ALL
        .iter()
        .filter(|sev| report.count(**sev) > 0)
        .map(|sev| format!("{} {}", report.count(*sev), sev.as_str()))
        .collect();
    let _ = writeln!(
        s,
        "<details><summary>{title} ({})</summary>\n",
        counts.join(", ")
    );
    s.push_str("| Severity | Rule | Location | Message |\n|---|---|---|---|\n");
    let sorted = report.sorted();
    for f in sorted.iter().take(limits.items) {
        let place = match f.line {
            Some(l) => format!("{}:{l}", f.location),
            None => f.location.clone(),
        };
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} |",
            f.severity.as_str(),
            cell(&f.rule),
            cell(&place),
            cell(&clip_line(&f.message, 160))
        );
    }
    let shown = limits.items.min(sorted.len());
    if total as usize > shown {
        let _ = writeln!(s, "\n… and {} more", total as usize - shown);
    }
    if report.duplicates > 0 {
        let _ = writeln!(
            s,
            "\n{} duplicate results merged by rule and location.",
            report.duplicates
        );
    }
    s.push_str("\n</details>\n");
    Some(s)
}

fn clip_line(text: &str, max: usize) -> String {
    let first = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default()
        .trim();
    slipway_reports::model::clip(first, max)
}
