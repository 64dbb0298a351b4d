//! The JSON documents of the other Slipway tools (`--report FILE`), sorted by schema.
//! Fields are read tolerantly: a missing field is left out of the message, never an error.

use std::path::PathBuf;

use serde_json::Value;
use slipway_kit::{Failure, Ui};

/// The documents given with `--report`, one per kind (a later one of a kind wins).
#[derive(Debug, Clone, Default)]
pub struct Reports {
    /// `slipway.quality-gate/v1`.
    pub gate: Option<Value>,
    /// `slipway.deploy/v1`.
    pub deploy: Option<Value>,
    /// `slipway.rollback/v1`.
    pub rollback: Option<Value>,
    /// `slipway.version-manager/v1`.
    pub release: Option<Value>,
    /// `slipway.metrics/v1` (`deploy metrics`), for `--event summary`.
    pub metrics: Option<Value>,
}

impl Reports {
    /// Reads every file. A file that does not exist is skipped with a warning (a workflow
    /// step that runs `if: always()` passes reports that earlier steps may not have
    /// written); a file that is not a Slipway document is bad input (exit 2).
    pub fn read(paths: &[PathBuf], ui: &Ui) -> Result<Self, Failure> {
        let mut reports = Self::default();
        for path in paths {
            if !path.exists() {
                ui.warn(&format!(
                    "report {} does not exist; sending without it",
                    path.display()
                ));
                continue;
            }
            let doc = slipway_kit::doc::read_document(path, "slipway.")?;
            let schema = doc
                .get("schema")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            let slot = if schema.starts_with("slipway.quality-gate/") {
                &mut reports.gate
            } else if schema.starts_with("slipway.deploy/") {
                &mut reports.deploy
            } else if schema.starts_with("slipway.rollback/") {
                &mut reports.rollback
            } else if schema.starts_with("slipway.version") {
                &mut reports.release
            } else if schema.starts_with("slipway.metrics/") {
                &mut reports.metrics
            } else {
                return Err(Failure::bad_input(format!(
                    "{}: schema {schema:?} is not one notify reads",
                    path.display()
                ))
                .help("pass gate.json, deploy.json, rollback.json, version.json or metrics.json"));
            };
            *slot = Some(doc);
        }
        Ok(reports)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use slipway_kit::outputs::StepFiles;
    use slipway_kit::ui::Mode;

    #[test]
    fn documents_are_sorted_by_schema_and_missing_files_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let gate = dir.path().join("gate.json");
        std::fs::write(
            &gate,
            r#"{"schema":"slipway.quality-gate/v1","verdict":"pass"}"#,
        )
        .unwrap();
        let deploy = dir.path().join("deploy.json");
        std::fs::write(&deploy, r#"{"schema":"slipway.deploy/v1"}"#).unwrap();
        let ui = Ui::with(Mode::Human { color: false }, StepFiles::default());
        let reports =
            Reports::read(&[gate, deploy, dir.path().join("rollback.json")], &ui).unwrap();
        assert_eq!(reports.gate.unwrap()["verdict"], "pass");
        assert!(reports.deploy.is_some());
        assert!(reports.rollback.is_none());
    }

    #[test]
    fn a_foreign_document_is_bad_input() {
        let dir = tempfile::tempdir().unwrap();
        let other = dir.path().join("other.json");
        std::fs::write(&other, r#"{"schema":"slipway.unknown/v1"}"#).unwrap();
        let ui = Ui::with(Mode::Human { color: false }, StepFiles::default());
        let err = Reports::read(&[other], &ui).unwrap_err();
        assert_eq!(err.exit, slipway_kit::Exit::BadInput);
        assert!(err.cause.contains("other.json"), "{}", err.cause);
    }
}
