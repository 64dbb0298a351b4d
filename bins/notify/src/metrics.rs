//! `notify --event summary --report metrics.json`: the weekly delivery summary. From the
//! `slipway.metrics/v1` document `deploy metrics` writes, a line per environment with the
//! four keys and each one's trend against the previous window of the same length (the
//! document's `previous`), as text for every channel and as labelled facts.

use std::fmt::Write as _;

use serde_json::Value;

use crate::event::Fact;

/// Which way is better for a figure.
#[derive(Clone, Copy)]
enum Better {
    Higher,
    Lower,
}

/// A key of the summary: label, pointer in an environment's figures, format, direction.
const KEYS: [(&str, &str, Format, Better); 4] = [
    ("Deployments", "/deployments", Format::Count, Better::Higher),
    (
        "Change failure rate",
        "/change_failure_rate",
        Format::Percent,
        Better::Lower,
    ),
    (
        "Time to restore",
        "/time_to_restore_seconds/median",
        Format::Span,
        Better::Lower,
    ),
    (
        "Lead time",
        "/lead_time_seconds/median",
        Format::Span,
        Better::Lower,
    ),
];

#[derive(Clone, Copy)]
enum Format {
    Count,
    Percent,
    Span,
}

fn show(value: Option<f64>, format: Format) -> String {
    match (value, format) {
        (None, _) => "-".to_owned(),
        #[allow(clippy::cast_possible_truncation)]
        (Some(v), Format::Count) => format!("{}", v.round() as i64),
        (Some(v), Format::Percent) => crate::event::format_percent(v * 100.0),
        (Some(v), Format::Span) => slipway_kit::ui::format_seconds(v),
    }
}

/// `8.7% (was 12%, better)`: the value and its trend; no trend when either side is missing.
fn with_trend(now: Option<f64>, before: Option<f64>, format: Format, better: Better) -> String {
    let text = show(now, format);
    match (now, before) {
        (Some(n), Some(b)) => {
            let word = if (n - b).abs() < 1e-9 {
                "same"
            } else if (n > b) == matches!(better, Better::Higher) {
                "better"
            } else {
                "worse"
            };
            let arrow = if (n - b).abs() < 1e-9 {
                "→"
            } else if n > b {
                "▲"
            } else {
                "▼"
            };
            format!("{text} ({arrow} from {}, {word})", show(Some(b), format))
        }
        (Some(_), None) => format!("{text} (no figure before)"),
        _ => text,
    }
}

/// The window as `2026-03-02 → 2026-03-08`.
pub fn window(doc: &Value) -> String {
    let day = |p: &str| -> String {
        doc.pointer(p)
            .and_then(Value::as_str)
            .map(|s| s.chars().take(10).collect())
            .unwrap_or_default()
    };
    format!("{} → {}", day("/window/since"), day("/window/until"))
}

fn environments(doc: &Value) -> &[Value] {
    doc["environments"].as_array().map_or(&[], Vec::as_slice)
}

/// One fact per key and environment (the label prefixed by the environment when there are
/// several).
pub fn facts(doc: &Value) -> Vec<Fact> {
    let envs = environments(doc);
    let mut out = Vec::new();
    for e in envs {
        let name = e["environment"].as_str().unwrap_or("?");
        for (label, pointer, format, better) in KEYS {
            let now = e.pointer(pointer).and_then(Value::as_f64);
            let before = e
                .pointer(&format!("/previous{pointer}"))
                .and_then(Value::as_f64);
            out.push(Fact {
                label: if envs.len() > 1 {
                    format!("{name}: {label}")
                } else {
                    label.to_owned()
                },
                value: with_trend(now, before, format, better),
            });
        }
    }
    out
}

/// The body text: the window, then a block per environment with every key, its trend and
/// its DORA level.
pub fn text(doc: &Value) -> String {
    let mut out = format!(
        "Delivery metrics {} (trend against the previous window)\n",
        window(doc)
    );
    for e in environments(doc) {
        let _ = writeln!(out, "\n{}", e["environment"].as_str().unwrap_or("?"));
        let levels = [
            "deployment_frequency",
            "change_failure_rate",
            "time_to_restore",
            "lead_time",
        ];
        for ((label, pointer, format, better), level) in KEYS.into_iter().zip(levels) {
            let now = e.pointer(pointer).and_then(Value::as_f64);
            let before = e
                .pointer(&format!("/previous{pointer}"))
                .and_then(Value::as_f64);
            let level = e["levels"][level]
                .as_str()
                .map(|l| format!(" · {l}"))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "  {label}: {}{level}",
                with_trend(now, before, format, better)
            );
        }
    }
    out.trim_end().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc() -> Value {
        json!({"schema": "slipway.metrics/v1",
            "window": {"since": "2026-03-02T00:00:00Z", "until": "2026-03-09T00:00:00Z"},
            "environments": [{"environment": "production", "deployments": 4,
                "change_failure_rate": 0.25, "time_to_restore_seconds": {"median": 3780.0, "p90": 6000.0},
                "lead_time_seconds": {"median": null, "p90": null},
                "levels": {"deployment_frequency": "high", "change_failure_rate": "low",
                    "time_to_restore": "high", "lead_time": null},
                "previous": {"deployments": 2, "change_failure_rate": 0.5,
                    "time_to_restore_seconds": {"median": 3780.0}, "lead_time_seconds": {"median": 7200.0}}}]})
    }

    #[test]
    fn each_key_shows_its_trend_against_the_previous_window() {
        let facts = facts(&doc());
        let got: Vec<(&str, &str)> = facts
            .iter()
            .map(|f| (f.label.as_str(), f.value.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("Deployments", "4 (▲ from 2, better)"),
                ("Change failure rate", "25% (▼ from 50%, better)"),
                ("Time to restore", "1h03m (→ from 1h03m, same)"),
                ("Lead time", "-"),
            ]
        );
        let text = text(&doc());
        assert!(
            text.starts_with("Delivery metrics 2026-03-02 → 2026-03-09"),
            "{text}"
        );
        assert!(
            text.contains("  Change failure rate: 25% (▼ from 50%, better) · low"),
            "{text}"
        );
    }
}
