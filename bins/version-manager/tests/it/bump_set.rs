//! `bump` and `set`: every version file rewritten byte for byte apart from the version.

use crate::common::{TestRepo, json, ok, run, snapshot, vm};

fn repo_with_files() -> TestRepo {
    let repo = TestRepo::new();
    repo.write_file(
        "Cargo.toml",
        "[package]\nname = \"shop\"\nversion = \"1.2.0\" # managed by version-manager\nedition = \"2021\"\n\n[dependencies]\nserde = { version = \"1.0\" }\n",
    );
    repo.write_file(
        "Cargo.lock",
        "version = 4\n\n[[package]]\nname = \"serde\"\nversion = \"1.2.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n\n[[package]]\nname = \"shop\"\nversion = \"1.2.0\"\n",
    );
    repo.write_file(
        "package.json",
        "{\n    \"name\": \"shop\",\n    \"version\": \"1.2.0\",\n    \"dependencies\": {\"left-pad\": \"1.2.0\"}\n}\n",
    );
    repo.write_file(
        "package-lock.json",
        "{\n  \"name\": \"shop\",\n  \"version\": \"1.2.0\",\n  \"lockfileVersion\": 3,\n  \"packages\": {\n    \"\": {\n      \"name\": \"shop\",\n      \"version\": \"1.2.0\"\n    },\n    \"node_modules/left-pad\": {\n      \"version\": \"1.2.0\"\n    }\n  }\n}\n",
    );
    repo.write_file(
        "pyproject.toml",
        "[project]\nname = \"shop\"\nversion = \"1.2.0\"\n\n[tool.poetry]\nname = \"shop\"\nversion = \"1.2.0\"\n",
    );
    repo.write_file("setup.cfg", "[metadata]\nname = shop\nversion = 1.2.0\n");
    repo.write_file(
        "src/shop/__init__.py",
        "\"\"\"Shop.\"\"\"\n\n__version__ = \"1.2.0\"\n",
    );
    repo.write_file("VERSION", "1.2.0\n");
    repo.write_file(
        "chart/Chart.yaml",
        "apiVersion: v2\nname: shop\nversion: 1.2.0\nappVersion: \"1.2.0\"\n",
    );
    repo.write_file("deploy/values.yaml", "image:\n  tag: \"1.2.0\"\n");
    repo.write_file(
        "slipway.toml",
        r#"[version]
files = [
  "Cargo.toml",
  "package.json",
  "pyproject.toml",
  "setup.cfg",
  "src/shop/__init__.py",
  "VERSION",
  "chart/Chart.yaml",
  { path = "deploy/values.yaml", pattern = 'tag: "(?P<version>[^"]+)"' },
]
"#,
    );
    repo.run_git(&["add", "."]);
    repo.commit("feat: first");
    repo.tag("v1.2.0");
    repo
}

fn read(repo: &TestRepo, path: &str) -> String {
    std::fs::read_to_string(repo.path().join(path)).unwrap()
}

#[test]
fn bump_auto_rewrites_every_format_and_only_the_version() {
    let repo = repo_with_files();
    repo.commit("feat: checkout");
    let before: Vec<(String, String)> = [
        "Cargo.toml",
        "Cargo.lock",
        "package.json",
        "package-lock.json",
        "pyproject.toml",
        "setup.cfg",
        "src/shop/__init__.py",
        "VERSION",
        "chart/Chart.yaml",
        "deploy/values.yaml",
    ]
    .iter()
    .map(|p| ((*p).to_owned(), read(&repo, p)))
    .collect();
    let out = ok(&repo, &["bump", "auto"]);
    assert_eq!(out.trim(), "1.3.0");
    for (path, old) in &before {
        let new = read(&repo, path);
        let expected = match path.as_str() {
            // Only the manifest's own entry in the lock; serde keeps 1.2.0.
            "Cargo.lock" => old.replacen(
                "name = \"shop\"\nversion = \"1.2.0\"",
                "name = \"shop\"\nversion = \"1.3.0\"",
                1,
            ),
            "package.json" => old.replacen("\"version\": \"1.2.0\"", "\"version\": \"1.3.0\"", 1),
            "package-lock.json" => old.replacen("1.2.0", "1.3.0", 2),
            _ => old.replace("1.2.0", "1.3.0"),
        };
        assert_eq!(new, expected, "{path}");
    }
}

