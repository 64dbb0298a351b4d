//! `show` and `next`: the current version, the bump rules, prereleases, tag prefixes,
//! monorepo packages, nothing releasable, shallow clones.

use crate::common::{TestRepo, json, ok, run, vm};

fn next(repo: &TestRepo) -> String {
    ok(repo, &["next"]).trim().to_owned()
}

#[test]
fn feat_since_the_last_tag_bumps_minor() {
    let repo = TestRepo::new();
    repo.commit("feat: first");
    repo.tag("v1.2.0");
    repo.commit("fix: crash");
    repo.commit("feat(api): login");
    assert_eq!(next(&repo), "1.3.0");
    let doc = json(&repo, &["show"]);
    assert_eq!(doc["schema"], "slipway.version-manager/v1");
    assert_eq!(doc["current"], "1.2.0");
    assert_eq!(doc["current_tag"], "v1.2.0");
    assert_eq!(doc["next"], "1.3.0");
    assert_eq!(doc["tag"], "v1.3.0");
    assert_eq!(doc["bump"], "minor");
    assert_eq!(doc["released"], true);
    assert_eq!(doc["commits"]["total"], 2);
    assert_eq!(doc["commits"]["by_type"]["feat"], 1);
}

#[test]
fn fix_and_perf_bump_patch_and_breaking_bumps_major() {
    let repo = TestRepo::new();
    repo.commit("feat: first");
    repo.tag("v1.2.0");
    repo.commit("perf: faster");
    assert_eq!(next(&repo), "1.2.1");
    repo.commit("fix(db)!: drop the old column");
    assert_eq!(next(&repo), "2.0.0");
}

#[test]
fn breaking_change_footer_bumps_major() {
    let repo = TestRepo::new();
    repo.commit("feat: first");
    repo.tag("v1.0.0");
    repo.commit("feat: new config\n\nBREAKING CHANGE: `extends` now merges");
    assert_eq!(next(&repo), "2.0.0");
}

#[test]
fn breaking_change_while_major_is_zero_bumps_minor() {
    let repo = TestRepo::new();
    repo.commit("feat: first");
    repo.tag("v0.3.1");
    repo.commit("feat!: new api");
    assert_eq!(next(&repo), "0.4.0");
    repo.write_file(
        "slipway.toml",
        "[version]\nmajor_zero_breaking_bumps_minor = false\n",
    );
    assert_eq!(next(&repo), "1.0.0");
}

#[test]
fn nothing_releasable_prints_nothing_and_exits_1() {
    let repo = TestRepo::new();
    repo.commit("feat: first");
    repo.tag("v1.0.0");
    repo.commit("docs: readme");
    repo.commit("chore: tidy");
    let (code, out, err) = run(vm(repo.path()).arg("next"));
    assert_eq!(code, 1, "{err}");
    assert_eq!(out, "");
    assert!(err.contains("nothing to release"), "{err}");
    let doc = json(&repo, &["show"]);
    assert_eq!(doc["next"], serde_json::Value::Null);
    assert_eq!(doc["released"], false);
}

#[test]
fn configured_types_release_too() {
    let repo = TestRepo::new();
    repo.commit("feat: first");
    repo.tag("v1.0.0");
    repo.commit("docs: readme");
    repo.write_file("slipway.toml", "[version]\ntypes = { docs = \"patch\" }\n");
    assert_eq!(next(&repo), "1.0.1");
}

#[test]
fn no_tag_and_no_file_starts_at_the_initial_version() {
    let repo = TestRepo::new();
    repo.commit("feat!: everything");
    assert_eq!(next(&repo), "0.1.0");
    let doc = json(&repo, &["show"]);
    assert_eq!(doc["source"], "default");
    assert_eq!(doc["current"], "0.0.0");
    repo.write_file("slipway.toml", "[version]\ninitial_version = \"1.0.0\"\n");
    assert_eq!(next(&repo), "1.0.0");
}

