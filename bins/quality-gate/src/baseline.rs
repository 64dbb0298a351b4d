//! `--baseline FILE`: a previous run's gate.json, or a report from the base branch
//! (a benchmark or security report), reduced to what comparisons need.

use std::path::Path;

use slipway_kit::Failure;
use slipway_reports::{Options, Report};

use crate::gate::{BaselineData, SCHEMA};

/// Reads a baseline file.
pub fn load(path: &Path) -> Result<BaselineData, Failure> {
    let head = std::fs::read(path).map(|b| b.into_iter().take(4096).collect::<Vec<u8>>());
    let head = head
        .map_err(|e| Failure::bad_input(format!("cannot read baseline {}: {e}", path.display())))?;
    if String::from_utf8_lossy(&head).contains("slipway.quality-gate/") {
        let doc = slipway_kit::doc::read_document(path, "slipway.quality-gate/")?;
        let data = doc.get("baseline").cloned().unwrap_or_default();
        return serde_json::from_value(data).map_err(|e| {
            Failure::bad_input(format!(
                "{}: the baseline field is not a {SCHEMA} baseline: {e}",
                path.display()
            ))
        });
    }
    let (_, report) = slipway_reports::parse_path(path, None, &Options::default())
        .map_err(|e| Failure::bad_input(format!("baseline {e}")))?;
    let mut data = BaselineData::default();
    match report {
        Report::Performance(p) => {
            data.benchmarks = p
                .benchmarks
                .into_iter()
                .map(|(k, b)| (k, b.median_secs))
                .collect();
        }
        Report::Security(s) => {
            data.finding_keys = crate::finding_keys::FindingKeys::new(s.keys.keys().copied());
        }
        other => {
            return Err(Failure::bad_input(format!(
                "baseline {} is a {:?} report; a baseline is a previous gate.json, a benchmark or a security report",
                path.display(),
                other.category()
            )));
        }
    }
    Ok(data)
}
