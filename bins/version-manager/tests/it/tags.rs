//! `tags`: image tags for the current ref.

use crate::common::{TestRepo, ok, run, vm};

#[test]
fn a_release_tag_gets_version_minor_major_and_latest() {
    let repo = TestRepo::new();
    repo.commit("feat: first");
    repo.tag("v1.2.3");
    assert_eq!(ok(&repo, &["tags"]), "1.2.3\n1.2\n1\nlatest\n");
}

#[test]
fn a_branch_gets_branch_latest_and_the_short_sha() {
    let repo = TestRepo::new();
    let sha = repo.commit("feat: first");
    assert_eq!(
        ok(&repo, &["tags"]),
        format!("main-latest\nsha-{}\n", &sha[..7])
    );
}

#[test]
fn the_github_ref_decides_in_actions_and_image_prefixes() {
    let repo = TestRepo::new();
    repo.commit("feat: first");
    let out_file = repo.path().join(".git/out");
    std::fs::write(&out_file, "").unwrap();
    let (code, out, err) = run(vm(repo.path())
        .args(["tags", "--image", "ghcr.io/acme/shop"])
        .env("GITHUB_REF", "refs/tags/v2.0.0-rc.1")
        .env("GITHUB_SHA", "0123456789abcdef")
        .env("GITHUB_OUTPUT", &out_file));
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "ghcr.io/acme/shop:2.0.0-rc.1\n");
    let (_, out, _) = run(vm(repo.path())
        .arg("tags")
        .env("GITHUB_REF", "refs/heads/feature/Login")
        .env("GITHUB_SHA", "0123456789abcdef"));
    assert_eq!(out, "feature-login-latest\nsha-0123456\n");
    assert!(
        std::fs::read_to_string(&out_file)
            .unwrap()
            .contains("ghcr.io/acme/shop:2.0.0-rc.1")
    );
}