#[test]
fn placeholder_version_file_without_a_tag_yielded_v0_0_0_instead_of_the_initial_version() {
    // semantic-release projects keep a placeholder in package.json; Python ones 0.0.0.dev0.
    for (file, text, written) in [
        (
            "package.json",
            "{\n  \"name\": \"shop\",\n  \"version\": \"0.0.0-semantic-release\"\n}\n",
            "\"version\": \"1.0.0\"",
        ),
        (
            "package.json",
            "{\n  \"name\": \"shop\",\n  \"version\": \"0.0.0-development\"\n}\n",
            "\"version\": \"1.0.0\"",
        ),
        (
            "pyproject.toml",
            "[project]\nname = \"shop\"\nversion = \"0.0.0.dev0\"\n",
            "version = \"1.0.0\"",
        ),
    ] {
        let repo = TestRepo::new();
        repo.commit_file(file, text, "fix: first");
        assert_eq!(next(&repo), "0.1.0", "{file}: {text}");
        let doc = json(&repo, &["show"]);
        assert_eq!(doc["source"], "default", "{text}");
        assert_eq!(doc["tag"], "v0.1.0", "{text}");
        let (code, out, err) = run(vm(repo.path()).arg("show"));
        assert_eq!(code, 0, "{err}");
        assert!(
            out.contains(&format!("no tag; {file} holds a placeholder")),
            "{out}"
        );
        repo.write_file("slipway.toml", "[version]\ninitial_version = \"1.0.0\"\n");
        assert_eq!(next(&repo), "1.0.0", "{text}");
        assert_eq!(ok(&repo, &["next", "--pre", "rc"]).trim(), "1.0.0-rc.1");
        ok(&repo, &["bump"]);
        let after = std::fs::read_to_string(repo.path().join(file)).unwrap();
        assert!(after.contains(written), "{after}");
    }
}

#[test]
fn no_tag_reads_the_version_file() {
    let repo = TestRepo::new();
    repo.commit_file("VERSION", "2.4.0\n", "feat: first");
    let doc = json(&repo, &["show"]);
    assert_eq!(doc["source"], "file");
    assert_eq!(doc["current"], "2.4.0");
    assert_eq!(doc["next"], "2.5.0");
}

#[test]
fn bare_and_v_tags_are_both_read_and_non_semver_tags_are_ignored_with_a_warning() {
    let repo = TestRepo::new();
    repo.commit("feat: first");
    repo.tag("1.4.0");
    repo.commit("fix: bug");
    repo.tag("v1.4.1");
    repo.tag("release-candidate");
    repo.tag("v1.5");
    repo.commit("fix: another");
    let (code, out, err) = run(vm(repo.path()).arg("next"));
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim(), "1.4.2");
    assert!(
        err.contains("ignored 1 tag(s) that are not SemVer: v1.5"),
        "{err}"
    );
}

#[test]
fn the_highest_tag_on_the_same_commit_wins() {
    let repo = TestRepo::new();
    repo.commit("feat: first");
    repo.tag("v1.0.0");
    repo.tag("v1.1.0-rc.1");
    repo.tag_annotated("v1.1.0", "release 1.1.0");
    repo.commit("fix: x");
    assert_eq!(next(&repo), "1.1.1");
}

#[test]
fn prereleases_count_up_and_promote() {
    let repo = TestRepo::new();
    repo.commit("feat: first");
    repo.tag("v1.2.0");
    repo.commit("feat: second");
    assert_eq!(ok(&repo, &["next", "--pre", "rc"]).trim(), "1.3.0-rc.1");
    repo.tag("v1.3.0-rc.1");
    repo.commit("fix: polish");
    assert_eq!(ok(&repo, &["next", "--pre", "rc"]).trim(), "1.3.0-rc.2");
    assert_eq!(ok(&repo, &["next", "--pre", "beta"]).trim(), "1.3.0-beta.1");
    assert_eq!(next(&repo), "1.3.0");
}

