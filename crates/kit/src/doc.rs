//! The JSON documents binaries hand to each other (DESIGN.md §2): `--json` prints one on
//! stdout, `--output FILE` writes it atomically.

use std::path::PathBuf;

use anyhow::Context as _;

/// The common `--json` / `--output FILE` flags; flatten into a command's arguments.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct OutputArgs {
    /// Print the result as a JSON document on stdout instead of human text.
    #[arg(long, global = true)]
    pub json: bool,
    /// Also write the JSON document to FILE (written atomically).
    #[arg(long, value_name = "FILE", global = true, env = "SLIPWAY_OUTPUT")]
    pub output: Option<PathBuf>,
}

impl OutputArgs {
    /// Writes `doc` to `--output` and, with `--json`, to stdout. Returns whether stdout
    /// got the document (so the caller skips its human text).
    pub fn emit<T: serde::Serialize>(&self, ui: &crate::Ui, doc: &T) -> anyhow::Result<bool> {
        let text = serde_json::to_string_pretty(doc).context("serialising the JSON document")?;
        if let Some(path) = &self.output {
            crate::fs::write_atomic(path, format!("{text}\n").as_bytes()).map_err(|e| {
                crate::Failure::bad_input(format!("cannot write {}: {e}", path.display()))
                    .help("check that the directory exists and is writable")
            })?;
        }
        if self.json {
            ui.result(&text);
        }
        Ok(self.json)
    }
}

/// Reads a JSON document another binary wrote, checking its `schema` starts with `prefix`
/// (e.g. `slipway.deploy/`). Errors name the file and say what was expected.
pub fn read_document(
    path: &std::path::Path,
    prefix: &str,
) -> Result<serde_json::Value, crate::Failure> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| crate::Failure::bad_input(format!("cannot read {}: {e}", path.display())))?;
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        crate::Failure::bad_input(format!(
            "{}:{}:{}: not JSON: {e}",
            path.display(),
            e.line(),
            e.column()
        ))
    })?;
    let schema = value
        .get("schema")
        .and_then(serde_json::Value::as_str)
        .unwrap_or("");
    if !schema.starts_with(prefix) {
        return Err(crate::Failure::bad_input(format!(
            "{}: schema is {:?}, expected {prefix}…",
            path.display(),
            schema
        ))
        .help("pass the JSON document written by the matching slipway tool's --output"));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_document_checks_the_schema() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("gate.json");
        std::fs::write(
            &p,
            r#"{"schema":"slipway.quality-gate/v1","verdict":"pass"}"#,
        )
        .unwrap();
        assert!(read_document(&p, "slipway.quality-gate/").is_ok());
        let err = read_document(&p, "slipway.deploy/").unwrap_err();
        assert!(
            err.cause.contains("expected slipway.deploy/"),
            "{}",
            err.cause
        );
        std::fs::write(&p, "{oops").unwrap();
        let err = read_document(&p, "slipway.deploy/").unwrap_err();
        assert!(err.cause.contains("gate.json:1:2"), "{}", err.cause);
    }
}
