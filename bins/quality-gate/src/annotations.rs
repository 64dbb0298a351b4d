//! Annotations for failed tests and serious findings, most severe first and capped the
//! way GitHub caps them (10 errors and 10 warnings shown per step, 50 per job), with a
//! notice saying how many were left out.

use slipway_kit::workflow::{Level, Location};
use slipway_reports::Severity;

use crate::gate::{BaselineData, GateDoc};
use crate::inputs::Inputs;
use crate::rules::Status;

/// GitHub shows at most this many annotations of one level per step.
pub const PER_LEVEL: usize = 10;
/// ... and this many per job.
pub const PER_JOB: usize = 50;

/// One annotation to emit.
#[derive(Debug, Clone, PartialEq)]
pub struct Annotation {
    /// Level.
    pub level: Level,
    /// Message.
    pub message: String,
    /// Where.
    pub location: Location,
    /// Sort key: higher first.
    rank: u8,
}

/// Builds the annotations, most severe first, capped at `per_level` per level; returns
/// them and the number left out.
pub fn build(
    doc: &GateDoc,
    inputs: &Inputs,
    baseline: Option<&BaselineData>,
    per_level: usize,
) -> (Vec<Annotation>, usize) {
    let mut all = Vec::new();
    let failing: Vec<String> = doc
        .with_status(Status::Fail)
        .map(|c| {
            format!(
                "{} {} (needs {})",
                c.title,
                crate::summary::value_text(c),
                crate::summary::threshold_text(c)
            )
        })
        .collect();
    if !failing.is_empty() {
        all.push(Annotation {
            level: Level::Error,
            message: format!("Quality gate failed: {}", failing.join("; ")),
            location: Location {
                title: Some(format!("quality gate {}", doc.name)),
                ..Location::default()
            },
            rank: 100,
        });
    }
    for c in doc.with_status(Status::Warn) {
        all.push(Annotation {
            level: Level::Warning,
            message: format!(
                "{} {} (warning threshold {})",
                c.title,
                crate::summary::value_text(c),
                crate::summary::threshold_text(c)
            ),
            location: Location::default(),
            rank: 10,
        });
    }
    // Critical and high findings at their place; a secret is annotated where it is,
    // never with its value (the parsers do not keep it), and whatever the baseline says:
    // a secret still in the tree is still exposed.
    let known = baseline.map(|b| &b.finding_keys);
    let reports = [
        (inputs.security.as_ref(), true),
        (inputs.secrets.as_ref(), false),
    ];
    for (report, by_baseline) in reports {
        let Some(report) = report else { continue };
        for f in report.sorted() {
            if f.severity < Severity::High {
                break;
            }
            if by_baseline && known.is_some_and(|k| k.contains(f.key())) {
                continue;
            }
            all.push(Annotation {
                level: Level::Error,
                message: format!("{} ({})", f.message, f.rule),
                location: Location {
                    file: (!f.location.is_empty() && f.line.is_some()).then(|| f.location.clone()),
                    line: f.line,
                    title: Some(format!("{} severity: {}", f.severity.as_str(), f.rule)),
                    ..Location::default()
                },
                rank: if f.severity == Severity::Critical {
                    90
                } else {
                    70
                },
            });
        }
    }
    if let Some(t) = &inputs.tests {
        for f in &t.failures {
            let name = if f.classname.is_empty() {
                f.name.clone()
            } else {
                format!("{}.{}", f.classname, f.name)
            };
            let first = f.message.lines().next().unwrap_or_default().trim();
            let msg = if f.details.is_empty() {
                f.message.clone()
            } else if f.details.contains(first) {
                f.details.clone()
            } else {
                format!("{}\n{}", f.message, f.details)
            };
            all.push(Annotation {
                level: Level::Error,
                message: slipway_reports::model::clip(msg.trim(), 2000),
                location: Location {
                    file: f.file.clone(),
                    line: f.line,
                    title: Some(format!("{name} failed")),
                    ..Location::default()
                },
                rank: 80,
            });
        }
    }
    all.sort_by_key(|a| std::cmp::Reverse(a.rank));
    let total = all.len();
    let mut errors = 0;
    let mut warnings = 0;
    let mut kept = Vec::new();
    for a in all {
        let n = match a.level {
            Level::Error => &mut errors,
            _ => &mut warnings,
        };
        if *n < per_level && kept.len() < PER_JOB {
            *n += 1;
            kept.push(a);
        }
    }
    let dropped = total - kept.len();
    (kept, dropped)
}