#[test]
fn next_promoted_an_rc_without_being_asked_unless_promote_prereleases_is_off() {
    let repo = TestRepo::new();
    repo.commit_file("VERSION", "1.3.0-rc.1\n", "feat: first");
    repo.tag("v1.2.0");
    repo.commit("feat: second");
    repo.tag("v1.3.0-rc.1");
    // Default, as semantic-release on a release branch: the rc becomes 1.3.0.
    assert_eq!(next(&repo), "1.3.0");
    repo.write_file("slipway.toml", "[version]\npromote_prereleases = false\n");
    // Off: nothing new since the rc is nothing to release, not a promotion.
    let (code, out, err) = run(vm(repo.path()).arg("next"));
    assert_eq!((code, out.as_str()), (1, ""), "{err}");
    assert_eq!(json(&repo, &["show"])["next"], serde_json::Value::Null);
    // New work stays on the rc's channel.
    repo.commit("fix: polish");
    assert_eq!(next(&repo), "1.3.0-rc.2");
    assert_eq!(json(&repo, &["show"])["tag"], "v1.3.0-rc.2");
    assert_eq!(ok(&repo, &["bump", "--dry-run"]).trim(), "1.3.0-rc.2");
    // Asked: --promote, or naming the level.
    assert_eq!(ok(&repo, &["next", "--promote"]).trim(), "1.3.0");
    assert_eq!(
        ok(&repo, &["bump", "--dry-run", "--promote"]).trim(),
        "1.3.0"
    );
    assert_eq!(ok(&repo, &["bump", "minor", "--dry-run"]).trim(), "1.3.0");
    assert_eq!(
        ok(&repo, &["prepare-release", "--dry-run", "--allow-dirty"]).trim(),
        "1.3.0-rc.2"
    );
    assert_eq!(
        ok(
            &repo,
            &["prepare-release", "--dry-run", "--allow-dirty", "--promote"]
        )
        .trim(),
        "1.3.0"
    );
    // Another channel is still a switch of channel.
    assert_eq!(ok(&repo, &["next", "--pre", "beta"]).trim(), "1.3.0-beta.1");
    let (code, _, err) = run(vm(repo.path()).args(["next", "--pre", "rc", "--promote"]));
    assert_eq!(code, 2, "{err}");
}

#[test]
fn merge_commits_are_skipped_and_branch_commits_count() {
    let repo = TestRepo::new();
    repo.commit("feat: first");
    repo.tag("v1.0.0");
    repo.checkout_branch("feature");
    repo.commit("feat(ui): dark mode");
    repo.checkout_branch("main");
    repo.commit("fix: crash");
    repo.run_git(&["merge", "--no-ff", "--no-edit", "feature"]);
    let doc = json(&repo, &["show"]);
    assert_eq!(doc["next"], "1.1.0");
    assert_eq!(doc["commits"]["merges"], 1);
    assert_eq!(doc["commits"]["non_conventional"], 0);
    assert_eq!(doc["commits"]["total"], 3);
}

#[test]
fn commits_of_a_tagged_side_branch_are_not_counted_again() {
    let repo = TestRepo::new();
    repo.commit("feat: first");
    repo.checkout_branch("old");
    repo.commit("feat: old work released in 1.0.0");
    repo.checkout_branch("main");
    repo.commit("fix: a");
    repo.run_git(&["merge", "--no-ff", "--no-edit", "old"]);
    repo.tag("v1.0.0");
    repo.commit("fix: b");
    repo.checkout_branch("late");
    repo.run_git(&["reset", "--quiet", "--hard", "old"]);
    repo.commit("docs: on the old branch");
    repo.checkout_branch("main");
    repo.run_git(&["merge", "--no-ff", "--no-edit", "late"]);
    let doc = json(&repo, &["show"]);
    assert_eq!(doc["current"], "1.0.0");
    assert_eq!(doc["next"], "1.0.1");
    assert_eq!(
        doc["commits"]["by_type"]["feat"],
        serde_json::Value::Null,
        "{doc}"
    );
}

