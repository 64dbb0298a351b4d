//! What a binary under test printed: the JSON document on its stdout, its stderr, and the
//! step names of a document (`deploy` and `rollback` list the steps they ran).

use std::process::Output;

/// The JSON document on stdout; panics showing stdout and stderr when it is not JSON.
pub fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stdout),
            stderr(out)
        )
    })
}

/// Standard error as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The names of a document's `steps`, in order.
pub fn step_names(doc: &serde_json::Value) -> Vec<String> {
    doc["steps"]
        .as_array()
        .unwrap_or_else(|| panic!("no steps array in {doc}"))
        .iter()
        .map(|s| {
            s["name"]
                .as_str()
                .unwrap_or_else(|| panic!("a step without a name in {doc}"))
                .to_owned()
        })
        .collect()
}
