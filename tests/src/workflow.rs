//! A workflow file read as data (YAML to JSON through PyYAML in the tools venv, the one
//! the linters use), for tests that check what a workflow promises.

use std::path::{Path, PathBuf};
use std::process::Command;

use slipway_test_support::program::venv_python;

/// A parsed workflow file.
#[derive(Debug, Clone)]
pub struct Workflow {
    path: PathBuf,
    json: serde_json::Value,
}

impl Workflow {
    /// Reads and parses `path`; panics naming the file when it is not valid YAML.
    pub fn load(path: &Path) -> Self {
        let out = Command::new(venv_python())
            .args([
                "-c",
                "import json, sys, yaml; json.dump(yaml.safe_load(open(sys.argv[1])), sys.stdout)",
            ])
            .arg(path)
            .output()
            .unwrap_or_else(|e| panic!("python3 (tools venv): {e}"));
        assert!(
            out.status.success(),
            "{} is not valid YAML: {}",
            path.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let json = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        Self {
            path: path.to_owned(),
            json,
        }
    }

    /// The whole document.
    pub fn json(&self) -> &serde_json::Value {
        &self.json
    }

    /// The file it was read from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The events under `on:` (YAML 1.1 reads the key `on` as `true`).
    pub fn triggers(&self) -> Vec<String> {
        let on = self
            .json
            .get("on")
            .or_else(|| self.json.get("true"))
            .cloned()
            .unwrap_or_default();
        match on {
            serde_json::Value::String(s) => vec![s],
            serde_json::Value::Array(a) => a
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
            serde_json::Value::Object(o) => o.keys().cloned().collect(),
            _ => Vec::new(),
        }
    }
}

/// Every step, in every job of `workflow`, whose `uses:` contains `needle`.
pub fn steps_using(workflow: &Workflow, needle: &str) -> Vec<serde_json::Value> {
    let Some(jobs) = workflow.json()["jobs"].as_object() else {
        return Vec::new();
    };
    jobs.values()
        .filter_map(|job| job["steps"].as_array())
        .flatten()
        .filter(|step| step["uses"].as_str().is_some_and(|u| u.contains(needle)))
        .cloned()
        .collect()
}