#[test]
fn bump_prerelease_writes_pep440_for_python_files() {
    let repo = repo_with_files();
    repo.commit("feat: checkout");
    let out = ok(&repo, &["bump", "auto", "--pre", "rc"]);
    assert_eq!(out.trim(), "1.3.0-rc.1");
    assert!(read(&repo, "pyproject.toml").contains("version = \"1.3.0rc1\""));
    assert!(read(&repo, "setup.cfg").contains("version = 1.3.0rc1"));
    assert!(read(&repo, "src/shop/__init__.py").contains("__version__ = \"1.3.0rc1\""));
    assert_eq!(read(&repo, "VERSION"), "1.3.0-rc.1\n");
    assert!(read(&repo, "chart/Chart.yaml").contains("version: 1.3.0-rc.1\n"));
}

#[test]
fn bump_explicit_levels_and_prerelease() {
    let repo = repo_with_files();
    assert_eq!(ok(&repo, &["bump", "major", "--dry-run"]).trim(), "2.0.0");
    assert_eq!(ok(&repo, &["bump", "patch", "--dry-run"]).trim(), "1.2.1");
    assert_eq!(
        ok(&repo, &["bump", "prerelease", "--dry-run"]).trim(),
        "1.2.1-rc.1"
    );
    assert_eq!(
        ok(&repo, &["bump", "minor", "--pre", "beta", "--dry-run"]).trim(),
        "1.3.0-beta.1"
    );
}

#[test]
fn bump_dry_run_changes_nothing_and_reports_files() {
    let repo = repo_with_files();
    repo.commit("fix: x");
    let before = snapshot(&repo);
    let doc = json(&repo, &["bump", "--dry-run"]);
    assert_eq!(doc["dry_run"], true);
    assert_eq!(doc["version"], "1.2.1");
    let files = doc["files"].as_array().unwrap();
    assert!(
        files
            .iter()
            .any(|f| f["path"] == "pyproject.toml" && f["to"] == "1.2.1")
    );
    assert_eq!(snapshot(&repo), before);
}

#[test]
fn bump_auto_with_nothing_releasable_exits_1_and_writes_nothing() {
    let repo = repo_with_files();
    repo.commit("docs: x");
    let before = snapshot(&repo);
    let (code, out, err) = run(vm(repo.path()).args(["bump", "auto"]));
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("nothing to release since v1.2.0"), "{err}");
    assert_eq!(snapshot(&repo), before);
}

#[test]
fn set_writes_a_valid_version_everywhere() {
    let repo = repo_with_files();
    assert_eq!(ok(&repo, &["set", "v2.0.0-beta.3"]).trim(), "2.0.0-beta.3");
    assert!(read(&repo, "pyproject.toml").contains("\"2.0.0b3\""));
    assert!(read(&repo, "package.json").contains("\"2.0.0-beta.3\""));
    assert!(read(&repo, "deploy/values.yaml").contains("tag: \"2.0.0-beta.3\""));
}

#[test]
fn set_rejects_a_non_semver_version_and_changes_nothing() {
    let repo = repo_with_files();
    let before = snapshot(&repo);
    let (code, _, err) = run(vm(repo.path()).args(["set", "1.2"]));
    assert_eq!(code, 2);
    assert!(err.contains("'1.2' is not a SemVer version"), "{err}");
    assert_eq!(snapshot(&repo), before);
}

#[test]
fn listed_file_without_a_version_is_bad_input_and_nothing_is_written() {
    let repo = repo_with_files();
    repo.write_file("setup.cfg", "[metadata]\nname = shop\n");
    repo.run_git(&["commit", "-qam", "chore: drop version from setup.cfg"]);
    let before = snapshot(&repo);
    let (code, _, err) = run(vm(repo.path()).args(["set", "3.0.0"]));
    assert_eq!(code, 2);
    assert!(err.contains("setup.cfg: no version found"), "{err}");
    assert_eq!(snapshot(&repo), before);
}

#[test]
fn detected_files_at_the_root_when_none_are_listed() {
    let repo = TestRepo::new();
    repo.write_file("package.json", "{\"name\":\"x\",\"version\":\"0.3.0\"}");
    repo.write_file(
        "Cargo.toml",
        "[workspace]\nmembers = [\"a\"]\n\n[workspace.package]\nversion = \"0.3.0\"\n",
    );
    repo.run_git(&["add", "."]);
    repo.commit("feat: first");
    assert_eq!(ok(&repo, &["set", "0.4.0"]).trim(), "0.4.0");
    assert_eq!(
        read(&repo, "package.json"),
        "{\"name\":\"x\",\"version\":\"0.4.0\"}"
    );
    assert!(read(&repo, "Cargo.toml").contains("[workspace.package]\nversion = \"0.4.0\"\n"));
}

#[test]
fn set_with_no_version_file_is_bad_input() {
    let repo = TestRepo::new();
    repo.commit("feat: first");
    let (code, _, err) = run(vm(repo.path()).args(["set", "1.0.0"]));
    assert_eq!(code, 2);
    assert!(err.contains("no version file found"), "{err}");
}
