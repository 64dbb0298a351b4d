//! Helpers: a `version-manager` command in a test repository with a clean environment.

use std::path::Path;

use assert_cmd::Command;
pub(crate) use slipway_test_support::git::TestRepo;

/// `version-manager` run in `dir`, with CI, GitHub and Slipway variables cleared so
/// tests behave the same on a laptop and in CI.
pub(crate) fn vm(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("version-manager").unwrap();
    cmd.current_dir(dir);
    for (key, _) in std::env::vars() {
        if key == "CI"
            || key.starts_with("GITHUB_")
            || key.starts_with("RUNNER_")
            || key.starts_with("SLIPWAY_")
            || key.starts_with("GIT_")
        {
            cmd.env_remove(key);
        }
    }
    cmd.env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("NO_COLOR", "1")
        .env("SOURCE_DATE_EPOCH", "1704067200")
        .timeout(std::time::Duration::from_secs(60));
    cmd
}

/// Runs and returns (exit code, stdout, stderr).
pub(crate) fn run(cmd: &mut Command) -> (i32, String, String) {
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs `version-manager ARGS` in the repo and returns stdout; panics on a non-zero exit.
pub(crate) fn ok(repo: &TestRepo, args: &[&str]) -> String {
    let (code, out, err) = run(vm(repo.path()).args(args));
    assert_eq!(code, 0, "version-manager {args:?} failed:\n{out}\n{err}");
    out
}

/// Runs and returns the JSON document.
pub(crate) fn json(repo: &TestRepo, args: &[&str]) -> serde_json::Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    serde_json::from_str(&ok(repo, &all)).unwrap()
}

/// The repository's state a failed command must leave alone: files, tags, HEAD, index.
pub(crate) fn snapshot(repo: &TestRepo) -> String {
    let mut files = String::new();
    let mut paths: Vec<_> = walk(repo.path());
    paths.sort();
    for p in paths {
        let rel = p
            .strip_prefix(repo.path())
            .unwrap()
            .to_string_lossy()
            .into_owned();
        files.push_str(&format!("{rel}: {:?}\n", std::fs::read(&p).unwrap()));
    }
    format!(
        "HEAD {}\ntags {:?}\nstatus {}\n{files}",
        repo.head(),
        repo.tags(),
        repo.run_git(&["status", "--porcelain"])
    )
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.file_name().is_some_and(|n| n == ".git") {
            continue;
        }
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}