#[test]
fn non_conventional_commits_are_counted_and_reported() {
    let repo = TestRepo::new();
    repo.commit("feat: first");
    repo.tag("v1.0.0");
    repo.commit("Update README.md");
    repo.commit("fix: x");
    let (code, _, err) = run(vm(repo.path()).arg("show"));
    assert_eq!(code, 0);
    assert!(
        err.contains("1 commit(s) are not Conventional Commits"),
        "{err}"
    );
    let doc = json(&repo, &["show"]);
    assert_eq!(doc["commits"]["non_conventional"], 1);
    assert_eq!(doc["non_conventional"][0]["subject"], "Update README.md");
}

#[test]
fn odd_messages_are_read_leniently_with_a_warning() {
    let repo = TestRepo::new();
    repo.commit("feat: first");
    repo.tag("v1.0.0");
    repo.commit("\u{feff}feat(api client): add login  ");
    let (code, out, err) = run(vm(repo.path()).arg("next"));
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim(), "1.1.0");
    assert!(err.contains("read leniently"), "{err}");
}

#[test]
fn git_revert_of_a_feature_in_the_same_range_cancels_it() {
    let repo = TestRepo::new();
    repo.commit("feat: first");
    repo.tag("v1.0.0");
    let feat = repo.commit_file("a.txt", "a", "feat: risky");
    repo.run_git(&["revert", "--no-edit", &feat]);
    repo.commit("fix: small");
    assert_eq!(next(&repo), "1.0.1");
}

#[test]
fn monorepo_package_counts_only_commits_under_its_path() {
    let repo = TestRepo::new();
    repo.write_file(
        "slipway.toml",
        "[version.packages.api]\npath = \"services/api\"\n",
    );
    repo.commit_file("services/api/VERSION", "1.2.0\n", "feat(api): first");
    repo.tag("api-v1.2.0");
    repo.tag("v9.0.0");
    repo.commit_file("services/web/app.js", "x", "feat(web): unrelated");
    repo.commit_file("services/api/main.py", "x", "fix(api): crash");
    let out = ok(&repo, &["--package", "api", "next"]);
    assert_eq!(out.trim(), "1.2.1");
    let doc = json(&repo, &["--package", "api", "show"]);
    assert_eq!(doc["tag"], "api-v1.2.1");
    assert_eq!(doc["commits"]["total"], 1);
    assert_eq!(doc["package"], "api");
}

#[test]
fn unknown_package_is_bad_input() {
    let repo = TestRepo::new();
    repo.commit("feat: first");
    let (code, _, err) = run(vm(repo.path()).args(["--package", "web", "next"]));
    assert_eq!(code, 2);
    assert!(err.contains("unknown package 'web'"), "{err}");
}

#[test]
fn shallow_clone_without_tags_says_to_fetch_everything() {
    let mut repo = TestRepo::new();
    repo.commit("feat: first");
    repo.tag("v1.0.0");
    repo.commit("fix: a");
    repo.commit("fix: b");
    let remote = repo.bare_remote();
    repo.run_git(&["push", "--quiet", "origin", "main", "--tags"]);
    let clone = tempfile::tempdir().unwrap();
    let target = clone.path().join("shallow");
    repo.run_git(&[
        "clone",
        "--quiet",
        "--depth=1",
        "--no-tags",
        &format!("file://{}", remote.display()),
        &target.to_string_lossy(),
    ]);
    let (code, out, err) = run(vm(&target).arg("next"));
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("shallow clone"), "{err}");
    assert!(err.contains("fetch-depth: 0"), "{err}");
}

#[test]
fn outside_a_repository_is_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = run(vm(dir.path()).arg("show"));
    assert_eq!(code, 2);
    assert!(err.contains("not inside a git repository"), "{err}");
}

