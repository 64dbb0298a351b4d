//! New-code coverage, like diff-cover: the lines added since the base branch
//! (`git diff -U0 BASE...HEAD`), looked up in the coverage report's per-line hits.
//! Paths are matched by suffix on `/` boundaries, since coverage tools write paths
//! relative to different roots.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use slipway_reports::CoverageReport;

use crate::gate::NewCode;

/// Added line numbers per file (repository-relative paths).
pub type Changes = BTreeMap<String, Vec<u32>>;

/// Runs `git diff -U0 --no-color BASE...HEAD` in `repo` and returns the added lines.
pub fn changed_lines(repo: &Path, base: &str) -> Result<Changes, String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(["diff", "-U0", "--no-color", "--no-ext-diff", "--no-renames"])
        .arg(format!("{base}...HEAD"))
        .arg("--")
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "git diff {base}...HEAD failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(parse_diff(&String::from_utf8_lossy(&out.stdout)))
}

/// Parses unified diff text with zero context into added lines per file.
pub fn parse_diff(text: &str) -> Changes {
    let mut changes = Changes::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        if let Some(path) = line.strip_prefix("+++ ") {
            current = path
                .strip_prefix("b/")
                .map(|p| p.trim_matches('"').to_owned())
                .filter(|_| path != "/dev/null");
        } else if let Some(hunk) = line.strip_prefix("@@ ") {
            let Some(file) = &current else { continue };
            let Some(plus) = hunk.split_whitespace().find(|p| p.starts_with('+')) else {
                continue;
            };
            let plus = &plus[1..];
            let (start, count) = match plus.split_once(',') {
                Some((s, c)) => (s.parse::<u32>().unwrap_or(0), c.parse::<u32>().unwrap_or(0)),
                None => (plus.parse::<u32>().unwrap_or(0), 1),
            };
            if count > 0 && start > 0 {
                changes
                    .entry(file.clone())
                    .or_default()
                    .extend(start..start.saturating_add(count));
            }
        }
    }
    changes
}

/// Whether a coverage path and a repository path name the same file.
pub fn same_file(coverage_path: &str, repo_path: &str) -> bool {
    let a = coverage_path.trim_start_matches("./");
    let b = repo_path.trim_start_matches("./");
    a == b || suffix(a, b) || suffix(b, a)
}

fn suffix(long: &str, short: &str) -> bool {
    long.len() > short.len()
        && long.ends_with(short)
        && long.as_bytes()[long.len() - short.len() - 1] == b'/'
}

/// Computes new-code coverage from the changed lines and a coverage report that kept
/// per-line hits for the changed files.
pub fn measure(changes: &Changes, coverage: &CoverageReport, base: &str) -> NewCode {
    let mut nc = NewCode {
        base: base.to_owned(),
        ..NewCode::default()
    };
    for (file, lines) in changes {
        let mut hits: BTreeMap<u32, u64> = BTreeMap::new();
        for (path, fc) in &coverage.files {
            if same_file(path, file) {
                for &(l, h) in &fc.line_hits {
                    *hits.entry(l).or_default() += h;
                }
            }
        }
        let mut missed = Vec::new();
        for l in lines {
            if let Some(&h) = hits.get(l) {
                nc.coverable += 1;
                if h > 0 {
                    nc.covered += 1;
                } else {
                    missed.push(*l);
                }
            }
        }
        if !missed.is_empty() {
            nc.uncovered.push((file.clone(), missed));
        }
    }
    nc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn added_lines_come_from_hunk_headers() {
        let diff = "diff --git a/src/a.py b/src/a.py\n--- a/src/a.py\n+++ b/src/a.py\n@@ -1,0 +2,3 @@\n+x\n+y\n+z\n@@ -10 +13 @@\n-a\n+b\ndiff --git a/gone.py b/gone.py\n--- a/gone.py\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n";
        let c = parse_diff(diff);
        assert_eq!(c["src/a.py"], vec![2, 3, 4, 13]);
        assert!(!c.contains_key("gone.py"));
    }

    #[test]
    fn paths_match_on_directory_boundaries() {
        assert!(same_file("pkg/mod.py", "src/pkg/mod.py"));
        assert!(same_file(
            "/home/runner/work/r/src/pkg/mod.py",
            "src/pkg/mod.py"
        ));
        assert!(!same_file("kg/mod.py", "src/pkg/mod.py"));
    }
}
