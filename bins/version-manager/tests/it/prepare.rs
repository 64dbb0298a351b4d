//! `prepare-release`: bump, changelog, commit, tag, push, all or nothing.

use crate::common::{TestRepo, json, ok, run, snapshot, vm};

fn released_repo() -> TestRepo {
    let repo = TestRepo::new();
    repo.write_file("VERSION", "1.2.0\n");
    repo.write_file(
        "CHANGELOG.md",
        "# Changelog\n\nAll notable changes.\n\n## 1.2.0 (2024-01-01)\n\n- the old entry, untouched\n",
    );
    repo.run_git(&["add", "."]);
    repo.commit("feat: first");
    repo.tag("v1.2.0");
    repo.commit("feat(cart): add coupons (#41)");
    repo.commit("fix: rounding");
    repo
}

fn read(repo: &TestRepo, path: &str) -> String {
    std::fs::read_to_string(repo.path().join(path)).unwrap()
}

#[test]
fn prepare_release_bumps_commits_tags_and_prepends_the_changelog() {
    let repo = released_repo();
    let out = ok(&repo, &["prepare-release", "--tag"]);
    assert_eq!(out.trim(), "1.3.0");
    assert_eq!(read(&repo, "VERSION"), "1.3.0\n");
    assert_eq!(
        repo.run_git(&["log", "-1", "--format=%s"]),
        "chore(release): v1.3.0"
    );
    assert_eq!(repo.run_git(&["cat-file", "-t", "v1.3.0"]), "tag");
    assert_eq!(repo.run_git(&["rev-parse", "v1.3.0^{commit}"]), repo.head());
    let changelog = read(&repo, "CHANGELOG.md");
    assert!(
        changelog.starts_with("# Changelog\n\nAll notable changes.\n\n## 1.3.0 (2024-01-01)\n\n### Features\n\n- **cart:** add coupons (#41) ("),
        "{changelog}"
    );
    assert!(changelog.ends_with("## 1.2.0 (2024-01-01)\n\n- the old entry, untouched\n"));
    assert_eq!(repo.run_git(&["status", "--porcelain"]), "");
    // The release commit itself does not count for the next release.
    let (code, _, _) = run(vm(repo.path()).arg("next"));
    assert_eq!(code, 1);
}

#[test]
fn prepare_release_creates_the_changelog_when_missing_and_commits_it() {
    let repo = TestRepo::new();
    repo.commit_file("package.json", "{\"version\": \"0.1.0\"}\n", "feat: first");
    repo.tag("v0.1.0");
    repo.commit("feat!: new api");
    let doc = json(&repo, &["prepare-release", "--auto-commit"]);
    assert_eq!(doc["version"], "0.2.0");
    assert_eq!(doc["released"], false);
    assert!(read(&repo, "CHANGELOG.md").starts_with("# Changelog\n\n## 0.2.0"));
    assert_eq!(repo.run_git(&["status", "--porcelain"]), "");
    assert_eq!(repo.tags(), vec!["v0.1.0"]);
}

#[test]
fn prepare_release_pushes_branch_and_tag_atomically() {
    let mut repo = released_repo();
    repo.bare_remote();
    repo.run_git(&["push", "--quiet", "origin", "main", "--tags"]);
    let out_file = repo.path().join("../gh-output-push");
    std::fs::write(&out_file, "").unwrap();
    let (code, out, err) = run(vm(repo.path())
        .args(["prepare-release", "--push"])
        .env("GITHUB_OUTPUT", &out_file));
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(repo.run_git_in_remote(&["rev-parse", "main"]), repo.head());
    assert_eq!(
        repo.run_git_in_remote(&["tag", "--list", "v1.3.0"]),
        "v1.3.0"
    );
    let outputs = std::fs::read_to_string(&out_file).unwrap();
    assert!(
        outputs.contains("released<<") || outputs.contains("released="),
        "{outputs}"
    );
    assert!(outputs.contains("v1.3.0"));
    let _ = std::fs::remove_file(out_file);
}

#[test]
fn prepare_release_with_a_prerelease_channel() {
    let repo = released_repo();
    assert_eq!(
        ok(&repo, &["prepare-release", "--tag", "--pre", "rc"]).trim(),
        "1.3.0-rc.1"
    );
    repo.commit("fix: more");
    assert_eq!(
        ok(&repo, &["prepare-release", "--tag", "--pre", "rc"]).trim(),
        "1.3.0-rc.2"
    );
    assert_eq!(ok(&repo, &["prepare-release", "--tag"]).trim(), "1.3.0");
    assert_eq!(
        repo.tags(),
        vec!["v1.2.0", "v1.3.0", "v1.3.0-rc.1", "v1.3.0-rc.2"]
    );
}

