//! `verify`: lint commit messages for pull request checks.

use crate::common::{TestRepo, run, vm};

#[test]
fn conventional_range_passes() {
    let repo = TestRepo::new();
    repo.commit("feat: first");
    let base = repo.head();
    repo.commit("fix(api): x");
    repo.commit("docs: y");
    let (code, _, err) = run(vm(repo.path()).args(["verify", &format!("{base}..HEAD")]));
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("2 commit(s)"), "{err}");
}

#[test]
fn each_offending_commit_is_named_and_the_check_fails() {
    let repo = TestRepo::new();
    repo.commit("feat: first");
    let base = repo.head();
    let bad = repo.commit("Update stuff");
    repo.commit("feet: typo in type");
    repo.commit("fix: fine");
    let (code, _, err) = run(vm(repo.path())
        .args(["verify", &base])
        .env("GITHUB_ACTIONS", "true"));
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains(&format!(
            "::error title=Conventional Commits::commit {} \"Update stuff\"",
            &bad[..7]
        )),
        "{err}"
    );
    assert!(err.contains("unknown type `feet`"), "{err}");
    assert!(err.contains("2 of 3 commit(s)"), "{err}");
}

#[test]
fn pull_request_commits_come_from_the_event_payload() {
    let repo = TestRepo::new();
    repo.commit("feat: first");
    let base = repo.head();
    repo.checkout_branch("feature");
    repo.commit("WIP");
    let head = repo.head();
    repo.checkout_branch("main");
    let event = repo.path().join(".git/event.json");
    std::fs::write(
        &event,
        format!(r#"{{"pull_request":{{"number":5,"base":{{"sha":"{base}"}},"head":{{"sha":"{head}"}}}}}}"#),
    )
    .unwrap();
    let (code, _, err) = run(vm(repo.path())
        .arg("verify")
        .env("GITHUB_EVENT_PATH", &event));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("\"WIP\""), "{err}");
}

#[test]
fn merge_commits_are_skipped_and_configured_types_accepted() {
    let repo = TestRepo::new();
    repo.commit("feat: first");
    let base = repo.head();
    repo.checkout_branch("x");
    repo.commit("deps: bump serde");
    repo.checkout_branch("main");
    repo.run_git(&["merge", "--no-ff", "--no-edit", "x"]);
    repo.write_file("slipway.toml", "[version]\ntypes = { deps = \"patch\" }\n");
    let (code, _, err) = run(vm(repo.path()).args(["verify", &format!("{base}..")]));
    assert_eq!(code, 0, "{err}");
}
