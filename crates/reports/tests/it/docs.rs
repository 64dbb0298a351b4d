//! `docs/quality-gate.md` against the crate: every format it reads has a row in the
//! formats table with its category, the command that produces it and how its severities
//! (or levels) are mapped.

use std::path::Path;

use slipway_reports::Kind;

/// The cells of a Markdown table row, split on `|` but not on `\|`.
fn cells(row: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut chars = row.trim().trim_matches('|').chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                out.last_mut().unwrap().push('|');
                chars.next();
            }
            '|' => out.push(String::new()),
            c => out.last_mut().unwrap().push(c),
        }
    }
    out.iter().map(|c| c.trim().to_owned()).collect()
}

#[test]
fn every_format_has_a_row_with_its_producer_command_and_severity_mapping() {
    let docs = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/quality-gate.md"),
    )
    .unwrap();
    let mut missing = Vec::new();
    for kind in Kind::ALL {
        let start = format!("| `{}` |", kind.name());
        let Some(row) = docs.lines().find(|l| l.starts_with(&start)) else {
            missing.push(format!("{kind}: no row"));
            continue;
        };
        let c = cells(row);
        let category = format!("{:?}", kind.category()).to_lowercase();
        if c.len() != 4 || c[1] != category || c[2].is_empty() || c[3].is_empty() {
            missing.push(format!(
                "{kind}: want `kind | {category} | producer | mapping`, got {c:?}"
            ));
        }
    }
    assert!(
        missing.is_empty(),
        "docs/quality-gate.md formats table:\n{}",
        missing.join("\n")
    );
}