#[test]
fn dirty_working_tree_is_refused_and_nothing_changes() {
    let repo = released_repo();
    repo.write_file("VERSION", "9.9.9\n");
    let before = snapshot(&repo);
    let (code, _, err) = run(vm(repo.path()).args(["prepare-release", "--tag"]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("uncommitted changes: VERSION"), "{err}");
    assert!(err.contains("--allow-dirty"), "{err}");
    assert_eq!(snapshot(&repo), before);
}

#[test]
fn allow_dirty_releases_without_committing_unrelated_changes() {
    let repo = released_repo();
    repo.commit_file("README.md", "hello\n", "docs: readme");
    repo.write_file("README.md", "local edit\n");
    ok(&repo, &["prepare-release", "--tag", "--allow-dirty"]);
    assert_eq!(repo.run_git(&["status", "--porcelain"]), " M README.md");
    assert_eq!(
        repo.run_git(&["show", "--name-only", "--format=", "HEAD"]),
        "CHANGELOG.md\nVERSION"
    );
}

#[test]
fn existing_tag_is_refused_before_anything_is_written() {
    let repo = released_repo();
    repo.checkout_branch("other");
    repo.commit("chore: elsewhere");
    repo.tag("v1.3.0");
    repo.checkout_branch("main");
    let before = snapshot(&repo);
    let (code, _, err) = run(vm(repo.path()).args(["prepare-release", "--tag"]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("tag v1.3.0 already exists"), "{err}");
    assert_eq!(snapshot(&repo), before);
}

#[test]
fn failing_commit_hook_restores_every_file() {
    let repo = released_repo();
    let hook = repo.path().join(".git/hooks/pre-commit");
    std::fs::write(&hook, "#!/bin/sh\necho 'lint failed' >&2\nexit 1\n").unwrap();
    make_executable(&hook);
    let before = snapshot(&repo);
    let (code, _, err) = run(vm(repo.path()).args(["prepare-release", "--tag"]));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("commit hook"), "{err}");
    assert!(err.contains("every file was restored"), "{err}");
    assert_eq!(snapshot(&repo), before);
}

#[test]
fn rejected_push_undoes_commit_and_tag_and_restores_files() {
    let mut repo = released_repo();
    let remote = repo.bare_remote();
    repo.run_git(&["push", "--quiet", "origin", "main", "--tags"]);
    let hook = remote.join("hooks/pre-receive");
    std::fs::write(&hook, "#!/bin/sh\necho 'protected branch' >&2\nexit 1\n").unwrap();
    make_executable(&hook);
    let before = snapshot(&repo);
    let (code, _, err) = run(vm(repo.path()).args(["prepare-release", "--push"]));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("pushing"), "{err}");
    assert_eq!(snapshot(&repo), before);
    assert_eq!(repo.run_git_in_remote(&["tag", "--list", "v1.3.0"]), "");
}

#[test]
fn dry_run_reports_every_step_and_changes_nothing() {
    let repo = released_repo();
    let before = snapshot(&repo);
    let (code, out, err) = run(vm(repo.path()).args(["prepare-release", "--push", "--dry-run"]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim(), "1.3.0");
    for step in [
        "would write VERSION",
        "would write CHANGELOG.md",
        "would commit: chore(release): v1.3.0",
        "would tag: v1.3.0",
        "would push main and v1.3.0 to origin",
    ] {
        assert!(err.contains(step), "{step} missing in {err}");
    }
    assert_eq!(snapshot(&repo), before);
}

#[test]
fn nothing_to_release_exits_1_and_changes_nothing() {
    let repo = TestRepo::new();
    repo.commit_file("VERSION", "1.0.0\n", "feat: first");
    repo.tag("v1.0.0");
    repo.commit("chore: deps");
    let before = snapshot(&repo);
    let (code, _, err) = run(vm(repo.path()).args(["prepare-release", "--tag"]));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("nothing to release since v1.0.0"), "{err}");
    assert_eq!(snapshot(&repo), before);
}

fn make_executable(path: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn a_runner_without_a_git_identity_commits_as_the_actions_bot() {
    let repo = released_repo();
    repo.run_git(&["config", "--unset", "user.name"]);
    repo.run_git(&["config", "--unset", "user.email"]);
    ok(&repo, &["prepare-release", "--tag"]);
    assert_eq!(
        repo.run_git(&["log", "-1", "--format=%an <%ae>"]),
        "github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>"
    );
}

#[test]
fn monorepo_package_release_uses_its_prefix_files_and_changelog() {
    let repo = TestRepo::new();
    repo.write_file(
        "slipway.toml",
        "[version.packages.api]\npath = \"services/api\"\n",
    );
    repo.write_file(
        "services/api/pyproject.toml",
        "[project]\nname = \"api\"\nversion = \"1.2.0\"\n",
    );
    repo.write_file("VERSION", "5.0.0\n");
    repo.run_git(&["add", "."]);
    repo.commit("feat: first");
    repo.tag("api-v1.2.0");
    repo.commit_file("services/api/app.py", "x", "feat(api): orders");
    repo.commit_file("web/app.js", "x", "fix(web): unrelated");
    let out_file = repo.path().join(".git/doc.json");
    let (code, out, err) = run(vm(repo.path())
        .args(["--package", "api", "--output"])
        .arg(&out_file)
        .args(["prepare-release", "--tag"]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim(), "1.3.0");
    assert!(repo.tags().contains(&"api-v1.3.0".to_owned()));
    assert!(read(&repo, "services/api/pyproject.toml").contains("version = \"1.3.0\""));
    assert_eq!(read(&repo, "VERSION"), "5.0.0\n");
    let changelog = read(&repo, "services/api/CHANGELOG.md");
    assert!(
        changelog.contains("orders") && !changelog.contains("unrelated"),
        "{changelog}"
    );
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out_file).unwrap()).unwrap();
    assert_eq!(doc["tag"], "api-v1.3.0");
    assert_eq!(doc["package"], "api");
    assert_eq!(doc["released"], true);
}