#[test]
fn github_outputs_are_written() {
    let repo = TestRepo::new();
    repo.commit("feat: first");
    repo.tag("v1.0.0");
    repo.commit("feat: second");
    let out_file = repo.path().join("gh-output");
    std::fs::write(&out_file, "").unwrap();
    let (code, _, err) = run(vm(repo.path())
        .arg("next")
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_OUTPUT", &out_file));
    assert_eq!(code, 0, "{err}");
    let outputs = std::fs::read_to_string(&out_file).unwrap();
    for expected in [
        "next", "1.1.0", "tag", "v1.1.0", "bump", "minor", "released", "true",
    ] {
        assert!(
            outputs.contains(expected),
            "{expected} missing in {outputs}"
        );
    }
}

/// `next` as a script calls it (just the version) and as the action calls it (`--json`,
/// the whole history read): (exit code, version).
fn next_both_ways(repo: &TestRepo, extra: &[&str]) -> ((i32, String), (i32, String)) {
    let (code, out, err) = run(vm(repo.path()).arg("next").args(extra));
    assert!(code == 0 || code == 1, "{err}");
    let (json_code, json_out, err) = run(vm(repo.path()).args(["--json", "next"]).args(extra));
    assert!(json_code == 0 || json_code == 1, "{err}");
    let doc: serde_json::Value = serde_json::from_str(&json_out).unwrap();
    (
        (code, out.trim().to_owned()),
        (json_code, doc["next"].as_str().unwrap_or("").to_owned()),
    )
}

#[test]
fn next_without_a_tag_read_all_history_and_now_stops_early_with_the_same_answers() {
    let expect = |repo: &TestRepo, extra: &[&str], want: (i32, &str)| {
        let (short, full) = next_both_ways(repo, extra);
        assert_eq!(short, full, "{extra:?}");
        assert_eq!(short, (want.0, want.1.to_owned()), "{extra:?}");
    };
    // The releasable commit is deep in history, under non-releasing ones.
    let repo = TestRepo::new();
    repo.commit("feat: the only feature");
    for i in 0..20 {
        repo.commit(&format!("docs: page {i}"));
    }
    repo.commit("Update README");
    expect(&repo, &[], (0, "0.1.0"));
    expect(&repo, &["--pre", "rc"], (0, "0.1.0-rc.1"));
    // Its revert, newer, cancels it: nothing to release.
    let feat = repo.run_git(&["rev-list", "--max-parents=0", "HEAD"]);
    repo.commit(&format!(
        "Revert \"feat: the only feature\"\n\nThis reverts commit {feat}."
    ));
    expect(&repo, &[], (1, ""));
    // A revert of something not in history is a patch: a release.
    repo.commit("Revert \"fix: elsewhere\"\n\nThis reverts commit 0123456789abcdef0123456789abcdef01234567.");
    expect(&repo, &[], (0, "0.1.0"));

    // Only non-releasing commits.
    let repo = TestRepo::new();
    repo.commit("docs: a");
    repo.commit("chore: b");
    expect(&repo, &[], (1, ""));
    expect(&repo, &["--pre", "beta"], (0, "0.1.0-beta.1"));

    // A monorepo package: a feature outside its path does not count.
    let repo = TestRepo::new();
    repo.write_file(
        "slipway.toml",
        "[version.packages.api]\npath = \"services/api\"\n",
    );
    repo.commit_file("services/web/a.txt", "a", "feat: web feature");
    repo.commit_file("services/api/a.txt", "a", "docs: api docs");
    expect(&repo, &["--package", "api"], (1, ""));
    repo.commit_file("services/api/b.txt", "b", "fix: api fix");
    repo.commit_file("services/web/b.txt", "b", "docs: web docs");
    expect(&repo, &["--package", "api"], (0, "0.1.0"));

    // A version file with a release: bumped from it (the whole history counts).
    let repo = TestRepo::new();
    repo.commit_file("VERSION", "2.4.0\n", "feat!: breaking, first");
    repo.commit("fix: newest");
    expect(&repo, &[], (0, "3.0.0"));
}
