use slipway_test_support::git::TestRepo;

#[test]
fn commits_and_tags_read_back_in_order() {
    let repo = TestRepo::new();
    let first = repo.commit("chore: initial commit");
    repo.tag("v0.1.0");
    repo.commit_file("src/lib.rs", "pub fn f() {}\n", "feat: add f");
    repo.tag_annotated("v0.2.0", "release 0.2.0");
    let head = repo.commit("fix: empty commit");

    assert_eq!(repo.branch(), "main");
    assert_eq!(repo.head(), head);
    assert_ne!(first, head);
    assert_eq!(repo.tags(), vec!["v0.1.0", "v0.2.0"]);
    assert_eq!(
        repo.run_git(&["describe", "--tags", "--abbrev=0"]),
        "v0.2.0"
    );
    assert_eq!(
        repo.run_git(&["log", "--format=%s"]),
        "fix: empty commit\nfeat: add f\nchore: initial commit"
    );
    assert_eq!(repo.run_git(&["cat-file", "-t", "v0.2.0"]), "tag");
    assert_eq!(repo.run_git(&["cat-file", "-t", "v0.1.0"]), "commit");

    let git2 = repo.open();
    let tip = git2.head().unwrap().peel_to_commit().unwrap();
    assert_eq!(tip.author().email(), Some("test@slipway.invalid"));
    assert_eq!(tip.id().to_string(), head);
}

#[test]
fn commit_dates_are_fixed_so_history_is_reproducible() {
    let a = TestRepo::new();
    let b = TestRepo::new();
    for repo in [&a, &b] {
        repo.commit("feat: one");
        repo.commit_file("README.md", "hi\n", "docs: two");
    }
    assert_eq!(a.head(), b.head());
    assert_eq!(
        a.run_git(&["log", "-1", "--format=%cI"]),
        "2024-01-01T00:01:00Z"
    );
}

#[test]
fn branches_and_a_bare_remote_take_pushes() {
    let mut repo = TestRepo::new();
    repo.commit("feat: base");
    repo.checkout_branch("feature");
    repo.commit("feat: on feature");
    assert_eq!(repo.branch(), "feature");
    repo.checkout_branch("main");
    assert_eq!(repo.run_git(&["log", "--format=%s"]), "feat: base");

    repo.tag("v1.0.0");
    let remote = repo.bare_remote();
    repo.run_git(&["push", "--quiet", "origin", "main", "feature", "--tags"]);
    assert!(remote.join("HEAD").is_file());
    assert_eq!(repo.run_git_in_remote(&["rev-parse", "main"]), repo.head());
    assert_eq!(repo.run_git_in_remote(&["tag", "--list"]), "v1.0.0");
}

#[test]
fn a_feature_branch_merges_with_a_merge_commit() {
    let repo = TestRepo::new();
    repo.commit("chore: base");
    repo.checkout_branch("feat/login");
    repo.commit_file("login.rs", "fn login() {}\n", "feat: login");
    repo.checkout_branch("main");
    let merge = repo.merge("feat/login", "Merge pull request #1 from feat/login");
    assert_eq!(
        repo.run_git(&["rev-list", "--parents", "-n", "1", &merge])
            .split(' ')
            .count(),
        3
    );
    assert!(repo.path().join("login.rs").is_file());
}