/// The first example of docs/version-manager.md, step by step.
#[test]
fn the_user_guide_first_example_works() {
    let repo = TestRepo::new();
    repo.commit_file("VERSION", "1.2.0\n", "feat: first");
    repo.tag("v1.2.0");
    repo.commit("feat(cart): add coupons (#41)");
    repo.commit("fix: rounding");
    let elsewhere = tempfile::tempdir().unwrap();
    let (code, out, err) = run(vm(elsewhere.path()).arg("-C").arg(repo.path()).arg("next"));
    assert_eq!((code, out.as_str()), (0, "1.3.0\n"), "{err}");
    ok(&repo, &["prepare-release", "--tag"]);
    assert_eq!(read(&repo, "VERSION"), "1.3.0\n");
    assert!(read(&repo, "CHANGELOG.md").starts_with("# Changelog\n\n## 1.3.0"));
    assert!(repo.tags().contains(&"v1.3.0".to_owned()));
}

/// `basic BASE64(x-access-token:TOKEN)`, the header value actions/checkout and we send.
fn basic(token: &str) -> String {
    use base64::Engine as _;
    format!(
        "basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("x-access-token:{token}"))
    )
}

#[test]
fn push_token_was_an_unscoped_extraheader_sent_to_other_remotes_and_beside_checkouts_own() {
    use slipway_test_support::git_http::GitHttpRemote;
    let token = "ghp_release_token";
    let remote = GitHttpRemote::start();
    let url = remote.create_repo("acme/shop");
    remote.require_authorization(&basic(token));
    let elsewhere = GitHttpRemote::start();
    let other_url = elsewhere.create_repo("acme/other");
    // What actions/checkout keeps: its own token, scoped to the host (as it does for
    // https://github.com/), or unscoped as older setups left it.
    let host = url.trim_end_matches("acme/shop.git").to_owned();
    for checkout_key in [
        format!("http.{host}.extraheader"),
        "http.extraheader".to_owned(),
    ] {
        let repo = released_repo();
        repo.run_git(&["remote", "add", "origin", &url]);
        let bare = remote.repo_path("acme/shop");
        repo.run_git(&[
            "push",
            "--quiet",
            "--force",
            &bare.to_string_lossy(),
            "main",
            "--tags",
        ]);
        repo.run_git(&["config", &checkout_key, &basic("checkout_token")]);
        // A pre-push hook that talks to another repository: it inherits git's
        // environment, so an unscoped header would reach that host too.
        repo.write_file(
            ".git/hooks/pre-push",
            &format!("#!/bin/sh\ngit ls-remote {other_url} >/dev/null 2>&1 || true\n"),
        );
        make_executable(&repo.path().join(".git/hooks/pre-push"));
        let seen = remote.requests().len();
        let (code, out, err) = run(vm(repo.path())
            .args(["prepare-release", "--push"])
            .env("GITHUB_TOKEN", token));
        assert_eq!(code, 0, "{checkout_key}: {out}{err}");
        assert!(!err.contains(token), "{err}");
        assert_eq!(
            remote.run_git("acme/shop", &["rev-parse", "main"]),
            repo.head()
        );
        assert_eq!(
            remote.run_git("acme/shop", &["tag", "--list", "v1.3.0"]),
            "v1.3.0"
        );
        let pushes: Vec<_> = remote.requests()[seen..]
            .iter()
            .filter(|r| r.target.contains("git-receive-pack"))
            .cloned()
            .collect();
        assert!(pushes.len() >= 2, "{pushes:?}");
        for r in &pushes {
            assert_eq!(
                r.authorization(),
                vec![basic(token)],
                "{checkout_key}: {} {}",
                r.method,
                r.target
            );
        }
        let stray = elsewhere.requests();
        assert!(!stray.is_empty(), "the pre-push hook did not run");
        for r in &stray {
            assert_eq!(r.authorization(), Vec::<String>::new(), "{}", r.target);
        }
        // Next round: a fresh remote history.
        remote.run_git("acme/shop", &["tag", "-d", "v1.3.0"]);
    }
}
